"""Responses ``item_reference`` input items resolve to the stored items they name, as OpenAI
resolves them: the Vercel AI SDK (@ai-sdk/openai, store on by default) resends its earlier
assistant messages as ``{"type": "item_reference", "id": "msg_…"}``. Found by the compatibility
suite (tests/compat, ai_sdk_openai multi_turn over responses): the mock dropped the reference, so
the conversation lost the assistant's answer."""

from __future__ import annotations

import httpx
import openai
import pytest

from conftest import scenario_set
from mockserver.config import Config
from mockserver.testing import ServerThread

ECHO = """
version: 1
name: echo
rules:
  - reply: {content: "answer {{ turn }}"}
"""


@pytest.fixture(scope="module")
def server():
    with ServerThread(Config(port=0), scenario_set(ECHO)) as running:
        yield running


def test_an_item_reference_is_the_stored_item_it_names(server):
    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    first = client.responses.create(model="gpt-4o", input="Hello")
    message_id = first.output[0].id
    assert first.output_text == "answer 0"
    second = client.responses.create(model="gpt-4o", input=[
        {"role": "user", "content": "Hello"},
        {"type": "item_reference", "id": message_id},
        {"role": "user", "content": "Hello again"},
    ])
    assert second.output_text == "answer 1"  # the referenced assistant message counts as a turn
    entry = server.app.state.journal.last
    assert [m["role"] for m in entry.messages] == ["user", "assistant", "user"]
    assert entry.messages[1]["content"] == [{"type": "text", "text": "answer 0"}]
    # the same reference again, after a request that carried it (and is stored with it)
    third = client.responses.create(model="gpt-4o", input=[
        {"role": "user", "content": "Hello"},
        {"type": "item_reference", "id": message_id},
        {"role": "user", "content": "Hello again"},
        {"type": "item_reference", "id": second.output[0].id},
        {"role": "user", "content": "And again"},
    ])
    assert third.output_text == "answer 2"


def test_an_unknown_item_reference_gets_openais_error(server):
    response = httpx.post(server.base_url + "/responses", timeout=10, json={
        "model": "gpt-4o", "input": [{"type": "item_reference", "id": "msg_unknown"}, {"role": "user", "content": "Hi"}]})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": "Item with id 'msg_unknown' not found. Items are not persisted when `store` is set to false. "
                   "Try again with `store` set to true, or remove this item from your input.",
        "type": "invalid_request_error", "param": "input", "code": None}
