"""Checks shared by every dialect: tool declarations (metaschema, strict mode), ``tool_choice``,
a call's arguments against its schema, the strictness policy and OpenAI's wording of problems.

Each dialect (``mockserver.dialects.*``) checks its own request shape and call/result protocol
with these; every check yields :class:`~mockserver.wire.errors.APIError` problems, each naming
the offending place in ``param``.
"""
