"""Anthropic's message threads (``anthropic-beta: message-threads-2026-08-12``): anthropic-python's
default ``client.beta.messages.tool_runner`` (threads on) runs a two-tool loop over server-held
state, streamed and not; the errors its fallback reads (``thread_not_found``,
``thread_unsupported_request``) in Anthropic's shape; the store's bounds and ``/_mock/reset``."""

from __future__ import annotations

import json
from typing import Any, Iterator

import anthropic
import httpx
import pytest
from anthropic import beta_tool

from mockserver.config import Config
from mockserver.testing import ServerThread
from conftest import scenario_set

BETA = {"anthropic-beta": "message-threads-2026-08-12"}
CHAIN = r"""
version: 1
name: chain
rules:
  - name: answer
    when: {tool_result: {tool: list_orders}}
    reply: {content: "Customer {{ result.list_orders.customer_id }} has {{ result.list_orders.total }} open orders."}
  - name: second
    when: {tool_result: {tool: find_customer}}
    reply:
      content: null
      tool_calls: [{name: list_orders, arguments: {customer_id: "{{ result.find_customer.customer_id }}"}}]
  - name: first
    when: {last_message: {role: user, regex: 'orders of (?P<email>[\w.]+@[\w.]+\w)'}}
    reply:
      content: null
      tool_calls: [{name: find_customer, arguments: {email: "{{ captures.email }}"}}]
"""
QUESTION = "What are the orders of ann@example.com?"


@beta_tool
def find_customer(email: str) -> str:
    """Find a customer by e-mail address."""
    return json.dumps({"customer_id": f"C-{1000 + sum(map(ord, email)) % 9000}"})


@beta_tool
def list_orders(customer_id: str) -> str:
    """List the open orders of a customer."""
    return json.dumps({"customer_id": customer_id, "total": sum(map(ord, customer_id)) % 7 + 1})


def expected_answer() -> str:
    customer = json.loads(find_customer.call({"email": "ann@example.com"}))["customer_id"]
    total = json.loads(list_orders.call({"customer_id": customer}))["total"]
    return f"Customer {customer} has {total} open orders."


@pytest.fixture(scope="module")
def chain() -> Iterator[ServerThread]:
    with ServerThread(Config(port=0), scenario_set(CHAIN)) as running:
        yield running
        running.check()


def journal(server: ServerThread) -> list[dict[str, Any]]:
    return httpx.get(server.url + "/_mock/journal", timeout=10).json()["data"]


def run(client: anthropic.Anthropic, stream: bool, **options: Any) -> Any:
    runner = client.beta.messages.tool_runner(
        model="claude-test", max_tokens=512, system="Use the tools.", tools=[find_customer, list_orders],
        messages=[{"role": "user", "content": QUESTION}], stream=stream, **options)
    last = None
    for item in runner:
        last = item.get_final_message() if stream else item
    return last


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_the_default_tool_runner_threads_a_two_tool_loop(chain, stream):
    httpx.post(chain.url + "/_mock/reset", timeout=10)
    client = anthropic.Anthropic(base_url=chain.url, api_key="k", max_retries=0)
    final = run(client, stream)
    assert [b.text for b in final.content if b.type == "text"] == [expected_answer()]
    sent = [e["request"] for e in journal(chain)[-3:]]
    assert [r["thread"]["type"] for r in sent] == ["create", "continue", "continue"]
    # a continue sends only the new tool result: no tools, no system, no earlier turns
    for request in sent[1:]:
        assert "tools" not in request and "system" not in request
        assert [b["type"] for m in request["messages"] for b in m["content"]] == ["tool_result"]


def _continue(message_id: str, **body: Any) -> dict[str, Any]:
    return {"model": "claude-test", "max_tokens": 100, "thread": {"type": "continue", "previous_message_id": message_id},
            "messages": [{"role": "user", "content": "and?"}], **body}


def test_an_unknown_thread_is_thread_not_found_in_anthropic_s_shape(chain):
    response = httpx.post(chain.url + "/v1/messages", json=_continue("msg_01nothing"), headers=BETA, timeout=10)
    assert response.status_code == 404
    body = response.json()
    assert body["type"] == "error" and body["request_id"] == response.headers["request-id"]
    assert body["error"]["type"] == "not_found_error"
    assert body["error"]["details"] == {"error_code": "thread_not_found"}
    assert body["error"]["message"].startswith("No usable Thread state was found for `previous_message_id`.")
    client = anthropic.Anthropic(base_url=chain.url, api_key="k", max_retries=0)
    with pytest.raises(anthropic.NotFoundError) as info:
        client.beta.messages.create(**_continue("msg_01nothing"), betas=["message-threads-2026-08-12"])
    assert info.value.error_code == "thread_not_found"


def test_reset_forgets_threads_and_the_runner_replays_the_conversation(chain):
    client = anthropic.Anthropic(base_url=chain.url, api_key="k", max_retries=0)
    first = client.beta.messages.create(model="claude-test", max_tokens=100, messages=[{"role": "user", "content": QUESTION}],
                                        tools=[find_customer.to_dict()], thread={"type": "create"},
                                        betas=["message-threads-2026-08-12"])
    assert first.stop_reason == "tool_use"
    assert httpx.post(chain.url + "/_mock/reset", timeout=10).status_code == 200
    response = httpx.post(chain.url + "/v1/messages", headers=BETA, timeout=10, json=_continue(first.id, messages=[
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": first.content[0].id, "content": "{}"}]}]))
    assert response.status_code == 404 and response.json()["error"]["details"]["error_code"] == "thread_not_found"


def test_an_evicted_thread_is_not_found_and_the_sdk_falls_back(serve):
    """A store of one answer: the runner's continue finds its thread gone after another request,
    gets thread_not_found, replays the whole conversation with a new create, and ends."""
    running = serve(CHAIN, responses_store_size=1)
    client = anthropic.Anthropic(base_url=running.url, api_key="k", max_retries=0)
    runner = client.beta.messages.tool_runner(model="claude-test", max_tokens=512, tools=[find_customer, list_orders],
                                              messages=[{"role": "user", "content": QUESTION}])
    answers = []
    for message in runner:
        answers.append(message)
        # another thread takes the only place in the store
        httpx.post(running.url + "/v1/messages", headers=BETA, timeout=10, json={
            "model": "other", "max_tokens": 50, "thread": {"type": "create"},
            "messages": [{"role": "user", "content": f"orders of x{len(answers)}@example.com"}]})
    assert [b.text for b in answers[-1].content if b.type == "text"] == [expected_answer()]
    statuses = [(e["status"], (e["request"].get("thread") or {}).get("type")) for e in journal(running)
                if e["request"].get("model") == "claude-test"]
    assert (404, "continue") in statuses and statuses[-1] == (200, "create")


def test_what_threads_do_not_support_is_thread_unsupported_request(chain):
    body = {"model": "claude-test", "max_tokens": 2000, "thread": {"type": "create"},
            "thinking": {"type": "enabled", "budget_tokens": 1024}, "messages": [{"role": "user", "content": QUESTION}]}
    response = httpx.post(chain.url + "/v1/messages", json=body, headers=BETA, timeout=10)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["details"] == {"error_code": "thread_unsupported_request", "unsupported": ["thinking"]}
    # the tool runner's fallback (its threads are "continue_unthreaded"): the whole conversation without `thread`
    client = anthropic.Anthropic(base_url=chain.url, api_key="k", max_retries=0)
    final = run(client, False, thinking={"type": "enabled", "budget_tokens": 1024})
    assert [b.text for b in final.content if b.type == "text"] == [expected_answer()]
    runs = journal(chain)[-4:]
    assert runs[0]["status"] == 400 and runs[0]["request"]["thread"] == {"type": "create"}
    assert [e["status"] for e in runs[1:]] == [200, 200, 200] and all("thread" not in e["request"] for e in runs[1:])


def test_a_continue_that_changes_tools_is_a_fingerprint_mismatch(chain):
    client = anthropic.Anthropic(base_url=chain.url, api_key="k", max_retries=0)
    both = [find_customer.to_dict(), list_orders.to_dict()]
    first = client.beta.messages.create(model="claude-test", max_tokens=100, messages=[{"role": "user", "content": QUESTION}],
                                        tools=both, thread={"type": "create"},
                                        betas=["message-threads-2026-08-12"])
    result = [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": first.content[0].id, "content": '{"customer_id": "C-1"}'}]}]
    response = httpx.post(chain.url + "/v1/messages", headers=BETA, timeout=10,
                          json=_continue(first.id, messages=result, tools=[list_orders.to_dict()]))
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"error_code": "thread_fingerprint_mismatch"}
    same = httpx.post(chain.url + "/v1/messages", headers=BETA, timeout=10,
                      json=_continue(first.id, messages=result, tools=both))
    assert same.status_code == 200, same.text


def test_thread_needs_its_beta(chain):
    body = {"model": "claude-test", "max_tokens": 100, "thread": {"type": "create"}, "messages": [{"role": "user", "content": QUESTION}],
            "tools": [find_customer.to_dict()]}
    response = httpx.post(chain.url + "/v1/messages", json=body, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "thread: Extra inputs are not permitted"
    assert httpx.post(chain.url + "/v1/messages", json=body, headers={"anthropic-beta": "other-beta, message-threads-2026-08-12"},
                      timeout=10).status_code == 200


def test_the_thread_store_is_bounded_in_count_and_bytes():
    from mockserver.dialects.messages.threads import Thread, ThreadStore

    store = ThreadStore(max_count=3, max_bytes=10_000)
    answer = {"content": [{"type": "text", "text": "x" * 1000}]}
    for k in range(20):
        store.put(f"msg_{k}", Thread(None, None, None, [], [{"role": "user", "content": "hi"}]), answer)
        assert len(store) <= 3 and store.bytes <= 10_000
    store = ThreadStore(max_count=100, max_bytes=5_000)
    for k in range(20):
        store.put(f"msg_{k}", Thread(None, None, None, [], []), answer)
        assert store.bytes <= 5_000
    assert store.history("msg_0") is None and store.history("msg_19") is not None
