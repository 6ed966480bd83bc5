"""Reply templates: Jinja2's sandboxed environment over the request, plus a few filters.

Templates are compiled once, at load time; a syntax error is a load error with its location.
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime
from typing import Any

import regex
from jinja2 import StrictUndefined, TemplateError, Undefined, UndefinedError, meta

from mockserver.engine import budget
from mockserver.engine.context import parse_json
from mockserver.engine.matchers import search
from mockserver.engine.sandbox import BudgetedEnvironment
from mockserver.wire.bounded import bounded_cache

NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")


def regex_filter(value: Any, pattern: str, group: int | str = 1) -> str | None:
    """The given group of the first match of ``pattern`` in ``value`` (None if no match)."""
    found = search(_regex(pattern), str(value))
    if found is None:
        return None
    if found.re.groups == 0:
        return found.group(0)
    return found.group(group)


def regex_all_filter(value: Any, pattern: str, group: int | str = 0) -> list[str]:
    rx = _regex(pattern)
    group = group if group or rx.groups == 0 else 1
    try:
        return [m.group(group) for m in rx.finditer(str(value), timeout=budget.remaining(), concurrent=budget.off_loop())]
    except TimeoutError:
        budget.expired(f"the regex /{pattern}/")
        raise  # pragma: no cover - expired() raises


@bounded_cache(512, 4 * 1024 * 1024, size=lambda pattern: 1024 + 16 * len(pattern))
def _regex(pattern: str) -> Any:
    try:
        re.compile(pattern)  # Python's syntax and error messages
    except re.error as exc:
        raise ValueError(f"invalid regex {pattern!r}: {exc}") from None
    return regex.compile(pattern, regex.VERSION0)


def from_json_filter(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    parsed = parse_json(value)
    if parsed is None and value.strip() != "null":
        raise ValueError(f"from_json: not JSON: {value[:80]!r}")
    return parsed


def datetime_filter(value: Any) -> datetime:
    """Parse an ISO 8601 date-time (a trailing 'Z' is accepted)."""
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def number_filter(value: Any, default: Any = None) -> int | float | None:
    """The first number in a value ('75 degrees' → 75), as int when whole."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    found = NUMBER_RE.search(str(value))
    if found is None:
        return default
    text = found.group(0)
    return float(text) if "." in text else int(text)


def capitalize_words_filter(value: Any) -> str:
    """Upper-case the first letter of each word, leaving the rest alone ('new Delhi, CA' → 'New Delhi, CA')."""
    return re.sub(r"(^|\s)(\w)", lambda m: m.group(1) + m.group(2).upper(), str(value))


def _make_env() -> BudgetedEnvironment:
    env = BudgetedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters.update(
        regex=regex_filter,
        regex_all=regex_all_filter,
        from_json=from_json_filter,
        datetime=datetime_filter,
        number=number_filter,
        capitalize_words=capitalize_words_filter,
    )
    env.globals.update(max=max, min=min, abs=abs, len=len, round=round)
    return env


ENV = _make_env()
TEMPLATE_GLOBALS = dict(ENV.globals)
FILTERS = sorted(["regex", "regex_all", "from_json", "datetime", "number", "capitalize_words"])


class RenderError(Exception):
    pass


class Template:
    """A template string. ``{{ expr }}`` alone keeps the expression's type when rendered as a value."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.static = "{{" not in source and "{%" not in source and "{#" not in source
        self._expr = None
        self._template = None
        self.names: frozenset[str] = frozenset()  # the context names the template reads
        if self.static:
            return
        try:
            with warnings.catch_warnings():
                # a backslash Jinja does not know in a string literal ('\w') is kept as written;
                # validate says so (lint.templates), the compile need not print Python's warning
                warnings.simplefilter("ignore", DeprecationWarning)
                tree = ENV.parse(source)  # parsed once: the names are read off the tree that is compiled
                self._template = ENV.from_string(tree)  # first: its errors are worded without a fake file name
                self.names = frozenset(meta.find_undeclared_variables(tree))
                single = _single_expression(source)
                if single is not None:
                    self._expr = ENV.compile_expression(single)
        except TemplateError as exc:
            raise RenderError(f"template syntax error: {exc}") from None

    def render(self, context: dict[str, Any]) -> str:
        if self.static:
            return self.source
        assert self._template is not None
        try:
            # a shared context: the caller's dict (which holds the globals) is not copied per call
            return ENV.concat(self._template.root_render_func(self._template.new_context(context, shared=True)))  # type: ignore[attr-defined]
        except budget.BudgetExceeded as exc:
            raise self._over_budget(exc) from None
        except budget.Overtime:
            raise
        except UndefinedError as exc:
            raise RenderError(undefined_message(self.source, context, str(exc))) from None
        except Exception as exc:  # templates are user code: any failure is a scenario error
            raise RenderError(f"cannot render {self.source!r}: {type(exc).__name__}: {exc}") from None

    def _over_budget(self, exc: budget.BudgetExceeded) -> budget.BudgetExceeded:
        if exc.what != "the template":  # a regex inside it: say which
            return exc
        shown = self.source if len(self.source) <= 80 else self.source[:79] + "…"
        return budget.BudgetExceeded(f"the template {shown!r}", exc.seconds)

    def value(self, context: dict[str, Any]) -> Any:
        """Like render, but ``{{ expr }}`` alone yields the expression's own value (number, list…)."""
        if self._expr is None:
            return self.render(context)
        try:
            template = self._expr._template
            ctx = template.new_context(context, shared=True)
            for _ in template.root_render_func(ctx):
                pass
            result = ctx.vars["result"]
        except budget.BudgetExceeded as exc:
            raise self._over_budget(exc) from None
        except budget.Overtime:
            raise
        except UndefinedError as exc:
            raise RenderError(undefined_message(self.source, context, str(exc))) from None
        except Exception as exc:
            raise RenderError(f"cannot render {self.source!r}: {type(exc).__name__}: {exc}") from None
        if isinstance(result, Undefined):  # never rendered as null: name what is missing
            raise RenderError(undefined_message(self.source, context, result._undefined_message))
        if isinstance(result, datetime):
            return result.isoformat()
        return result


CAPTURE_RE = re.compile(r"""captures\s*(?:\.\s*(\w+)|\[\s*['"]([^'"]+)['"]\s*\])""")


def undefined_message(source: str, context: dict[str, Any], detail: str) -> str:
    """What an undefined value in a template is called: ``captures.X`` by name, else Jinja's words."""
    have = context.get("captures") or {}
    for found in CAPTURE_RE.finditer(source):
        name = found.group(1) or found.group(2)
        if name not in have and name not in ("get", "items", "keys", "values"):
            listed = ", ".join(sorted(have)) or "none"
            return (f"captures.{name} is undefined in {source!r}: no regex of this rule captured a group "
                    f"'{name}' for this request (captures: {listed}); use captures.get('{name}') for an optional group")
    missing = _MISSING_RE.search(detail)
    if missing:
        explained = _missing_key(source, context, missing.group(1))
        if explained:
            return explained
    return f"undefined value in {_shown(source)}: {detail}"


_MISSING_RE = re.compile(r"has no attribute '([^']+)'")


def _shown(source: str) -> str:
    return repr(source if len(source) <= 120 else source[:119] + "…")


def _missing_key(source: str, context: dict[str, Any], key: str) -> str | None:
    """``result.get_ticket.ticket_number is undefined …: result.get_ticket has no key
    'ticket_number' (did you mean …?; its keys: …)`` — the expression, and the names that exist."""
    from mockserver.engine.matchers import did_you_mean

    for found in re.finditer(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\." + re.escape(key) + r"\b", source):
        base = found.group(1)
        try:
            value = ENV.compile_expression(base, undefined_to_none=False)(**context)
        except Exception:  # noqa: BLE001 - only an explanation: fall back to Jinja's words
            continue
        if isinstance(value, dict):
            keys = sorted(map(str, value))
            near = did_you_mean(key, keys)
            return (f"{base}.{key} is undefined in {_shown(source)}: {base} has no key '{key}'"
                    f"{f' ({near})' if near else ''}; its keys: {', '.join(keys) or 'none'}")
    return None


# ``{{ expr }}`` alone; ``{{-`` and ``-}}`` (whitespace control, not a minus sign) are not part of expr
SINGLE_EXPR_RE = re.compile(r"^\s*\{\{-?(?P<expr>(?:(?!\}\}|\{\{).)*?)-?\}\}\s*$", re.DOTALL)


def _single_expression(source: str) -> str | None:
    found = SINGLE_EXPR_RE.match(source)
    return found.group("expr") if found else None


def compile_value(value: Any) -> Any:
    """Compile every string leaf of a YAML value into a Template."""
    if isinstance(value, str):
        return Template(value)
    if isinstance(value, dict):
        return {k: compile_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [compile_value(v) for v in value]
    return value


def names_in(value: Any) -> set[str]:
    """The context names read by the Templates in a compiled value (see :func:`compile_value`)."""
    if isinstance(value, Template):
        return set(value.names)
    if isinstance(value, dict):
        return set().union(*(names_in(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(names_in(v) for v in value))
    return set()


def render_value(value: Any, context: dict[str, Any]) -> Any:
    if isinstance(value, Template):
        return value.value(context)
    if isinstance(value, dict):
        return {k: render_value(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, context) for v in value]
    return value
