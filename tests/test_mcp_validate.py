"""``mockserver validate`` across the model's scripted calls and the MCP tools the files declare."""

from __future__ import annotations

import textwrap

from mockserver.lint.run import validate_paths

LOOP = """
version: 2
name: loop
mcp:
  tools:
    - name: get_weather
      inputSchema: {type: object, properties: {city: {type: string}, days: {type: integer}}, required: [city], additionalProperties: false}
      results: [{text: ok}]
rules:
  - name: call
    when: {tools: [get_weather, get_time], last_message: {regex: 'x (?P<c>\\\\w+)'}}
    reply:
      tool_calls:
        - {name: get_weather, arguments: {town: "{{ captures.c }}", days: "3"}}
        - {name: get_time, arguments: {}}
  - name: fine
    when: {tools: [get_weather], last_message: {regex: 'y (?P<c>\\\\w+)'}}
    reply:
      tool_calls: [{name: get_weather, arguments: {city: "{{ captures.c }}", days: "{{ 3 }}"}}]
  - name: answer
    when: {tool_result: {tool: get_forecast}}
    reply: {content: done}
"""


def findings(tmp_path, *texts):
    for n, text in enumerate(texts):
        (tmp_path / f"{n}.yaml").write_text(textwrap.dedent(text))
    return [str(f) for f in validate_paths([tmp_path]).findings if f.check == "mcp"]


def test_scripted_calls_against_declared_tools(tmp_path):
    found = findings(tmp_path, LOOP)
    assert any("rules[0].reply.tool_calls[0].arguments.days: the MCP tool 'get_weather'" in f
               and "'3' is not of type 'integer' (inputSchema #/properties/days/type)" in f for f in found), found
    assert any("'city' is a required property (inputSchema #/required)" in f for f in found)
    assert any("('town' was unexpected)" in f for f in found)
    assert any("warning: rule 'call'" in f and "calls 'get_time', which this file's mcp: does not declare" in f for f in found)
    assert any("warning: rule 'answer'" in f and "expects a result of 'get_forecast'" in f for f in found)
    assert not any("rule 'fine'" in f for f in found)  # templated values are judged when served
    assert len(found) == 5 and all(f.startswith(str(tmp_path)) or f.startswith("/") or ":" in f for f in found)


def test_tools_declared_in_another_file_are_checked_too(tmp_path):
    tools = LOOP.split("rules:")[0].replace("name: loop", "name: tools")
    model = """
    version: 1
    name: model
    rules:
      - when: {tools: [get_weather]}
        reply: {tool_calls: [{name: get_weather, arguments: {city: 7}}]}
      - when: {tools: [other]}
        reply: {tool_calls: [{name: other, arguments: {}}]}
    """
    found = findings(tmp_path, tools, model)
    assert len(found) == 1 and "7 is not of type 'string'" in found[0]  # 'other' may be a function tool: not MCP's


def test_the_bundled_loop_is_clean():
    from mockserver.engine.loader import bundled_scenarios_dir

    report = validate_paths([bundled_scenarios_dir()])
    assert not report.findings, [str(f) for f in report.findings]
