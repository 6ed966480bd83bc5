"""Request parameters checked against the provider's official JSON Schema, in its wording.

Dialect-neutral: a dialect hands over its official schema document and the request object's
name (``CreateChatCompletionRequest``); :func:`parameter_schemas` inlines each top-level
property's schema (``$ref``s resolved, ``anyOf [X, null]`` unwrapped), and :func:`check_value`
walks a value against it, yielding OpenAI-worded problems tagged with the rule
``param.<name>.<kind>`` (kind: type, enum, minimum, maximum, length, required, unknown, pattern).
Only the keywords the official schemas use are understood; anything else is not checked.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator, Mapping

from mockserver.validation.problems import empty_array, invalid, invalid_type, invalid_value, missing, out_of_range
from mockserver.wire.errors import APIError

KINDS = ("type", "enum", "minimum", "maximum", "length", "required", "unknown", "pattern")
_DROP = {"description", "title", "default", "example", "examples", "deprecated", "x-oaiMeta", "x-oaiTypeLabel",
         "x-stainless-const", "x-oaiExpandable", "discriminator", "nullable"}
_NOUNS = {"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean",
          "object": "an object", "array": "an array", "null": "null"}


# --- schemas ------------------------------------------------------------------------------------


def parameter_schemas(document: Mapping[str, Any], request: str) -> dict[str, Any]:
    """Each top-level property of ``components/schemas/<request>``, inlined and simplified."""
    schemas = document["components"]["schemas"]
    properties: dict[str, Any] = {}
    for part in _all_of(schemas[request], schemas):
        properties.update(part.get("properties", {}))
    return {name: inline(schema, schemas) for name, schema in properties.items()}


def _all_of(schema: Mapping[str, Any], schemas: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if "$ref" in schema:
        return _all_of(schemas[schema["$ref"].rsplit("/", 1)[-1]], schemas)
    parts = [schema]
    for part in schema.get("allOf", []):
        parts.extend(_all_of(part, schemas))
    return parts


def inline(schema: Any, schemas: Mapping[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``schema`` with local ``$ref``s replaced by their targets (a recursive one by ``{}``:
    anything), ``anyOf``/``oneOf`` with a ``null`` branch reduced to the other branches, and
    documentation keys dropped."""
    if isinstance(schema, list):
        return [inline(s, schemas, seen) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen or name not in schemas:
            return {}
        target = inline(schemas[name], schemas, seen + (name,))
        rest = {k: v for k, v in schema.items() if k != "$ref" and k not in _DROP}
        return {**target, **inline(rest, schemas, seen)} if rest else target
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROP:
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {k: inline(v, schemas, seen) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = inline(value, schemas, seen)
        elif key in ("anyOf", "oneOf", "allOf"):
            branches = [inline(v, schemas, seen) for v in value]
            if key != "allOf":
                branches = [b for b in branches if b != {"type": "null"}]
            out[key] = branches
        else:
            out[key] = value
    for key in ("anyOf", "oneOf"):
        branches = out.get(key)
        if branches is not None and len(branches) == 1 and len(out) == 1:
            return branches[0]
    return out


def kinds_of(schema: Any) -> set[str]:
    """The kinds of problem :func:`check_value` can report for ``schema`` (for the rule book)."""
    found: set[str] = set()
    _collect(schema, found)
    return found


def _collect(schema: Any, found: set[str]) -> None:
    if isinstance(schema, list):
        for s in schema:
            _collect(s, found)
        return
    if not isinstance(schema, dict):
        return
    if "type" in schema or "anyOf" in schema or "oneOf" in schema:
        found.add("type")
    if "enum" in schema or "const" in schema or _discriminator(schema.get("oneOf") or schema.get("anyOf") or []):
        found.add("enum")
    if "minimum" in schema or "exclusiveMinimum" in schema:
        found.add("minimum")
    if "maximum" in schema or "exclusiveMaximum" in schema:
        found.add("maximum")
    if {"minItems", "maxItems", "minLength", "maxLength"} & set(schema):
        found.add("length")
    if schema.get("required"):
        found.add("required")
    if schema.get("additionalProperties") is False:
        found.add("unknown")
    if "pattern" in schema:
        found.add("pattern")
    for key in ("properties",):
        for sub in schema.get(key, {}).values():
            _collect(sub, found)
    for key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(key), (dict, list)):
            _collect(schema[key], found)


# --- checking -----------------------------------------------------------------------------------


def check_value(schema: Any, value: Any, path: str, rule: str) -> Iterator[APIError]:
    """Problems of ``value`` (at ``path``) against ``schema``; ``rule`` prefixes each problem's
    rule id (``param.temperature`` → ``param.temperature.maximum``). Null is always accepted:
    every optional parameter of the official schemas is nullable."""
    if value is None or not isinstance(schema, dict) or not schema:
        return
    for branch in schema.get("allOf", []):
        yield from check_value(branch, value, path, rule)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            yield from _branches(schema[key], schema, value, path, rule)
            return
    types = schema.get("type")
    if types is not None and not _is_type(value, types):
        yield _tag(invalid_type(path, _expected(schema), value), rule, "type")
        return
    options = schema["enum"] if "enum" in schema else [schema["const"]] if "const" in schema else None
    if options is not None and value not in options:
        yield _tag(invalid_value(path, value, [str(o) for o in options if o is not None]), rule, "enum")
        return
    if _is_number(value):
        yield from _range(schema, value, path, rule)
    elif isinstance(value, str):
        yield from _string(schema, value, path, rule)
    elif isinstance(value, list):
        yield from _array(schema, value, path, rule)
    elif isinstance(value, dict):
        yield from _object(schema, value, path, rule)


def _branches(branches: list[Any], schema: dict[str, Any], value: Any, path: str, rule: str) -> Iterator[APIError]:
    if not branches:
        return
    fitting = [b for b in branches if _fits(b, value)]
    if not fitting:
        yield _tag(invalid_type(path, _expected(schema), value), rule, "type")
        return
    key = _discriminator(fitting) if isinstance(value, dict) and len(fitting) > 1 else None
    if key is not None:
        options = [o for b in fitting for o in _tag_values(b, key)]
        if key not in value:
            yield _tag(missing(f"{path}.{key}"), rule, "required")
            return
        chosen = [b for b in fitting if value[key] in _tag_values(b, key)]
        if not chosen:
            yield _tag(invalid_value(f"{path}.{key}", value[key], options), rule, "enum")
            return
        fitting = chosen
    first: list[APIError] | None = None
    for branch in fitting:
        problems = list(check_value(branch, value, path, rule))
        if not problems:
            return
        first = problems if first is None else first
    yield from first or []


def _fits(branch: Any, value: Any) -> bool:
    """Whether ``value``'s JSON type is one ``branch`` can have (a branch without types: any)."""
    if not isinstance(branch, dict):
        return True
    if "type" in branch:
        return _is_type(value, branch["type"])
    nested = branch.get("oneOf") or branch.get("anyOf")
    return any(_fits(b, value) for b in nested) if nested else True


def _discriminator(branches: list[Any]) -> str | None:
    """A property every (object) branch pins to its own string values, e.g. ``type``."""
    if len(branches) < 2 or not all(isinstance(b, dict) and b.get("type") == "object" for b in branches):
        return None
    for key in branches[0].get("properties", {}):
        if all(_tag_values(b, key) for b in branches):
            return key
    return None


def _tag_values(branch: dict[str, Any], key: str) -> list[Any]:
    prop = branch.get("properties", {}).get(key, {})
    if not isinstance(prop, dict):
        return []
    values = prop.get("enum") or ([prop["const"]] if "const" in prop else [])
    return [v for v in values if isinstance(v, str)]


def _range(schema: dict[str, Any], value: Any, path: str, rule: str) -> Iterator[APIError]:
    integer = schema.get("type") == "integer"
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and value < low:
        yield _tag(out_of_range(path, value, low=low, integer=integer), rule, "minimum")
    elif high is not None and value > high:
        yield _tag(out_of_range(path, value, high=high, integer=integer), rule, "maximum")
    elif "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        yield _tag(invalid(path, f"Invalid '{path}': expected a value > {schema['exclusiveMinimum']}, but got {value} instead."), rule, "minimum")
    elif "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        yield _tag(invalid(path, f"Invalid '{path}': expected a value < {schema['exclusiveMaximum']}, but got {value} instead."), rule, "maximum")


def _string(schema: dict[str, Any], value: str, path: str, rule: str) -> Iterator[APIError]:
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        yield _tag(invalid(path, f"Invalid '{path}': string too long. Expected a string with maximum length "
                                 f"{schema['maxLength']}, but got a string with length {len(value)} instead.",
                           "string_above_max_length"), rule, "length")
    elif "minLength" in schema and len(value) < schema["minLength"]:
        yield _tag(invalid(path, f"Invalid '{path}': string too short. Expected a string with minimum length "
                                 f"{schema['minLength']}, but got a string with length {len(value)} instead.",
                           "string_below_min_length"), rule, "length")
    elif "pattern" in schema and not _pattern(schema["pattern"]).search(value):
        yield _tag(invalid(path, f"Invalid '{path}': string does not match pattern. Expected a string that "
                                 f"matches the pattern '{schema['pattern']}'."), rule, "pattern")


def _array(schema: dict[str, Any], value: list[Any], path: str, rule: str) -> Iterator[APIError]:
    if schema.get("minItems") and len(value) < schema["minItems"]:
        if not value:
            yield _tag(empty_array(path), rule, "length")
        else:
            yield _tag(invalid(path, f"Invalid '{path}': array too short. Expected an array with minimum length "
                                     f"{schema['minItems']}, but got an array with length {len(value)} instead.",
                               "array_below_min_length"), rule, "length")
        return
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        yield _tag(invalid(path, f"Invalid '{path}': array too long. Expected an array with maximum length "
                                 f"{schema['maxItems']}, but got an array with length {len(value)} instead.",
                           "array_above_max_length"), rule, "length")
        return
    items = schema.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(value):
            yield from check_value(items, item, f"{path}[{i}]", rule)


def _object(schema: dict[str, Any], value: dict[str, Any], path: str, rule: str) -> Iterator[APIError]:
    for key in schema.get("required", []):
        if key not in value:
            yield _tag(missing(f"{path}.{key}"), rule, "required")
            return
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        if key in properties:
            yield from check_value(properties[key], item, f"{path}.{key}", rule)
        elif extra is False:
            yield _tag(invalid(f"{path}.{key}", f"Unknown parameter: '{path}.{key}'.", "unknown_parameter"), rule, "unknown")
        elif isinstance(extra, dict):
            yield from check_value(extra, item, f"{path}.{key}", rule)


def _tag(problem: APIError, rule: str, kind: str) -> APIError:
    problem.rule = f"{rule}.{kind}"
    return problem


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_type(value: Any, types: Any) -> bool:
    for kind in types if isinstance(types, list) else [types]:
        if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
            return True
        if kind == "number" and _is_number(value):
            return True
        if (kind == "string" and isinstance(value, str)) or (kind == "boolean" and isinstance(value, bool)):
            return True
        if (kind == "object" and isinstance(value, dict)) or (kind == "array" and isinstance(value, list)):
            return True
        if kind == "null" and value is None:
            return True
    return False


def _expected(schema: dict[str, Any]) -> str:
    """OpenAI's phrase for what was expected: 'a string', 'one of a string or array of strings'."""
    branches = schema.get("oneOf") or schema.get("anyOf")
    names: list[str] = []
    for branch in branches if branches else [schema]:
        for name in _type_names(branch):
            if name not in names:
                names.append(name)
    if not names:
        return "a valid value"
    if len(names) == 1:
        return names[0]
    return "one of " + names[0] + "".join(f" or {n.split(' ', 1)[1] if ' ' in n else n}" for n in names[1:])


def _type_names(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    if "oneOf" in schema or "anyOf" in schema:
        return [n for b in schema.get("oneOf") or schema.get("anyOf") for n in _type_names(b)]
    types = schema.get("type")
    names = []
    for kind in types if isinstance(types, list) else [types] if types else []:
        if kind == "array" and isinstance(schema.get("items"), dict) and schema["items"].get("type") in _NOUNS:
            names.append(f"an array of {schema['items']['type']}s")
        elif kind in _NOUNS:
            names.append(_NOUNS[kind])
    return names


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
