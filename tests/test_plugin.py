"""The pytest plugin, tested with pytester: real inner pytest runs against a real server."""

from __future__ import annotations

import textwrap
from importlib.metadata import entry_points

import pytest

PRELUDE = '''
import json
import pytest

WEATHER = """
version: 1
name: weather
rules:
  - name: call
    when: {last_message: {role: user, regex: 'weather in (?P<city>\\\\w+)'}}
    reply:
      tool_calls: [{name: get_weather, arguments: {city: "{{ captures.city }}", unit: celsius}}]
  - name: answer
    when: {tool_result: {tool: get_weather}}
    reply: {content: "It is {{ result.get_weather.temperature }} degrees."}
"""
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
    "required": ["city"]}}}]


def ask(client, text):
    return client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": text}], tools=TOOLS)


def agent(client, text, temperature=21, answer_id=None):
    """A tiny agent: ask, run the tool the model asks for, send the result back."""
    messages = [{"role": "user", "content": text}]
    first = client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message.model_dump(exclude_none=True, exclude={"annotations", "refusal"}))
    messages.append({"role": "tool", "tool_call_id": answer_id or call.id,
                     "content": json.dumps({"temperature": temperature})})
    if answer_id:  # a buggy agent: it also answers the real id, but sends a second, wrong one
        messages[-1]["tool_call_id"] = call.id
    return client.chat.completions.create(model="gpt-4o", messages=messages, tools=TOOLS)
'''


def run(pytester: pytest.Pytester, source: str, *args: str, **files: str) -> pytest.RunResult:
    pytester.makepyfile(test_inner=PRELUDE + textwrap.dedent(source), **files)
    if not any(a.startswith("--mockserver-har-dir") for a in args):
        args += ("--mockserver-har-dir=har",)  # failing inner tests save their HAR in pytester's folder
    return pytester.runpytest("-p", "no:cacheprovider", *args)


def expect(result: pytest.RunResult, patterns: list[str]) -> None:
    """fnmatch the output lines, in order; ``*`` is a wildcard, ``[`` is literal."""
    result.stdout.fnmatch_lines([p.replace("[", "[[]") for p in patterns])


def test_registered_as_pytest11_entry_point():
    [plugin] = [e for e in entry_points(group="pytest11") if e.name == "mockserver"]
    assert plugin.value == "mockserver.pytest_plugin"


def test_fixture_available_without_conftest_through_the_entry_point(pytester, monkeypatch):
    pytester.makepyfile(test_plain="""
        def test_uses_fixture(mockserver):
            completion = mockserver.client().chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hello"}])
            assert completion.choices[0].message.content.startswith("Hello from mockserver!")
            assert mockserver.call_count == 1
    """)
    assert not (pytester.path / "conftest.py").exists()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest("-p", "no:cacheprovider")  # in-process: a fresh config reads the variable too
    result.assert_outcomes(errors=1)
    expect(result, ["*fixture 'mockserver' not found*"])


def test_marker_is_registered(pytester):
    result = pytester.runpytest("-p", "no:cacheprovider", "--markers")
    expect(result, ["@pytest.mark.mockserver(scenarios=[...], profile=None, seed=None, expect_errors=False, allow_warnings=False, strict=False):*"])


def test_fixture_settings_and_fast_start(pytester):
    result = run(pytester, """
        import openai

        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_settings(mockserver):
            assert mockserver.url.startswith("http://127.0.0.1:")
            assert mockserver.base_url == mockserver.url + "/v1"
            assert mockserver.client_kwargs == {
                "base_url": mockserver.base_url, "api_key": "mockserver-test-key", "max_retries": 0}
            assert mockserver.server.startup_seconds < 1.0
            client = openai.OpenAI(**mockserver.client_kwargs)
            assert ask(client, "weather in Oslo").choices[0].message.tool_calls[0].function.name == "get_weather"
            assert mockserver.called and mockserver.call_count == 1
            assert (mockserver.last.scenario, mockserver.last.rule, mockserver.last.status) == ("weather", "call", 200)
    """)
    result.assert_outcomes(passed=1)


def test_default_is_bundled_scenarios(pytester):
    result = run(pytester, """
        def test_bundled(mockserver):
            assert [s.name for s in mockserver.scenarios] == [
                "current-time", "compare-temperatures", "weather-tool", "weather-zh", "weather-tools", "catch-all"]
    """)
    result.assert_outcomes(passed=1)


def test_default_is_rootdir_scenarios_folder(pytester):
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "local.yaml").write_text(
        "version: 1\nname: local\nrules: [{name: r, reply: {content: local answer}}]\n")
    result = run(pytester, """
        def test_local(mockserver):
            assert [s.name for s in mockserver.scenarios] == ["local"]
            answer = mockserver.client().chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi"}])
            assert answer.choices[0].message.content == "local answer"
    """)
    result.assert_outcomes(passed=1)


def test_default_from_ini_option_then_env(pytester, monkeypatch):
    pytester.mkdir("mocks")
    (pytester.path / "mocks" / "ini.yaml").write_text("version: 1\nname: from-ini\nrules: [{reply: {content: a}}]\n")
    (pytester.path / "env.yaml").write_text("version: 1\nname: from-env\nrules: [{reply: {content: b}}]\n")
    pytester.makeini("[pytest]\nmockserver_scenarios = mocks\n")
    source = """
        def test_names(mockserver):
            print("SERVED", [s.name for s in mockserver.scenarios])
    """
    expect(run(pytester, source, "-s"), ["*SERVED ['from-ini']*"])
    monkeypatch.setenv("MOCKSERVER_SCENARIOS", str(pytester.path / "env.yaml"))
    expect(run(pytester, source, "-s"), ["*SERVED ['from-env']*"])


def test_broken_default_scenarios_are_a_setup_error(pytester):
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "bad.yaml").write_text("version: 1\nname: bad\nrules: [{name: r, reply: {}}]\n")
    result = run(pytester, """
        def test_one(mockserver):
            pass
    """)
    result.assert_outcomes(errors=1)
    expect(result, ["*mockserver: cannot load the scenarios in */scenarios:", "scenarios/bad.yaml:3: rule 'r' at rules[0].reply:*"])


def test_marker_scenarios_seed_and_profile(pytester):
    pytester.mkdir("scen")
    (pytester.path / "scen" / "extra.yaml").write_text(
        "version: 1\nname: extra\nrules: [{name: r, when: {last_message: {equals: ping}}, reply: {content: pong}}]\n")
    result = run(pytester, """
        @pytest.mark.mockserver(scenarios=["scen/extra.yaml", WEATHER,
                                           {"version": 1, "name": "dict", "rules": [{"reply": {"content": "d"}}]}],
                                seed=7, profile="vllm")
        def test_marked(mockserver):
            assert [s.name for s in mockserver.scenarios] == ["extra", "weather", "dict"]
            assert (mockserver.seed, mockserver.profile) == (7, "vllm")
            client = mockserver.client()
            seeded = ask(client, "weather in Oslo").id
            mockserver.seed = 0
            assert ask(client, "weather in Oslo").id != seeded
            assert [c.rule for c in mockserver.calls] == ["call", "call"]
            # the profile shapes the answers: vLLM's tool call ids and extra fields
            raw = client.chat.completions.with_raw_response.create(
                model="m", messages=[{"role": "user", "content": "ping"}]).http_response.json()
            assert raw["prompt_token_ids"] is None and raw["choices"][0]["stop_reason"] is None

        def test_next_test_is_back_to_defaults(mockserver):
            assert "extra" not in [s.name for s in mockserver.scenarios]
            assert (mockserver.seed, mockserver.profile, mockserver.call_count) == (0, None, 0)
            raw = mockserver.client().chat.completions.with_raw_response.create(
                model="m", messages=[{"role": "user", "content": "hi"}]).http_response.json()
            assert "prompt_token_ids" not in raw and raw["system_fingerprint"].startswith("fp_")
    """)
    result.assert_outcomes(passed=2)


def test_marker_mistakes_are_setup_errors_naming_the_marker(pytester):
    result = run(pytester, """
        @pytest.mark.mockserver(scenario=["x.yaml"])
        def test_typo(mockserver):
            pass

        @pytest.mark.mockserver(profile="bedrock-ish")
        def test_profile(mockserver):
            pass

        @pytest.mark.mockserver(scenarios=["missing.yaml"])
        def test_missing(mockserver):
            pass

        @pytest.mark.mockserver(scenarios=["version: 1\\nname: b\\nrules: [{name: r, reply: {contents: x}}]\\n"])
        def test_broken(mockserver):
            pass
    """)
    result.assert_outcomes(errors=4)
    expect(result, [
        "*@pytest.mark.mockserver on test_inner.py::test_typo: unknown argument(s) scenario; "
        "valid: scenarios, profile, seed, expect_errors, allow_warnings, strict",
        "*@pytest.mark.mockserver on test_inner.py::test_profile: unknown mockserver profile 'bedrock-ish'; "
        "valid profiles: openai, vllm, vertex, azure, mistral",
        "*@pytest.mark.mockserver on test_inner.py::test_missing: cannot load scenarios=[missing.yaml]:",
        "missing.yaml: no such file or directory (looked in */missing.yaml, */missing.yaml)",
        "*@pytest.mark.mockserver on test_inner.py::test_broken: cannot load scenarios=[<scenarios[0]>]:",
        "<marker scenarios[0]>:3: rule 'r' at rules[0].reply: Additional properties are not allowed*",
    ])


def test_add_and_load_at_runtime(pytester):
    (pytester.path / "ping.yaml").write_text(
        "version: 1\nname: ping\nrules: [{name: r, when: {last_message: {equals: ping}}, reply: {content: pong}}]\n")
    result = run(pytester, """
        from mockserver.engine.loader import ScenarioLoadError

        def test_add(mockserver):
            assert mockserver.add(WEATHER) == ["weather"]
            assert mockserver.load("ping.yaml") == ["ping"]
            assert [s.name for s in mockserver.added_scenarios] == ["ping", "weather"]  # newest first
            assert [s.name for s in mockserver.scenarios][:3] == ["ping", "weather", "current-time"]
            client = mockserver.client()
            assert client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "ping"}]).choices[0].message.content == "pong"
            mockserver.add({"version": 1, "name": "only", "rules": [{"reply": {"content": "only"}}]}, replace=True)
            assert [s.name for s in mockserver.scenarios] == ["only"]

        def test_add_broken(mockserver):
            with pytest.raises(ScenarioLoadError) as info:
                mockserver.add("version: 1\\nname: b\\nrules: [{name: r, reply: {}}]\\n")
            assert str(info.value).startswith("<mockserver.add #1 at test_inner.py:")
            assert ": rule 'r' at rules[0].reply:" in str(info.value)

        def test_isolated(mockserver):
            assert mockserver.added_scenarios == [] and "weather" not in [s.name for s in mockserver.scenarios]
    """)
    result.assert_outcomes(passed=3)


def test_tests_do_not_see_each_others_journal(pytester):
    result = run(pytester, """
        def test_first(mockserver):
            ask(mockserver.client(), "weather in Oslo")
            assert mockserver.call_count == 1

        def test_second(mockserver):
            assert (mockserver.called, mockserver.call_count, mockserver.calls, mockserver.last) == (False, 0, [], None)
            ask(mockserver.client(), "weather in Rome")
            assert [c.request["messages"][0]["content"] for c in mockserver.calls] == ["weather in Rome"]
    """)
    result.assert_outcomes(passed=2)


def test_assertions_pass_on_a_complete_tool_loop(pytester):
    result = run(pytester, """
        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_loop(mockserver):
            final = agent(mockserver.client(), "weather in Oslo", temperature=3)
            assert final.choices[0].message.content == "It is 3 degrees."
            [call] = mockserver.assert_tool_called("get_weather", args={"city": "Oslo"}, times=1)
            assert call.arguments == {"city": "Oslo", "unit": "celsius"}
            mockserver.assert_tool_called("get_weather")
            mockserver.assert_tool_called("get_time", times=0)
            mockserver.assert_tool_result_sent("get_weather")
            mockserver.assert_all_rules_used()
            mockserver.assert_all_rules_used("weather")
            mockserver.assert_no_unmatched()
    """)
    result.assert_outcomes(passed=1)


def test_assert_tool_called_failures(pytester):
    result = run(pytester, """
        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_wrong_args(mockserver):
            ask(mockserver.client(), "weather in Oslo")
            mockserver.assert_tool_called("get_weather", args={"city": "Paris"})

        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_wrong_times(mockserver):
            ask(mockserver.client(), "weather in Oslo")
            mockserver.assert_tool_called("get_weather", times=2)

        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_never(mockserver):
            ask(mockserver.client(), "weather in Oslo")
            mockserver.assert_tool_called("get_time")
    """)
    result.assert_outcomes(failed=3)
    expect(result, [
        "E*assert_tool_called('get_weather', args={\"city\":\"Paris\"}) failed: expected the mock to call "
        "'get_weather' with arguments containing {\"city\":\"Paris\"} at least once, but it did 0 time(s).",
        "E*Calls of 'get_weather' the mock issued:",
        "E*  in #1: get_weather({\"city\":\"Oslo\",\"unit\":\"celsius\"}) [call_*] — arguments.city: got \"Oslo\", expected \"Paris\"",
        "E*The mock received 1 chat request(s):",
        "E*  #1 POST /v1/chat/completions model 'gpt-4o' → 200 answered by scenario 'weather' rule 'call' (<marker scenarios[0]>:5)",
        "E*      user: weather in Oslo",
        "E*      ← assistant: → get_weather({\"city\":\"Oslo\",\"unit\":\"celsius\"}) [call_*]",
    ])
    expect(result, [
        "E*assert_tool_called('get_weather', times=2) failed: expected the mock to call 'get_weather' "
        "exactly 2 time(s), but it did 1 time(s).",
    ])
    expect(result, [
        "E*assert_tool_called('get_time') failed: expected the mock to call 'get_time' at least once, but it did 0 time(s).",
        "E*The mock never called 'get_time'; it called: get_weather.",
    ])


def test_assert_tool_result_sent_failures(pytester):
    result = run(pytester, """
        @pytest.mark.mockserver(scenarios=[WEATHER], expect_errors=True)
        def test_never_sent_back(mockserver):
            ask(mockserver.client(), "weather in Oslo")
            mockserver.assert_tool_result_sent("get_weather")

        @pytest.mark.mockserver(scenarios=[WEATHER], expect_errors=True)
        def test_wrong_id(mockserver):
            client = mockserver.client()
            first = ask(client, "weather in Oslo")
            call = first.choices[0].message.tool_calls[0]
            with pytest.raises(Exception):  # the server rejects the unknown id, as a real provider does
                client.chat.completions.create(model="gpt-4o", tools=TOOLS, messages=[
                    {"role": "user", "content": "weather in Oslo"},
                    first.choices[0].message.model_dump(exclude_none=True, exclude={"annotations", "refusal"}),
                    {"role": "tool", "tool_call_id": "call_made_up", "content": "{}"}])
            mockserver.assert_tool_result_sent("get_weather")

        def test_no_call(mockserver):
            mockserver.assert_tool_result_sent("get_weather")
    """)
    result.assert_outcomes(failed=3)
    expect(result, [
        "E*assert_tool_result_sent('get_weather') failed: 1 of 1 call(s) of 'get_weather' got no result.",
        "E*The mock called get_weather({\"city\":\"Oslo\",\"unit\":\"celsius\"}) with id 'call_*' in #1, "
        "but no later request sent a tool message with tool_call_id 'call_*'.",
        "E*  No request followed #1: the client never sent the result back.",
    ])
    expect(result, [
        "E*  Tool results sent after it: tool_call_id 'call_made_up' (none is 'call_*').",
        "E*  #2 POST /v1/chat/completions model 'gpt-4o' → 400 rejected",
    ])
    expect(result, [
        "E*assert_tool_result_sent('get_weather') failed: the mock never issued a call of 'get_weather'.",
        "E*The mock received no chat requests.",
    ])


def test_assert_all_rules_used_and_no_unmatched_failures(pytester):
    result = run(pytester, """
        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_unused(mockserver):
            ask(mockserver.client(), "weather in Oslo")
            mockserver.assert_all_rules_used()

        @pytest.mark.mockserver(scenarios=[WEATHER], expect_errors=True)
        def test_unmatched(mockserver):
            with pytest.raises(Exception):
                ask(mockserver.client(), "how are you")
            mockserver.assert_no_unmatched()
    """)
    result.assert_outcomes(failed=2)
    expect(result, [
        "E*assert_all_rules_used() failed: 1 of 2 rule(s) of scenario(s) 'weather' never answered a request:",
        "E*- scenario 'weather' rule 'answer' (<marker scenarios[0]>:9)",
        "E*    not #1: tool_result[get_weather]: expected a result of 'get_weather' just sent (after the last assistant message), "
        "got 'no tool results just sent (after the last assistant message)'",
    ])
    expect(result, [
        "E*assert_no_unmatched() failed: 1 of 1 request(s) matched no scenario rule:",
        "E*#1 POST /v1/chat/completions model 'gpt-4o' → 400 unmatched",
        "E*  user: how are you",
        "E*  ← No scenario rule matched this request (model 'gpt-4o', turn 0, last message user).",
        "E*  Closest rules, best first (2):",
        "E*  1. scenario 'weather' rule 'call' (<marker scenarios[0]>:5): 0 of 1 matcher(s) hold",
        "E*       last_message expected: to match /weather in (?P<city>\\w+)/",
        "E*                    actual:   'how are you'",
    ])


def test_unexpected_server_problems_fail_the_test(pytester):
    result = run(pytester, """
        import openai

        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_swallowed_unmatched(mockserver):
            try:
                ask(mockserver.client(), "how are you")
            except openai.BadRequestError:
                pass  # a client that hides errors: the mock still fails the test

        def test_rejected(mockserver):
            try:
                mockserver.client().chat.completions.create(model="gpt-4o", messages=[
                    {"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "c1", "content": "x"}])
            except openai.BadRequestError:
                pass

        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_expected_block(mockserver):
            with mockserver.expect_errors():
                with pytest.raises(openai.BadRequestError):
                    ask(mockserver.client(), "how are you")
            assert [c.outcome for c in mockserver.calls] == ["unmatched"] and mockserver.problems == []

        @pytest.mark.mockserver(scenarios=[WEATHER], expect_errors=True)
        def test_expected_by_marker(mockserver):
            with pytest.raises(openai.BadRequestError):
                ask(mockserver.client(), "how are you")

        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_only_outside_block_counts(mockserver):
            client = mockserver.client()
            with mockserver.expect_errors():
                with pytest.raises(openai.BadRequestError):
                    ask(client, "first")
            try:
                ask(client, "second")
            except openai.BadRequestError:
                pass
    """)
    result.assert_outcomes(passed=2, failed=3)
    expect(result, [
        "*_ test_swallowed_unmatched _*",
        "mockserver: 1 request(s) during test_inner.py::test_swallowed_unmatched ended in an error the test did not "
        "expect (if intended, send them inside `with mockserver.expect_errors():` or mark the test "
        "`@pytest.mark.mockserver(expect_errors=True)`):",
        "#1 POST /v1/chat/completions model 'gpt-4o' → 400 unmatched",
        "    user: how are you",
        "    Closest rules, best first (2):",
    ])
    expect(result, [
        "*_ test_rejected _*",
        "#1 POST /v1/chat/completions model 'gpt-4o' → 400 rejected",
        "    tool [c1]: x",
        "    ← Invalid parameter: messages with role 'tool' must be a response to a preceeding message with "
        "'tool_calls'. (param: messages.[1].role)",
    ])
    expect(result, [
        "*_ test_only_outside_block_counts _*",
        "mockserver: 1 request(s) during test_inner.py::test_only_outside_block_counts ended in an error*",
        "#2 POST /v1/chat/completions model 'gpt-4o' → 400 unmatched",
        "    user: second",
    ])


def test_scenario_error_fails_the_test_naming_the_rule(pytester):
    result = run(pytester, """
        import openai

        BROKEN = "version: 1\\nname: broken\\nrules:\\n  - name: bad-call\\n    reply: {tool_calls: [{name: undeclared}]}\\n"

        @pytest.mark.mockserver(scenarios=[BROKEN])
        def test_broken_reply(mockserver):
            with pytest.raises(openai.UnprocessableEntityError):
                ask(mockserver.client(), "weather in Oslo")
    """)
    result.assert_outcomes(failed=1)
    expect(result, [
        "#1 POST /v1/chat/completions model 'gpt-4o' → 422 scenario_error",
        "    user: weather in Oslo",
        "    ← Scenario error in scenario 'broken' rule 'bad-call' (<marker scenarios[0]>:4): reply.tool_calls[0] calls "
        "'undeclared', which the request does not declare in 'tools' (declared: 'get_weather').",
    ])


def test_failing_test_gets_the_journal_in_its_report(pytester):
    result = run(pytester, """
        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_fails(mockserver):
            ask(mockserver.client(), "weather in Oslo")
            assert False, "my own failure"
    """)
    result.assert_outcomes(failed=1)
    expect(result, [
        "E*AssertionError: my own failure",
        "*Captured mockserver journal call*",
        "The mock received 1 chat request(s):",
        "  #1 POST /v1/chat/completions model 'gpt-4o' → 200 answered by scenario 'weather' rule 'call'*",
    ])


def test_async_client_in_process(pytester):
    result = run(pytester, """
        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        @pytest.mark.anyio
        @pytest.mark.mockserver(scenarios=[WEATHER])
        async def test_async(mockserver):
            client = mockserver.async_client()
            first = await client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "weather in Lima"}], tools=TOOLS)
            assert first.choices[0].message.tool_calls[0].function.arguments == '{"city":"Lima","unit":"celsius"}'
            assert mockserver.last.headers["host"] == "mockserver.asgi"
            assert mockserver.last.headers["authorization"] == "[redacted]"
            mockserver.assert_tool_called("get_weather", args={"city": "Lima"}, times=1)
    """)
    result.assert_outcomes(passed=1)


def test_async_client_needs_nothing_but_openai(pytester):
    """After 'pip install mockserver pytest openai' there is no httpx (openai >= 3 brings httpx2):
    the in-process async client is built on whatever openai itself uses."""
    pytester.makeconftest("""
        import sys
        sys.modules["httpx"] = None  # as if never installed: 'import httpx' raises ImportError
    """)
    pytester.makepyfile(prelude=PRELUDE, test_async_only="""
        import pytest
        from prelude import TOOLS, WEATHER

        @pytest.fixture
        def anyio_backend():
            return "asyncio"

        @pytest.mark.anyio
        @pytest.mark.mockserver(scenarios=[WEATHER])
        async def test_async(mockserver):
            with pytest.raises(ImportError):
                import httpx  # noqa: F401
            async with mockserver.async_client() as client:
                first = await client.chat.completions.create(
                    model="gpt-4o", messages=[{"role": "user", "content": "weather in Lima"}], tools=TOOLS)
            assert first.choices[0].message.tool_calls[0].function.name == "get_weather"
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_async_only.py")
    result.assert_outcomes(passed=1)


@pytest.mark.slow
def test_xdist_workers_get_their_own_server(pytester, monkeypatch, tmp_path):
    monkeypatch.setenv("URL_DIR", str(tmp_path))
    pytester.makepyfile(test_many="""
        import os
        import pytest

        @pytest.mark.parametrize("n", range(6))
        def test_isolated(mockserver, n):
            assert mockserver.call_count == 0
            for _ in range(n + 1):
                mockserver.client().chat.completions.create(
                    model="m", messages=[{"role": "user", "content": f"hello {n}"}])
            assert mockserver.call_count == n + 1
            worker = os.environ["PYTEST_XDIST_WORKER"]
            with open(os.path.join(os.environ["URL_DIR"], f"{worker}-{n}.url"), "w") as out:
                out.write(mockserver.url)
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=6)
    files = list(tmp_path.glob("gw*-*.url"))
    by_worker = {f.name.split("-")[0]: f.read_text() for f in files}
    assert len(files) == 6
    assert sorted(by_worker) == ["gw0", "gw1"]
    assert by_worker["gw0"] != by_worker["gw1"]
    for f in files:
        assert f.read_text() == by_worker[f.name.split("-")[0]]


def test_failing_test_gets_its_journal_saved_as_har(pytester):
    har_dir = pytester.path / "har"
    result = run(pytester, """
        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_fails(mockserver):
            agent(mockserver.client(), "weather in Oslo")
            assert False, "my own failure"

        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_unexpected_unmatched(mockserver):
            try:
                ask(mockserver.client(), "hello there")
            except Exception:
                pass  # the client swallowed it; the plugin fails the test

        def test_passes(mockserver):
            ask(mockserver.client(), "weather in Oslo")
    """, f"--mockserver-har-dir={har_dir}", f"--junitxml={pytester.path / 'report.xml'}")
    result.assert_outcomes(failed=2, passed=1)
    files = sorted(p.name for p in har_dir.iterdir())
    assert files == ["test_inner.py_test_fails.har", "test_inner.py_test_unexpected_unmatched.har"]
    expect(result, ["*Captured mockserver HAR call*", f"the journal as HAR 1.2: {har_dir / files[0]}"])
    expect(result, ["*test_unexpected_unmatched*", "*Captured mockserver HAR call*",
                    f"the journal as HAR 1.2: {har_dir / files[1]}"])
    import json

    fails = json.loads((har_dir / files[0]).read_text())
    assert [e["_mockserver"]["rule"] for e in fails["log"]["entries"]] == ["call", "answer"]
    assert fails["log"]["entries"][0]["request"]["url"].endswith("/v1/chat/completions")
    unmatched = json.loads((har_dir / files[1]).read_text())
    assert [e["_mockserver"]["outcome"] for e in unmatched["log"]["entries"]] == ["unmatched"]
    report = (pytester.path / "report.xml").read_text()
    assert f'<property name="mockserver_har" value="{har_dir / files[0]}" />' in report


def test_har_dir_off_and_save_har_by_hand(pytester):
    pytester.makeini("[pytest]\nmockserver_har_dir = off\n")
    pytester.makepyfile(test_inner=PRELUDE + textwrap.dedent("""
        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_saves_by_hand(mockserver, tmp_path):
            agent(mockserver.client(), "weather in Oslo")
            path = mockserver.save_har(tmp_path / "sub" / "run.har")
            har = json.loads(path.read_text())
            assert har["log"]["version"] == "1.2"
            assert [e["response"]["status"] for e in har["log"]["entries"]] == [200, 200]
            assert har["log"]["entries"][1]["_mockserver"]["rule"] == "answer"

        @pytest.mark.mockserver(scenarios=[WEATHER])
        def test_fails(mockserver):
            ask(mockserver.client(), "weather in Oslo")
            assert False
    """))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    assert "mockserver HAR" not in result.stdout.str()
