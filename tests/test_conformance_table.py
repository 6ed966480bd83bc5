"""docs/conformance.md is the rule books, and the server answers as the rule books say.

Every rule has a probe (a request breaking it); each probe is sent under each profile to a real
server: a rule whose verdict is 400 must be the one refusing it (``X-Mock-Rule``), a warning
must come back in ``X-Mock-Warnings`` with a 200, an accepted one must not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from conversations import BUNDLED_REQUESTS
from mockserver.config import Config
from mockserver.dialects.chat.protocol import check_protocol
from mockserver.dialects.chat.rules import BOOK
from mockserver.dialects.bedrock.rules import BOOK as BEDROCK_BOOK
from mockserver.dialects.messages.rules import BOOK as MESSAGES_BOOK
from mockserver.dialects.responses.rules import BOOK as RESPONSES_BOOK
from mockserver.dialects.gemini.rules import BOOK as GEMINI_BOOK
from mockserver.dialects.ollama.rules import BOOK as OLLAMA_BOOK
from mockserver.dialects.chat.shape import check_request
from mockserver.testing import ServerThread
from mockserver.validation import conformance
from mockserver.validation.rules import ACCEPT, ERROR, WARN
from mockserver.validation.tools import check_parallel_tool_calls, check_tool_choice, tool_set
from mockserver.wire.errors import APIError
from rule_probes import BEDROCK, CHAT, GEMINI, MASKED, MESSAGES, OLLAMA, OLLAMA_STATUS, RESPONSES, parameter_probes
from conftest import scenario_set

DOC = Path(__file__).resolve().parent.parent / "docs" / "conformance.md"
PROBES = {**CHAT, **parameter_probes()}
# each dialect's rule book, the path its probes go to, and its probes
DIALECTS = {"chat": (BOOK, "/chat/completions", PROBES), "responses": (RESPONSES_BOOK, "/responses", RESPONSES),
            "messages": (MESSAGES_BOOK, "/messages", MESSAGES),
            "gemini": (GEMINI_BOOK, "/v1beta/models/gemini-2.5-flash:generateContent", GEMINI),
            # a path outside /v1: the model is the path's
            "bedrock": (BEDROCK_BOOK, "/model/anything/converse", BEDROCK),
            "ollama": (OLLAMA_BOOK, "/api/chat", OLLAMA)}
# books whose columns are not server profiles (Ollama's one column holds under every profile)
NO_PROFILE_HEADER = {"ollama"}
CASES = [(name, rule.id, profile) for name, (book, _, _) in DIALECTS.items() for rule in book.rules for profile in book.profiles]
ANSWER_ANYTHING = "version: 1\nname: anything\nmodels: [anything]\nrules: [{name: any, reply: {content: ok}}]\n"


def warning_codes(response: httpx.Response) -> list[str]:
    return [re.match(r"[^ :]+", line).group(0) for line in response.headers.get_list("x-mock-warnings")]


@pytest.fixture(scope="module")
def probe_server() -> Iterator[ServerThread]:
    with ServerThread(Config(port=0), scenario_set(ANSWER_ANYTHING)) as running:
        yield running
        running.check()


def test_the_table_is_generated_from_the_rule_books():
    text = DOC.read_text(encoding="utf-8")
    assert conformance.MARKER in text
    assert text == conformance.render(conformance.head_of(text)), (
        "docs/conformance.md is out of date: python -m mockserver.validation.conformance --write docs/conformance.md")
    for book in conformance.books():
        assert f"## {book.title}" in text
        for rule in book.rules:
            assert f"| `{rule.id}` |" in text


def test_the_check_command(tmp_path):
    stale = tmp_path / "conformance.md"
    stale.write_text("# head\n", encoding="utf-8")
    assert conformance.main(["--check", str(stale)]) == 1
    assert conformance.main(["--write", str(stale)]) == 0
    assert conformance.main(["--check", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8").startswith("# head\n\n" + conformance.MARKER)


def test_every_rule_has_a_probe_and_every_probe_a_rule():
    for book, _, probes in DIALECTS.values():
        assert set(probes) == set(book.by_id), book.dialect
    assert [b.dialect for b in conformance.books()] == list(DIALECTS)


@pytest.mark.parametrize("dialect,rule_id,profile", CASES, ids=[f"{r}-{p}" for _, r, p in CASES])
def test_the_server_answers_as_the_table_says(probe_server, dialect, rule_id, profile):
    book, path, probes = DIALECTS[dialect]
    verdict = book.by_id[rule_id].verdict(profile)
    root = probe_server.url if path.startswith(("/v1beta/", "/model/", "/api/")) else probe_server.base_url  # paths outside /v1
    headers = {} if dialect in NO_PROFILE_HEADER else {"X-Mock-Profile": profile}
    response = httpx.post(root + path, json=probes[rule_id], headers=headers, timeout=10)
    masked = MASKED.get((rule_id, profile))
    if verdict.action == ERROR or masked is not None:  # masked: an earlier rule refuses the probe there
        assert response.status_code == OLLAMA_STATUS.get(rule_id, 400), response.text
        assert response.headers["x-mock-rule"] == (masked or rule_id), response.text
    else:
        assert response.status_code == 200, response.text
        assert "x-mock-rule" not in response.headers
        if verdict.action == WARN:
            assert rule_id in warning_codes(response)
        else:
            assert verdict.action == ACCEPT and rule_id not in warning_codes(response)


def _problems(body) -> list[APIError]:
    problems = list(check_request(body))
    tools = tool_set(body.get("tools")) if isinstance(body, dict) else None
    if tools is not None and not problems:
        problems += tools.problems
        problems += [p for p in check_tool_choice(body, tools) if isinstance(p, APIError)]
        problems += list(check_parallel_tool_calls(body, tools))
        if not problems:
            problems += list(check_protocol(body["messages"], tools))
    return problems


@pytest.mark.parametrize("name", sorted(PROBES) + sorted(BUNDLED_REQUESTS))
def test_every_problem_names_a_rule_of_the_book(name):
    body = PROBES.get(name) or BUNDLED_REQUESTS[name]
    for problem in _problems(body):
        assert problem.rule in BOOK.by_id, problem


def test_strict_makes_a_warning_the_rule_s_400(serve):
    running = serve(ANSWER_ANYTHING, strict=True)
    response = httpx.post(running.base_url + "/chat/completions", json=PROBES["history.undeclared_function"], timeout=10)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "history.undeclared_function" and response.headers["x-mock-rule"] == error["code"]
    assert error["param"] == "messages[1].tool_calls[0].function.name"
    assert error["message"].startswith("The history calls function 'get_time', which this request does not declare")
    assert error["message"].endswith("(mockserver strict mode: the provider accepts this, but it usually means a "
                                     "client bug; rule 'history.undeclared_function')")
    # an accepted request stays accepted; a 400 stays the provider's 400
    assert httpx.post(running.base_url + "/chat/completions", json=BUNDLED_REQUESTS["catch-all"], timeout=10).status_code == 200
    assert httpx.post(running.base_url + "/chat/completions", json=PROBES["history.calls_unanswered"],
                      timeout=10).headers["x-mock-rule"] == "history.calls_unanswered"
