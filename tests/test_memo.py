"""Remembered answers are never stale: a changed scenario set, seed, profile or header that an
answer depends on gives a fresh answer; answers that touched fault counters are not remembered."""

from __future__ import annotations

import httpx

from payloads import chat, user

BODY = chat(user("hello"))


def post(running, body=BODY, **headers):
    return httpx.post(running.url + "/v1/chat/completions", json=body, headers=headers)


def test_identical_requests_are_remembered_per_scenario_set(serve):
    running = serve("version: 1\nname: a\nrules: [{reply: {content: first}}]\n")
    service = running.service
    assert post(running).json()["choices"][0]["message"]["content"] == "first"
    assert len(service.scenarios.memo) == 0  # seen once: only noted
    assert post(running).json()["choices"][0]["message"]["content"] == "first"
    assert len(service.scenarios.memo) == 1  # seen twice: remembered
    remembered = service.scenarios.memo.get(next(iter(service.scenarios.memo._items._items)))
    assert post(running).json()["choices"][0]["message"]["content"] == "first"
    assert len(service.scenarios.memo) == 1  # the same entry answered
    assert service.scenarios.memo.get(next(iter(service.scenarios.memo._items._items))) is remembered
    # a runtime scenario publishes a new set: nothing remembered from the old one is served
    added = httpx.post(running.url + "/_mock/scenarios?replace=true",
                       content="version: 1\nname: b\nrules: [{reply: {content: second}}]\n",
                       headers={"content-type": "application/yaml"})
    assert added.status_code == 201, added.text
    assert post(running).json()["choices"][0]["message"]["content"] == "second"


def test_seed_profile_and_matched_headers_are_part_of_the_key(serve):
    running = serve("version: 1\nname: a\nrules:\n"
                    "  - {when: {header: {X-Tenant: acme}}, reply: {content: acme}}\n"
                    "  - {reply: {content: other}}\n")
    first = post(running).json()
    assert post(running, **{"X-Tenant": "acme"}).json()["choices"][0]["message"]["content"] == "acme"
    assert post(running).json()["choices"][0]["message"]["content"] == "other"
    running.service.config.seed = 99
    assert post(running).json()["id"] != first["id"]
    running.service.set_profile("vllm")
    assert "prompt_token_ids" in post(running).json()
    running.service.set_profile("openai")
    running.service.config.seed = 0
    assert post(running).json() == first


def test_fault_answers_are_not_remembered(serve):
    running = serve("version: 1\nname: f\nrules: [{reply: {content: ok, fault: {http: 503, times: 2}}}]\n")
    assert [post(running).status_code for _ in range(3)] == [503, 503, 200]
    assert len(running.service.scenarios.memo) == 0
    assert [post(running, **{"X-Mock-Fault": "429; times=1"}).status_code for _ in range(2)] == [429, 200]


def test_memo_can_be_turned_off(serve):
    running = serve("version: 1\nname: a\nrules: [{reply: {content: x}}]\n", memo=False)
    post(running)
    assert len(running.service.scenarios.memo) == 0


def test_a_changed_tool_schema_is_never_checked_against_a_stale_validator(server):
    """Compiled validators and argument checks are cached by the schema's canonical JSON."""
    from payloads import assistant_calls, call, function_tool, tool

    history = [user("w?"), assistant_calls(call("c1", "get_weather", '{"city":"Oslo"}')), tool("c1", "5C")]
    loose = function_tool("get_weather", {"city": {"type": "string"}}, ["city"])
    strict = function_tool("get_weather", {"city": {"type": "string", "maxLength": 3}}, ["city"])
    for _ in range(2):  # warm both cache entries, then check each again
        assert post(server, chat(*history, tools=[loose])).status_code == 200
        response = post(server, chat(*history, tools=[strict]))
        assert response.status_code == 400
        assert "'Oslo' is too long (at $.city)" in response.json()["error"]["message"]


def test_requests_seen_once_are_noted_within_a_fixed_bound():
    from mockserver.server.memo import SEEN_ITEMS, Memo

    memo = Memo()
    for n in range(SEEN_ITEMS + 100):
        assert memo.put(("chat", b"body %d" % n), object(), 10) is False
    assert len(memo) == 0 and len(memo._seen) == SEEN_ITEMS
    assert memo.put(("chat", b"body 50"), object(), 10) is False  # forgotten: the oldest went first
    assert memo.put(("chat", b"body %d" % (SEEN_ITEMS + 99)), "answer", 10) is True
    assert memo.get(("chat", b"body %d" % (SEEN_ITEMS + 99))) == "answer"
