// mockserver inspector: the three request shapes (Chat Completions, Responses, Anthropic
// Messages) and their answers as one list of turns, plus param paths and copy-as-curl.
// Pure functions, no DOM: app.js draws what these return.
"use strict";
(function (global) {
  // A turn: {role, label, path: [..tokens], parts}. A part: {kind: "text", text} |
  // {kind: "call", id, name, args, path} | {kind: "result", id, content, error, path} |
  // {kind: "other", label, value, path}.

  const DIALECTS = { "/chat/completions": "chat", "/responses": "responses", "/messages": "messages" };
  const TEXT_TYPES = new Set(["text", "input_text", "output_text"]);

  function dialectOf(entry) {
    if (entry.dialect) return entry.dialect;
    const path = (entry.path || "").replace(/^\/v1(?=\/)/, "");
    return DIALECTS[path] || "chat";
  }

  function isObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  // A content value (string, or a list of parts/blocks) as text and "other" parts.
  function contentParts(content, path) {
    if (content === null || content === undefined) return [];
    if (typeof content === "string") return [{ kind: "text", text: content }];
    if (!Array.isArray(content)) return [{ kind: "other", label: "content", value: content, path }];
    return content.map((p, k) => {
      if (isObject(p) && TEXT_TYPES.has(p.type) && typeof p.text === "string") return { kind: "text", text: p.text };
      if (isObject(p) && p.type === "refusal") return { kind: "text", text: String(p.refusal), note: "refusal" };
      return { kind: "other", label: (isObject(p) && p.type) || "part", value: p, path: path.concat(k) };
    });
  }

  // What a tool result holds, as one text (a list of text parts joined).
  function resultText(content) {
    if (content === null || content === undefined) return "";
    if (typeof content === "string") return content;
    if (Array.isArray(content) && content.every((p) => isObject(p) && typeof p.text === "string")) {
      return content.map((p) => p.text).join("\n");
    }
    return JSON.stringify(content, null, 2);
  }

  function chatTurns(req) {
    const messages = Array.isArray(req.messages) ? req.messages : [];
    return messages.map((m, i) => {
      const path = ["messages", i];
      if (!isObject(m)) return { role: "other", label: "message", path, parts: [{ kind: "other", label: "message", value: m, path }] };
      if (m.role === "tool") {
        return { role: "tool", label: "tool", path, parts: [{ kind: "result", id: m.tool_call_id, content: resultText(m.content), path }] };
      }
      if (m.role === "function") {
        return { role: "tool", label: "function", path, parts: [{ kind: "result", id: null, name: m.name, content: resultText(m.content), path }] };
      }
      const parts = contentParts(m.content, path.concat("content"));
      const calls = Array.isArray(m.tool_calls) ? m.tool_calls : [];
      calls.forEach((c, k) => {
        const f = (isObject(c) && c.function) || {};
        parts.push({ kind: "call", id: c && c.id, name: f.name, args: f.arguments, path: path.concat("tool_calls", k) });
      });
      if (isObject(m.function_call)) {
        parts.push({ kind: "call", id: null, name: m.function_call.name, args: m.function_call.arguments, path: path.concat("function_call") });
      }
      const role = m.role === "developer" ? "system" : String(m.role);
      return { role, label: m.name ? `${m.role} (${m.name})` : String(m.role), path, parts };
    });
  }

  function responsesTurns(req) {
    const turns = [];
    if (typeof req.previous_response_id === "string") {
      turns.push({ role: "other", label: "previous_response_id", path: ["previous_response_id"],
        parts: [{ kind: "text", text: `continues ${req.previous_response_id}: its input and output come before this input` }] });
    }
    if (req.instructions !== undefined && req.instructions !== null) {
      turns.push({ role: "system", label: "instructions", path: ["instructions"], parts: contentParts(req.instructions, ["instructions"]) });
    }
    if (typeof req.input === "string") {
      turns.push({ role: "user", label: "user", path: ["input"], parts: [{ kind: "text", text: req.input }] });
      return turns;
    }
    (Array.isArray(req.input) ? req.input : []).forEach((item, i) => {
      const path = ["input", i];
      const type = isObject(item) ? item.type || (item.role ? "message" : undefined) : undefined;
      if (type === "message") {
        const role = item.role === "developer" ? "system" : String(item.role);
        turns.push({ role, label: String(item.role), path, parts: contentParts(item.content, path.concat("content")) });
      } else if (type === "function_call") {
        turns.push({ role: "assistant", label: "assistant · function_call", path,
          parts: [{ kind: "call", id: item.call_id, name: item.name, args: item.arguments, path }] });
      } else if (type === "function_call_output") {
        turns.push({ role: "tool", label: "function_call_output", path,
          parts: [{ kind: "result", id: item.call_id, content: resultText(item.output), path }] });
      } else {
        turns.push({ role: "other", label: String(type || "item"), path, parts: [{ kind: "other", label: String(type || "item"), value: item, path }] });
      }
    });
    return turns;
  }

  function anthropicBlocks(content, path) {
    if (typeof content === "string") return [{ kind: "text", text: content }];
    if (!Array.isArray(content)) return content === undefined ? [] : [{ kind: "other", label: "content", value: content, path }];
    return content.map((b, k) => {
      const at = path.concat(k);
      if (!isObject(b)) return { kind: "other", label: "block", value: b, path: at };
      if (b.type === "text") return { kind: "text", text: String(b.text) };
      if (b.type === "tool_use") return { kind: "call", id: b.id, name: b.name, args: b.input, path: at };
      if (b.type === "tool_result") {
        return { kind: "result", id: b.tool_use_id, content: resultText(b.content), error: b.is_error === true, path: at };
      }
      return { kind: "other", label: String(b.type || "block"), value: b, path: at };
    });
  }

  function messagesTurns(req) {
    const turns = [];
    if (req.system !== undefined && req.system !== null) {
      turns.push({ role: "system", label: "system", path: ["system"], parts: anthropicBlocks(req.system, ["system"]) });
    }
    (Array.isArray(req.messages) ? req.messages : []).forEach((m, i) => {
      const path = ["messages", i];
      if (!isObject(m)) {
        turns.push({ role: "other", label: "message", path, parts: [{ kind: "other", label: "message", value: m, path }] });
        return;
      }
      const parts = anthropicBlocks(m.content, path.concat("content"));
      const onlyResults = parts.length > 0 && parts.every((p) => p.kind === "result");
      turns.push({ role: onlyResults ? "tool" : String(m.role), label: onlyResults ? `${m.role} · tool_result` : String(m.role), path, parts });
    });
    return turns;
  }

  // An MCP exchange (the tool server's side of the loop): the JSON-RPC method, a call's name and arguments.
  function mcpTurns(req) {
    const p = isObject(req.params) ? req.params : {};
    if (req.method === "tools/call") {
      return [{ role: "user", label: "agent → MCP tools/call", path: ["params"],
                parts: [{ kind: "call", id: req.id === undefined ? null : String(req.id), name: p.name, args: p.arguments, path: ["params"] }] }];
    }
    return [{ role: "user", label: "agent → MCP", path: [], parts: [{ kind: "text", text: String(req.method || "(a response)") }] }];
  }

  function mcpAnswer(r) {
    if (isObject(r.error)) return { parts: [{ kind: "text", text: `JSON-RPC error ${r.error.code}: ${r.error.message}` }], finish: "error", choices: 1 };
    const result = isObject(r.result) ? r.result : {};
    const parts = contentParts(Array.isArray(result.content) ? result.content : null, ["result", "content"]);
    if (result.structuredContent !== undefined) parts.push({ kind: "other", label: "structuredContent", value: result.structuredContent, path: ["result", "structuredContent"] });
    if (!Array.isArray(result.content)) parts.push({ kind: "other", label: "result", value: result, path: ["result"] });
    return { parts, finish: result.isError ? "isError" : null, choices: 1 };
  }

  function turns(entry) {
    const req = entry.request;
    if (!isObject(req)) return [];
    const dialect = dialectOf(entry);
    if (dialect === "mcp") return mcpTurns(req);
    if (dialect === "responses") return responsesTurns(req);
    if (dialect === "messages") return messagesTurns(req);
    if (dialect === "ollama" && typeof req.prompt === "string" && !Array.isArray(req.messages)) {
      // Ollama's /api/generate: the system text, then the prompt as the user's message
      const turns = typeof req.system === "string" && req.system ? [{ role: "system", label: "system", path: ["system"], parts: contentParts(req.system, ["system"]) }] : [];
      return turns.concat([{ role: "user", label: "user (prompt)", path: ["prompt"], parts: contentParts(req.prompt, ["prompt"]) }]);
    }
    return chatTurns(req);  // Ollama's /api/chat messages read like Chat Completions' (a tool message may name only tool_name)
  }

  // The answer the mock gave, in any of the three shapes (streamed: what the events added up to).
  function answer(entry) {
    const r = entry.response;
    if (isObject(r) && dialectOf(entry) === "mcp" && r.jsonrpc === "2.0") return mcpAnswer(r);
    if (!isObject(r) || entry.status >= 400) return null;
    const streamed = r.stream === true;
    if (Array.isArray(r.choices)) {
      const choice = r.choices[0] || {};
      const m = choice.message || {};
      const parts = contentParts(m.content, ["choices", 0, "message", "content"]);
      (Array.isArray(m.tool_calls) ? m.tool_calls : []).forEach((c, k) => {
        const f = (c && c.function) || {};
        parts.push({ kind: "call", id: c.id, name: f.name, args: f.arguments, path: ["choices", 0, "message", "tool_calls", k] });
      });
      return { parts, finish: choice.finish_reason, choices: r.choices.length, streamed, usage: r.usage };
    }
    if (Array.isArray(r.output)) {
      const parts = [];
      r.output.forEach((item, k) => {
        if (isObject(item) && item.type === "message") parts.push(...contentParts(item.content, ["output", k, "content"]));
        else if (isObject(item) && item.type === "function_call") {
          parts.push({ kind: "call", id: item.call_id, name: item.name, args: item.arguments, path: ["output", k] });
        } else parts.push({ kind: "other", label: String((item && item.type) || "item"), value: item, path: ["output", k] });
      });
      return { parts, finish: r.status, choices: 1, streamed, usage: r.usage };
    }
    if (Array.isArray(r.content)) {
      return { parts: anthropicBlocks(r.content, ["content"]), finish: r.stop_reason, choices: 1, streamed, usage: r.usage };
    }
    if (r.done === true && (isObject(r.message) || typeof r.response === "string")) {  // Ollama's /api/chat, /api/generate
      const m = isObject(r.message) ? r.message : {};
      const parts = isObject(r.message) ? contentParts(m.content, ["message", "content"]) : contentParts(r.response, ["response"]);
      (Array.isArray(m.tool_calls) ? m.tool_calls : []).forEach((c, k) => {
        const f = (c && c.function) || {};
        parts.push({ kind: "call", id: c.id, name: f.name, args: f.arguments, path: ["message", "tool_calls", k] });
      });
      return { parts, finish: r.done_reason, choices: 1, streamed, usage: { prompt_tokens: r.prompt_eval_count, completion_tokens: r.eval_count } };
    }
    if (isObject(r.stream_fault)) {
      return { parts: [], finish: null, choices: 1, streamed: true, broken: r.stream_fault };
    }
    return null;
  }

  // "messages.[1].tool_calls[0].function.arguments" (either of OpenAI's forms) → tokens.
  function parseParam(param) {
    if (typeof param !== "string" || !param) return [];
    const tokens = [];
    const re = /\[(\d+)\]|([^.[\]]+)/g;
    let m;
    while ((m = re.exec(param)) !== null) tokens.push(m[1] !== undefined ? Number(m[1]) : (/^\d+$/.test(m[2]) ? Number(m[2]) : m[2]));
    return tokens;
  }

  function prettyArgs(args) {
    if (args === undefined || args === null) return { text: "", json: true };
    if (typeof args !== "string") return { text: JSON.stringify(args, null, 2), json: true };
    try {
      return { text: JSON.stringify(JSON.parse(args), null, 2), json: true };
    } catch (e) {
      return { text: args, json: false };
    }
  }

  // Headers worth replaying; credentials (redacted in the journal) come from $MOCKSERVER_API_KEY.
  const CURL_HEADERS = /^(content-type|authorization|api-key|x-api-key|x-mock-[\w-]+|openai-[\w-]+|anthropic-[\w-]+)$/;

  function shellQuote(text) {
    return "'" + String(text).replace(/'/g, "'\\''") + "'";
  }

  function curl(entry, origin) {
    const method = entry.method && entry.method !== "POST" ? `-X ${entry.method} ` : "";
    const lines = [`curl -sS ${method}${shellQuote(origin + entry.path)}`];
    for (const [name, value] of Object.entries(entry.headers || {})) {
      if (!CURL_HEADERS.test(name)) continue;
      if (value === "[redacted]") lines.push(`-H "${name}: ${name === "authorization" ? "Bearer " : ""}$MOCKSERVER_API_KEY"`);
      else lines.push("-H " + shellQuote(`${name}: ${value}`));
    }
    if (entry.request !== null && entry.request !== undefined) {
      const body = typeof entry.request === "string" ? entry.request : JSON.stringify(entry.request);
      lines.push("--data-raw " + shellQuote(body));
    }
    return lines.join(" \\\n  ");
  }

  global.Convo = { dialectOf, turns, answer, parseParam, prettyArgs, curl, shellQuote };
})(window);
