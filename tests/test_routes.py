"""The route table: exact paths, path parameters and query strings, and the dialect each lands on."""

from __future__ import annotations

from mockserver.dialects import CLASSES
from mockserver.server.routes import ROUTES, DialectRoute, RouteTable, dialect_of, resolve


def test_every_route_names_a_known_dialect():
    assert {r.dialect for r in ROUTES} <= set(CLASSES)
    assert len({r.path for r in ROUTES}) == len(ROUTES)  # one dialect per path


def test_exact_paths_resolve_to_their_dialect():
    assert dialect_of("/v1/chat/completions") == "chat"
    assert dialect_of("/responses") == "responses"
    assert dialect_of("/v1/messages") == "messages"
    assert dialect_of("/v1/messages/count_tokens") is None
    assert resolve("/v1/chat/completions") is resolve("/v1/chat/completions")  # made once


def test_path_parameters_and_query():
    table = RouteTable([
        DialectRoute("/v1beta/models/{model}:generateContent", "chat"),
        DialectRoute("/model/{model_id:path}/converse", "chat", profile="vllm"),
        DialectRoute("/v1/chat/completions", "chat"),
    ])
    found = table.resolve("/v1beta/models/gemini-2.5-flash:generateContent", b"alt=sse&key=k&key=other")
    assert found is not None and found.params == {"model": "gemini-2.5-flash"}
    assert found.query == {"alt": "sse", "key": "k"}  # the first of a repeated name
    assert found.key() == ("/v1beta/models/gemini-2.5-flash:generateContent", "alt=sse&key=k&key=other")
    arn = table.resolve("/model/arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.claude-v1:0/converse")
    assert arn is not None and arn.params["model_id"] == "arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.claude-v1:0"
    assert arn.route.profile == "vllm"
    assert table.resolve("/v1beta/models/x:countTokens") is None
    plain = table.resolve("/v1/chat/completions", b"api-version=1")
    assert plain is not None and plain.query == {"api-version": "1"} and plain.params == {}
    assert table.matches("/v1beta/models/m:generateContent") and not table.matches("/v1beta/models")
