"""Unknown request fields, per dialect and profile, as each provider treats them: the reported
texts under the provider's profile, 200 and a warning under vllm (which ignores them)."""

from __future__ import annotations

import httpx
import pytest

ANTHROPIC = {"model": "m", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}
# (dialect path, body, the provider's 400 text) — each text as reported (see the rule books)
PROBES = {
    "chat top_k": ("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": "hi"}], "top_k": 5},
                   "Unrecognized request argument supplied: top_k"),
    "anthropic response_format": ("/v1/messages", {**ANTHROPIC, "response_format": {"type": "json_object"}},
                                  "response_format: Extra inputs are not permitted"),
    "anthropic message name": ("/v1/messages", {**ANTHROPIC, "messages": [{"role": "user", "content": "hi", "name": "ann"}]},
                               "messages.0.name: Extra inputs are not permitted"),
    "anthropic block field": ("/v1/messages", {**ANTHROPIC, "messages": [
        {"role": "user", "content": [{"type": "text", "text": "hi", "index": 0}]}]},
        "messages.0.content.0.text.index: Extra inputs are not permitted"),
    "anthropic tool_result inner block": ("/v1/messages", {**ANTHROPIC, "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "x", "extra": 1}]}]}],
        "tools": [{"name": "f", "input_schema": {"type": "object"}}]},
        "messages.2.content.0.tool_result.content.0.text.extra: Extra inputs are not permitted"),
    "anthropic beta field without its beta": ("/v1/messages", {**ANTHROPIC, "context_management": {"edits": []}},
                                              "context_management: Extra inputs are not permitted"),
}


@pytest.fixture(scope="module")
def answering(request):
    from mockserver.config import Config
    from mockserver.testing import ServerThread
    from conftest import scenario_set

    with ServerThread(Config(port=0), scenario_set("version: 1\nname: any\nrules: [{name: any, reply: {content: ok}}]\n")) as running:
        yield running
        running.check()


@pytest.mark.parametrize("name", PROBES)
def test_the_provider_s_400_and_vllm_s_warning(answering, name):
    path, body, text = PROBES[name]
    for profile in ("openai", "vertex"):
        response = httpx.post(answering.url + path, json=body, headers={"X-Mock-Profile": profile}, timeout=10)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["message"] == text
        assert profile == "vertex" or error["type"] == "invalid_request_error"
        assert response.headers["x-mock-rule"] == "request.unknown_field"
    response = httpx.post(answering.url + path, json=body, headers={"X-Mock-Profile": "vllm"}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["x-mock-warnings"].startswith("request.unknown_field")


def test_a_beta_header_makes_beta_fields_known(answering):
    body = {**ANTHROPIC, "context_management": {"edits": []}}
    response = httpx.post(answering.url + "/v1/messages", json=body, headers={"anthropic-beta": "context-management-2025-06-27"}, timeout=10)
    assert response.status_code == 200, response.text
    assert "x-mock-warnings" not in response.headers


def test_responses_accepts_an_unknown_field_with_a_warning(answering):
    response = httpx.post(answering.url + "/v1/responses", json={"model": "m", "input": "hi", "top_k": 5, "store": False}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["x-mock-warnings"].startswith("request.unknown_field")
    assert "Unknown parameter: 'top_k'." in response.headers["x-mock-warnings"]


def test_fields_the_sdks_send_are_known(answering):
    """What anthropic-python's thread and tool runner send, with its betas, is not refused."""
    body = {**ANTHROPIC, "system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}],
            "metadata": {"user_id": "u"}, "stop_sequences": ["x"], "temperature": 0.5, "top_k": 3, "top_p": 0.9,
            "service_tier": "auto", "thinking": {"type": "disabled"}, "container": None, "output_config": {"effort": "low"}}
    response = httpx.post(answering.url + "/v1/messages", json=body, timeout=10)
    assert response.status_code == 200, response.text
