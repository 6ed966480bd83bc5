"""``mockserver validate``: check scenario files without serving them.

On top of what loading checks (YAML, format schema, template syntax, regexes, static
arguments), this looks at what can be known before any request arrives:

- template variables that do not exist, and ``captures.X`` that no regex of the rule captures;
- tool names a request can never declare, and replies that call a tool the rule does not
  require the request to declare (a request without it gets a 422 scenario error);
- replies that contradict the rule's own ``tool_choice`` matcher (always skipped);
- rules shadowed by an earlier catch-all (a rule without ``when``) at the same or a higher
  priority, in the same scenario (unreachable) or in an earlier scenario (reachable only when
  the request selects the scenario);
- duplicate scenario names across files.
- loops: a rule that calls tools and would answer its own follow-up again (``loops.py``).

``serve`` runs the same checks at start and on every reload (``startup.py``).

Each finding carries file, line, rule and path, like a load error, plus a severity and a check
name. Errors fail validation (exit status 1); warnings do not.
"""


from mockserver.lint.report import Finding, Report
from mockserver.lint.run import validate_paths
from mockserver.lint.templates import template_variables

__all__ = ["Finding", "Report", "template_variables", "validate_paths"]
