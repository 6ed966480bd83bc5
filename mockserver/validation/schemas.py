"""JSON Schema compilation for client-declared schemas: metaschema check, no remote ``$ref``,
compiled validators cached by the schema's canonical JSON (clients resend the same tools
every turn)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema
from jsonschema import exceptions as js_exceptions
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

from mockserver.wire import jsoncodec


def _refuse_remote(uri: str) -> Any:
    # Never fetch anything while validating a client's schema.
    raise NoSuchResource(ref=uri)


_REGISTRY: Registry = Registry(retrieve=_refuse_remote)  # type: ignore[call-arg]


def schema_key(schema: Any) -> str:
    return jsoncodec.dumps_sorted(schema).decode()


@dataclass(frozen=True)
class Compiled:
    """A checked schema: either a validator, or the reason the schema itself is invalid."""

    validator: Any | None
    schema_error: str | None


@lru_cache(maxsize=1024)
def compile_schema(key: str) -> Compiled:
    schema = jsoncodec.loads(key)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except js_exceptions.SchemaError as exc:
        where = exc.json_path if hasattr(exc, "json_path") else "$"
        return Compiled(None, f"{exc.message} (at {where})")
    return Compiled(cls(schema, registry=_REGISTRY), None)


@lru_cache(maxsize=8192)
def check_instance(key: str, instance_json: str) -> str | None:
    """Validate a JSON text against a compiled schema; the best error's text, or None.

    Keyed by strings so the result of an already-seen argument string is reused.
    """
    compiled = compile_schema(key)
    if compiled.validator is None:
        return None
    instance = jsoncodec.loads(instance_json)
    try:
        error = js_exceptions.best_match(compiled.validator.iter_errors(instance))
    except Unresolvable as exc:
        return f"the schema has a $ref that cannot be resolved locally ({exc})"
    if error is None:
        return None
    return f"{error.message} (at {error.json_path})"
