"""What the MCP server mock received: ``assert_mcp_called`` (beside ``assert_tool_called``, which
checks the calls the *model* issued), read from the one journal."""

from __future__ import annotations

from typing import Any, Sequence

from mockserver.assertions import _fail, subset_mismatch
from mockserver.engine.matchers import short
from mockserver.mcp.journaled import arguments_of, mcp_calls, result_of


def assert_mcp_called(calls: Sequence[Any], name: str, args: dict[str, Any] | None = None, times: int | None = None,
                      server: str | None = None) -> list[Any]:
    """The tool server received a ``tools/call`` of ``name`` (arguments containing ``args``; on
    ``/mcp/{server}`` when given): at least once, or exactly ``times`` times. Returns the journal
    entries (``entry.request``: the JSON-RPC request, ``entry.response``: the answer)."""
    __tracebackhide__ = True
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 0):
        raise TypeError(f"assert_mcp_called: times must be a whole number ≥ 0, got {times!r}")
    if args is not None and not isinstance(args, dict):
        raise TypeError(f"assert_mcp_called: args must be a dict (a subset of the arguments), got {type(args).__name__}")
    of_name = mcp_calls(calls, name, server)
    matching = [e for e in of_name if args is None or subset_mismatch(args, arguments_of(e)) is None]
    if (times is None and matching) or len(matching) == times:
        return matching
    wanted = "at least once" if times is None else f"exactly {times} time(s)"
    with_args = f" with arguments containing {args}" if args is not None else ""
    where = f" on /mcp/{server}" if server else ""
    summary = (f"assert_mcp_called({name!r}) failed: expected the MCP server{where} to receive a call of '{name}'"
               f"{with_args} {wanted}, but it received {len(matching)}.")
    details = []
    for entry in of_name:
        mismatch = subset_mismatch(args, arguments_of(entry)) if args is not None else None
        result = result_of(entry) or {}
        flag = " isError" if result.get("isError") else ""
        details.append(f"  #{entry.id}: {name}({short(arguments_of(entry), 120)}){flag}" + (f" — {mismatch}" if mismatch else ""))
    if not of_name:
        others = sorted({(e.request.get("params") or {}).get("name") for e in mcp_calls(calls)} - {None})
        details.append(f"The MCP server received calls of: {', '.join(others)}." if others
                       else "The MCP server received no tools/call at all.")
    _fail(summary, calls, details)
    return []  # pragma: no cover - _fail raises
