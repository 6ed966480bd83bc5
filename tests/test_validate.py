"""``mockserver validate`` and ``mockserver schema``: each kind of finding with its exact
``file:line`` text, JSON output, exit statuses, and the schema against the bundled scenarios."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from mockserver.cli import main
from mockserver.engine.loader import bundled_scenarios_dir, format_schema
from mockserver.lint import validate_paths

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "mockserver" / "scenario.schema.json"


def run(capsys, *argv: str) -> tuple[int, str]:
    status = main(["validate", *argv])
    return status, capsys.readouterr().out


def findings(*paths: str) -> list[str]:
    return [str(f) for f in validate_paths(paths).findings]


# Load problems (the loader's checks), one per file: (scenario text, the exact finding).
LOAD_ERRORS = [
    ("version: 1\nname: a\nrules: [{reply: {content: x}}\n",
     "s.yaml:4:1: error: invalid YAML: expected ',' or ']', but got '<stream end>' "
     "(while parsing a flow sequence that starts at line 3, column 8) [yaml]"),
    ("version: 1\nname: a\nrules:\n  - name: r\n    reply: {content: x}\n    whne: {}\n",
     "s.yaml:4: error: rule 'r' at rules[0]: Additional properties are not allowed ('whne' was unexpected); "
     "allowed keys: description, name, priority, reply, when [schema]"),
    ("version: 1\nname: a\nrules:\n  - name: r\n    reply: {content: '{{ oops '}\n",
     "s.yaml:5: error: rule 'r' at rules[0].reply.content: template syntax error: unexpected end of template, "
     "expected 'end of print statement'. [template]"),
    ("version: 1\nname: a\nrules:\n  - name: r\n    reply: {content: '{{ x | nope }}'}\n",
     "s.yaml:5: error: rule 'r' at rules[0].reply.content: template syntax error: No filter named 'nope'. [template]"),
    ("version: 1\nname: a\nrules:\n  - name: r\n    when:\n      last_message: {regex: '(unclosed'}\n    reply: {content: x}\n",
     "s.yaml:6: error: rule 'r' at rules[0].when.last_message.regex: invalid regex '(unclosed': "
     "missing ), unterminated subpattern at position 0 [regex]"),
    ("version: 1\nname: a\nrules:\n  - name: r\n    when: {tools: [f]}\n    reply: {tool_calls: [{name: f, arguments: '{oops'}]}\n",
     "s.yaml:6: error: rule 'r' at rules[0].reply.tool_calls[0].arguments: arguments are not valid JSON: "
     "Expecting property name enclosed in double quotes: line 1 column 2 (char 1) [arguments]"),
    ("version: 1\nname: a\nrules:\n  - {name: r, when: {turn: 0}, reply: {content: a}}\n  - {name: r, when: {turn: 1}, reply: {content: b}}\n",
     "s.yaml:5: error: rule 'r' at rules[1].name: duplicate rule name 'r' (also rules[0]) [duplicate]"),
]


@pytest.mark.parametrize("text,expected", LOAD_ERRORS, ids=[e[1].rsplit("[", 1)[1][:-1] + str(i) for i, e in enumerate(LOAD_ERRORS)])
def test_load_problems_are_errors_with_file_line_rule_and_check(folder, capsys, text, expected):
    folder("s.yaml", text)
    status, out = run(capsys, "s.yaml")
    assert status == 1
    passed_schema = not expected.endswith(("[yaml]", "[schema]"))  # counted: documents that pass the schema
    rules = text.count("name: r") if passed_schema else 0
    summary = f"invalid: 1 file(s), {int(passed_schema)} scenario(s), {rules} rule(s): 1 error(s), 0 warning(s)"
    assert out.splitlines() == [expected, summary]


BAD = """
version: 1
name: bad
rules:
  - name: typo-variable
    when: {last_message: "weather"}
    reply: {content: "{{ reslut.temp }}"}
  - name: no-group
    when: {last_message: {regex: 'in (?P<city>\\w+)'}}
    reply: {content: "{{ captures.town }} {{ captures.city }} {{ captures.other | default('') }}"}
  - name: optional-group
    when: {last_message: {regex: 'in (?P<city>\\w+)( at (?P<hour>\\d+))?'}}
    reply: {content: "{{ captures.city }} {{ captures.hour }} {{ captures.get('hour') }}"}
  - name: wrong-tool
    when: {tools: [get_weather]}
    reply:
      tool_calls: [{name: get_wether}]
  - name: unrequired-tool
    when: {last_message: "time"}
    reply:
      tool_calls: [{name: get_time}]
  - name: bad-tool-name
    when: {tools: [get weather]}
    reply: {content: x}
  - name: none-but-calls
    when: {tool_choice: none, tools: [f]}
    reply: {tool_calls: [{name: f}]}
  - name: named-but-other
    when: {tool_choice: {function: f}}
    reply: {tool_calls: [{name: g}]}
  - name: required-but-text
    when: {tool_choice: required}
    reply: {content: text}
  - name: everything
    reply: {content: "fallback"}
  - name: after-everything
    when: {last_message: "hi"}
    reply: {content: "never"}
  - name: tool-after-everything
    when: {tools: [f]}
    reply: {tool_calls: [{name: f}]}
"""

AVAILABLE = ("abs, captures, cycler, dict, joiner, last, last_user, len, max, messages, min, model, "
             "namespace, range, request, result, results, round, tool_results, tools, turn")
BAD_FINDINGS = [
    f"bad.yaml:6: error: rule 'typo-variable' at rules[0].reply.content: unknown template variable 'reslut' (did you mean 'result'?); available: {AVAILABLE} [variable]",
    "bad.yaml:9: error: rule 'no-group' at rules[1].reply.content: uses captures.town, but no regex of this rule has a named group 'town' (named groups: city) [captures]",
    "bad.yaml:12: warning: rule 'optional-group' at rules[2].reply.content: uses captures.hour, but the group 'hour' is optional in its regex: "
    "when it does not take part, the template fails (422); use captures.get('hour') or 'captures.hour | default(...)' [captures]",
    "bad.yaml:16: error: rule 'wrong-tool' at rules[3].reply.tool_calls[0].name: calls 'get_wether', which is not among the tools the rule "
    "requires the request to declare (get_weather): did you mean 'get_weather'? [tool]",
    "bad.yaml:20: warning: rule 'unrequired-tool' at rules[4].reply.tool_calls[0].name: calls 'get_time', which no when.tools, tool_choice or "
    "tool_result of this file names; a request that does not declare it skips this rule — add 'when: {tools: [get_time]}' to be sure [tool]",
    "bad.yaml:22: error: rule 'bad-tool-name' at rules[5].when.tools[0]: tool name 'get weather' can never be declared by a request "
    "(names match ^[a-zA-Z0-9_-]+$, at most 64 characters), so this never matches [tool]",
    "bad.yaml:26: error: rule 'none-but-calls' at rules[6].reply: calls tools, but the rule only matches tool_choice 'none': the reply is always skipped [tool_choice]",
    "bad.yaml:29: warning: rule 'named-but-other' at rules[7].reply.tool_calls[0].name: calls 'g', which no when.tools, tool_choice or "
    "tool_result of this file names; a request that does not declare it skips this rule — add 'when: {tools: [g]}' to be sure [tool]",
    "bad.yaml:29: error: rule 'named-but-other' at rules[7].reply: calls ['g'], but the rule only matches tool_choice {function: f}: the reply is always skipped [tool_choice]",
    "bad.yaml:32: error: rule 'required-but-text' at rules[8].reply: calls no tool, but the rule only matches tool_choice 'required': the reply is always skipped [tool_choice]",
    "bad.yaml:35: error: rule 'after-everything' at rules[10]: unreachable: catch-all rule 'everything' (line 33, priority 0) answers every request first [unreachable]",
    "bad.yaml:38: warning: rule 'tool-after-everything' at rules[11]: reachable only when catch-all rule 'everything' (line 33, priority 0) "
    "is skipped because its reply contradicts tool_choice or parallel_tool_calls [unreachable]",
]


def test_static_checks_each_kind_with_its_location(folder, capsys):
    folder("bad.yaml", BAD)
    status, out = run(capsys, "bad.yaml")
    assert status == 1
    assert out.splitlines() == BAD_FINDINGS + [
        "bad.yaml:13: warning: rule 'wrong-tool' at rules[3]: loop: after its call(s) of get_wether are answered, the "
        "follow-up request matches this rule again (tools still hold), so an agent calls get_wether until it gives up; "
        "let it match only the request that asks for it (e.g. last_message: {role: user}), or put a rule that answers "
        "the results before it [loop]",
        "invalid: 1 file(s), 1 scenario(s), 12 rule(s): 8 error(s), 5 warning(s)"]


def test_priority_decides_what_a_catch_all_shadows(folder):
    folder("p.yaml", """
        version: 1
        name: p
        rules:
          - {name: fallback, reply: {content: later}}
          - {name: urgent, priority: 5, when: {last_message: hi}, reply: {content: first}}
          - {name: same-priority, when: {last_message: yo}, reply: {content: never}}
          - {name: lower, priority: -1, when: {last_message: hey}, reply: {content: never}}
    """)
    assert findings("p.yaml") == [
        "p.yaml:6: error: rule 'same-priority' at rules[2]: unreachable: catch-all rule 'fallback' (line 4, priority 0) answers every request first [unreachable]",
        "p.yaml:7: error: rule 'lower' at rules[3]: unreachable: catch-all rule 'fallback' (line 4, priority 0) answers every request first [unreachable]",
    ]


def test_across_files_duplicates_and_catch_alls_of_other_scenarios(folder, capsys):
    folder("a.yaml", "version: 1\nname: first\nrules:\n  - name: anything\n    reply: {content: any}\n")
    folder("b.yaml", "version: 1\nname: first\nrules:\n  - name: greet\n    when: {last_message: hi}\n    reply: {content: hello}\n")
    folder("c.yaml", "version: 1\nname: third\nwhen: {model: m}\nrules:\n  - name: only-m\n    reply: {content: m}\n")
    status, out = run(capsys, ".")
    assert status == 1
    assert out.splitlines() == [
        "b.yaml:2: error: at name: duplicate scenario name 'first' (also in a.yaml:2) [duplicate]",
        "b.yaml:4: warning: rule 'greet' at rules[0]: answers only when the request selects scenario 'first' (header X-Mock-Scenario or "
        "model 'first'): otherwise catch-all rule 'anything' of scenario 'first' (a.yaml:4, priority 0) answers first [shadowed]",
        "c.yaml:5: warning: rule 'only-m' at rules[0]: answers only when the request selects scenario 'third' (header X-Mock-Scenario or "
        "model 'third'): otherwise catch-all rule 'anything' of scenario 'first' (a.yaml:4, priority 0) answers first [shadowed]",
        "invalid: 3 file(s), 3 scenario(s), 3 rule(s): 1 error(s), 2 warning(s)",
    ]


def test_missing_paths_and_empty_folders(folder, capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    status, out = run(capsys, "nowhere.yaml", "empty")
    assert status == 1
    assert out.splitlines() == [
        "nowhere.yaml: error: no such file or directory [file]",
        "empty: error: no *.yaml or *.yml files in this folder [file]",
        "invalid: 0 file(s), 0 scenario(s), 0 rule(s): 2 error(s), 0 warning(s)",
    ]


def test_warnings_alone_pass(folder, capsys):
    folder("w.yaml", "version: 1\nname: w\nrules:\n  - name: call\n    reply: {tool_calls: [{name: f}]}\n")
    status, out = run(capsys, "w.yaml")
    assert status == 0
    assert out.splitlines()[-1] == "ok: 1 file(s), 1 scenario(s), 1 rule(s): 0 error(s), 2 warning(s)"  # [tool], [loop]


def test_json_format(folder, capsys):
    folder("j.yaml", "version: 1\nname: j\nrules:\n  - name: r\n    when: {last_message: {regex: '(x'}}\n    reply: {content: x}\n")
    status, out = run(capsys, "j.yaml", "--format", "json")
    assert status == 1
    assert json.loads(out) == {
        "ok": False, "errors": 1, "warnings": 0, "files": ["j.yaml"], "scenarios": 1, "rules": 1,
        "problems": [{
            "severity": "error", "check": "regex", "file": "j.yaml", "line": 5, "column": None, "rule": "r",
            "path": "rules[0].when.last_message.regex",
            "message": "invalid regex '(x': missing ), unterminated subpattern at position 0",
        }],
    }


def test_bundled_scenarios_are_clean_and_the_process_exit_status(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "mockserver", "validate", str(bundled_scenarios_dir()), "--format", "json"],
                        capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout
    report = json.loads(ok.stdout)
    assert (report["ok"], report["errors"], report["warnings"], report["scenarios"]) == (True, 0, 0, 5)
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: b\nrules: []\n")
    failed = subprocess.run([sys.executable, "-m", "mockserver", "validate", "bad.yaml"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert failed.returncode == 1
    assert failed.stdout.splitlines()[0] == "bad.yaml:3: error: at rules: [] should be non-empty [schema]"


def test_schema_command_prints_the_shipped_schema(capsys):
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert out == SCHEMA_FILE.read_text(encoding="utf-8")
    assert json.loads(out) == format_schema()
    jsonschema.Draft202012Validator.check_schema(json.loads(out))


@pytest.mark.parametrize("path", sorted(bundled_scenarios_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_scenarios_validate_against_the_schema_and_point_editors_at_it(path):
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../scenario.schema.json"
    assert (path.parent / "../scenario.schema.json").resolve() == SCHEMA_FILE
    for doc in yaml.safe_load_all(text):
        jsonschema.validate(doc, format_schema(), cls=jsonschema.Draft202012Validator)


def test_optional_capture_in_seed_001_does_not_break_the_answer(http):
    """Found by validate: '… and by how much?' without 'in F' left captures.unit undefined (a 422)."""
    tool = {"type": "function", "function": {"name": "get_current_weather", "parameters": {
        "type": "object", "properties": {"location": {"type": "string"}, "unit": {"type": "string"}}}}}
    body = {"model": "gemini", "tools": [tool], "messages": [
        {"role": "user", "content": "Which city has a higher temperature, Oslo or Rome, and by how much?"}]}
    reply = http.post("/v1/chat/completions", json=body)
    assert reply.status_code == 200, reply.text
    calls = reply.json()["choices"][0]["message"]["tool_calls"]
    assert [json.loads(c["function"]["arguments"]) for c in calls] == [
        {"location": "Oslo", "unit": "fahrenheit"}, {"location": "Rome", "unit": "fahrenheit"}]


def test_plain_strings_for_model_and_header_pass_the_schema():
    """text_exact was a oneOf over 'string' and a text matcher that also accepts a string, so a
    plain string matched both branches and every 'model: NAME' failed to load."""
    from mockserver.engine.loader import load_text

    scenarios, problems = load_text(
        "version: 1\nname: s\nwhen: {model: gpt-4o}\nrules:\n  - when: {header: {x-team: blue}}\n    reply: {content: x}\n", "s.yaml")
    assert [str(p) for p in problems] == [] and len(scenarios) == 1
