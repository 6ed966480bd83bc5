"""Valid, rich requests of every dialect (histories with tool calls and results, tools with
schemas, every block kind, streamed and not) that bench/fuzz.py mutates: a mutated valid
request gets past the parser into the deep checks (tool-call protocol, arguments against the
declared schemas, block kinds), where a random body never reaches."""

from __future__ import annotations

from typing import Any

CITY = {"type": "object", "properties": {"city": {"type": "string", "minLength": 1}, "unit": {"type": "string", "enum": ["c", "f"]}},
        "required": ["city"]}
STRICT = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False}
ASK = "What is the weather in Paris?"
RESULT = '{"temperature": 17, "condition": "windy"}'
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

CHAT_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city", "parameters": STRICT, "strict": True}}
CHAT = [
    {"model": "gpt-5.4", "messages": [{"role": "user", "content": ASK}], "tools": [CHAT_TOOL], "tool_choice": "auto"},
    {"model": "gpt-5.4", "stream": True, "stream_options": {"include_usage": True}, "temperature": 0.2, "max_completion_tokens": 200,
     "messages": [
         {"role": "developer", "content": "Be brief."},
         {"role": "user", "content": [{"type": "text", "text": ASK}, {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "low"}}]},
         {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
         {"role": "tool", "tool_call_id": "call_1", "content": RESULT}],
     "tools": [CHAT_TOOL, {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}],
     "parallel_tool_calls": True},
    {"model": "gpt-4o", "messages": [{"role": "system", "content": "JSON only."}, {"role": "user", "content": "hi"},
                                     {"role": "assistant", "content": [{"type": "text", "text": "hello"}], "refusal": None},
                                     {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}, {"type": "text", "text": "and?"}]}],
     "response_format": {"type": "json_schema", "json_schema": {"name": "w", "schema": STRICT, "strict": True}}, "n": 2, "seed": 1,
     "stop": ["STOP"], "logprobs": True, "top_logprobs": 2, "metadata": {"k": "v"}, "store": False},
]

RESPONSES_TOOL = {"type": "function", "name": "get_weather", "description": "Weather for a city", "parameters": STRICT, "strict": True}
RESPONSES = [
    {"model": "gpt-5.4", "input": ASK, "tools": [RESPONSES_TOOL], "tool_choice": "auto", "store": False},
    {"model": "gpt-5.4", "stream": True, "instructions": "Be brief.", "store": False, "max_output_tokens": 300, "parallel_tool_calls": True,
     "input": [
         {"type": "message", "role": "user", "content": [{"type": "input_text", "text": ASK},
                                                         {"type": "input_image", "image_url": f"data:image/png;base64,{PNG}", "detail": "auto"},
                                                         {"type": "input_file", "filename": "a.txt", "file_data": "data:text/plain;base64,aGk="}]},
         {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "think"}]},
         {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Paris"}', "status": "completed"},
         {"type": "function_call_output", "call_id": "call_1", "output": RESULT}],
     "tools": [RESPONSES_TOOL, {"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["vs_1"]}],
     "reasoning": {"effort": "low", "summary": "auto"}, "include": ["reasoning.encrypted_content"]},
    {"model": "gpt-4o", "store": False, "input": [{"role": "system", "content": "JSON only."}, {"role": "user", "content": "hi"},
                                                  {"role": "assistant", "content": [{"type": "output_text", "text": "hello", "annotations": []}]},
                                                  {"role": "user", "content": "again"}],
     "text": {"format": {"type": "json_schema", "name": "w", "schema": STRICT, "strict": True}}, "temperature": 0.5, "top_p": 0.9,
     "metadata": {"k": "v"}, "truncation": "auto", "tools": [{"type": "custom", "name": "shell", "description": "run"}]},
]

MESSAGES_TOOL = {"name": "get_weather", "description": "Weather for a city", "input_schema": CITY}
MESSAGES = [
    {"model": "claude-sonnet-4-5", "max_tokens": 256, "messages": [{"role": "user", "content": ASK}], "tools": [MESSAGES_TOOL]},
    {"model": "claude-sonnet-4-5", "max_tokens": 1024, "stream": True, "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
     "messages": [
         {"role": "user", "content": [{"type": "text", "text": ASK},
                                      {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                                      {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "notes"}}]},
         {"role": "assistant", "content": [{"type": "thinking", "thinking": "need the tool", "signature": "sig"},
                                           {"type": "text", "text": "Checking."},
                                           {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
         {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": RESULT}]}]}],
     "tools": [MESSAGES_TOOL, {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}],
     "tool_choice": {"type": "auto", "disable_parallel_tool_use": False}, "thinking": {"type": "enabled", "budget_tokens": 512}},
    {"model": "claude-3-5-haiku-latest", "max_tokens": 64, "system": "JSON only.", "temperature": 0.3, "top_k": 5, "stop_sequences": ["STOP"],
     "metadata": {"user_id": "u"}, "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
                                                {"role": "user", "content": [{"type": "text", "text": "again"}]}],
     "tools": [MESSAGES_TOOL], "tool_choice": {"type": "none"}},
]

GEMINI_DECLARATION = {"name": "get_weather", "description": "Weather for a city", "parameters": {
    "type": "OBJECT", "properties": {"city": {"type": "STRING"}, "unit": {"type": "STRING", "enum": ["c", "f"]}}, "required": ["city"]}}
GEMINI = [
    {"contents": [{"role": "user", "parts": [{"text": ASK}]}], "tools": [{"functionDeclarations": [GEMINI_DECLARATION]}]},
    {"systemInstruction": {"parts": [{"text": "Be brief."}]},
     "contents": [
         {"role": "user", "parts": [{"text": ASK}, {"inlineData": {"mimeType": "image/png", "data": PNG}},
                                    {"fileData": {"mimeType": "application/pdf", "fileUri": "gs://b/a.pdf"}}]},
         {"role": "model", "parts": [{"text": "Checking.", "thought": True}, {"functionCall": {"id": "c1", "name": "get_weather", "args": {"city": "Paris"}}}]},
         {"role": "user", "parts": [{"functionResponse": {"id": "c1", "name": "get_weather", "response": {"temperature": 17}}}]}],
     "tools": [{"functionDeclarations": [GEMINI_DECLARATION, {"name": "get_time", "parametersJsonSchema": {"type": "object"}}]}, {"googleSearch": {}}],
     "toolConfig": {"functionCallingConfig": {"mode": "AUTO"}},
     "generationConfig": {"temperature": 0.2, "maxOutputTokens": 200, "candidateCount": 1, "stopSequences": ["STOP"],
                          "thinkingConfig": {"thinkingBudget": 128, "includeThoughts": True}},
     "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]},
    {"contents": [{"role": "user", "parts": [{"text": "hi"}]}, {"role": "model", "parts": [{"text": "hello"}]}, {"role": "user", "parts": [{"text": "again"}]}],
     "generationConfig": {"responseMimeType": "application/json", "responseSchema": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}}},
     "tools": [{"functionDeclarations": [GEMINI_DECLARATION]}], "toolConfig": {"functionCallingConfig": {"mode": "NONE"}}},
]

BEDROCK_SPEC = {"toolSpec": {"name": "get_weather", "description": "Weather for a city", "inputSchema": {"json": CITY}}}
BEDROCK = [
    {"messages": [{"role": "user", "content": [{"text": ASK}]}], "toolConfig": {"tools": [BEDROCK_SPEC]}},
    {"messages": [
        {"role": "user", "content": [{"text": ASK}, {"image": {"format": "png", "source": {"bytes": PNG}}},
                                     {"document": {"format": "txt", "name": "notes", "source": {"bytes": "aGk="}}}]},
        {"role": "assistant", "content": [{"reasoningContent": {"reasoningText": {"text": "tool", "signature": "s"}}}, {"text": "Checking."},
                                          {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Paris"}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_1", "status": "success", "content": [{"json": {"temperature": 17}}, {"text": "ok"}]}}]}],
     "system": [{"text": "Be brief."}, {"cachePoint": {"type": "default"}}],
     "toolConfig": {"tools": [BEDROCK_SPEC, {"cachePoint": {"type": "default"}}], "toolChoice": {"auto": {}}},
     "inferenceConfig": {"maxTokens": 100, "temperature": 0.5, "topP": 0.9, "stopSequences": ["STOP"]},
     "additionalModelRequestFields": {"top_k": 5}, "requestMetadata": {"k": "v"}},
    {"messages": [{"role": "user", "content": [{"text": "hi"}]}, {"role": "assistant", "content": [{"text": "hello"}]},
                  {"role": "user", "content": [{"text": "again"}]}],
     "toolConfig": {"tools": [BEDROCK_SPEC], "toolChoice": {"auto": {}}}},
]

OLLAMA_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city", "parameters": CITY}}
OLLAMA_CHAT = [
    {"model": "mock-model", "messages": [{"role": "user", "content": ASK}], "tools": [OLLAMA_TOOL], "stream": False},
    {"model": "mock-model", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": ASK, "images": [PNG]},
        {"role": "assistant", "content": "", "thinking": "tool", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": RESULT, "tool_name": "get_weather"}],
     "tools": [OLLAMA_TOOL], "options": {"temperature": 0.2, "num_predict": 100, "stop": ["STOP"]}, "keep_alive": "5m", "think": False},
    {"model": "mock-model", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}, {"role": "user", "content": "again"}],
     "format": CITY, "stream": True},
]
OLLAMA_GENERATE = [
    {"model": "mock-model", "prompt": ASK, "stream": False},
    {"model": "mock-model", "prompt": "hi", "system": "Be brief.", "images": [PNG], "options": {"temperature": 0.1, "seed": 1},
     "format": "json", "context": [1, 2, 3], "keep_alive": 0, "raw": False, "suffix": "end"},
    {"model": "mock-model", "prompt": "again", "format": CITY, "stream": True, "think": True},
]

SEEDS: dict[str, list[dict[str, Any]]] = {
    "chat": CHAT, "responses": RESPONSES, "messages": MESSAGES, "gemini": GEMINI, "bedrock": BEDROCK,
    "ollama-chat": OLLAMA_CHAT, "ollama-generate": OLLAMA_GENERATE,
}
