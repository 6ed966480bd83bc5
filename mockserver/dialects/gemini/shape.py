"""The ``generateContent`` request's shape: ``contents`` and their parts, ``systemInstruction``,
``generationConfig``, in Google's words (400 ``INVALID_ARGUMENT``).

Evidence (reported bodies):
- "* GenerateContentRequest.contents: contents is not specified" (vercel/ai#3775,
  langchain-ai/langchain-google#1393);
- "* GenerateContentRequest.contents[N].parts: contents.parts must not be empty." (vercel/ai#3775,
  langchain-ai/langchain-google#691, aaif-goose/goose#1585, coze-dev/coze-studio#46);
- "Please use a valid role: user, model." (router-for-me/CLIProxyAPI#17, langbot-app/LangBot#1486,
  songquanpeng/one-api#1385);
- "* GenerateContentRequest.contents[N].parts[M].data: required oneof field 'data' must have one
  initialized field" (a part with no data field; the same front end's wording for a oneof);
- a value of the wrong JSON type: "Invalid value at 'PATH' (TYPE), VALUE", the wording of
  Google's JSON front end for proto fields (e.g. ``TYPE_STRING``); *assumed* for the exact type names.
Not found in public reports, so in the mock's words (same status and shape, naming the field): two
data fields in one part ("Oneof field 'data' is already set", the front end's oneof wording,
assumed), a ``functionCall``/``functionResponse`` without a name, ``candidateCount`` outside 1..8.
Unknown fields are accepted here (the front end refuses them, but the two surfaces and their
versions differ in what they know: refusing one would break a client the real API accepts).
"""

from __future__ import annotations

from typing import Any, Iterator

from mockserver.wire import jsoncodec
from mockserver.wire.errors import APIError

ROLES = ("user", "model")
DATA_FIELDS = ("text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode",
               "codeExecutionResult", "toolCall", "toolResponse")


def field_error(path: str, message: str) -> APIError:
    return APIError(f"* GenerateContentRequest.{path}: {message}\n", param=path)


def invalid_value(path: str, kind: str, value: Any) -> APIError:
    shown = jsoncodec.dumps(value).decode()
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return APIError(f"Invalid value at '{path}' ({kind}), {shown}", param=path)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_request(body: dict[str, Any], count_only: bool = False) -> Iterator[APIError]:
    contents = body.get("contents")
    if contents is None or contents == []:
        if not (count_only and body.get("generateContentRequest")):
            yield field_error("contents", "contents is not specified")
        return
    if not isinstance(contents, list):
        yield invalid_value("contents", "type.googleapis.com/google.ai.generativelanguage.v1beta.Content", contents)
        return
    for i, content in enumerate(contents):
        yield from check_content(f"contents[{i}]", content)
    system = body.get("systemInstruction", body.get("system_instruction"))
    # an empty system instruction is accepted (and the generation config still checked)
    if system is not None and not (isinstance(system, dict) and isinstance(system.get("parts"), list) and not system["parts"]):
        yield from check_content("system_instruction", system, system=True)
    yield from check_generation_config(body.get("generationConfig", body.get("generation_config")))


def check_content(where: str, content: Any, system: bool = False) -> Iterator[APIError]:
    if not isinstance(content, dict):
        yield invalid_value(where, "type.googleapis.com/google.ai.generativelanguage.v1beta.Content", content)
        return
    role = content.get("role")
    if role is not None and not isinstance(role, str):
        yield invalid_value(f"{where}.role", "TYPE_STRING", role)
        return
    if not system and role not in (None, "", *ROLES):
        yield APIError("Please use a valid role: user, model.", param=f"{where}.role")
        return
    parts = content.get("parts")
    if parts is None or parts == []:
        yield field_error(f"{where}.parts", "contents.parts must not be empty.")
        return
    if not isinstance(parts, list):
        yield invalid_value(f"{where}.parts", "type.googleapis.com/google.ai.generativelanguage.v1beta.Part", parts)
        return
    for j, part in enumerate(parts):
        yield from check_part(f"{where}.parts[{j}]", part)


def check_part(where: str, part: Any) -> Iterator[APIError]:
    if not isinstance(part, dict):
        yield invalid_value(where, "type.googleapis.com/google.ai.generativelanguage.v1beta.Part", part)
        return
    present = [k for k in DATA_FIELDS if part.get(k) is not None]
    if not present:
        yield field_error(f"{where}.data", "required oneof field 'data' must have one initialized field")
        return
    if len(present) > 1:
        yield APIError(f"Invalid JSON payload received. Oneof field 'data' is already set. Cannot set '{present[1]}'",
                       param=where)
        return
    if "text" in present and not isinstance(part["text"], str):
        yield invalid_value(f"{where}.text", "TYPE_STRING", part["text"])
    elif "functionCall" in present:
        yield from _check_named(f"{where}.function_call", part["functionCall"], "args")
    elif "functionResponse" in present:
        yield from _check_named(f"{where}.function_response", part["functionResponse"], "response")


def _check_named(where: str, value: Any, payload: str) -> Iterator[APIError]:
    if not isinstance(value, dict):
        yield invalid_value(where, "type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCall", value)
        return
    name = value.get("name")
    if not isinstance(name, str) or not name:
        if name is not None and not isinstance(name, str):
            yield invalid_value(f"{where}.name", "TYPE_STRING", name)
        else:
            yield field_error(f"{where}.name", "Name cannot be empty.")
        return
    data = value.get(payload)
    if data is not None and not isinstance(data, dict):
        yield invalid_value(f"{where}.{payload}", "type.googleapis.com/google.protobuf.Struct", data)
    call_id = value.get("id")
    if call_id is not None and not isinstance(call_id, str):
        yield invalid_value(f"{where}.id", "TYPE_STRING", call_id)


def check_generation_config(config: Any) -> Iterator[APIError]:
    if config is None:
        return
    if not isinstance(config, dict):
        yield invalid_value("generation_config", "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig", config)
        return
    for key, proto in (("maxOutputTokens", "max_output_tokens"), ("candidateCount", "candidate_count")):
        value = config.get(key)
        if value is not None and not _is_int(value):
            yield invalid_value(f"generation_config.{proto}", "TYPE_INT32", value)
            return
    count = config.get("candidateCount")
    if count is not None and not 1 <= count <= 8:
        yield field_error("generation_config.candidate_count", "must be between 1 and 8, inclusive.")
    stops = config.get("stopSequences")
    if stops is not None and (not isinstance(stops, list) or not all(isinstance(s, str) for s in stops)):
        yield invalid_value("generation_config.stop_sequences", "TYPE_STRING", stops)
