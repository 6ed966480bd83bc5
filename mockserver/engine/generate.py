"""Tool-call arguments generated from the function's JSON Schema: deterministic for a seed, and
checked against the schema before they are returned.

Supported: ``type`` (one or several), ``enum``, ``const``, ``required``, ``properties``,
``additionalProperties``, ``min/maxProperties``, ``dependentRequired``, numeric bounds (inclusive
and exclusive, draft 4 booleans too) and ``multipleOf``, string lengths, ``pattern``, formats
(date-time, date, time, email, uuid, uri, hostname, ipv4, ipv6, duration), arrays (``items``,
``prefixItems``, lengths, ``uniqueItems``, ``contains``), local ``$ref``/``$defs``/``definitions``
(recursion included), ``allOf``, ``anyOf``, ``oneOf``. Whatever the generator cannot honour
(``not``, ``if``/``then``, exotic patterns) is caught by the final validation; other attempts
(fewer optional fields, other branches) follow before it gives up with the schema's complaint.
"""

from __future__ import annotations

import copy
import math
import random
import re
from typing import Any
from urllib.parse import unquote

from mockserver.engine.strings import FORMATS, WORDS, string_for
from mockserver.validation.arguments import arguments_problem
from mockserver.validation.schemas import schema_key
from mockserver.wire import jsoncodec

ATTEMPTS = 12
MAX_DEPTH = 6  # below this, objects get required fields only and arrays their minimum length
_ANY_TYPES = ("string", "integer", "number", "boolean")


MAX_GENERATED = 10_000  # longest string / array generated: one request must not stall the server


class GenerationError(ValueError):
    pass


def generate_arguments(schema: dict[str, Any] | None, seed: str, partial: dict[str, Any] | None = None) -> str:
    """JSON text of an object valid against ``schema`` (None: no parameters → ``{}``).

    ``partial``: fields given by the scenario, kept as they are (nested objects are filled too).
    """
    if schema is None:
        return jsoncodec.dumps_str(partial or {})
    key = schema_key(schema)
    problem = "no attempt made"
    for attempt in range(ATTEMPTS):
        generator = _Generator(schema, random.Random(f"{seed}:{attempt}"), attempt)
        try:
            value = generator.value(schema, "arguments", 0, partial)
        except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
            # GenerationError and PatternError are ValueErrors; the others come from a client's
            # schema with values the generator could not use (never a 500 for client input)
            problem = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
            continue
        if not isinstance(value, dict):
            problem = f"the schema produced {type(value).__name__}, not an object"
            continue
        text = jsoncodec.dumps_str(value)
        problem = arguments_problem(key, text) or ""
        if not problem:
            return text
    raise GenerationError(f"cannot generate valid arguments from this schema: {problem}")


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Both schemas at once, as far as generation needs (``allOf``, ``$ref`` siblings, branches)."""
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key == "properties":
            props = dict(out[key])
            for name, sub in value.items():
                props[name] = merge(props[name], sub) if isinstance(props.get(name), dict) and isinstance(sub, dict) else sub
            out[key] = props
        elif key == "required":
            out[key] = list(dict.fromkeys(list(out[key]) + list(value)))
        elif key in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties") and _numbers(out[key], value):
            out[key] = max(out[key], value)
        elif key in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties") and _numbers(out[key], value):
            out[key] = min(out[key], value)
        elif key == "type":
            left = set(out[key]) if isinstance(out[key], list) else {out[key]}
            right = set(value) if isinstance(value, list) else {value}
            both = left & right or (({"integer"} if "integer" in left | right and "number" in left | right else set()))
            out[key] = sorted(both) if both else value
        elif key == "enum":
            out[key] = [v for v in out[key] if v in value] or value
        else:
            out[key] = value
    return out


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


class _Generator:
    def __init__(self, root: dict[str, Any], rng: random.Random, attempt: int) -> None:
        self.root = root
        self.rng = rng
        self.attempt = attempt  # 0: every optional field; 1-2: some; later: required only
        self.offset = 0  # on attempt 0, choices take the first option, then the next (unique items)

    def pick(self, options: list[Any]) -> Any:
        """The first option on the first attempt (the most predictable value), else a seeded choice."""
        if self.attempt == 0:
            return options[self.offset % len(options)]
        return self.rng.choice(options)

    # --- schema plumbing ----------------------------------------------------------------------

    def resolve(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        seen = 0
        while "$ref" in schema:
            seen += 1
            if seen > 32:
                raise GenerationError("$ref chain too long")
            ref = schema["$ref"]
            target = self._pointer(ref)
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = merge(target, rest) if rest else target
        if "allOf" in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                if isinstance(part, dict):
                    merged = merge(merged, self.resolve(part, depth))
            schema = merged
        return schema

    def _pointer(self, ref: str) -> dict[str, Any]:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise GenerationError(f"$ref {ref!r} is not local (only '#/…' references are followed)")
        node: Any = self.root
        for part in [p for p in ref[1:].split("/") if p]:
            part = unquote(part).replace("~1", "/").replace("~0", "~")
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                raise GenerationError(f"$ref {ref!r} points at nothing")
        if node is True:
            return {}
        if not isinstance(node, dict):
            raise GenerationError(f"$ref {ref!r} is not a schema")
        return node

    # --- values ---------------------------------------------------------------------------------

    def value(self, schema: Any, name: str, depth: int, partial: Any = None) -> Any:
        if schema is True or schema is None:
            schema = {}
        if schema is False:
            raise GenerationError(f"'{name}': the schema 'false' accepts no value")
        if depth > 40:
            raise GenerationError("the schema nests too deeply")
        schema = self.resolve(schema, depth)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                branches = [b for b in schema[key] if b is not False]
                if not branches:
                    raise GenerationError(f"'{name}': no branch of {key} can hold a value")
                branch = self._pick_branch(branches, depth)
                rest = {k: v for k, v in schema.items() if k != key}
                return self.value(merge(rest, self.resolve(branch if isinstance(branch, dict) else {}, depth)), name, depth, partial)
        if partial is not None and not isinstance(partial, dict):
            return partial
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        if "enum" in schema:
            if not schema["enum"]:
                raise GenerationError(f"'{name}': empty enum")
            return copy.deepcopy(self.pick(schema["enum"]))
        kind = self._type(schema, partial)
        if kind == "object":
            return self.object(schema, depth, partial if isinstance(partial, dict) else None)
        if kind == "array":
            return self.array(schema, name, depth)
        if kind == "string":
            return self.string(schema, name)
        if kind in ("integer", "number"):
            return self.number(schema, name, kind == "integer")
        if kind == "boolean":
            return self.pick([True, False])
        return None

    def _pick_branch(self, branches: list[Any], depth: int) -> Any:
        if depth >= MAX_DEPTH:  # recursion: prefer a branch without a $ref
            flat = [b for b in branches if not (isinstance(b, dict) and "$ref" in b)]
            branches = flat or branches
        if self.attempt == 0:
            typed = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            return self.pick(typed or branches)
        return self.rng.choice(branches)

    def _type(self, schema: dict[str, Any], partial: Any) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            options = [k for k in kind if k != "null"] or kind
            if not options:
                raise GenerationError("an empty list of types")
            return self.pick(options)
        if isinstance(kind, str):
            return kind
        if isinstance(partial, dict) or any(k in schema for k in ("properties", "required", "additionalProperties", "minProperties")):
            return "object"
        if any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems")):
            return "array"
        if any(k in schema for k in ("minLength", "maxLength", "pattern", "format")):
            return "string"
        if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
            return "number"
        return self.pick(list(_ANY_TYPES))

    def object(self, schema: dict[str, Any], depth: int, partial: dict[str, Any] | None) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties") or {}
        required = [r for r in schema.get("required") or [] if isinstance(r, str)]
        extra = schema.get("additionalProperties", True)
        max_props = schema.get("maxProperties", math.inf)
        names = list(dict.fromkeys(required))
        shallow = depth >= MAX_DEPTH or self.attempt >= 3
        for prop in props:
            if prop in names or shallow or len(names) >= max_props:
                continue
            if self.attempt == 0 or self.rng.random() < 0.5:
                names.append(prop)
        for prop in list(partial or {}):
            if prop not in names:
                names.append(prop)
        dependent = schema.get("dependentRequired") or {}
        legacy = schema.get("dependencies") or {}
        for prop in list(names):
            for need in list(dependent.get(prop, [])) + (list(legacy[prop]) if isinstance(legacy.get(prop), list) else []):
                if need not in names:
                    names.append(need)
        spare = [p for p in props if p not in names]
        wanted = schema.get("minProperties", 0)
        if isinstance(wanted, (int, float)) and wanted > MAX_GENERATED:
            raise GenerationError(f"minProperties {wanted} is more than mockserver generates ({MAX_GENERATED})")
        while len(names) < wanted:
            if spare:
                names.append(spare.pop(0))
            elif extra is not False:
                names.append(f"extra_{len(names)}")
            else:
                raise GenerationError("minProperties needs more properties than the schema allows")
        out: dict[str, Any] = {}
        for prop in names:
            given = (partial or {}).get(prop)
            if partial is not None and prop in partial and not isinstance(given, dict):
                out[prop] = given
                continue
            if prop in props:
                sub = props[prop]
            else:
                sub = self._pattern_schema(schema, prop) or (extra if extra is not False else None)
                if sub is None:
                    raise GenerationError(f"required property '{prop}' is not allowed by additionalProperties: false")
            out[prop] = self.value(sub, prop, depth + 1, given)
        return out

    @staticmethod
    def _pattern_schema(schema: dict[str, Any], prop: str) -> Any:
        for pattern, sub in (schema.get("patternProperties") or {}).items():
            if re.search(pattern, prop):
                return sub
        return None

    def array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems") or (schema["items"] if isinstance(schema.get("items"), list) else [])
        items = schema.get("items") if isinstance(schema.get("items"), (dict, bool)) else schema.get("additionalItems", {})
        low = schema.get("minItems", 0)
        high = schema.get("maxItems", math.inf)
        if isinstance(low, (int, float)) and low > MAX_GENERATED:
            raise GenerationError(f"'{name}': minItems {low} is more than mockserver generates ({MAX_GENERATED})")
        if depth >= MAX_DEPTH or self.attempt >= 3:
            wanted = low
        elif self.attempt == 0:
            wanted = max(low, len(prefix) or 1)
        else:
            wanted = self.rng.randint(low, max(low, int(min(high, low + 3))))
        wanted = int(min(wanted, high))
        out: list[Any] = []
        offset = self.offset
        contains = schema.get("contains")
        if contains is not None and contains is not False and wanted >= 1 and not prefix:
            out.append(self.value(merge(items, contains) if isinstance(items, dict) and isinstance(contains, dict) else contains, name, depth + 1))
        guard = 0
        while len(out) < wanted:
            guard += 1
            if guard > wanted + 50:
                raise GenerationError(f"'{name}': cannot find {wanted} distinct items")
            position = len(out)
            sub = prefix[position] if position < len(prefix) else items
            if sub is False:
                break
            item = self.value(sub, f"{name}_{position}", depth + 1)
            if schema.get("uniqueItems") and any(_same(item, other) for other in out):
                self.offset += 1
                continue
            out.append(item)
        self.offset = offset
        if len(out) < low:
            raise GenerationError(f"'{name}': minItems {low} cannot be reached")
        return out

    def string(self, schema: dict[str, Any], name: str) -> str:
        low = schema.get("minLength", 0)
        high = schema.get("maxLength", math.inf)
        if isinstance(low, (int, float)) and low > MAX_GENERATED:
            raise GenerationError(f"'{name}': minLength {low} is more than mockserver generates ({MAX_GENERATED})")
        fmt = schema.get("format")
        for _ in range(8):
            if "pattern" in schema:
                text = string_for(schema["pattern"], self.rng)
            elif fmt in FORMATS:
                text = FORMATS[fmt](self.rng)
            else:
                text = self._word(name)
            if fmt is None and "pattern" not in schema:
                text = _fit(text, low, high, self.rng)
            if low <= len(text) <= high:
                return text
        raise GenerationError(f"'{name}': no string within length {low}..{high} for the format/pattern")

    def _word(self, name: str) -> str:
        base = name if name and name.isidentifier() and len(name) <= 20 else "value"
        return f"{base}_{self.rng.choice(WORDS)}"

    def number(self, schema: dict[str, Any], name: str, integer: bool) -> int | float:
        low, low_open = _bound(schema, "minimum", "exclusiveMinimum")
        high, high_open = _bound(schema, "maximum", "exclusiveMaximum")
        if low is None and high is None:
            low, high = 1, 100
        elif low is None:
            low = high - 100
        elif high is None:
            high = low + 100
        step = schema.get("multipleOf")
        if step is not None and (not _numbers(step) or step <= 0):
            raise GenerationError(f"'{name}': multipleOf must be a positive number")
        if step is None:
            step = 1 if integer else None
        elif integer and not float(step).is_integer():
            step = step * _integer_factor(step)
        if step is not None:
            first = math.ceil(low / step)
            last = math.floor(high / step)
            candidates = [k * step for k in range(first, min(last, first + 200) + 1)]
            candidates = [c for c in candidates if _within(c, low, low_open, high, high_open) and _multiple(c, schema.get("multipleOf"))]
            if integer:
                candidates = [int(c) for c in candidates if float(c).is_integer()]
            if not candidates:
                raise GenerationError(f"'{name}': no {'integer' if integer else 'number'} between {low} and {high} fits multipleOf")
            return self.pick(candidates)
        for _ in range(20):
            value = round(self.rng.uniform(low, high), 2) if self.attempt else round((low + high) / 2, 2)
            if _within(value, low, low_open, high, high_open):
                return value
        raise GenerationError(f"'{name}': no number strictly between {low} and {high}")


def _bound(schema: dict[str, Any], inclusive: str, exclusive: str) -> tuple[Any, bool]:
    value = schema.get(inclusive)
    open_ = schema.get(exclusive)
    if isinstance(open_, bool):  # draft 4: a flag on minimum/maximum
        return value, open_
    if _numbers(open_) and (value is None or open_ >= value if inclusive == "minimum" else value is None or open_ <= value):
        return open_, True
    return value, False


def _within(value: float, low: float, low_open: bool, high: float, high_open: bool) -> bool:
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    return above and below


def _multiple(value: float, step: Any) -> bool:
    """jsonschema's own multipleOf check, floating point quirks included."""
    if step is None:
        return True
    if isinstance(step, float):
        quotient = value / step
        try:
            return int(quotient) == quotient
        except OverflowError:
            return False
    return value % step == 0


def _integer_factor(step: float) -> int:
    factor = 1
    while not float(step * factor).is_integer() and factor < 10**6:
        factor *= 10
    return factor


def _same(a: Any, b: Any) -> bool:
    return jsoncodec.dumps_sorted(a) == jsoncodec.dumps_sorted(b) and type(a) is type(b)


def _fit(text: str, low: int, high: float, rng: random.Random) -> str:
    while len(text) < low:
        text += rng.choice(WORDS)
    return text[: int(high)] if len(text) > high else text
