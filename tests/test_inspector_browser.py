"""The inspector page in a real browser (headless Chromium): real traffic first — a matched
tool-call flow, an unmatched request, a validation error, Responses and streamed requests —
then what a person sees on the page: the list, the conversation, the near misses, the
highlighted param, live updates, filters, the buttons, the API-key prompt.

Set MOCKSERVER_SCREENSHOT_DIR to keep the screenshot (docs/img/inspector.png is made so)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import openai
import pytest

import browser as chromium
from payloads import GET_WEATHER_TOOL, chat, user

pytestmark = pytest.mark.timeout(180)

WEATHER = """
version: 1
name: weather
models: [gpt-4o]
rules:
  - name: answer
    when: {tool_result: {tool: get_weather}}
    reply: {content: "It is {{ result.get_weather.temperature }}°C in {{ tool_results[0].arguments.city }}."}
  - name: call
    when: {last_message: {role: user, regex: 'weather in (?P<city>\\w+)'}}
    reply:
      tool_calls: [{name: get_weather, arguments: {city: "{{ captures.city }}"}}]
  - name: spare
    when: {last_message: {role: user, equals: never asked}}
    reply: {content: unused}
"""
KEY = "sk-browser-secret-1234"
RESPONSES_TOOL = {"type": "function", "name": "get_weather", "parameters": GET_WEATHER_TOOL["function"]["parameters"]}


@pytest.fixture(scope="module")
def browser():
    reason = chromium.missing()
    if reason:
        if chromium.required():
            pytest.fail(f"MOCKSERVER_BROWSER_REQUIRED is set but the browser tests cannot run: {reason}")
        pytest.skip(reason)
    driver = chromium.start()
    try:
        yield driver
    finally:
        driver.quit()


def css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def one(scope, selector):
    from selenium.webdriver.common.by import By

    return scope.find_element(By.CSS_SELECTOR, selector)


def rows(driver) -> list[list[str]]:
    """The visible cells of the request list (read in one go: the list redraws as requests arrive)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#requests tbody tr')].map(tr => [...tr.cells].map(td => td.innerText))")


def open_ui(driver, url: str, count: int) -> None:
    driver.get(url + "/_mock/ui")
    chromium.wait(driver, lambda d: d.execute_script("return window.inspector && window.inspector.ready"), "the first load")
    chromium.wait(driver, lambda d: len(rows(d)) == count, f"{count} rows")


def select(driver, entry_id: int) -> None:
    one(driver, f'#requests tbody tr[data-id="{entry_id}"]').click()
    chromium.wait(driver, lambda d: one(d, "#detail h2").text.startswith(f"#{entry_id} "), f"request #{entry_id} shown")


def bubbles(driver) -> list[tuple[str, str]]:
    """(role class, visible text) of each conversation bubble."""
    found = []
    for node in css(driver, "#detail .conversation .bubble"):
        role = next(c for c in node.get_attribute("class").split() if c.startswith("role-"))
        found.append((role[5:], node.text))
    return found


def weather_flow(client: openai.OpenAI) -> str:
    messages = [{"role": "system", "content": "You are a weather bot."}, user("What is the weather in Paris?")]
    first = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[GET_WEATHER_TOOL]).choices[0].message
    messages.append(first.model_dump(exclude_none=True, exclude={"annotations", "refusal"}))
    messages.append({"role": "tool", "tool_call_id": first.tool_calls[0].id, "content": json.dumps({"temperature": 21})})
    final = client.chat.completions.create(model="gpt-4o", messages=messages, tools=[GET_WEATHER_TOOL])
    assert final.choices[0].message.content == "It is 21°C in Paris."
    return first.tool_calls[0].id


def chat_traffic(mock, api_key: str = "test") -> str:
    """A matched tool-call flow (#1, #2), an unmatched request (#3), a validation error (#4)."""
    client = openai.OpenAI(base_url=mock.base_url, api_key=api_key, max_retries=0)
    call_id = weather_flow(client)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o", messages=[user("tell me a joke")])
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o", messages=[user("hi"), {"role": "tool", "tool_call_id": "call_1", "content": "22C"}])
    return call_id


def test_chat_traffic_as_a_person_sees_it(browser, serve, tmp_path):
    mock = serve(WEATHER)
    call_id = chat_traffic(mock)
    open_ui(browser, mock.url, 4)
    assert [(r[0], r[2], r[3], r[4], r[5], r[6]) for r in rows(browser)] == [  # newest first
        ("4", "chat", "gpt-4o", "400", "rejected", "param messages.[1].role"),
        ("3", "chat", "gpt-4o", "400", "unmatched", "no_matching_rule"),
        ("2", "chat", "gpt-4o", "200", "answered", "weather › answer"),
        ("1", "chat", "gpt-4o", "200", "answered", "weather › call"),
    ]
    assert one(browser, "#counts").text == "4 request(s) · 2 problem(s)"
    assert one(browser, "#live").text == "● live"

    # the matched flow: bubbles, the call with its id and pretty arguments, its result, the answer
    select(browser, 2)
    assert [role for role, _ in bubbles(browser)] == ["system", "user", "assistant", "tool"]
    assert bubbles(browser)[0][1].endswith("You are a weather bot.")
    assert bubbles(browser)[1][1].endswith("What is the weather in Paris?")
    call = one(browser, "#detail .conversation .call")
    assert one(call, ".call-name").text == "get_weather" and one(call, ".call-id").text == call_id
    assert one(call, ".call-args").text == '{\n  "city": "Paris"\n}'
    assert one(call, ".call-status").text == "answered by messages[3]"
    result = one(browser, "#detail .conversation .result")
    assert one(result, ".call-name").text == "get_weather" and one(result, ".call-id").text == call_id
    assert one(result, ".result-text").text == '{"temperature": 21}'
    answer = one(browser, "#detail .bubble.answer")
    assert one(answer, ".text").text == "It is 21°C in Paris."
    assert "inline0.yaml:6" in one(answer, ".who").text
    assert one(browser, "#detail dd.m-rule").text == "weather › answer (inline0.yaml:6)"
    assert css(browser, "#detail .problem") == []
    shot = tmp_path / "inspector.png"
    assert browser.save_screenshot(str(shot)) and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("MOCKSERVER_SCREENSHOT_DIR"):
        shutil.copy(shot, Path(os.environ["MOCKSERVER_SCREENSHOT_DIR"]) / "inspector.png")

    # the unmatched request: the error and each near miss with matcher, expected and actual
    select(browser, 3)
    assert one(browser, "#detail .problem h3").text.startswith("No rule matched")
    misses = {one(m, ".nm-rule strong").text: [[td.text for td in tr.find_elements("css selector", "td")]
                                                 for tr in m.find_elements("css selector", "tbody tr")]
              for m in css(browser, "#detail .near-miss")}
    assert misses["weather › call"] == [["last_message", "to match /weather in (?P<city>\\w+)/", "tell me a joke"]]
    assert misses["weather › answer"][0][0] == "tool_result[get_weather]"

    # the validation error: the message, and its param highlighted in the conversation and the JSON
    select(browser, 4)
    assert one(browser, "#detail .problem h3").text.startswith("Rejected by validation")
    assert "must be a response to a preceeding message with 'tool_calls'" in one(browser, "#detail .error-message").text
    assert one(browser, "#detail code.param").text == "messages.[1].role"
    [marked] = css(browser, "#detail .conversation .bubble.hl")
    assert marked.get_attribute("data-path") == "messages.1" and "22C" in marked.text
    assert one(browser, "#detail details.raw-request").get_attribute("open") is not None
    assert [n.text for n in css(browser, "#detail .raw-request .hl")] == ['"tool"']
    assert one(browser, "#detail .result .bad").text == "no call with this id in the request"

    # copy as curl: the command shown replays the request (run here with the real curl)
    one(browser, "#detail .copy-curl").click()
    command = one(browser, "#detail pre.curl").text
    assert command.startswith(f"curl -sS '{mock.url}/v1/chat/completions'")
    assert '-H "authorization: Bearer $MOCKSERVER_API_KEY"' in command and "test" not in command.split("--data-raw")[0]
    if shutil.which("curl") and shutil.which("bash"):
        replay = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30,
                                env={**os.environ, "MOCKSERVER_API_KEY": "test"})
        journal = httpx.get(mock.url + "/_mock/journal").json()["data"]
        assert json.loads(replay.stdout)["error"] == journal[3]["error"]
        assert journal[4]["request"] == journal[3]["request"] and journal[4]["headers"]["authorization"] == "[redacted]"


def test_responses_and_streamed_traffic(browser, serve):
    mock = serve(WEATHER)
    client = openai.OpenAI(base_url=mock.base_url, api_key="test", max_retries=0)
    question = "What is the weather in Lima?"
    first = client.responses.create(model="gpt-4o", instructions="Answer briefly.", input=question, tools=[RESPONSES_TOOL], store=False)
    [call] = first.output
    history = [{"role": "user", "content": question}, call.model_dump(exclude_none=True),
               {"type": "function_call_output", "call_id": call.call_id, "output": json.dumps({"temperature": 19})}]
    second = client.responses.create(model="gpt-4o", instructions="Answer briefly.", input=history, tools=[RESPONSES_TOOL], store=False)
    assert second.output_text == "It is 19°C in Lima."
    stream = client.chat.completions.create(model="gpt-4o", messages=[user("weather in Oslo")], tools=[GET_WEATHER_TOOL], stream=True)
    assert [c for c in stream]
    open_ui(browser, mock.url, 3)
    assert [r[2] for r in rows(browser)] == ["chat", "responses", "responses"]

    select(browser, 2)
    assert [role for role, _ in bubbles(browser)] == ["system", "user", "assistant", "tool"]
    assert bubbles(browser)[0][1].startswith("INSTRUCTIONS") and bubbles(browser)[0][1].endswith("Answer briefly.")
    assert one(browser, "#detail .conversation .call .call-id").text == call.call_id
    assert one(browser, "#detail .conversation .call .call-status").text == "answered by input[2]"
    result = one(browser, "#detail .conversation .result")
    assert one(result, ".call-name").text == "get_weather" and one(result, ".result-text").text == '{"temperature": 19}'
    assert one(browser, "#detail .bubble.answer .text").text == "It is 19°C in Lima."

    select(browser, 1)  # the answer's function_call: awaiting a result
    answer_call = one(browser, "#detail .bubble.answer .call")
    assert one(answer_call, ".call-name").text == "get_weather" and one(answer_call, ".call-id").text == call.call_id

    select(browser, 3)  # a streamed answer, shown as the message it added up to
    notes = one(browser, "#detail .bubble.answer .notes").text
    assert notes.startswith("streamed — shown as the message the events added up to")
    assert one(browser, "#detail .bubble.answer .call-args").text == '{\n  "city": "Oslo"\n}'


ANTHROPIC_ENTRY = {  # an Anthropic Messages exchange as the journal will hold it once /v1/messages is served
    "id": 7, "time": "2026-01-01T12:00:00.000Z", "duration_ms": 1.2, "method": "POST", "path": "/v1/messages",
    "dialect": "messages", "outcome": "answered", "valid": True, "scenario": "weather", "rule": "answer",
    "rule_location": "weather.yaml:6", "near_misses": None, "error": None, "faults": None, "status": 200,
    "headers": {"x-api-key": "[redacted]", "anthropic-version": "2023-06-01", "content-type": "application/json"},
    "warnings": [{"message": "tool_result content is empty", "param": "messages.2.content.0"}],
    "request": {
        "model": "claude-sonnet-4-5", "max_tokens": 1024, "system": [{"type": "text", "text": "Be brief."}],
        "messages": [
            {"role": "user", "content": "What is the weather in Rome?"},
            {"role": "assistant", "content": [{"type": "text", "text": "Let me check."},
                                              {"type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {"city": "Rome"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01A", "content": [{"type": "text", "text": "24C"}]}]},
        ],
    },
    "response": {"id": "msg_01B", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                 "content": [{"type": "text", "text": "It is 24°C in Rome."}], "stop_reason": "end_turn",
                 "usage": {"input_tokens": 50, "output_tokens": 9}},
}


def test_anthropic_messages_render_as_a_conversation(browser, serve):
    mock = serve(WEATHER)
    open_ui(browser, mock.url, 0)
    browser.execute_script("Detail.render(document.getElementById('detail'), arguments[0], location.origin)", ANTHROPIC_ENTRY)
    assert [role for role, _ in bubbles(browser)] == ["system", "user", "assistant", "tool"]
    assert bubbles(browser)[0][1].endswith("Be brief.")
    assert "Let me check." in bubbles(browser)[2][1]
    call = one(browser, "#detail .conversation .call")
    assert (one(call, ".call-name").text, one(call, ".call-id").text) == ("get_weather", "toolu_01A")
    assert one(call, ".call-args").text == '{\n  "city": "Rome"\n}'
    assert one(call, ".call-status").text == "answered by messages[2]"
    result = one(browser, "#detail .conversation .result")
    assert (one(result, ".call-name").text, one(result, ".result-text").text) == ("get_weather", "24C")
    assert one(browser, "#detail .bubble.answer .text").text == "It is 24°C in Rome."
    assert one(browser, "#detail .bubble.answer .notes").text == "finish: end_turn · tokens: 50 in, 9 out"
    assert one(browser, "#detail .warnings li").text.startswith("tool_result content is empty messages.2.content.0")
    assert one(browser, "#detail .conversation .warn-hl").get_attribute("data-path") == "messages.2.content.0"
    # the journal's own warnings point with `path` (and carry the rule as `code`)
    journaled = dict(ANTHROPIC_ENTRY, warnings=[{"code": "messages.tool_result_unexpected", "path": "messages.2.content.0",
                                                 "message": "unexpected `tool_use_id`"}])
    browser.execute_script("Detail.render(document.getElementById('detail'), arguments[0], location.origin)", journaled)
    assert one(browser, "#detail .warnings li").text == "unexpected `tool_use_id` messages.2.content.0 messages.tool_result_unexpected"
    assert one(browser, "#detail .conversation .warn-hl").get_attribute("data-path") == "messages.2.content.0"
    browser.execute_script("Detail.render(document.getElementById('detail'), arguments[0], location.origin)", ANTHROPIC_ENTRY)
    one(browser, "#detail .copy-curl").click()
    command = one(browser, "#detail pre.curl").text
    assert '-H "x-api-key: $MOCKSERVER_API_KEY"' in command and "-H 'anthropic-version: 2023-06-01'" in command


def test_live_updates_filters_clear_and_reset(browser, serve):
    mock = serve(WEATHER)
    open_ui(browser, mock.url, 0)
    assert one(browser, "#empty").is_displayed() and one(browser, "#empty").text.startswith("No requests yet")
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        http.post("/v1/chat/completions", json=chat(user("weather in Oslo"), model="gpt-4o", tools=[GET_WEATHER_TOOL]))
        chromium.wait(browser, lambda d: len(rows(d)) == 1, "the first request to appear without a reload")
        http.post("/v1/chat/completions", json=chat(user("nothing matches"), model="gpt-4o"))
        chromium.wait(browser, lambda d: [r[0] for r in rows(d)] == ["2", "1"], "the second request, on top")
        assert not one(browser, "#empty").is_displayed()

        from selenium.webdriver.support.ui import Select

        Select(one(browser, "#f-outcome")).select_by_value("problems")
        assert [r[5] for r in rows(browser)] == ["unmatched"]
        Select(one(browser, "#f-outcome")).select_by_value("")
        Select(one(browser, "#f-scenario")).select_by_value("weather")
        assert [r[6] for r in rows(browser)] == ["weather › call"]
        Select(one(browser, "#f-scenario")).select_by_value("(none)")
        assert [r[0] for r in rows(browser)] == ["2"]
        Select(one(browser, "#f-scenario")).select_by_value("")
        one(browser, "#f-text").send_keys("no_matching")
        assert [r[0] for r in rows(browser)] == ["2"]
        one(browser, "#f-text").clear()
        one(browser, "#f-text").send_keys(" ")  # an input event with an empty filter
        assert len(rows(browser)) == 2

        one(browser, "#clear").click()
        browser.switch_to.alert.accept()
        chromium.wait(browser, lambda d: rows(d) == [], "the journal to be cleared")
        assert http.get("/_mock/journal").json()["data"] == []
        http.post("/v1/chat/completions", json=chat(user("weather in Rome"), model="gpt-4o", tools=[GET_WEATHER_TOOL]))
        chromium.wait(browser, lambda d: [r[0] for r in rows(d)] == ["3"], "a new request after the clear (ids go on)")

        http.post("/_mock/scenarios", content="version: 1\nname: extra\nrules: [{name: r, reply: {content: x}}]\n",
                  headers={"content-type": "application/yaml"})
        one(browser, "#reset").click()
        browser.switch_to.alert.accept()
        chromium.wait(browser, lambda d: rows(d) == [], "the reset to empty the list")
        assert [s["name"] for s in http.get("/_mock/scenarios").json()["data"]] == ["weather"]
        http.post("/v1/chat/completions", json=chat(user("weather in Kyiv"), model="gpt-4o", tools=[GET_WEATHER_TOOL]))
        chromium.wait(browser, lambda d: [r[0] for r in rows(d)] == ["1"], "ids to restart at 1 after a reset")


def test_scenarios_view_counts_hits_and_shows_unused_rules(browser, serve):
    mock = serve(WEATHER)
    weather_flow(openai.OpenAI(base_url=mock.base_url, api_key="test", max_retries=0))
    open_ui(browser, mock.url, 2)
    one(browser, '#views button[data-view="scenarios"]').click()
    chromium.wait(browser, lambda d: css(d, '.scenario[data-name="weather"] tbody tr'), "the scenarios")
    table = {one(tr, ".rule-name").text: (one(tr, ".hits").text, tr.get_attribute("class"))
             for tr in css(browser, '.scenario[data-name="weather"] tbody tr')}
    assert table == {"answer": ("1", "used"), "call": ("1", "used"), "spare": ("0", "unused")}
    assert one(browser, '.scenario tr[data-rule="spare"] .badge').text == "never used"
    assert one(browser, "#scenarios-summary").text.startswith("1 scenario(s), 3 rule(s), 1 never used")
    assert not one(browser, "#requests-view").is_displayed()


def test_api_key_is_asked_once_and_sent_as_a_header_never_in_a_url(browser, serve):
    mock = serve(WEATHER, api_key=KEY)
    chat_traffic(mock, api_key=KEY)
    browser.get_log("performance")  # drop what earlier tests logged
    browser.get(mock.url + "/_mock/ui")
    chromium.wait(browser, lambda d: one(d, "#key-dialog").get_attribute("open") is not None, "the key prompt")
    assert rows(browser) == []
    one(browser, "#key-input").send_keys("sk-wrong-key-0000")
    one(browser, "#key-submit").click()
    chromium.wait(browser, lambda d: one(d, "#key-error").text == "The server refused this key.", "the refusal")
    one(browser, "#key-input").send_keys(KEY)
    one(browser, "#key-submit").click()
    chromium.wait(browser, lambda d: len(rows(d)) == 4, "the journal, read with the key")
    assert one(browser, "#key-dialog").get_attribute("open") is None
    browser.refresh()  # asked once: the tab remembers it
    chromium.wait(browser, lambda d: len(rows(d)) == 4, "the journal after a reload")
    assert one(browser, "#key-dialog").get_attribute("open") is None
    requests = [json.loads(m["message"])["message"] for m in browser.get_log("performance")]
    sent = [m["params"]["request"] for m in requests if m["method"] == "Network.requestWillBeSent"]
    journal_reads = [r for r in sent if "/_mock/journal" in r["url"]]
    assert journal_reads and all(KEY not in r["url"] for r in sent)
    assert {r["headers"].get("Authorization") for r in journal_reads} >= {f"Bearer {KEY}"}
    assert KEY not in browser.current_url
    one(browser, "#forget-key").click()
    assert browser.execute_script("return sessionStorage.length") == 0
