"""The quick "valid" of validation/fastcheck.py never says valid where jsonschema finds an error,
and it does answer for the common tool-schema shapes (else it would be dead weight)."""

from __future__ import annotations

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.validation.arguments import arguments_problem
from mockserver.validation.fastcheck import quick_check
from mockserver.validation.schemas import schema_key

V = jsonschema.Draft202012Validator

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-5, 5, allow_nan=False),
                    st.sampled_from([1.0, 0.0, 2.5]), st.text(max_size=4), st.sampled_from(["a", "😀😀", "ab"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)),
                      max_leaves=8)
simple_type = st.sampled_from(["string", "integer", "number", "boolean", "null", "object", "array"])
leaf_schemas = st.fixed_dictionaries({}, optional={
    "type": st.one_of(simple_type, st.lists(simple_type, min_size=1, max_size=3, unique=True)),
    "enum": st.lists(scalars, min_size=1, max_size=3),
    "const": scalars,
    "minLength": st.integers(0, 3), "maxLength": st.integers(0, 3),
    "minimum": st.integers(-3, 3), "maximum": st.floats(-3, 3, allow_nan=False),
    "exclusiveMinimum": st.integers(-3, 3), "exclusiveMaximum": st.integers(-3, 3),
    "minItems": st.integers(0, 2), "maxItems": st.integers(0, 3),
    "description": st.just("annotation"), "format": st.just("email"),
})
schemas = st.recursive(leaf_schemas, lambda inner: st.one_of(
    st.builds(lambda props, req, extra: {"type": "object", "properties": props, "required": req, "additionalProperties": extra},
              st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
              st.lists(st.sampled_from(["a", "b"]), max_size=2, unique=True),
              st.one_of(st.booleans(), inner)),
    st.builds(lambda items, low: {"type": "array", "items": items, "minItems": low}, inner, st.integers(0, 2)),
), max_leaves=6)


@pytest.mark.slow
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schemas, values)
def test_quick_valid_is_never_wrong(schema, value):
    check = quick_check(schema)
    assert check is not None, schema  # every schema drawn here is inside the subset
    if check(value):
        assert V(schema).is_valid(value), (schema, value)


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(leaf_schemas, scalars)
def test_quick_valid_is_never_wrong_on_scalars(schema, value):
    check = quick_check(schema)
    if check(value):
        assert V(schema).is_valid(value), (schema, value)


@pytest.mark.parametrize("schema, valid, invalid", [
    ({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False},
     {"city": "Paris"}, {"city": 3}),
    ({"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}, "tags": {"type": "array", "items": {"enum": ["a", "b"]}}}},
     {"n": 2.0, "tags": ["a"]}, {"n": True}),
    ({"type": "object", "properties": {"unit": {"type": ["string", "null"], "enum": ["c", "f", None]}}}, {"unit": None}, {"unit": "k"}),
])
def test_common_tool_schemas_get_a_quick_answer(schema, valid, invalid):
    check = quick_check(schema)
    assert check is not None and check(valid) and not check(invalid)
    assert V(schema).is_valid(valid) and not V(schema).is_valid(invalid)


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"a": {"$ref": "#/$defs/x"}}, "$defs": {"x": {"type": "string"}}},
    {"type": "object", "properties": {"a": {"type": "string", "pattern": "^a"}}},
    {"anyOf": [{"type": "string"}]},
    {"type": "object", "x-unknown": 1},
    {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"},
    {"type": "object", "patternProperties": {"^a": {"type": "string"}}},
])
def test_anything_outside_the_subset_is_left_to_jsonschema(schema):
    assert quick_check(schema) is None


def test_invalid_arguments_still_get_jsonschemas_explanation():
    key = schema_key({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False})
    assert arguments_problem(key, '{"city": "Paris"}') is None
    assert arguments_problem(key, '{"city": 3}') == '{"city": 3} does not match the function\'s parameters: 3 is not of type \'string\' (at $.city)'
    assert "'city' is a required property" in arguments_problem(key, "{}")
    assert arguments_problem(key, "[1]") == "must be a JSON object, got [1]"
