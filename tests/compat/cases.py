"""The suite's cases: what the user asks, which tools the agent has, and what the tools return.

Every stack runs the same cases against the scenarios in ``scenarios/``. The tools are plain
functions whose results are JSON texts computed from their arguments, so each final answer (the
mock renders it from the results) proves the framework ran the tool with the arguments the mock
issued and sent the result back. ``node/tools.mjs`` implements the same functions for the node
stacks; ``test_cases.py`` checks the two agree.
"""


import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict

SCENARIOS = Path(__file__).parent / "scenarios"
SYSTEM = "You are the mockserver compatibility agent. Use the tools."


# --- the tools (one implementation, shared by every Python stack) ------------------------------


def _code(text: str, modulo: int) -> int:
    return sum(ord(c) for c in text) % modulo


def get_weather(city: str) -> str:
    """Get the current temperature of a city in degrees Celsius."""
    return json.dumps({"city": city, "temperature": _code(city, 35) - 5})


def find_customer(email: str) -> str:
    """Find a customer by e-mail address."""
    return json.dumps({"customer_id": f"C-{1000 + _code(email, 9000)}"})


def list_orders(customer_id: str) -> str:
    """List the open orders of a customer."""
    total = _code(customer_id, 7) + 1
    return json.dumps({"customer_id": customer_id, "total": total,
                       "orders": [f"{customer_id}-{k}" for k in range(total)]})


def get_time(timezone: str) -> str:
    """Get the current time in an IANA timezone."""
    return json.dumps({"timezone": timezone, "time": f"{len(timezone) % 24:02d}:{_code(timezone, 60):02d}"})


class Attendee(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    email: str


class Start(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: str
    time: str


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def create_event(title: str, start: Start, attendees: list[Attendee]) -> str:
    """Create a calendar event with its start and attendees."""
    start, attendees = _plain(start), _plain(attendees)
    return json.dumps({"event_id": f"E-{_code(title, 9000) + 1000}", "title": title,
                       "starts": f"{start['date']} {start['time']}", "attendees": len(attendees)})


TOOLS: dict[str, Callable[..., str]] = {
    f.__name__: f for f in (get_weather, find_customer, list_orders, get_time, create_event)}


def call_tool(name: str, arguments: dict[str, Any]) -> str:
    """What the tool ``name`` returns for ``arguments`` (the expected tool message content)."""
    return TOOLS[name](**arguments)


# --- JSON Schemas, for the stacks that declare tools by hand (openai SDKs, LiteLLM, AI SDK) -----

def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


SCHEMAS: dict[str, dict[str, Any]] = {
    "get_weather": _object({"city": {"type": "string", "description": "City name"}}),
    "find_customer": _object({"email": {"type": "string"}}),
    "list_orders": _object({"customer_id": {"type": "string"}}),
    "get_time": _object({"timezone": {"type": "string", "description": "IANA timezone"}}),
    "create_event": _object({
        "title": {"type": "string"},
        "start": _object({"date": {"type": "string", "description": "YYYY-MM-DD"}, "time": {"type": "string"}}),
        "attendees": {"type": "array", "items": _object({"name": {"type": "string"}, "email": {"type": "string"}})},
    }),
}


def openai_tool(name: str, strict: bool = False) -> dict[str, Any]:
    """A Chat Completions tool declaration of ``name``."""
    function = {"name": name, "description": TOOLS[name].__doc__, "parameters": SCHEMAS[name]}
    if strict:
        function["strict"] = True
    return {"type": "function", "function": function}


# --- the cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    turns: tuple[str, ...]  # the user's messages, one per conversation turn
    tools: tuple[str, ...]  # the tools the agent declares
    forced: str | None = None  # the function the first request forces with tool_choice
    strict: bool = False  # the tools are declared strict
    parallel: bool = False  # the mock answers with several calls at once
    calls: tuple[tuple[tuple[str, Any], ...], ...] = ()  # per model request, the (name, args) the mock issues (None: generated)
    summary: str = field(default="", compare=False)

    @property
    def scenario(self) -> Path:
        return SCENARIOS / f"{self.name}.yaml"

    def spec(self) -> dict[str, Any]:
        """What a node driver needs: the turns, the tools (declarations) and how to force."""
        return {"case": self.name, "system": SYSTEM, "turns": list(self.turns), "forced": self.forced,
                "tools": [openai_tool(t, self.strict)["function"] for t in self.tools]}


CASES = {c.name: c for c in (
    Case("single", ("What is the weather in Oslo?",), ("get_weather",),
         calls=((("get_weather", {"city": "Oslo"}),), ()),
         summary="one tool call, then an answer computed from its result"),
    Case("chain", ("List the orders of ada@example.com",), ("find_customer", "list_orders"),
         calls=((("find_customer", {"email": "ada@example.com"}),),
                (("list_orders", {"customer_id": json.loads(find_customer("ada@example.com"))["customer_id"]}),), ()),
         summary="two tools chained: the second call's arguments come from the first result"),
    Case("parallel", ("Compare the weather in Oslo and Lima",), ("get_weather",), parallel=True,
         calls=((("get_weather", {"city": "Oslo"}), ("get_weather", {"city": "Lima"})), ()),
         summary="two calls in one answer"),
    Case("forced", ("Which time is it?",), ("get_time", "get_weather"), forced="get_time",
         calls=((("get_time", {"timezone": "Europe/Oslo"}),), ()),
         summary="a tool_choice naming the function"),
    Case("strict", ("Plan the launch party",), ("create_event",), strict=True,
         calls=((("create_event", None),), ()),
         summary="a strict tool with a nested schema, called with generated arguments"),
    Case("multi_turn", ("What is the weather in Oslo?", "And in Lima?"), ("get_weather",),
         calls=((("get_weather", {"city": "Oslo"}),), (), (("get_weather", {"city": "Lima"}),), ()),
         summary="two user turns; the second resends the framework's own history"),
)}


def expected_answers(case: Case, calls: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The final answer of each user turn, computed here from the tools' results (the mock's
    scenario renders them with its templates: the two must agree). ``calls``: every call the
    mock issued, in order, with its arguments (needed where they were generated)."""
    results = [(name, args, json.loads(call_tool(name, args))) for name, args in calls]
    if case.name == "single":
        r = results[0][2]
        return [f"It is {r['temperature']}°C in {r['city']}."]
    if case.name == "chain":
        r = results[1][2]
        return [f"Customer {r['customer_id']} has {r['total']} open orders."]
    if case.name == "parallel":
        return [", ".join(f"{args['city']}: {r['temperature']}°C" for _, args, r in results) + "."]
    if case.name == "forced":
        r = results[0][2]
        return [f"It is {r['time']} in {r['timezone']}."]
    if case.name == "strict":
        r = results[0][2]
        return [f"Created {r['event_id']} ({r['attendees']} attendees, starts {r['starts']})."]
    if case.name == "multi_turn":
        # turn counts the assistant messages resent: 1 (the call) in turn 1; 3 in turn 2
        return [f"It is {r['temperature']}°C in {r['city']} (turn {2 * k + 1})." for k, (_, _, r) in enumerate(results)]
    raise ValueError(f"no expected answers for case {case.name!r}")
