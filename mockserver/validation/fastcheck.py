"""A quick "valid" for the common shapes of tool schemas, so a valid instance skips jsonschema.

:func:`quick_check` compiles a schema made only of the keywords listed in ``_KEYWORDS`` into a
predicate. The predicate is *sound for acceptance*: when it returns True, jsonschema would find
no error either. When it returns False the instance may or may not be valid, and the caller asks
jsonschema, which decides and explains (see :func:`mockserver.validation.arguments.arguments_problem`).
A schema with any other keyword (``$ref``, ``anyOf``, ``pattern``, an unknown one …) gets no
predicate at all, so nothing outside this small, well-understood subset is judged here.

Why: a first-seen request with a scripted tool call validates its arguments once; through
jsonschema's ``iter_errors``/``best_match`` that was ~15 µs, a tenth of the whole request.
"""

from __future__ import annotations

from typing import Any, Callable

Predicate = Callable[[Any], bool]

# annotations: no effect on validity (``format`` is an annotation: no format checker is used)
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "deprecated", "readOnly",
                          "writeOnly", "format", "$id", "$schema"})
_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "items", "enum", "const",
                       "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                       "minItems", "maxItems"}) | _ANNOTATIONS
# drafts whose meaning of the keywords above is the same (draft 4's exclusiveMinimum is a boolean)
_DRAFTS = frozenset({None, "https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2019-09/schema",
                     "http://json-schema.org/draft-07/schema#", "http://json-schema.org/draft-07/schema",
                     "http://json-schema.org/draft-06/schema#", "http://json-schema.org/draft-06/schema"})
_MAX_DEPTH = 16


def _is_integer(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPES: dict[str, Predicate] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def _same(value: Any, wanted: Any) -> bool:
    """``value == wanted`` as JSON Schema means it, for scalars (True is not 1); False when unsure."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return type(value) is type(wanted) and value == wanted
    if _is_number(value):
        return _is_number(wanted) and value == wanted
    return False  # objects and arrays: left to jsonschema


def quick_check(schema: Any) -> Predicate | None:
    """A predicate for ``schema`` (True: certainly valid), or None if the schema is outside the subset."""
    if not isinstance(schema, dict) or schema.get("$schema") not in _DRAFTS:
        return None
    return _compile(schema, 0)


def _compile(schema: Any, depth: int) -> Predicate | None:
    if schema is True or schema == {}:
        return lambda v: True
    if not isinstance(schema, dict) or depth > _MAX_DEPTH or not _KEYWORDS.issuperset(schema):
        return None
    checks: list[Predicate] = []
    kind = schema.get("type")
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else kind
        if not isinstance(kinds, list) or not kinds or any(k not in _TYPES for k in kinds):
            return None
        tests = [_TYPES[k] for k in kinds]
        checks.append(tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests)))
    if "enum" in schema:
        options = schema["enum"]
        if not isinstance(options, list):
            return None
        checks.append(lambda v: any(_same(v, o) for o in options))
    if "const" in schema:
        wanted = schema["const"]
        checks.append(lambda v: _same(v, wanted))
    for made in (_strings(schema), _numbers(schema), _arrays(schema, depth), _objects(schema, depth)):
        if made is False:
            return None
        if made is not None:
            checks.append(made)
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(check(v) for check in checks)


def _count(schema: dict[str, Any], key: str) -> int | None | bool:
    """A non-negative integer keyword's value, None when absent, False when malformed."""
    value = schema.get(key)
    if value is None:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else False


def _strings(schema: dict[str, Any]) -> Predicate | None | bool:
    low, high = _count(schema, "minLength"), _count(schema, "maxLength")
    if low is False or high is False:
        return False
    if low is None and high is None:
        return None
    low = low or 0
    high = high if high is not None else float("inf")
    return lambda v: not isinstance(v, str) or low <= len(v) <= high  # code points, as jsonschema counts


def _numbers(schema: dict[str, Any]) -> Predicate | None | bool:
    bounds = [(key, schema[key]) for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") if key in schema]
    if not bounds:
        return None
    if any(not _is_number(value) for _, value in bounds):
        return False
    lo = schema.get("minimum", float("-inf"))
    hi = schema.get("maximum", float("inf"))
    xlo = schema.get("exclusiveMinimum", float("-inf"))
    xhi = schema.get("exclusiveMaximum", float("inf"))
    return lambda v: not _is_number(v) or (lo <= v <= hi and xlo < v < xhi)


def _arrays(schema: dict[str, Any], depth: int) -> Predicate | None | bool:
    low, high = _count(schema, "minItems"), _count(schema, "maxItems")
    if low is False or high is False:
        return False
    items = None
    if "items" in schema:
        items = _compile(schema["items"], depth + 1)
        if items is None:
            return False
    if low is None and high is None and items is None:
        return None
    low = low or 0
    high = high if high is not None else float("inf")
    if items is None:
        return lambda v: not isinstance(v, list) or low <= len(v) <= high
    return lambda v: not isinstance(v, list) or (low <= len(v) <= high and all(items(x) for x in v))


def _objects(schema: dict[str, Any], depth: int) -> Predicate | None | bool:
    properties = schema.get("properties")
    required = schema.get("required")
    extra = schema.get("additionalProperties", True)
    if properties is None and required is None and extra is True:
        return None
    if properties is None:
        properties = {}
    if not isinstance(properties, dict) or (required is not None and not isinstance(required, list)):
        return False
    compiled = {}
    for name, sub in properties.items():
        check = _compile(sub, depth + 1)
        if check is None:
            return False
        compiled[name] = check
    needed = tuple(required or ())
    if extra is True:
        others: Predicate | None = None
    elif extra is False:
        others = lambda v: False  # noqa: E731
    else:
        others = _compile(extra, depth + 1)
        if others is None:
            return False
    known = compiled.get

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for name in needed:
            if name not in v:
                return False
        for name, value in v.items():
            test = known(name)
            if test is None:
                if others is not None and not others(value):
                    return False
            elif not test(value):
                return False
        return True

    return check
