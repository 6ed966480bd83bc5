#!/usr/bin/env python3
"""Memory under hostile bodies (issue 31 D4): rounds of requests with a ~3.6 MB string in every
text field (all three dialects: messages, system prompts, instructions, tool arguments and
results, tool descriptions and schemas, names, ids, metadata), then ``/_mock/reset``; prints the
server's RSS after each round and after the reset.

    python bench/bigstrings.py [ROUNDS]      # starts its own `mockserver serve`
    python bench/bigstrings.py 3 DIR         # the mock of another source tree (e.g. main), to compare
"""
import json, subprocess, sys, time
from pathlib import Path
import httpx
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.run import free_port  # noqa: E402
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
TREE = sys.argv[2] if len(sys.argv) > 2 else str(ROOT)
PORT = free_port()
URL = f"http://127.0.0.1:{PORT}"
SERVER = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--port", str(PORT), "--log-level", "warning"], cwd=TREE)
PID = SERVER.pid
deadline = time.monotonic() + 30
while True:
    try:
        httpx.get(URL + "/healthz", timeout=1)
        break
    except httpx.HTTPError:
        assert time.monotonic() < deadline, "mockserver did not start"
        time.sleep(0.05)
BIG = "x" * 3_600_000
def rss():
    for line in open(f"/proc/{PID}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1]) // 1024
TOOL = {"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}}
def chat():
    yield {"model": "gpt-4o", "messages": [{"role": "user", "content": BIG}]}
    yield {"model": "gpt-4o", "messages": [{"role": "system", "content": BIG}, {"role": "user", "content": "hi"}]}
    yield {"model": "gpt-4o", "tools": [TOOL], "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": json.dumps({"a": BIG})}}]}, {"role": "tool", "tool_call_id": "c1", "content": "ok"}]}
    yield {"model": "gpt-4o", "tools": [TOOL], "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": BIG}]}
    yield {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": [{"type": "text", "text": BIG}]}]}
def responses():
    yield {"model": "gpt-4o", "input": BIG}
    yield {"model": "gpt-4o", "instructions": BIG, "input": "hi"}
    yield {"model": "gpt-4o", "input": [{"role": "user", "content": [{"type": "input_text", "text": BIG}]}]}
    yield {"model": "gpt-4o", "tools": [{"type": "function", "name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}], "input": [{"role": "user", "content": "hi"}, {"type": "function_call", "call_id": "c1", "name": "f", "arguments": json.dumps({"a": BIG})}, {"type": "function_call_output", "call_id": "c1", "output": "ok"}]}
    yield {"model": "gpt-4o", "tools": [{"type": "function", "name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}], "input": [{"role": "user", "content": "hi"}, {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"}, {"type": "function_call_output", "call_id": "c1", "output": BIG}]}
    yield {"model": "gpt-4o", "stream": True, "input": BIG}
def messages():
    yield {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": BIG}]}
    yield {"model": "claude-sonnet-4-5", "max_tokens": 100, "system": BIG, "messages": [{"role": "user", "content": "hi"}]}
    yield {"model": "claude-sonnet-4-5", "max_tokens": 100, "tools": [{"name": "f", "input_schema": {"type": "object"}}], "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": BIG}}]}, {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": BIG[:1000]}]}]}
    yield {"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": True, "messages": [{"role": "user", "content": [{"type": "text", "text": BIG}]}]}
def bodies():
    t = lambda d: {"type": "function", "function": {"name": "f", "description": d, "parameters": {"type": "object", "properties": {"a": {"type": "string", "description": "p"}}}}}
    yield "/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": BIG}]}
    yield "/v1/chat/completions", {"model": "gpt-4o", "tools": [t(BIG)], "messages": [{"role": "user", "content": "hi"}]}
    yield "/v1/chat/completions", {"model": "gpt-4o", "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "string", "description": BIG}}}}}], "messages": [{"role": "user", "content": "hi"}]}
    yield "/v1/chat/completions", {"model": BIG, "messages": [{"role": "user", "content": "hi"}]}
    yield "/v1/chat/completions", {"model": "gpt-4o", "user": BIG, "messages": [{"role": "user", "content": "hi"}]}
    yield "/v1/chat/completions", {"model": "gpt-4o", "metadata": {"k": BIG[:512]}, "stop": [BIG], "messages": [{"role": "user", "content": "hi"}]}
    yield "/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi", "name": BIG}]}
    yield "/v1/chat/completions", {"model": "gpt-4o", "tools": [t("d")], "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None, "tool_calls": [{"id": BIG, "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": BIG, "content": "ok"}]}
    yield "/v1/chat/completions", {"model": "gpt-4o", "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": "object", "description": BIG}}}, "messages": [{"role": "user", "content": "hi"}]}
    yield "/v1/chat/completions", {"model": "gpt-4o", "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "string", "pattern": BIG[:100000]}}}}}], "messages": [{"role": "user", "content": "hi"}]}
    yield "/v1/responses", {"model": "gpt-4o", "input": BIG}
    yield "/v1/responses", {"model": "gpt-4o", "instructions": BIG, "input": "hi"}
    yield "/v1/responses", {"model": "gpt-4o", "tools": [{"type": "function", "name": "f", "description": BIG, "parameters": {"type": "object"}}], "input": "hi"}
    yield "/v1/responses", {"model": "gpt-4o", "previous_response_id": BIG, "input": "hi"}
    yield "/v1/responses", {"model": "gpt-4o", "input": [{"type": "item_reference", "id": BIG}]}
    yield "/v1/responses", {"model": "gpt-4o", "input": [{"role": "user", "content": "hi", "id": BIG}]}
    yield "/v1/responses", {"model": "gpt-4o", "stream": True, "input": [{"role": "user", "content": [{"type": "input_text", "text": BIG}]}]}
    yield "/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": BIG}]}
    yield "/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 100, "system": BIG, "messages": [{"role": "user", "content": "hi"}]}
    yield "/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 100, "tools": [{"name": "f", "description": BIG, "input_schema": {"type": "object"}}], "messages": [{"role": "user", "content": "hi"}]}
    yield "/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": True, "messages": [{"role": "user", "content": [{"type": "text", "text": BIG}]}]}
    yield "/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 100, "metadata": {"user_id": BIG}, "messages": [{"role": "user", "content": "hi"}]}

with httpx.Client(base_url=URL, timeout=120, headers={"x-api-key": "k", "anthropic-version": "2023-06-01"}) as c:
    print("idle", rss(), flush=True)
    for r in range(ROUNDS):
        t = time.perf_counter(); codes = {}
        allb = [(p, b) for p, g in (("/v1/chat/completions", chat), ("/v1/responses", responses), ("/v1/messages", messages)) for b in g()] + list(bodies())
        for k, (path, body) in enumerate(allb):
            if True:
                resp = c.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
                codes[resp.status_code] = codes.get(resp.status_code, 0) + 1
                if resp.status_code >= 500: print("5xx", path, k, resp.text[:200])
        print(f"round {r+1}: rss {rss()} MB codes {codes} {time.perf_counter()-t:.1f}s", flush=True)
    c.post("/_mock/reset")
    print("after reset", rss(), flush=True)
    for _ in range(20): c.get("/healthz")
    time.sleep(1)
    print("after reset+1s", rss(), flush=True)

SERVER.terminate()
SERVER.wait(10)
