"""The function-calling protocol over the turns (consecutive contents of one role are one turn,
``convert.py``), in Gemini's words (400 ``INVALID_ARGUMENT``):

- "Please ensure that function call turn comes immediately after a user turn or after a function
  response turn." (google-gemini/gemini-cli#11814: "when the sent conversation history starts
  with a function call"; #26486) — a model turn with ``functionCall`` parts that has no user turn
  before it;
- "Please ensure that function response turn comes immediately after a function call turn."
  (langchain-ai/langchain#27799, GoogleCloudPlatform/generative-ai#368) — ``functionResponse``
  parts in a turn whose previous turn is not a model turn with ``functionCall`` parts;
- "Please ensure that the number of function response parts is equal to the number of function
  call parts of the function call turn." (microsoft/vscode#299295, google-gemini/gemini-cli#17208).
The provider's text is the whole body; what the mock saw rides beside it in ``X-Mock-Hint``
(``wire.errors.hinted``), as in the other dialects.
Beyond Gemini (mockserver's checks, as in the other dialects): a ``functionResponse`` naming a
function the previous turn did not call; ``functionCall.args`` against the declared schema.
Warnings: calls left unanswered by a following user turn; a response ``id`` matching no call;
a call in the history naming an undeclared function.
"""

from __future__ import annotations

from typing import Iterator

from mockserver.dialects.gemini.convert import Turn
from mockserver.validation.arguments import arguments_problem
from mockserver.validation.problems import tag
from mockserver.validation.tools import ToolSet
from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError, hinted

CALL_AFTER = "Please ensure that function call turn comes immediately after a user turn or after a function response turn."
RESPONSE_AFTER = "Please ensure that function response turn comes immediately after a function call turn."
COUNT = ("Please ensure that the number of function response parts is equal to the number of function call parts "
         "of the function call turn.")


def explained(message: str, field: str, why: str, rule: str) -> APIError:
    return tag(hinted(APIError(message, param=field), why), rule)


def check_protocol(request_turns: list[Turn], tools: ToolSet) -> Iterator[APIError]:
    for k, turn in enumerate(request_turns):
        previous = request_turns[k - 1] if k > 0 else None
        if turn.role == "model":
            calls = turn.of("functionCall")
            if not calls:
                continue
            first = calls[0][0]
            if previous is None:
                yield explained(CALL_AFTER, f"contents[{first}]",
                                f"contents[{first}] has function calls, but no user turn comes before it", "gemini.call_after")
            yield from _check_args(calls, tools)
            following = request_turns[k + 1] if k + 1 < len(request_turns) else None
            if following is not None and not following.of("functionResponse"):
                yield tag(APIError(f"contents[{following.index}] answers none of the {len(calls)} function call(s) of "
                                   f"contents[{first}] ({', '.join(c['name'] for _, _, c in calls)})",
                                   param=f"contents[{following.index}]"), "gemini.calls_unanswered")
            continue
        responses = turn.of("functionResponse")
        if not responses:
            continue
        at = responses[0][0]
        made = previous.of("functionCall") if previous is not None else []
        if not made:
            why = "it is the first turn" if previous is None else f"the model turn before it (contents[{previous.index}]) has no function call"
            yield explained(RESPONSE_AFTER, f"contents[{at}]", f"contents[{at}] has function responses, but {why}",
                            "gemini.response_after")
            continue
        if len(responses) != len(made):
            yield explained(COUNT, f"contents[{at}]", f"the function call turn (contents[{made[0][0]}]) has {len(made)} "
                            f"function call part(s), the turn answering it has {len(responses)} function response part(s)",
                            "gemini.response_count")
            continue
        yield from _check_names(responses, made)


def _check_names(responses: list[tuple[int, int, dict]], made: list[tuple[int, int, dict]]) -> Iterator[APIError]:
    names = [c["name"] for _, _, c in made]
    given_ids = {c.get("id") for _, _, c in made if c.get("id")}
    for i, j, response in responses:
        where = f"contents[{i}].parts[{j}].function_response"
        if response["name"] not in names:
            called = ", ".join(repr(n) for n in dict.fromkeys(names))
            yield tag(APIError(f"* GenerateContentRequest.{where}.name: the function response names '{response['name']}', "
                               f"but the function call turn (contents[{made[0][0]}]) called {called}\n", param=f"{where}.name"),
                      "gemini.response_name")
        elif response.get("id") and given_ids and response["id"] not in given_ids:
            yield tag(APIError(f"{where}.id '{response['id']}' matches no function call id of contents[{made[0][0]}]",
                               param=f"{where}.id"), "gemini.response_id")


def _check_args(calls: list[tuple[int, int, dict]], tools: ToolSet) -> Iterator[APIError]:
    for i, j, call in calls:
        where = f"contents[{i}].parts[{j}].function_call"
        declared = tools.functions.get(call["name"])
        if declared is None:
            if tools.functions:
                yield tag(APIError(f"{where}.name: '{call['name']}' is not among the declared functions "
                                   f"({', '.join(tools.functions)})", param=f"{where}.name"), "gemini.call_undeclared")
            continue
        if declared.schema_key is None:
            continue
        problem = arguments_problem(declared.schema_key, jsoncodec.dumps(call.get("args") or {}).decode())
        if problem:
            yield tag(APIError(f"* GenerateContentRequest.{where}.args: the arguments of function '{call['name']}' are "
                               f"invalid against its declared parameters: {problem}\n", param=f"{where}.args",
                               code="invalid_tool_input"), "gemini.args_invalid")
