"""Each template gets only the context names it reads (engine/respond.py), and every name it
reads is there, with the same value as before that economy."""

from __future__ import annotations

import httpx

from payloads import assistant_calls, call, chat, tool, user

TOOLS = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
EVERY_NAME = (
    "{{ model }}|{{ turn }}|{{ last }}|{{ last_user }}|{{ messages | length }}|{{ request.temperature }}|"
    "{{ tools | join(',') }}|{{ tool_results[0].json.n }}|{{ result.lookup.n }}|{{ results.lookup | length }}|{{ max(1, 2) }}"
)


def test_every_context_name_is_there_when_read(serve):
    running = serve("version: 1\nname: t\nrules:\n  - when: {tool_result: {tool: lookup}}\n"
                    "    reply:\n      content: |-\n        " + EVERY_NAME + "\n")
    body = chat(user("find it"), assistant_calls(call("c1", "lookup", '{"q": "x"}')), tool("c1", '{"n": 7}'),
                tools=TOOLS, temperature=0.5)
    answer = httpx.post(running.url + "/v1/chat/completions", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"] == 'test-model|1|{"n": 7}|find it|3|0.5|lookup|7|7|1|2'


def test_a_name_the_context_lacks_is_still_a_scenario_error(serve):
    running = serve("version: 1\nname: t\nrules:\n  - {reply: {content: '{{ nosuch }}'}}\n")
    answer = httpx.post(running.url + "/v1/chat/completions", json=chat(user("hi")))
    assert answer.status_code == 422
    assert "'nosuch' is undefined" in answer.json()["error"]["message"]



def test_whitespace_control_is_no_minus_sign():
    """``{{- x }}`` and ``{{ x -}}`` are Jinja's whitespace control: as a value (a tool-call
    argument) the expression's own value, not its negation, and no syntax error at load."""
    from mockserver.engine.render import Template

    for source in ("{{ x -}}", "{{- x }}", "{{-x-}}"):
        template = Template(source)
        assert (template.value({"x": 5}), template.render({"x": 5})) == (5, "5"), source
    assert Template("{{ -x }}").value({"x": 5}) == -5  # a minus sign after a space is one
    assert Template("{{ [1, 2] | length -}}").value({}) == 2
