// mockserver inspector: one request in detail — its conversation as bubbles, the answer, the
// error with its near misses and the `param` path highlighted, warnings, faults, timing, raw JSON.
// Every journal string goes into the page as text (textContent), never as HTML.
"use strict";
(function (global) {
  const C = global.Convo;

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const pathKey = (tokens) => tokens.join(".");
  const pathText = (tokens) => tokens.map((t, i) => (typeof t === "number" ? `[${t}]` : (i ? "." : "") + t)).join("");

  function badge(outcome) {
    return h("span", { class: `badge o-${outcome}` }, outcome.replace("_", " "));
  }

  function ruleText(e) {
    if (!e.rule) return "";
    return `${e.scenario} › ${e.rule}`;
  }

  // --- the conversation ---------------------------------------------------------------------

  function callBox(part, results, answered) {
    const args = C.prettyArgs(part.args);
    const result = part.id ? results.get(part.id) : undefined;
    return h("div", { class: "call", dataset: { path: pathKey(part.path || []), callId: part.id || "" } },
      h("div", { class: "call-head" }, "tool call ", h("span", { class: "call-name" }, part.name || "?"),
        part.id ? h("code", { class: "call-id" }, part.id) : null),
      h("pre", { class: args.json ? "call-args" : "call-args not-json" }, args.text || "(no arguments)"),
      args.json ? null : h("div", { class: "bad small" }, "arguments are not valid JSON"),
      answered ? h("div", { class: "call-status" + (result ? "" : " pending") },
        result ? `answered by ${pathText(result)}` : "no result for this call in the request") : null);
  }

  function resultBox(part, calls, continued) {
    const call = part.id ? calls.get(part.id) : undefined;
    const name = call ? call.name : part.name;
    return h("div", { class: "result" + (part.error ? " is-error" : ""), dataset: { path: pathKey(part.path || []) } },
      h("div", { class: "result-head" }, part.error ? "error result of " : "result of ",
        h("span", { class: "call-name" }, name || (continued ? "a previous call" : "an unknown call")),
        part.id ? h("code", { class: "call-id" }, part.id) : null,
        part.id && !call ? h("span", { class: continued ? "muted small" : "bad small" },
          continued ? " a call of the previous response" : " no call with this id in the request") : null),
      h("pre", { class: "result-text" }, part.content));
  }

  function otherBox(part) {
    return h("details", { class: "other", dataset: { path: pathKey(part.path || []) } },
      h("summary", {}, part.label), h("pre", {}, JSON.stringify(part.value, null, 2)));
  }

  function bubble(turn, calls, results, continued) {
    const parts = turn.parts.map((p) => {
      if (p.kind === "text") return h("div", { class: "text" }, p.note ? h("em", {}, `${p.note}: `) : null, p.text);
      if (p.kind === "call") return callBox(p, results, true);
      if (p.kind === "result") return resultBox(p, calls, continued);
      return otherBox(p);
    });
    if (!parts.length) parts.push(h("div", { class: "text muted" }, "(empty)"));
    return h("div", { class: `bubble role-${turn.role}`, dataset: { path: pathKey(turn.path) } },
      h("div", { class: "who" }, turn.label, h("span", { class: "path" }, pathText(turn.path))), parts);
  }

  function conversation(e) {
    const turns = C.turns(e);
    const calls = new Map();
    const results = new Map();
    for (const t of turns) {
      for (const p of t.parts) {
        if (p.kind === "call" && p.id) calls.set(p.id, { name: p.name, path: p.path });
        if (p.kind === "result" && p.id) results.set(p.id, t.path);
      }
    }
    // a Responses input may continue a stored response: its calls are not in this request
    const continued = Boolean(e.request && typeof e.request.previous_response_id === "string");
    const box = h("div", { class: "conversation" }, turns.map((t) => bubble(t, calls, results, continued)));
    if (!turns.length) box.append(h("p", { class: "muted" }, typeof e.request === "string" ? "The body was not JSON (see Request)." : "No messages."));
    return box;
  }

  function answerBubble(e) {
    const a = C.answer(e);
    if (!a) return null;
    const notes = [];
    if (a.streamed) notes.push(a.broken ? `stream broken on purpose: ${a.broken.kind} after ${a.broken.after} chunk(s)` : "streamed — shown as the message the events added up to");
    if (a.finish) notes.push(`finish: ${a.finish}`);
    if (a.choices > 1) notes.push(`${a.choices} choices, the first shown`);
    if (a.usage) notes.push(`tokens: ${a.usage.prompt_tokens ?? a.usage.input_tokens ?? "?"} in, ${a.usage.completion_tokens ?? a.usage.output_tokens ?? "?"} out`);
    const parts = a.parts.map((p) => (p.kind === "text" ? h("div", { class: "text" }, p.text)
      : p.kind === "call" ? callBox(p, new Map(), false) : otherBox(p)));
    if (!parts.length && !a.broken) parts.push(h("div", { class: "text muted" }, "(empty)"));
    return h("div", { class: "bubble role-assistant answer" },
      h("div", { class: "who" }, "mock answer", e.rule ? h("span", { class: "path" }, `rule ${e.rule} · ${e.rule_location || ""}`) : null),
      parts, h("div", { class: "notes" }, notes.join(" · ")));
  }

  // --- problems -----------------------------------------------------------------------------

  function errorSection(e) {
    const err = e.error;
    if (!err) return null;
    const title = { unmatched: "No rule matched", rejected: "Rejected by validation", scenario_error: "Scenario error", server_error: "Server error" }[e.outcome] || "Error";
    return h("section", { class: "problem" },
      h("h3", {}, title, h("span", { class: "muted small" }, ` ${e.status} · ${err.type || ""}${err.code ? " · " + err.code : ""}`)),
      h("pre", { class: "error-message" }, err.message || ""),
      err.param ? h("div", { class: "param-line" }, "param ", h("code", { class: "param" }, err.param),
        h("span", { class: "muted small" }, " — highlighted in the conversation and the request below")) : null);
  }

  function nearMisses(e) {
    const misses = e.near_misses;
    if (!Array.isArray(misses) || !misses.length) return null;
    return h("section", { class: "near-misses" }, h("h3", {}, `Near misses (${misses.length})`),
      misses.map((m) => h("div", { class: "near-miss" },
        h("div", { class: "nm-rule" }, h("strong", {}, `${m.scenario} › ${m.rule}`), h("span", { class: "muted" }, ` ${m.file}:${m.line}`)),
        h("table", { class: "diffs" }, h("thead", {}, h("tr", {}, h("th", {}, "matcher"), h("th", {}, "expected"), h("th", {}, "actual"))),
          h("tbody", {}, (m.differences || []).map((d) => h("tr", {},
            h("td", { class: "field" }, d.field), h("td", { class: "expected" }, show(d.expected)), h("td", { class: "actual" }, show(d.actual)))))))));
  }

  function show(value) {
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  // a journal warning is {code, path, message}: path is where in the request it points
  function warnPath(w) {
    return w && (w.path || w.param);
  }

  function warnings(e) {
    const list = Array.isArray(e.warnings) ? e.warnings : [];
    if (!list.length) return null;
    return h("section", { class: "warnings" }, h("h3", {}, `Warnings (${list.length})`),
      h("ul", {}, list.map((w) => typeof w === "string" ? h("li", {}, w)
        : h("li", {}, w.message || JSON.stringify(w), warnPath(w) ? [" ", h("code", { class: "param warn-param" }, warnPath(w))] : null,
          w.code ? h("span", { class: "muted small" }, ` ${w.code}`) : null))));
  }

  function faultText(f) {
    const parts = [];
    if (f.http) parts.push(`HTTP ${f.http.status}` + (f.http.retry_after ? ` (retry after ${f.http.retry_after} s)` : ""));
    if (f.stream) parts.push(`stream ${f.stream.kind} after ${f.stream.after} chunk(s)`);
    if (f.tool_call) parts.push(`tool call ${f.tool_call.call} broken: ${f.tool_call.kind}`);
    if (f.latency) parts.push(`latency ${f.latency} s`);
    return `${parts.join(", ")} — from ${f.source}`;
  }

  function faults(e) {
    const list = Array.isArray(e.faults) ? e.faults : [];
    if (!list.length) return null;
    return h("section", { class: "faults" }, h("h3", {}, "Faults fired"), h("ul", {}, list.map((f) => h("li", {}, faultText(f)))));
  }

  // --- raw JSON with the param path marked ----------------------------------------------------

  function jsonNode(value, path, indent) {
    const span = document.createElement("span");
    span.className = "jv";
    span.dataset.path = pathKey(path);
    if (Array.isArray(value) || (value !== null && typeof value === "object")) {
      const isArray = Array.isArray(value);
      const keys = isArray ? value.map((_, i) => i) : Object.keys(value);
      if (!keys.length) {
        span.textContent = isArray ? "[]" : "{}";
        return span;
      }
      span.append(isArray ? "[\n" : "{\n");
      keys.forEach((k, i) => {
        span.append(indent + "  ");
        if (!isArray) span.append(h("span", { class: "jk" }, JSON.stringify(k)), ": ");
        span.append(jsonNode(value[k], path.concat(k), indent + "  "));
        span.append(i < keys.length - 1 ? ",\n" : "\n");
      });
      span.append(indent + (isArray ? "]" : "}"));
    } else {
      span.textContent = JSON.stringify(value);
      span.classList.add(value === null ? "jnull" : "j" + typeof value);
    }
    return span;
  }

  function rawJson(value) {
    if (typeof value === "string") return h("pre", { class: "raw" }, value);
    const pre = h("pre", { class: "raw json" });
    pre.append(jsonNode(value, [], ""));
    return pre;
  }

  // In the conversation and in the raw request, mark the deepest node on the `tokens` path.
  function highlight(root, tokens, cls) {
    let first = null;
    for (const scope of root.querySelectorAll(".conversation, .raw-request .raw.json")) {
      const nodes = new Map();
      for (const el of scope.querySelectorAll("[data-path]")) {
        if (!nodes.has(el.dataset.path)) nodes.set(el.dataset.path, []);
        nodes.get(el.dataset.path).push(el);
      }
      for (let n = tokens.length; n > 0; n--) {
        const found = nodes.get(pathKey(tokens.slice(0, n)));
        if (found) {
          for (const node of found) node.classList.add(cls);
          first = first || found[0];
          break;
        }
      }
    }
    return first;
  }

  function headersTable(headers) {
    return h("table", { class: "headers" }, h("tbody", {}, Object.entries(headers || {}).map(([k, v]) =>
      h("tr", {}, h("th", {}, k), h("td", {}, v)))));
  }

  function render(container, e, origin) {
    const time = new Date(e.time);
    const meta = [
      ["time", `${time.toLocaleString()} (${e.time})`],
      ["dialect", C.dialectOf(e)],
      ["model", (e.request && e.request.model) || "—"],
      ["status", String(e.status)],
      ["rule", e.rule ? `${ruleText(e)} (${e.rule_location})` : "—"],
      ["duration", `${e.duration_ms} ms`],
    ];
    const curlBox = h("pre", { class: "curl", hidden: true });
    const copy = h("button", { type: "button", class: "copy-curl" }, "Copy as curl");
    copy.addEventListener("click", () => {
      const text = C.curl(e, origin);
      curlBox.textContent = text;
      curlBox.hidden = false;
      const done = () => { copy.textContent = "Copied ✓"; };
      if (navigator.clipboard && global.isSecureContext) navigator.clipboard.writeText(text).then(done, () => {});
    });
    const requestBox = h("details", { class: "raw-request" }, h("summary", {}, "Request body"), rawJson(e.request));
    container.replaceChildren(...[
      h("div", { class: "detail-head" }, h("h2", {}, `#${e.id} `, h("span", { class: "muted" }, `${e.method} ${e.path}`)), badge(e.outcome), copy),
      h("dl", { class: "meta" }, meta.map(([k, v]) => [h("dt", {}, k), h("dd", { class: `m-${k}` }, v)])),
      curlBox,
      errorSection(e), nearMisses(e), warnings(e), faults(e),
      h("section", { class: "convo" }, h("h3", {}, "Conversation"), conversation(e), answerBubble(e)),
      requestBox,
      h("details", { class: "raw-response" }, h("summary", {}, `Response body (${e.status})`), rawJson(e.response)),
      h("details", { class: "raw-headers" }, h("summary", {}, "Request headers"), headersTable(e.headers)),
    ].filter(Boolean));
    const param = e.error && e.error.param;
    if (param) {
      const marked = highlight(container, C.parseParam(param), "hl");
      if (marked) {
        requestBox.open = true;
        const bubbleNode = container.querySelector(".conversation .hl");
        (bubbleNode || marked).scrollIntoView({ block: "center" });
      }
    }
    for (const w of Array.isArray(e.warnings) ? e.warnings : []) {
      if (w && typeof warnPath(w) === "string") highlight(container, C.parseParam(warnPath(w)), "warn-hl");
    }
  }

  global.Detail = { render, h, badge, ruleText };
})(window);
