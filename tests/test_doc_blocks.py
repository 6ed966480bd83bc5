"""Docs that cannot drift: every code block of README.md and docs/*.md is run, loaded or checked.

Each block is classified by what it is — a request (curl), a scenario (YAML), a Python snippet, a
command, an output quoted from mockserver — and each kind has a check that runs it against a
real server and compares what the docs say with what happens. A block of a kind no check knows
fails :func:`test_every_block_is_checked`, so a new example cannot go unchecked.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
import shlex
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
import yaml

from mockserver.assertions import MockAssertionError
from mockserver.config import Config, unknown_variables
from mockserver.engine.loader import bundled_scenarios_dir, load_text
from mockserver.engine.model import ScenarioSet
from mockserver.fixture import MockServer
from mockserver.lint.checks import check_document
from mockserver.testing import ServerThread

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK_RE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
LOCAL_URL = re.compile(r"(?:https?://)?(?:127\.0\.0\.1|localhost):8000")


@dataclass(frozen=True)
class Block:
    file: str
    line: int
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for path in DOCS:
        source = path.read_text(encoding="utf-8")
        for match in BLOCK_RE.finditer(source):
            line = source[: match.start()].count("\n") + 1
            found.append(Block(path.name, line, match.group(1), match.group(2)))
    return found


def kind(block: Block) -> str:
    """What a block is, hence how it is checked."""
    text = block.text
    if block.lang == "bash":
        return "requests" if text.lstrip().startswith(("curl", "# the first")) else "commands"
    if block.lang == "yaml":
        data = yaml.safe_load(text)
        if isinstance(data, dict) and ("jobs" in data or "steps" in data or "services" in str(data.get("test", ""))):
            return "ci"  # GitHub Actions (a whole workflow, or its steps), GitLab CI
        return "scenario"
    if block.lang == "python":
        return "test-module" if "def test_" in text else ("journal-snippet" if "mockserver.calls" in text else "snippet")
    if block.lang == "jinja":
        return "filter-examples"  # rendered by tests/test_docs.py::test_filter_examples_render_as_documented
    if block.lang == "json" and text.lstrip().startswith('{"id"'):
        return "journal-entry"
    if block.lang == "text":
        return "output"
    if block.lang == "dockerfile":
        return "dockerfile"
    return "unknown"


ALL = blocks()


def of_kind(name: str) -> list[Block]:
    return [b for b in ALL if kind(b) == name]


def test_every_block_is_checked():
    unknown = [b.id for b in ALL if kind(b) == "unknown"]
    assert unknown == [], f"code blocks no test checks (teach tests/test_doc_blocks.py their kind): {unknown}"
    assert len(ALL) > 40


# --- requests: curl commands against a real server with the bundled scenarios ------------------


@pytest.fixture(scope="module")
def bundled_server() -> Iterator[ServerThread]:
    with ServerThread(Config(scenarios=[str(bundled_scenarios_dir())], port=0)) as running:
        yield running


def curl_commands(text: str) -> list[list[str]]:
    """The curl commands of a block as argument lists (bash's $'…' strings decoded)."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    code = re.sub(r"\$'((?:[^'\\]|\\.)*)'", lambda m: shlex.quote(codecs.decode(m.group(1), "unicode_escape")), code)
    words = shlex.split(code.replace("\\\n", " "))
    commands: list[list[str]] = []
    for word in words:
        if word == "curl":
            commands.append([])
        else:
            commands[-1].append(word)
    return commands


def run_curl(args: list[str], base: str) -> httpx.Response:
    headers: dict[str, str] = {}
    data: str | None = None
    url = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-H", "--header"):
            name, value = args[i + 1].split(":", 1)
            headers[name.strip()] = value.strip()
            i += 2
        elif arg in ("-d", "--data", "--data-binary"):
            data = args[i + 1]
            i += 2
        elif arg in ("-s", "-N", "-i", "-sN", "-si"):
            i += 1
        elif arg == "|":  # a filter of the output: the test compares what it would print
            break
        else:
            assert url is None and not arg.startswith("-"), f"curl option the docs test does not know: {arg}"
            url = LOCAL_URL.sub(base, arg if "://" in arg else "http://" + arg)
            i += 1
    assert url is not None
    method = "POST" if data is not None else "GET"
    return httpx.request(method, url, headers=headers, content=data.encode() if data else None, timeout=10)


def expected_json(text: str) -> Any:
    """The JSON the docs show after a command, in '# ' comment lines (None when there is none)."""
    comments = [line[2:] if line.startswith("# ") else line[1:] for line in text.splitlines() if line.startswith("#")]
    joined = "".join(comments).strip()
    return json.loads(joined) if joined.startswith("{") else None


@pytest.mark.parametrize("block", of_kind("requests"), ids=lambda b: b.id)
def test_requests_answer_as_documented(block, bundled_server):
    commands = curl_commands(block.text)
    assert commands, block.text
    responses = [run_curl(args, bundled_server.url) for args in commands]
    expected = expected_json(block.text)
    if "X-Mock-Fault: 429" in block.text:  # "the first two requests of this session fail with 429, the third succeeds"
        responses += [run_curl(commands[0], bundled_server.url) for _ in range(2)]
        assert [r.status_code for r in responses] == [429, 429, 200]
        assert responses[0].headers["retry-after"] == "1" and responses[0].headers["retry-after-ms"] == "500"
        return
    [response] = responses
    grep = re.search(r"\| grep -i ([\w-]+)", block.text)
    if grep:  # the response header line(s) the docs show, possibly cut short with '…'
        comments = " ".join(line[1:].strip() for line in block.text.splitlines() if line.startswith("#"))
        shown = f"{grep.group(1)}: {response.headers[grep.group(1)]}".lower()
        assert shown.startswith(comments.rstrip("…").strip().lower()), (shown, comments)
        return
    if expected is not None:
        assert response.json() == expected
        return
    assert response.status_code == 200, response.text
    if '"stream": true' in block.text:
        events = [line for line in response.text.splitlines() if line.startswith("data: ")]
        assert response.headers["content-type"].startswith("text/event-stream") and events[-1] == "data: [DONE]"
        assert json.loads(events[-2][6:])["usage"]["completion_tokens"] > 0 and json.loads(events[-2][6:])["choices"] == []
        return
    body = response.json()
    if "/v1/responses" in block.text:  # a Response whose output is one function_call item, {"city":"Lisbon"}
        assert body["id"].startswith("resp_") and body["status"] == "completed"
        [item] = body["output"]
        assert (item["type"], item["name"], item["arguments"]) == ("function_call", "get_weather", '{"city":"Lisbon"}')
        assert item["id"].startswith("fc_") and item["call_id"].startswith("call_")
        return
    message = body["choices"][0]["message"]
    if "X-Mock-Profile: vllm" in block.text:  # → content "", finish_reason "stop", id "chatcmpl-tool-…", … null
        assert message["content"] == "" and body["choices"][0]["finish_reason"] == "stop"
        assert message["tool_calls"][0]["id"].startswith("chatcmpl-tool-")
        assert message["reasoning_content"] is None and body["kv_transfer_params"] is None
    else:  # "answers `content: null` and a `get_weather` call with `{"city":"Lisbon"}`"
        assert message["content"] is None
        assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in message["tool_calls"]] == [
            ("get_weather", {"city": "Lisbon"})]


# --- scenarios -------------------------------------------------------------------------------------


def as_scenario(data: dict[str, Any]) -> dict[str, Any]:
    if "version" in data:
        return data
    if "rules" in data:
        return {"version": 1, "name": "doc-example", **data}
    return {"version": 1, "name": "doc-example", "rules": [{"reply": {"content": "x"}, **data}]}


@pytest.mark.parametrize("block", of_kind("scenario"), ids=lambda b: b.id)
def test_scenarios_load_without_errors(block):
    scenario = as_scenario(yaml.safe_load(block.text))
    text = yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False)
    _, problems = load_text(text, "example.yaml")
    assert [str(p) for p in problems] == []
    assert [str(f) for f in check_document(scenario, "example.yaml") if f.severity == "error"] == []


@pytest.mark.parametrize("block", of_kind("ci"), ids=lambda b: b.id)
def test_ci_configs_use_known_variables_and_the_served_port(block):
    data = yaml.safe_load(block.text)
    names = {k: "x" for k in re.findall(r"MOCKSERVER_[A-Z_]+", block.text)}
    assert unknown_variables(names) == []
    assert ":8000" in block.text


# --- Python ----------------------------------------------------------------------------------------


def test_the_client_snippet_talks_to_a_server(bundled_server):
    [block] = of_kind("snippet")
    namespace: dict[str, Any] = {}
    exec(compile(LOCAL_URL.sub(bundled_server.url, block.text), block.id, "exec"), namespace)
    assert "gpt-5.4" in {m.id for m in namespace["client"].models.list()}


def test_the_test_module_and_the_journal_snippet_pass(pytester):
    [module] = of_kind("test-module")
    [snippet] = of_kind("journal-snippet")
    extra = ('\n\n@pytest.mark.mockserver(scenarios=[WEATHER])\ndef test_journal_snippet(mockserver):\n'
             '    run_agent(mockserver.client(), "What is the weather in Oslo?")\n' + textwrap.indent(snippet.text, "    "))
    pytester.makepyfile(test_agent=module.text + extra)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


# --- outputs quoted from mockserver ----------------------------------------------------------------


def output(start: str) -> str:
    [block] = [b for b in of_kind("output") if b.text.startswith(start)]
    return block.text.rstrip("\n")


def readme_scenario() -> str:
    [block] = [b for b in of_kind("scenario") if b.file == "authoring.md" and "name: weather" in b.text and "models:" in b.text]
    return block.text


WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}


def test_quoted_outputs_every_one_is_checked():
    starts = ("No scenario rule matched", "WARNING mockserver.requests", "assert_tool_called(")
    assert all(b.text.startswith(starts) for b in of_kind("output"))


def test_the_near_miss_report_and_its_log_line_read_as_quoted(caplog):
    found, problems = load_text(readme_scenario(), "weather.yaml")
    assert problems == []
    with ServerThread(Config(port=0), ScenarioSet(found)) as running, caplog.at_level(logging.INFO, "mockserver.requests"):
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}], "tools": [WEATHER_TOOL]}
        assert httpx.post(running.url + "/v1/chat/completions", json=body).status_code == 400  # request #1
        body["messages"][0]["content"] = "How warm is it in Oslo?"
        response = httpx.post(running.url + "/v1/chat/completions", json=body)
    assert response.json()["error"]["message"] == output("No scenario rule matched")
    lines = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in caplog.records if r.name == "mockserver.requests"]
    assert lines[-1] == output("WARNING mockserver.requests")


def test_the_assertion_failure_reads_as_quoted():
    [module] = of_kind("test-module")
    namespace: dict[str, Any] = {}
    exec(compile(module.text, module.id, "exec"), namespace)
    with ServerThread(Config(port=0)) as running:
        mock = MockServer(running)
        mock.use([namespace["WEATHER"]])
        mock.client().chat.completions.create(model="gpt-4o", tools=namespace["TOOLS"],
                                              messages=[{"role": "user", "content": "What is the weather in Oslo?"}])
        with pytest.raises(MockAssertionError) as info:
            mock.assert_tool_called("get_weather", args={"city": "Paris"})
        mock.close()
    assert re.sub(r"call_\w+", "call_…", str(info.value)) == output("assert_tool_called(")


def test_the_journal_entry_has_the_documented_keys(bundled_server):
    [block] = of_kind("journal-entry")
    documented = json.loads(block.text)
    [request] = [b for b in of_kind("requests") if "What is the weather in Lisbon?" in b.text and "/chat/" in b.text]
    before = bundled_server.app.state.journal.next_id
    run_curl(curl_commands(request.text)[0], bundled_server.url)
    entry = next(e for e in bundled_server.app.state.journal.calls if e.id >= before).as_dict()
    assert set(documented) == set(entry)
    assert (documented["scenario"], documented["rule"]) == (entry["scenario"], entry["rule"])
    assert documented["rule_location"].split("/")[-1] == entry["rule_location"].split("/")[-1]


# --- commands --------------------------------------------------------------------------------------


def commands() -> list[tuple[Block, str]]:
    found = []
    for block in of_kind("commands"):
        for line in block.text.replace("\\\n", " ").splitlines():
            code = line.split("  #")[0].strip()
            for command in code.split(" && "):
                if command.strip() and not command.startswith("#"):
                    found.append((block, command.strip()))
    return found


RUN = ("validate", "schema")  # commands run for real; the others (serve, record, import) serve or need input: parsed


@pytest.mark.parametrize("block,command", commands(), ids=[f"{b.id} {c[:40]}" for b, c in commands()])
def test_commands_exist_as_documented(block, command, tmp_path, capsys, monkeypatch):
    from mockserver.cli import _parser, config_from_args, main

    words = shlex.split(command.replace("\\", ""))
    if words[0] == "export":
        assert unknown_variables(dict([words[1].split("=", 1)])) == []
        return
    if words[:1] == ["docker"]:  # the image is built and smoke-tested by scripts/container-smoke.sh (.ci/run)
        script = (ROOT / "scripts" / "container-smoke.sh").read_text()
        assert unknown_variables(dict.fromkeys(re.findall(r"MOCKSERVER_\w+", command), "x")) == []
        assert words[1] in ("build", "run") and ("build" in script and "run" in script)
        image = len(words) - 1 - words[::-1].index("mockserver")  # the image name, then its command
        if words[1] == "run" and image + 1 < len(words):
            _parser().parse_args(words[image + 1:])
        return
    if words[:4] == ["python", "-m", "pip", "install"]:
        extra = re.findall(r"\[(\w+)\]", words[4])
        pyproject = (ROOT / "pyproject.toml").read_text()
        assert all(f"\n{name} = [" in pyproject for name in extra)
        return
    if words[:3] == ["python", "-m", "pytest"]:
        if words[3:4] == ["tests/compat"]:  # run by scripts/compat.sh, in venvs of its own
            assert "-m pytest tests/compat" in (ROOT / "scripts" / "compat.sh").read_text()
        else:
            assert " ".join(words) in (ROOT / ".ci" / "run").read_text()
        return
    if words[0].startswith("scripts/"):  # a script of this repository that .ci/run runs
        assert (ROOT / words[0]).is_file() and words[0] in (ROOT / ".ci" / "run").read_text()
        return
    if words[0] == "jq":  # reads the journal file: the fields it selects are an entry's
        from mockserver.server.entry import Entry

        fields = set(re.findall(r"\.(\w+)", words[2])) - {"message"}  # .error.message: inside 'error'
        assert fields <= set(Entry.__dataclass_fields__) | {n for n, v in vars(Entry).items() if isinstance(v, property)}
        return
    if words[:2] == ["python", "bench/run.py"]:
        assert all(f'"{flag}"' in (ROOT / "bench" / "run.py").read_text() for flag in words[2:] if flag.startswith("--"))
        return
    assert words[0] == "mockserver", command
    args = words[1:words.index(">")] if ">" in words else words[1:]
    parsed = _parser().parse_args(args)
    if words[1] == "serve":
        monkeypatch.setenv("MOCKSERVER_UPSTREAM", "http://127.0.0.1:1/v1")  # --record needs an upstream
        config_from_args(parsed)
    monkeypatch.chdir(tmp_path)
    paths = [w.rstrip("/") for w in args[1:] if not w.startswith("-") and w not in ("text", "json")]
    if words[1] not in RUN or not all(p in ("scenarios", "a.yaml", "b.yaml") for p in paths):
        return  # parsed above
    for name in paths:
        if name == "scenarios":
            (tmp_path / name).mkdir()
            for file in bundled_scenarios_dir().glob("*.yaml"):
                (tmp_path / name / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
        else:
            (tmp_path / name).write_text(f"version: 1\nname: {name[0]}\nrules: [{{reply: {{content: hi}}}}]\n")
    status = main(args)
    out = capsys.readouterr().out
    assert status == 0, out
    if words[1] == "schema":
        assert json.loads(out) == json.loads((ROOT / "mockserver" / "scenario.schema.json").read_text())
    if "--format" in words:
        assert json.loads(out)["ok"] is True


def test_dockerfile_blocks_start_from_the_image():
    for block in of_kind("dockerfile"):
        assert block.text.startswith("FROM ") and "/scenarios/" in block.text  # the folder the image serves


# --- prose: options and variables named in the docs exist ------------------------------------------


def test_every_variable_and_flag_named_in_the_docs_exists():
    from mockserver.cli import _parser

    text = "\n".join(path.read_text(encoding="utf-8") for path in DOCS)
    names = dict.fromkeys(re.findall(r"MOCKSERVER_[A-Z_]*[A-Z]", text), "x")
    del names["MOCKSERVER_PROT"]  # the misspelling the docs show being warned about
    assert unknown_variables(names) == []
    serve = next(a for a in _parser()._subparsers._group_actions[0].choices.items() if a[0] == "serve")[1]
    flags = {option for action in serve._actions for option in action.option_strings}
    readme = "\n".join(path.read_text(encoding="utf-8") for path in DOCS)
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    configuration = page[page.index("## Configuration"):]
    table = re.findall(r"^\| (`--(?:[^|\\]|\\\|)+)\|", configuration, re.MULTILINE)
    in_table = {flag.split()[0] for cell in table for flag in re.findall(r"`(--[a-z-]+[^`]*)`", cell)}
    assert in_table <= flags  # the Configuration table names serve's flags only
    mentioned = {flag.split()[0] for flag in re.findall(r"`(--[a-z-]+)[^`]*`", readme)}
    assert {f for f in flags if f.startswith("--") and f != "--help"} <= mentioned  # and every flag is documented


def test_quoted_option_errors_are_what_serve_says(capsys):
    from mockserver.cli import main

    readme = "\n".join(path.read_text(encoding="utf-8") for path in DOCS)
    quoted = re.search(r"`(mockserver: --port[^`]+)`", readme).group(1)
    assert main(["serve", "--port", "70000"]) == 2
    assert capsys.readouterr().err.strip() == quoted
    warning = re.search(r"`(unknown environment variable MOCKSERVER_PROT[^`]+)`", readme).group(1)
    assert unknown_variables({"MOCKSERVER_PROT": "9"}) == [warning]


def test_the_entry_attribute_table_lists_every_attribute():
    from mockserver.server.entry import Entry, ToolCall

    readme = (ROOT / "docs" / "pytest.md").read_text(encoding="utf-8")
    table = readme[readme.index("| Attribute | What |"):readme.index("**Assertions.**")]
    documented = {name for cell in re.findall(r"^\| ([^|]+)\|", table, re.MULTILINE) for name in re.findall(r"`(\w+)`", cell)}
    public = set(Entry.__dataclass_fields__) | {name for name, value in vars(Entry).items() if isinstance(value, property)}
    assert public == documented - {"Attribute"}
    tool_call_row = next(line for line in table.splitlines() if line.startswith("| `tool_calls`"))
    assert all(f"`.{name}`" in tool_call_row for name in ToolCall.__dataclass_fields__)
