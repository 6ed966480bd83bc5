"""MCP over stdio (``mockserver mcp --scenarios DIR``), for clients that spawn their servers:
one JSON-RPC message per line on stdin, one answer per line on stdout, nothing else on stdout
(logs go to stderr), the end of stdin ends the server (MCP spec, transports §stdio).

One process is one session: ``initialize`` first (the handshake era), or per-request-era
messages carrying their version in ``params._meta``. ``--journal-file`` writes the journal.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from mockserver.mcp import rules
from mockserver.mcp.journaled import record
from mockserver.mcp.protocol import McpProtocol, McpSession, Reply, Sessions, check_envelope, is_modern
from mockserver.mcp.registry import RegistryCache
from mockserver.mcp.tools import Counters
from mockserver.wire import jsoncodec

MAX_LINE = 16 * 1024 * 1024  # bytes of one message


class StdioServer:
    def __init__(self, scenarios: Any, journal: Any = None, timeout: float | None = None, server: str | None = None) -> None:
        self.protocol = McpProtocol(RegistryCache(lambda: scenarios), Sessions(limit=1), timeout)
        self.journal = journal
        self.server = server
        self.session: McpSession | None = None
        self.counters = Counters()

    def handle_line(self, line: bytes) -> dict[str, Any] | None:
        """The answer to one line (None: nothing to write)."""
        started = time.perf_counter()
        message: Any = None
        reply: Reply
        if len(line) > MAX_LINE:
            reply = Reply(rules.error(rules.BAD_ENVELOPE, f"the message is over {MAX_LINE} bytes").body(None))
        else:
            try:
                message = jsoncodec.loads(line)
            except (jsoncodec.DecodeError, ValueError, RecursionError) as exc:
                reply = Reply(rules.error(rules.PARSE, str(exc)).body(None))
            else:
                problem = check_envelope(message)
                if problem is not None:
                    msg_id = message.get("id") if isinstance(message, dict) else None
                    reply = Reply(problem.body(msg_id if isinstance(msg_id, (str, int)) else None))
                elif "method" not in message:
                    reply = Reply(None)
                elif is_modern(message):
                    reply = self.protocol.handle_modern(message, self.server, None, False, self.counters)
                else:
                    reply = self.protocol.handle_legacy(message, self.session, self.server)
                    if reply.session is not None:
                        self.session = reply.session
        if reply.call is not None and reply.call.latency:
            time.sleep(reply.call.latency)
        call = reply.call
        if call is not None and call.http and isinstance(message, dict):  # no HTTP here: a JSON-RPC error
            reply.message = {"jsonrpc": "2.0", "id": message.get("id"), "error": {
                "code": -32603, "message": call.http.get("message") or f"HTTP {call.http.get('status')} (injected by the scenario)"}}
        record(self.journal, "STDIO", "/mcp", {}, line[:65536], started, 200, message, reply.message,
               call.rule if call else None, call.faults if call else None)
        return reply.message

    def serve(self, stdin: IO[bytes], stdout: IO[bytes]) -> int:
        for line in stdin:
            if not line.strip():
                continue
            answer = self.handle_line(line.rstrip(b"\r\n"))
            if answer is not None:
                stdout.write(jsoncodec.dumps(answer) + b"\n")
                stdout.flush()
        return 0


def run(scenarios: Any, journal: Any = None, timeout: float | None = None, server: str | None = None) -> int:
    return StdioServer(scenarios, journal, timeout, server).serve(sys.stdin.buffer, sys.stdout.buffer)
