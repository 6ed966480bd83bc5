"""Google's OpenAPI-subset ``Schema`` (``FunctionDeclaration.parameters``: upper-case ``type``
values such as ``OBJECT``/``STRING``, ``nullable``, ``anyOf``, ``propertyOrdering``…) as a JSON
Schema, so arguments are checked by the same validator as every other dialect's.

Fields (the official ``Schema`` object, aiplatform v1 Discovery document): ``type``, ``format``,
``title``, ``description``, ``nullable``, ``default``, ``items``, ``minItems``, ``maxItems``,
``enum``, ``properties``, ``propertyOrdering``, ``required``, ``minProperties``,
``maxProperties``, ``minimum``, ``maximum``, ``minLength``, ``maxLength``, ``pattern``,
``example``, ``anyOf``, ``additionalProperties``, ``ref``, ``defs``. What a JSON Schema has no
word for (``format`` values such as ``enum``, ``example``, ``propertyOrdering``) is dropped.
"""

from __future__ import annotations

from typing import Any

TYPES = {"STRING": "string", "NUMBER": "number", "INTEGER": "integer", "BOOLEAN": "boolean", "ARRAY": "array",
         "OBJECT": "object", "NULL": "null"}
_COPIED = ("title", "description", "default", "minItems", "maxItems", "minProperties", "maxProperties",
           "minimum", "maximum", "minLength", "maxLength", "pattern", "required")
MAX_DEPTH = 64


class SchemaProblem(ValueError):
    """A ``Schema`` that is not well formed; the message names where (``properties.x.type``)."""


def to_json_schema(schema: Any, where: str = "parameters", depth: int = 0) -> dict[str, Any]:
    if depth > MAX_DEPTH:
        raise SchemaProblem(f"{where}: schema nested deeper than {MAX_DEPTH} levels")
    if not isinstance(schema, dict):
        raise SchemaProblem(f"{where}: a Schema must be an object")
    out: dict[str, Any] = {}
    kind = schema.get("type")
    if kind is not None:
        if not isinstance(kind, str) or kind.upper() not in TYPES:
            raise SchemaProblem(f"{where}.type: invalid value {kind!r}; expected one of {', '.join(TYPES)}")
        out["type"] = TYPES[kind.upper()]
        if schema.get("nullable") is True and out["type"] != "null":
            out["type"] = [out["type"], "null"]
    for key in _COPIED:
        if key in schema:
            out[key] = _number(schema[key]) if key.startswith(("min", "max")) else schema[key]
    if "enum" in schema:
        values = schema["enum"]
        if not isinstance(values, list):
            raise SchemaProblem(f"{where}.enum: must be a list")
        out["enum"] = values + [None] if schema.get("nullable") is True else values
    properties = schema.get("properties")
    if properties is not None:
        if not isinstance(properties, dict):
            raise SchemaProblem(f"{where}.properties: must be an object")
        out["properties"] = {name: to_json_schema(sub, f"{where}.properties.{name}", depth + 1) for name, sub in properties.items()}
    if "items" in schema:
        out["items"] = to_json_schema(schema["items"], f"{where}.items", depth + 1)
    if "anyOf" in schema:
        options = schema["anyOf"]
        if not isinstance(options, list):
            raise SchemaProblem(f"{where}.anyOf: must be a list")
        out["anyOf"] = [to_json_schema(sub, f"{where}.anyOf.{k}", depth + 1) for k, sub in enumerate(options)]
    extra = schema.get("additionalProperties")
    if isinstance(extra, bool):
        out["additionalProperties"] = extra
    elif isinstance(extra, dict):
        out["additionalProperties"] = to_json_schema(extra, f"{where}.additionalProperties", depth + 1)
    if isinstance(schema.get("defs"), dict):
        out["$defs"] = {name: to_json_schema(sub, f"{where}.defs.{name}", depth + 1) for name, sub in schema["defs"].items()}
    if isinstance(schema.get("ref"), str):
        ref = schema["ref"]
        out["$ref"] = ref if ref.startswith("#") else f"#/$defs/{ref}"
    return out


def _number(value: Any) -> Any:
    """``minItems``, ``maxLength``… are int64 in the proto: sent as strings by some clients."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value
