"""JSON Schema compilation for client-declared schemas: metaschema check, no remote ``$ref``,
compiled validators cached by the schema's canonical JSON (clients resend the same tools
every turn)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import jsonschema
from jsonschema import exceptions as js_exceptions
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

from mockserver.validation.fastcheck import quick_check
from mockserver.validation.patterns import with_timeouts
from mockserver.wire import jsoncodec
from mockserver.wire.bounded import bounded_cache

# Bounded in bytes as well as count (clients choose the schemas): a compiled validator holds
# several times its schema's JSON; a checked instance keeps its schema key and its text.
SCHEMA_ITEMS, SCHEMA_BYTES = 1024, 16 * 1024 * 1024
CHECK_ITEMS, CHECK_BYTES = 8192, 16 * 1024 * 1024


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
    quick: Callable[[Any], bool] | None = None  # True: certainly valid (validation/fastcheck.py)


@bounded_cache(SCHEMA_ITEMS, SCHEMA_BYTES, size=lambda key: 512 + 8 * len(key))
def compile_schema(key: str) -> Compiled:
    schema = jsoncodec.loads(key)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except js_exceptions.SchemaError as exc:
        where = exc.json_path if hasattr(exc, "json_path") else "$"
        return Compiled(None, f"{exc.message} (at {where})")
    # patterns cannot stall the server
    return Compiled(with_timeouts(cls)(schema, registry=_REGISTRY), None, quick_check(schema))


@bounded_cache(CHECK_ITEMS, CHECK_BYTES, size=lambda key, instance: 256 + len(key) + len(instance))
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
