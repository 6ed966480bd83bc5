"""The MCP server mock over raw streamable HTTP and stdio: the protocol's verdicts (mockserver.mcp.rules),
the scenario format's tool results, and every answer valid against the official MCP schema."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from mcp_official import assert_answer_official, assert_journal_official
from mockserver.mcp import rules
from mockserver.mcp.protocol import decode_cursor, encode_cursor

TOOLS = """
version: 2
name: tools
mcp:
  server: shop
  page_size: 2
  instructions: A test shop.
  tools:
    - name: lookup
      description: Find an order.
      inputSchema:
        type: object
        properties:
          order: {type: string, pattern: '^[A-Z]-\\d+$'}
          verbose: {type: boolean}
        required: [order]
      outputSchema:
        type: object
        properties: {order: {type: string}, status: {type: string}}
        required: [order, status]
      annotations: {readOnlyHint: true}
      results:
        - name: shipped
          when: {arguments: {order: {regex: '^A-(?P<n>\\d+)$'}}}
          structuredContent: {order: "A-{{ captures.n }}", status: shipped}
        - name: exact
          when: {arguments: {order: B-1, verbose: true}}
          text: "B-1 is pending (verbose)"
          structuredContent: {order: B-1, status: pending}
        - name: missing
          text: "No order {{ arguments.order }}"
          isError: true
    - name: flaky
      inputSchema: {type: object}
      results:
        - name: retry
          sequence:
            - {text: "temporarily unavailable", isError: true}
            - {fault: {error: {code: -32603, message: backend down}}}
            - {text: "ok on call {{ call }}"}
    - name: broken
      inputSchema: {type: object}
      results:
        - fault: {http: 503}
    - name: third
      results:
        - text: three
"""

OTHER = """
version: 2
name: other-tools
mcp:
  tools:
    - name: echo
      inputSchema: {type: object, properties: {text: {type: string}}}
      results:
        - text: "{{ arguments.text }}"
"""

ACCEPT = {"Accept": "application/json, text/event-stream"}
JSON_ONLY = {"Accept": "application/json"}


def rpc(method, params=None, id=1):
    message = {"jsonrpc": "2.0", "method": method}
    if id is not None:
        message["id"] = id
    if params is not None:
        message["params"] = params
    return message


def decode(response: httpx.Response):
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        events = [line[len("data: "):] for line in response.text.splitlines() if line.startswith("data: ")]
        assert len(events) == 1, response.text
        return json.loads(events[0])
    return response.json()


@pytest.fixture
def shop(serve):
    return serve(TOOLS, OTHER)


class Session:
    """A handshake-era session over raw HTTP."""

    def __init__(self, base: str, path: str = "/mcp/shop", headers=ACCEPT) -> None:
        self.client = httpx.Client(base_url=base, timeout=10)
        self.path = path
        self.headers = dict(headers)
        response = self.client.post(path, json=rpc("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                                                  "clientInfo": {"name": "t", "version": "1"}}), headers=self.headers)
        assert response.status_code == 200, response.text
        self.init = decode(response)
        self.id = response.headers["mcp-session-id"]
        self.headers.update({"Mcp-Session-Id": self.id, "MCP-Protocol-Version": "2025-11-25"})
        assert self.client.post(path, json=rpc("notifications/initialized", id=None), headers=self.headers).status_code == 202

    def post(self, message, **headers):
        return self.client.post(self.path, json=message, headers={**self.headers, **headers})

    def call(self, name, arguments, id=2):
        response = self.post(rpc("tools/call", {"name": name, "arguments": arguments}, id=id))
        assert response.status_code == 200, response.text
        body = decode(response)
        assert_answer_official({"method": "tools/call"}, body)
        return body


def test_handshake_session_list_and_call(shop):
    s = Session(shop.url)
    assert s.init["result"]["protocolVersion"] == "2025-11-25"
    assert s.init["result"]["instructions"] == "A test shop."
    assert s.init["result"]["capabilities"] == {"tools": {"listChanged": False}}
    page = decode(s.post(rpc("tools/list", {})))["result"]
    assert [t["name"] for t in page["tools"]] == ["lookup", "flaky"]
    assert page["tools"][0]["annotations"] == {"readOnlyHint": True} and "outputSchema" in page["tools"][0]
    rest = decode(s.post(rpc("tools/list", {"cursor": page["nextCursor"]})))["result"]
    assert [t["name"] for t in rest["tools"]] == ["broken", "third"] and "nextCursor" not in rest
    shipped = s.call("lookup", {"order": "A-17"})["result"]
    assert shipped["structuredContent"] == {"order": "A-17", "status": "shipped"}
    assert json.loads(shipped["content"][0]["text"]) == {"order": "A-17", "status": "shipped"}
    assert "isError" not in shipped
    exact = s.call("lookup", {"order": "B-1", "verbose": True})["result"]
    assert exact["content"][0]["text"] == "B-1 is pending (verbose)"
    not_exact = s.call("lookup", {"order": "B-1", "verbose": False})["result"]
    assert not_exact == {"content": [{"type": "text", "text": "No order B-1"}], "isError": True}
    assert_journal_official(shop.app.state.journal.calls)
    entry = [e for e in shop.app.state.journal.calls if e.rule == "shipped"][0]
    assert entry.dialect == "mcp" and entry.scenario == "tools" and entry.path == "/mcp/shop"


def test_sse_when_accepted_json_otherwise(shop):
    sse = Session(shop.url)
    response = sse.post(rpc("ping"))
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.startswith("event: message\ndata: ")
    assert decode(response) == {"jsonrpc": "2.0", "id": 1, "result": {}}
    plain = Session(shop.url, headers=JSON_ONLY)
    response = plain.post(rpc("ping"))
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"jsonrpc": "2.0", "id": 1, "result": {}}


def test_arguments_failing_the_input_schema_are_a_tool_execution_error(shop):
    s = Session(shop.url)
    result = s.call("lookup", {"order": "a17", "verbose": "yes"})["result"]
    assert result["isError"] is True
    text = result["content"][0]["text"]
    assert text.startswith("Invalid arguments for tool 'lookup': ")
    assert "argument 'order': 'a17' does not match" in text and "(inputSchema #/properties/order/pattern)" in text
    assert "argument 'verbose': 'yes' is not of type 'boolean' (inputSchema #/properties/verbose/type)" in text
    missing = s.call("lookup", {})["result"]["content"][0]["text"]
    assert "argument 'order': 'order' is a required property (inputSchema #/required)" in missing


def test_sequences_faults_and_unknown_tools(shop):
    s = Session(shop.url)
    first = s.call("flaky", {}, id=1)
    assert first["result"] == {"content": [{"type": "text", "text": "temporarily unavailable"}], "isError": True}
    second = s.call("flaky", {}, id=2)
    assert second == {"jsonrpc": "2.0", "id": 2, "error": {"code": -32603, "message": "backend down"}}
    assert s.call("flaky", {}, id=3)["result"]["content"][0]["text"] == "ok on call 3"
    assert s.call("flaky", {}, id=4)["result"]["content"][0]["text"] == "ok on call 4"
    other = Session(shop.url)  # counted per session
    assert other.call("flaky", {})["result"]["isError"] is True
    broken = s.post(rpc("tools/call", {"name": "broken", "arguments": {}}, id=5))
    assert broken.status_code == 503 and broken.json()["error"]["code"] == -32603
    unknown = s.call("nope", {}, id=6)
    assert unknown == {"jsonrpc": "2.0", "id": 6, "error": {"code": -32602, "message": "Unknown tool: nope"}}
    assert s.call("echo", {"text": "x"})["error"]["message"] == "Unknown tool: echo"  # another server's tool
    faults = [e.faults for e in shop.app.state.journal.calls if e.faults]
    assert {"error": {"code": -32603, "message": "backend down"}, "source": "retry"} in faults[0]


def test_all_servers_at_mcp(shop):
    s = Session(shop.url, path="/mcp")
    names = []
    cursor = None
    while True:
        result = decode(s.post(rpc("tools/list", {"cursor": cursor} if cursor else {})))["result"]
        names += [t["name"] for t in result["tools"]]
        cursor = result.get("nextCursor")
        if not cursor:
            break
    assert names == ["lookup", "flaky", "broken", "third", "echo"]
    assert s.call("echo", {"text": "hi"})["result"]["content"][0]["text"] == "hi"
    response = httpx.post(shop.url + "/mcp/nowhere", json=rpc("ping"), headers=ACCEPT)
    assert response.status_code == 404 and "no MCP server 'nowhere' is declared (declared: default, shop)" in response.text


@pytest.mark.parametrize("case", ["parse", "batch", "envelope", "no_session", "unknown_session", "version_header",
                                  "accept", "content_type", "method", "cursor", "get", "delete"])
def test_transport_and_jsonrpc_errors(shop, case):
    s = Session(shop.url)
    url = shop.url + "/mcp/shop"
    if case == "parse":
        r = httpx.post(url, content=b"{not json", headers={**s.headers, "Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["error"]["code"] == rules.PARSE_ERROR and "id" not in r.json()
    elif case == "batch":
        r = httpx.post(url, json=[rpc("ping")], headers=s.headers)
        assert r.status_code == 400 and r.json()["error"] == {"code": -32600, "message": "Invalid Request"}
    elif case == "envelope":
        r = httpx.post(url, json={"jsonrpc": "1.0", "id": 1, "method": "ping"}, headers=s.headers)
        assert r.status_code == 400 and r.json()["error"]["code"] == -32600
        assert r.json()["error"]["data"]["rule"] == "mcp.invalid_request"
    elif case == "no_session":
        r = httpx.post(url, json=rpc("tools/list"), headers=ACCEPT)
        assert r.status_code == 400 and r.json()["error"] == {"code": -32600, "message": "Bad Request: Missing session ID"}
    elif case == "unknown_session":
        r = httpx.post(url, json=rpc("tools/list"), headers={**ACCEPT, "Mcp-Session-Id": "0" * 32})
        assert r.status_code == 404 and r.json()["error"]["message"] == "Session not found"
    elif case == "version_header":
        r = s.post(rpc("tools/list"), **{"MCP-Protocol-Version": "1999-01-01"})
        assert r.status_code == 400 and r.json()["error"]["message"] == "Bad Request: Unsupported protocol version: 1999-01-01"
    elif case == "accept":
        r = s.post(rpc("ping"), Accept="text/html")
        assert r.status_code == 406 and r.json()["error"]["code"] == -32600
    elif case == "content_type":
        r = httpx.post(url, content=json.dumps(rpc("ping")), headers={**s.headers, "Content-Type": "text/plain"})
        assert r.status_code == 415
    elif case == "method":
        body = decode(s.post(rpc("prompts/list")))
        assert body["error"] == {"code": -32601, "message": "Method not found", "data": "prompts/list"}
    elif case == "cursor":
        body = decode(s.post(rpc("tools/list", {"cursor": "bogus"})))
        assert body["error"]["code"] == -32602 and body["error"]["message"] == "Invalid cursor"
    elif case == "get":
        r = httpx.get(url, headers={**s.headers, "Accept": "text/event-stream"})
        assert r.status_code == 405 and r.headers["allow"] == "POST, DELETE"
    elif case == "delete":
        assert httpx.delete(url, headers=s.headers).status_code == 200
        assert s.post(rpc("ping")).status_code == 404
    if case not in ("get", "delete", "content_type", "accept"):
        body = r.json() if case not in ("method", "cursor") else body
        assert_answer_official({"method": "x"}, body)


def modern(method, params=None, version="2026-07-28", id=7):
    params = dict(params or {})
    params["_meta"] = {"io.modelcontextprotocol/protocolVersion": version,
                       "io.modelcontextprotocol/clientCapabilities": {}}
    return rpc(method, params, id=id)


def test_per_request_era(shop):
    url = shop.url + "/mcp/shop"
    headers = {**JSON_ONLY, "MCP-Protocol-Version": "2026-07-28"}
    discover = httpx.post(url, json=modern("server/discover"), headers=headers)
    assert discover.status_code == 200 and "mcp-session-id" not in discover.headers
    result = discover.json()["result"]
    assert result["supportedVersions"] == ["2025-11-25", "2026-07-28"] and result["resultType"] == "complete"
    assert_answer_official(modern("server/discover"), discover.json())
    listed = httpx.post(url, json=modern("tools/list"), headers=headers).json()
    assert listed["result"]["resultType"] == "complete" and listed["result"]["ttlMs"] == 0
    assert_answer_official(modern("tools/list"), listed)
    called = httpx.post(url, json=modern("tools/call", {"name": "lookup", "arguments": {"order": "A-1"}}), headers=headers).json()
    assert called["result"]["structuredContent"] == {"order": "A-1", "status": "shipped"}
    assert_answer_official(modern("tools/call"), called)
    mismatch = httpx.post(url, json=modern("tools/list"), headers={**JSON_ONLY, "MCP-Protocol-Version": "2025-11-25"})
    assert mismatch.status_code == 400 and mismatch.json()["error"]["code"] == -32020
    unsupported = httpx.post(url, json=modern("tools/list", version="2030-01-01"), headers={**JSON_ONLY, "MCP-Protocol-Version": "2030-01-01"})
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == {"code": -32022, "message": "Unsupported protocol version",
                                           "data": {"supported": ["2026-07-28"], "requested": "2030-01-01"}}
    no_meta = httpx.post(url, json=rpc("tools/list", {}), headers=headers)
    assert no_meta.status_code == 400 and no_meta.json()["error"]["code"] == -32602
    unknown = httpx.post(url, json=modern("tools/call", {"name": "nope"}), headers=headers)
    assert unknown.status_code == 400 and unknown.json()["error"]["message"] == "Unknown tool: nope"
    assert assert_journal_official(shop.app.state.journal.calls) >= 7


def test_stdio_before_initialize_and_a_session(tmp_path):
    scenario = tmp_path / "tools.yaml"
    scenario.write_text(TOOLS)
    lines = [rpc("tools/list", id=1), rpc("initialize", {"protocolVersion": "2024-01-01", "capabilities": {},
                                                        "clientInfo": {"name": "t", "version": "1"}}, id=2),
             rpc("notifications/initialized", id=None), rpc("tools/call", {"name": "lookup", "arguments": {"order": "A-2"}}, id=3)]
    text = "\n".join(json.dumps(m) for m in lines) + "\n{oops\n"
    done = subprocess.run([sys.executable, "-m", "mockserver", "mcp", "--scenarios", str(scenario)], input=text.encode(),
                          capture_output=True, timeout=60, check=True)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert answers[0]["error"]["code"] == -32602 and answers[0]["error"]["message"] == "Invalid request parameters"
    assert answers[1]["result"]["protocolVersion"] == "2025-11-25"  # negotiated down to what the mock speaks
    assert answers[2]["result"]["structuredContent"] == {"order": "A-2", "status": "shipped"}
    assert answers[3]["error"]["code"] == -32700 and "id" not in answers[3]
    assert len(answers) == 4  # the notification got no answer
    for request, answer in zip([lines[0], lines[1], lines[3], {}], answers):
        assert_answer_official(request, answer)


def test_cursor_round_trip():
    assert decode_cursor(encode_cursor(50)) == 50
    assert decode_cursor("bogus") is None and decode_cursor(7) is None


@pytest.mark.parametrize("text,expected", [
    ("version: 1\nname: v1\nmcp: {tools: []}\n", "'mcp' needs 'version: 2'"),
    ("version: 2\nname: a\nmcp:\n  tools:\n    - name: t\n      inputSchema: {type: object, properties: {x: {type: 7}}}\n",
     "inputSchema: not a valid JSON Schema"),
    ("version: 2\nname: a\nmcp:\n  tools:\n    - name: t\n      outputSchema: {type: object, required: [a]}\n      results:\n        - text: hi\n",
     "needs structuredContent"),
    ("version: 2\nname: a\nmcp:\n  tools:\n    - name: t\n      outputSchema: {type: object, required: [a]}\n      results:\n        - structuredContent: {b: 1}\n",
     "structuredContent does not conform to the tool's outputSchema: 'a' is a required property"),
    ("version: 2\nname: a\nmcp:\n  tools:\n    - name: t\n      results:\n        - when: {arguments: {x: {regex: '('}}}\n          text: hi\n",
     "invalid regex"),
    ("version: 2\nname: a\nmcp:\n  tools:\n    - name: t\n    - name: t\n", "duplicate tool name 't'"),
    ("version: 3\nname: a\nrules: []\n", "reads versions 1 and 2"),
])
def test_load_errors_name_file_line_and_path(text, expected):
    from mockserver.engine.loader import load_text

    _, problems = load_text(text, "tools.yaml")
    assert problems, text
    assert expected in str(problems[0]) and str(problems[0]).startswith("tools.yaml:"), str(problems[0])
    assert problems[0].line is not None


def test_a_rendered_result_breaking_the_output_schema_is_a_scenario_error(serve):
    running = serve("""
    version: 2
    name: bad
    mcp:
      tools:
        - name: t
          outputSchema: {type: object, properties: {n: {type: integer}}, required: [n]}
          results:
            - structuredContent: {n: "{{ arguments.n }}"}
    """)
    s = Session(running.url, path="/mcp")
    result = s.call("t", {"n": "seven"})["result"]
    assert result["isError"] is True and "structuredContent does not conform to the outputSchema at n" in result["content"][0]["text"]
    assert s.call("t", {"n": 7})["result"]["structuredContent"] == {"n": 7}


def test_params_verdicts(shop):
    s = Session(shop.url)
    bad_init = decode(httpx.post(shop.url + "/mcp", json=rpc("initialize", {"capabilities": {}}), headers=ACCEPT))
    assert bad_init["error"]["code"] == -32602 and bad_init["error"]["data"]["rule"] == "mcp.initialize_params"
    no_name = decode(s.post(rpc("tools/call", {"arguments": {}})))
    assert no_name["error"]["code"] == -32602 and no_name["error"]["data"]["rule"] == "mcp.call_params"
    not_object = decode(s.post(rpc("tools/call", {"name": "lookup", "arguments": [1]})))
    assert not_object["error"]["data"]["mockserver"] == "'arguments' must be an object"
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28"}  # no client capabilities
    keys = httpx.post(shop.url + "/mcp", json=rpc("tools/list", {"_meta": meta}),
                      headers={**JSON_ONLY, "MCP-Protocol-Version": "2026-07-28"})
    assert keys.status_code == 400
    assert keys.json()["error"]["message"] == "params._meta is missing the required envelope key(s): io.modelcontextprotocol/clientCapabilities"
    for body in (bad_init, no_name, not_object, keys.json()):
        assert_answer_official({"method": "x"}, body)


def test_the_conformance_table_lists_every_mcp_rule():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "conformance.md").read_text(encoding="utf-8")
    assert "## MCP server" in text
    for rule in rules.ALL:
        assert f"| `{rule.id}` |" in text
