"""Schema-generated arguments: always valid (property-based over many schemas), deterministic,
partial objects filled; `arguments: auto`, `tool_calls: auto` and --auto through the server."""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from datetime import date, datetime
from urllib.parse import urlparse

import httpx
import jsonschema
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockserver.engine.generate import GenerationError, generate_arguments
from mockserver.engine.loader import load_text
from payloads import GET_WEATHER_TOOL, TIME_TOOL, chat, function_tool, user

# --- a format checker that really checks (jsonschema skips date-time without rfc3339-validator) --

CHECKER = jsonschema.FormatChecker()
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


@CHECKER.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(DATE_TIME.match(value)) and bool(datetime.fromisoformat(value.replace("Z", "+00:00")))


@CHECKER.checks("date")
def _date(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and bool(date.fromisoformat(value))


@CHECKER.checks("email")
def _email(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", value))


@CHECKER.checks("uuid", raises=ValueError)
def _uuid(value: object) -> bool:
    return not isinstance(value, str) or uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value


@CHECKER.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlparse(value).scheme and urlparse(value).netloc)


@CHECKER.checks("ipv4", raises=ValueError)
def _ipv4(value: object) -> bool:
    return not isinstance(value, str) or bool(ipaddress.IPv4Address(value))


@CHECKER.checks("ipv6", raises=ValueError)
def _ipv6(value: object) -> bool:
    return not isinstance(value, str) or bool(ipaddress.IPv6Address(value))


@CHECKER.checks("hostname")
def _hostname(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", value))


def assert_valid(schema: dict, text: str) -> dict:
    value = json.loads(text)
    validator = jsonschema.Draft202012Validator(schema, format_checker=CHECKER)
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    assert error is None, f"{error.message} at {error.json_path}\nschema: {json.dumps(schema)}\nvalue: {text}"
    return value


# --- schemas, property-based ----------------------------------------------------------------------

FORMATS = ["date-time", "date", "email", "uuid", "uri", "hostname", "ipv4", "ipv6"]
PATTERNS = [r"^[A-Z]{3}$", r"^\d{3}-\d{4}$", r"^[a-z]+(_[a-z]+)*$", r"^(red|green|blue)$", r"[0-9a-f]{8}", r"^\w+@\w+\.com$"]
NAMES = st.sampled_from(["id", "name", "city", "when", "count", "tags", "kind", "note", "price", "flag", "items", "meta"])


def _strings():
    lengths = st.tuples(st.integers(0, 12), st.integers(0, 12)).map(lambda t: {"type": "string", "minLength": t[0], "maxLength": t[0] + t[1]})
    return st.one_of(
        st.just({"type": "string"}),
        lengths,
        st.sampled_from(FORMATS).map(lambda f: {"type": "string", "format": f}),
        st.sampled_from(PATTERNS).map(lambda p: {"type": "string", "pattern": p}),
        st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=4, unique=True).map(lambda e: {"type": "string", "enum": e}),
    )


def _integers():
    def build(low: int, width: int, exclusive: bool, step: int | None) -> dict:
        schema: dict = {"type": "integer"}
        if exclusive:
            schema.update(exclusiveMinimum=low, exclusiveMaximum=low + width + 2 * (step or 1) + 2)
        else:
            schema.update(minimum=low, maximum=low + width + 2 * (step or 1))
        if step:
            schema["multipleOf"] = step
        return schema

    bounded = st.builds(build, st.integers(-500, 500), st.integers(0, 50), st.booleans(), st.sampled_from([None, 2, 3, 7]))
    return st.one_of(st.just({"type": "integer"}), bounded, st.integers(-50, 50).map(lambda m: {"type": "integer", "minimum": m}))


def _numbers():
    def build(low: float, width: float, exclusive: bool, step: float | None) -> dict:
        schema: dict = {"type": "number"}
        high = low + width + 4 * (step or 1)
        schema.update({"exclusiveMinimum": low, "exclusiveMaximum": high} if exclusive else {"minimum": low, "maximum": high})
        if step:
            schema["multipleOf"] = step
        return schema

    floats = st.floats(-1000, 1000, allow_nan=False).map(lambda f: round(f, 2))
    bounded = st.builds(build, floats, st.floats(0, 100).map(lambda f: round(f, 2)), st.booleans(), st.sampled_from([None, 0.5, 0.25, 0.1, 2.5]))
    return st.one_of(st.just({"type": "number"}), bounded)


SCALARS = st.one_of(
    _strings(), _integers(), _numbers(),
    st.just({"type": "boolean"}), st.just({"type": "null"}),
    st.one_of(st.integers(-(2**53), 2**53), st.text(max_size=5), st.booleans(), st.none()).map(lambda v: {"const": v}),
    st.lists(st.one_of(st.integers(-9, 9), st.text(max_size=4)), min_size=1, max_size=4, unique=True).map(lambda e: {"enum": e}),
    st.just({"type": ["string", "null"], "format": "date"}),
)
DISTINCT = [{"type": "string"}, {"type": "boolean"}, {"type": "null"}, {"type": "integer", "minimum": 0},
            {"type": "array", "items": {"type": "string"}}, {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}]


def _composites(children):
    objects = st.builds(
        lambda props, data, closed: _object(props, data, closed),
        st.dictionaries(NAMES, children, min_size=0, max_size=5), st.data(), st.booleans(),
    )
    arrays = st.builds(
        lambda items, low, extra: {"type": "array", "items": items, "minItems": low, "maxItems": low + extra},
        children, st.integers(0, 3), st.integers(0, 3),
    )
    unique = st.builds(lambda low: {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 100}, "uniqueItems": True, "minItems": low},
                       st.integers(1, 5))
    tuples = st.lists(children, min_size=1, max_size=3).map(lambda p: {"type": "array", "prefixItems": p, "minItems": len(p)})
    any_of = st.lists(children, min_size=1, max_size=3).map(lambda b: {"anyOf": b})
    one_of = st.lists(st.sampled_from(DISTINCT), min_size=2, max_size=3, unique_by=lambda s: s["type"]).map(lambda b: {"oneOf": b})
    return st.one_of(objects, arrays, unique, tuples, any_of, one_of)


def _object(props: dict, data, closed: bool) -> dict:
    required = data.draw(st.lists(st.sampled_from(sorted(props)), unique=True)) if props else []
    schema: dict = {"type": "object", "properties": props, "required": required}
    if closed:
        schema["additionalProperties"] = False
    return schema


PARAMETERS = st.recursive(SCALARS, _composites, max_leaves=12)


@st.composite
def function_schemas(draw) -> dict:
    """A function's parameters: an object, some properties moved to $defs behind a $ref."""
    props = draw(st.dictionaries(NAMES, PARAMETERS, min_size=0, max_size=6))
    schema = _object(props, draw(st.data()), draw(st.booleans()))
    refs = draw(st.lists(st.sampled_from(sorted(props)), unique=True)) if props else []
    if refs:
        schema["$defs"] = {f"d_{name}": props[name] for name in refs}
        for name in refs:
            props[name] = {"$ref": f"#/$defs/d_{name}"}
    return schema


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(function_schemas(), st.text(max_size=8))
def test_generated_arguments_are_valid_and_deterministic(schema, seed):
    text = generate_arguments(schema, seed)
    assert_valid(schema, text)
    assert generate_arguments(schema, seed) == text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(function_schemas(), st.data())
def test_partial_objects_are_kept_and_completed(schema, data):
    full = json.loads(generate_arguments(schema, "full"))
    keep = data.draw(st.lists(st.sampled_from(sorted(full)), unique=True)) if full else []
    partial = {k: full[k] for k in keep}
    value = assert_valid(schema, generate_arguments(schema, "partial", partial))
    assert {k: value[k] for k in keep} == partial
    assert set(schema.get("required", [])) <= set(value)


# --- hand-picked schemas -------------------------------------------------------------------------

BOOK_FLIGHT = {
    "type": "object",
    "$defs": {
        "airport": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "person": {"type": "object", "properties": {"name": {"type": "string", "minLength": 1}, "email": {"type": "string", "format": "email"}},
                   "required": ["name", "email"], "additionalProperties": False},
    },
    "properties": {
        "origin": {"$ref": "#/$defs/airport"},
        "destination": {"$ref": "#/$defs/airport"},
        "date": {"type": "string", "format": "date"},
        "departs_after": {"type": "string", "format": "date-time"},
        "passengers": {"type": "array", "items": {"$ref": "#/$defs/person"}, "minItems": 1, "maxItems": 9},
        "cabin": {"enum": ["economy", "premium", "business"]},
        "booking_id": {"type": "string", "format": "uuid"},
        "budget": {"type": "number", "exclusiveMinimum": 0, "maximum": 5000, "multipleOf": 0.01},
        "bags": {"type": "integer", "minimum": 0, "maximum": 3},
        "seat": {"oneOf": [{"type": "string", "pattern": "^[0-9]{1,2}[A-F]$"}, {"type": "null"}]},
        "api": {"const": "v2"},
    },
    "required": ["origin", "destination", "date", "passengers", "booking_id"],
    "additionalProperties": False,
}
BOOK_TOOL = {"type": "function", "function": {"name": "book_flight", "parameters": BOOK_FLIGHT}}


def test_everything_at_once():
    value = assert_valid(BOOK_FLIGHT, generate_arguments(BOOK_FLIGHT, "x"))
    assert set(value) == set(BOOK_FLIGHT["properties"])  # every optional field too, on the first attempt
    assert value["api"] == "v2" and value["cabin"] == "economy"


def test_recursive_schema_terminates():
    tree = {"type": "object", "properties": {"label": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}},
            "required": ["label", "children"]}
    value = assert_valid(tree, generate_arguments(tree, "t"))
    depth, node = 0, value
    while node["children"]:
        depth, node = depth + 1, node["children"][0]
    assert 1 <= depth < 8


def test_allof_and_draft4_exclusive_bounds():
    schema = {"type": "object", "allOf": [{"properties": {"a": {"type": "integer", "minimum": 5, "exclusiveMinimum": True}}},
                                          {"required": ["a"]}], "$schema": "http://json-schema.org/draft-04/schema#"}
    value = json.loads(generate_arguments(schema, "s"))
    assert value["a"] > 5
    jsonschema.Draft4Validator(schema).validate(value)


def test_impossible_schema_is_reported():
    schema = {"type": "object", "properties": {"a": {"type": "string", "not": {"type": "string"}}}, "required": ["a"]}
    with pytest.raises(GenerationError, match=r"cannot generate valid arguments from this schema: .*should not be valid under"):
        generate_arguments(schema, "s")


@pytest.mark.parametrize("field,problem", [
    ({"type": "array", "minItems": 5, "maxItems": 2}, "'a': minItems 5 cannot be reached"),
    ({"type": "string", "minLength": 10, "maxLength": 2}, "'a': no string within length 10..2"),
    ({"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 1}, "'a': no number strictly between 1 and 1"),
    ({"type": "integer", "minimum": 1, "maximum": 9, "multipleOf": 10}, "'a': no integer between 1 and 9 fits multipleOf"),
    ({"enum": []}, "'a': empty enum"),
    ({"$ref": "https://example.com/x.json"}, "$ref 'https://example.com/x.json' is not local"),
    ({"$ref": "#/nowhere"}, "$ref '#/nowhere' points at nothing"),
    ({"type": "string", "pattern": "(?=x)y"}, "regular-expression feature ASSERT is not supported"),
    ({"type": "array", "items": {"type": "boolean"}, "minItems": 3, "uniqueItems": True}, "'a': cannot find 3 distinct items"),
])
def test_unsatisfiable_schemas_say_why(field, problem):
    """Client schemas the generator cannot satisfy: a GenerationError naming the field, never a crash."""
    schema = {"type": "object", "properties": {"a": field}, "required": ["a"]}
    with pytest.raises(GenerationError) as caught:
        generate_arguments(schema, "s")
    assert problem in str(caught.value)


# --- through the server --------------------------------------------------------------------------

GENERATED = """
version: 1
name: gen
rules:
  - name: filled
    when: {last_message: book from Oslo}
    reply:
      tool_calls:
        - name: book_flight
          arguments: {origin: OSL, passengers: [{name: Ada, email: ada@example.com}]}
          fill: true
  - name: all-auto
    when: {last_message: book anything}
    reply:
      tool_calls:
        - {name: book_flight, arguments: auto}
  - name: forced-or-first
    when: {last_message: call something}
    reply:
      tool_calls: auto
  - name: text
    when: {last_message: call something}
    reply:
      content: no tools today
"""


def call_of(running, body: dict) -> tuple[str, dict]:
    response = httpx.post(running.base_url + "/chat/completions", json=body, timeout=10)
    assert response.status_code == 200, response.text
    call = response.json()["choices"][0]["message"]["tool_calls"][0]
    return call["function"]["name"], json.loads(call["function"]["arguments"])


def test_fill_keeps_the_given_fields(serve):
    running = serve(GENERATED)
    name, value = call_of(running, chat(user("book from Oslo"), tools=[BOOK_TOOL]))
    assert name == "book_flight" and value["origin"] == "OSL"
    assert value["passengers"] == [{"name": "Ada", "email": "ada@example.com"}]
    assert_valid(BOOK_FLIGHT, json.dumps(value))


def test_auto_arguments_are_deterministic_per_request_and_seed(serve):
    running = serve(GENERATED)
    body = chat(user("book anything"), tools=[BOOK_TOOL])
    first = call_of(running, body)
    assert_valid(BOOK_FLIGHT, json.dumps(first[1]))
    assert call_of(running, body) == first
    assert call_of(running, dict(body, model="other-model")) != first  # another request, other values
    assert call_of(serve(GENERATED, seed=7), body) != first  # another seed, other values
    # streamed: the same arguments, accumulated by the SDK
    client = openai.OpenAI(base_url=running.base_url, api_key="k", max_retries=0)
    with client.chat.completions.stream(**body) as stream:
        final = stream.get_final_completion()
    assert json.loads(final.choices[0].message.tool_calls[0].function.arguments) == first[1]


def test_tool_calls_auto_honours_tool_choice(serve):
    running = serve(GENERATED)
    tools = [GET_WEATHER_TOOL, BOOK_TOOL]
    named = {"type": "function", "function": {"name": "book_flight"}}
    assert call_of(running, chat(user("call something"), tools=tools, tool_choice=named))[0] == "book_flight"
    assert call_of(running, chat(user("call something"), tools=tools, tool_choice="required"))[0] == "get_weather"
    none = httpx.post(running.base_url + "/chat/completions", json=chat(user("call something"), tools=tools, tool_choice="none")).json()
    assert none["choices"][0]["message"] == {"role": "assistant", "content": "no tools today", "refusal": None, "annotations": []}


@pytest.mark.parametrize("profile", ["openai", "vllm"])
def test_auto_flag_answers_forced_calls_nobody_scripted(serve, profile):
    running = serve("version: 1\nname: chat\nrules: [{reply: {content: just text}}]\n", auto=True, profile=profile)
    tools = [TIME_TOOL, BOOK_TOOL]
    name, value = call_of(running, chat(user("hi"), tools=tools, tool_choice={"type": "function", "function": {"name": "book_flight"}}))
    assert name == "book_flight"
    assert_valid(BOOK_FLIGHT, json.dumps(value))
    assert call_of(running, chat(user("hi"), tools=tools, tool_choice="required")) == ("get_current_time", {})
    # not forced: the scenario's text answers as usual
    text = httpx.post(running.base_url + "/chat/completions", json=chat(user("hi"), tools=tools)).json()
    assert text["choices"][0]["message"]["content"] == "just text"


def test_without_auto_a_forced_call_needs_a_rule(serve):
    running = serve("version: 1\nname: chat\nrules: [{reply: {content: just text}}]\n")
    response = httpx.post(running.base_url + "/chat/completions", json=chat(user("hi"), tools=[TIME_TOOL], tool_choice="required"))
    assert response.status_code == 400 and response.json()["error"]["code"] == "no_matching_rule"


def test_auto_with_a_schema_nothing_satisfies(serve):
    running = serve("version: 1\nname: chat\nrules: [{reply: {content: just text}}]\n", auto=True)
    impossible = function_tool("odd", {"a": {"type": "string", "not": {"type": "string"}}}, ["a"])
    response = httpx.post(running.base_url + "/chat/completions", json=chat(user("hi"), tools=[impossible], tool_choice="required"))
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(
        "Scenario error in --auto: tool_calls[0] 'odd': cannot generate valid arguments from this schema:")


def test_auto_flag_and_env(monkeypatch):
    from mockserver.cli import _parser, config_from_args

    monkeypatch.delenv("MOCKSERVER_AUTO", raising=False)
    assert config_from_args(_parser().parse_args(["serve", "--auto"])).auto is True
    assert config_from_args(_parser().parse_args(["serve"])).auto is False
    monkeypatch.setenv("MOCKSERVER_AUTO", "true")
    assert config_from_args(_parser().parse_args(["serve"])).auto is True


def test_fill_needs_an_object():
    text = "version: 1\nname: f\nrules:\n  - reply:\n      tool_calls: [{name: f, arguments: '{}', fill: true}]\n"
    _, problems = load_text(text, "f.yaml")
    assert [str(p) for p in problems] == [
        "f.yaml:5: rule 'rules[0]' at rules[0].reply.tool_calls[0].fill: fill: true needs arguments given as an object (the fields to keep)"]


CONTRADICTIONS = """
version: 1
name: choices
rules:
  - name: two-weather-calls
    reply:
      tool_calls:
        - {name: get_weather, arguments: {city: Oslo}}
        - {name: get_weather, arguments: {city: Rome}}
  - name: text
    reply: {content: plain text}
"""


def test_tool_choice_semantics_with_auto(serve):
    """none → never calls; required → always; named → exactly that function; parallel false →
    at most one call. Contradicting rules are skipped; --auto answers what nobody scripted."""
    running = serve(CONTRADICTIONS, auto=True)
    tools = [GET_WEATHER_TOOL, TIME_TOOL]

    def message(**extra):
        response = httpx.post(running.base_url + "/chat/completions", json=chat(user("go"), tools=tools, **extra))
        assert response.status_code == 200, response.text
        return response.json()["choices"][0]["message"]

    def calls(m):
        return [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in m.get("tool_calls", [])]

    assert calls(message()) == [("get_weather", {"city": "Oslo"}), ("get_weather", {"city": "Rome"})]
    assert calls(message(tool_choice="required")) == [("get_weather", {"city": "Oslo"}), ("get_weather", {"city": "Rome"})]
    assert message(tool_choice="none") == {"role": "assistant", "content": "plain text", "refusal": None, "annotations": []}
    assert message(parallel_tool_calls=False)["content"] == "plain text"  # the two-call rule is skipped
    # forced and contradicted by every rule: --auto generates the call
    [(name, arguments)] = calls(message(parallel_tool_calls=False, tool_choice="required"))
    assert name == "get_weather" and list(arguments) == ["city"] and isinstance(arguments["city"], str)
    named = {"type": "function", "function": {"name": "get_current_time"}}
    assert calls(message(tool_choice=named)) == [("get_current_time", {})]
