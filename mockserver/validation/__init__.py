"""Checks shared by every dialect: tool declarations (metaschema, strict mode), ``tool_choice``,
a call's arguments against its schema, parameters against the official schema (``params``),
OpenAI's wording of problems, and the per-provider verdicts on each rule (``rules``).

Each dialect (``mockserver.dialects.*``) checks its own request shape and call/result protocol
with these; every check yields :class:`~mockserver.wire.errors.APIError` problems, each naming
the offending place in ``param`` and the rule it breaks in ``rule``; the dialect's
:class:`~mockserver.validation.rules.RuleBook` decides per profile: error, warning or accepted.
"""
