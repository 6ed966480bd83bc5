// mockserver inspector: polls /_mock/journal?summary=true&since=ID every second, lists the requests,
// fetches one whole (/_mock/journal/ID) to show it in detail (detail.js), the scenarios with their rules' hit counts, and the admin buttons.
// With --api-key the key is asked once, kept in sessionStorage, sent as an Authorization header.
"use strict";
(function (global) {
  const { h, badge, ruleText } = global.Detail;
  const POLL_MS = 1000;
  const FULL_KEPT = 100;
  const KEY_STORE = "mockserver-inspector-key";
  const $ = (sel) => document.querySelector(sel);

  const state = {
    entries: [], // summaries, oldest first, as the journal keeps them
    byId: new Map(),
    full: new Map(), // whole entries fetched for the detail view (the last FULL_KEPT)
    epoch: null,
    lastId: 0,
    maxEntries: 1000,
    dropped: 0,
    scenarios: [],
    selected: null,
    paused: false,
    needKey: false,
    view: "requests",
    scenariosStale: true,
  };
  // read by tests and the benchmark: when the first load is drawn, and how long drawing took
  const probe = (global.inspector = { ready: false, polls: 0, listRenderMs: 0, detailRenderMs: 0, readyAtMs: 0 });

  class AuthNeeded extends Error {}

  let key = global.sessionStorage.getItem(KEY_STORE) || "";

  async function api(path, options) {
    const opts = Object.assign({ cache: "no-store" }, options || {});
    opts.headers = Object.assign({}, opts.headers || {}, key ? { Authorization: `Bearer ${key}` } : {});
    const response = await fetch(path, opts);
    if (response.status === 401) {
      askKey(key ? "The server refused this key." : "");
      throw new AuthNeeded("API key needed");
    }
    if (!response.ok) {
      let message = `${response.status}`;
      try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    return response;
  }

  function askKey(problem) {
    state.needKey = true;
    const dialog = $("#key-dialog");
    $("#key-error").hidden = !problem;
    $("#key-error").textContent = problem;
    if (!dialog.open) dialog.showModal();
    $("#key-input").focus();
  }

  $("#key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    key = $("#key-input").value.trim();
    global.sessionStorage.setItem(KEY_STORE, key);
    $("#key-input").value = "";
    $("#key-dialog").close();
    state.needKey = false;
    $("#forget-key").hidden = false;
    refresh(true).catch(report);
  });

  $("#forget-key").addEventListener("click", () => {
    key = "";
    global.sessionStorage.removeItem(KEY_STORE);
    $("#forget-key").hidden = true;
  });
  $("#forget-key").hidden = !key;

  // --- the journal ----------------------------------------------------------------------------

  async function refresh(full) {
    const incremental = !full && state.epoch !== null;
    const page = await (await api("journal?summary=true" + (incremental ? `&since=${state.lastId}` : ""))).json();
    if (incremental && page.epoch !== state.epoch) return refresh(true); // cleared or reset meanwhile
    if (incremental) {
      for (const e of page.data) state.entries.push(e);
    } else {
      state.entries = page.data;
      if (page.epoch !== state.epoch) state.full.clear(); // ids may be reused after a reset
    }
    const extra = state.entries.length - Math.max(page.max_entries, 0);
    if (extra > 0) state.entries.splice(0, extra);
    state.byId = new Map(state.entries.map((e) => [e.id, e]));
    state.epoch = page.epoch;
    if (!incremental) state.lastId = page.next_id - 1;
    else if (page.data.length) state.lastId = page.data[page.data.length - 1].id;
    state.maxEntries = page.max_entries;
    state.dropped = page.dropped;
    probe.polls += 1;
    if (!incremental || page.data.length) {
      state.scenariosStale = true;
      renderList();
      if (state.selected !== null && !state.byId.has(state.selected)) select(null);
    }
    if (state.view === "scenarios" && state.scenariosStale) await loadScenarios();
    if (!incremental) {
      if (state.selected === null && location.hash) select(Number(location.hash.slice(1)) || null);
      if (!probe.ready) probe.readyAtMs = performance.now(); // since navigation started
      probe.ready = true;
    }
  }

  function setLive(text, cls) {
    const live = $("#live");
    live.textContent = text;
    live.className = `live ${cls}`;
  }

  function report(error) {
    if (error instanceof AuthNeeded) setLive("API key needed", "off");
    else setLive(`offline: ${error.message}`, "off");
  }

  async function poll() {
    if (!state.paused && !state.needKey && !document.hidden) {
      try {
        await refresh(state.epoch === null);
        setLive("● live", "on");
      } catch (error) {
        report(error);
      }
    }
    global.setTimeout(poll, POLL_MS);
  }

  // --- the list -------------------------------------------------------------------------------

  function visible() {
    const outcome = $("#f-outcome").value;
    const scenario = $("#f-scenario").value;
    const text = $("#f-text").value.trim().toLowerCase();
    return state.entries.filter((e) => {
      if (outcome === "problems" ? e.outcome === "answered" : outcome && e.outcome !== outcome) return false;
      if (scenario === "(none)" ? e.scenario : scenario && e.scenario !== scenario) return false;
      if (!text) return true;
      const model = e.model;
      const err = e.error || {};
      const haystack = [model, e.scenario, e.rule, e.path, e.outcome, err.message, err.code, err.param].join(" ").toLowerCase();
      return haystack.includes(text);
    });
  }

  function clock(iso) {
    const d = new Date(iso);
    const pad = (n, w) => String(n).padStart(w || 2, "0");
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }

  function cell(tr, cls, text) {
    const td = document.createElement("td");
    td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  // plain DOM calls, not h(): a full journal draws 1000 of these
  function row(e) {
    const model = e.model;
    const tr = document.createElement("tr");
    tr.dataset.id = String(e.id);
    tr.className = `o-${e.outcome}${e.id === state.selected ? " selected" : ""}`;
    cell(tr, "id", String(e.id));
    cell(tr, "time", clock(e.time));
    cell(tr, "dialect", global.Convo.dialectOf(e));
    cell(tr, "model", typeof model === "string" ? model : "—");
    cell(tr, "status", String(e.status));
    cell(tr, "outcome", "").appendChild(badge(e.outcome));
    cell(tr, "rule", ruleText(e) || problemText(e));
    cell(tr, "num", e.duration_ms.toFixed(1));
    return tr;
  }

  function problemText(e) {
    const err = e.error;
    if (!err) return "";
    if (err.code) return err.code;
    return err.param ? `param ${err.param}` : err.type || "";
  }

  function renderList() {
    const started = performance.now();
    const rows = visible();
    const body = document.createDocumentFragment();
    for (let i = rows.length - 1; i >= 0; i--) body.append(row(rows[i])); // newest first
    $("#requests tbody").replaceChildren(body);
    $("#empty").hidden = state.entries.length > 0;
    const problems = state.entries.filter((e) => e.outcome !== "answered").length;
    $("#counts").textContent = `${state.entries.length} request(s) · ${problems} problem(s)` +
      (state.dropped ? ` · ${state.dropped} older dropped` : "") + (rows.length !== state.entries.length ? ` · ${rows.length} shown` : "");
    scenarioOptions();
    probe.listRenderMs = performance.now() - started;
  }

  function scenarioOptions() {
    const select = $("#f-scenario");
    const names = new Set(state.scenarios.map((s) => s.name));
    for (const e of state.entries) if (e.scenario) names.add(e.scenario);
    const wanted = ["", ...[...names].sort(), "(none)"];
    const have = [...select.options].map((o) => o.value);
    if (wanted.join("\n") === have.join("\n")) return;
    const current = select.value;
    select.replaceChildren(...wanted.map((n) => h("option", { value: n }, n === "" ? "all" : n === "(none)" ? "(no rule answered)" : n)));
    select.value = wanted.includes(current) ? current : "";
  }

  function select(id) {
    state.selected = id;
    for (const tr of document.querySelectorAll("#requests tbody tr")) tr.classList.toggle("selected", Number(tr.dataset.id) === id);
    const detail = $("#detail");
    if (id === null || !state.byId.has(id)) {
      detail.replaceChildren(h("p", { class: "muted hint" }, id === null ? "Select a request to see its conversation." : `Request #${id} is not in the journal.`));
      return;
    }
    if (location.hash !== `#${id}`) history.replaceState(null, "", `#${id}`);
    const cached = state.full.get(id);
    if (cached) {
      show(cached);
      return;
    }
    detail.replaceChildren(h("p", { class: "muted hint" }, `Loading request #${id}…`));
    api(`journal/${id}`).then((r) => r.json()).then((entry) => {
      state.full.set(id, entry);
      if (state.full.size > FULL_KEPT) state.full.delete(state.full.keys().next().value);
      if (state.selected === id) show(entry);
    }).catch((error) => {
      if (state.selected === id) detail.replaceChildren(h("p", { class: "bad hint" }, `Request #${id}: ${error.message}`));
      report(error);
    });
  }

  function show(entry) {
    const started = performance.now();
    global.Detail.render($("#detail"), entry, location.origin);
    probe.detailRenderMs = performance.now() - started;
  }

  $("#requests tbody").addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-id]");
    if (tr) select(Number(tr.dataset.id));
  });
  for (const id of ["#f-outcome", "#f-scenario", "#f-text"]) for (const kind of ["input", "change"]) $(id).addEventListener(kind, renderList);
  global.addEventListener("hashchange", () => select(Number(location.hash.slice(1)) || null));

  // --- scenarios --------------------------------------------------------------------------------

  async function loadScenarios() {
    state.scenarios = (await (await api("scenarios")).json()).data;
    state.scenariosStale = false;
    renderScenarios();
    scenarioOptions();
  }

  function renderScenarios() {
    let rules = 0;
    let unused = 0;
    const cards = state.scenarios.map((s) => {
      const rows = s.rules.map((r) => {
        rules += 1;
        if (!r.hits) unused += 1;
        return h("tr", { class: r.hits ? "used" : "unused", dataset: { rule: r.name } },
          h("td", { class: "rule-name" }, r.name), h("td", { class: "muted" }, `${s.file}:${r.line}`),
          h("td", { class: "num" }, String(r.priority)), h("td", { class: "num hits" }, String(r.hits ?? 0)),
          h("td", {}, r.hits ? "" : h("span", { class: "badge o-unused" }, "never used")));
      });
      return h("div", { class: "scenario", dataset: { name: s.name } },
        h("h3", {}, s.name, h("span", { class: "muted small" }, ` ${s.origin} · ${s.file}`)),
        s.description ? h("p", { class: "muted" }, s.description) : null,
        h("table", { class: "rules" }, h("thead", {}, h("tr", {}, h("th", {}, "rule"), h("th", {}, "where"), h("th", { class: "num" }, "priority"),
          h("th", { class: "num" }, "hits"), h("th", {}, ""))), h("tbody", {}, rows)));
    });
    $("#scenarios").replaceChildren(...cards);
    $("#scenarios-summary").textContent = `${state.scenarios.length} scenario(s), ${rules} rule(s), ${unused} never used — ` +
      `hits counted over the ${state.entries.length} request(s) the journal holds` + (state.dropped ? ` (${state.dropped} older dropped)` : "") + ".";
  }

  for (const button of document.querySelectorAll("#views button")) {
    button.addEventListener("click", () => {
      state.view = button.dataset.view;
      for (const b of document.querySelectorAll("#views button")) b.classList.toggle("on", b === button);
      $("#requests-view").hidden = state.view !== "requests";
      $("#scenarios-view").hidden = state.view !== "scenarios";
      if (state.view === "scenarios") loadScenarios().catch(report);
    });
  }

  // --- buttons ----------------------------------------------------------------------------------

  $("#pause").addEventListener("click", () => {
    state.paused = !state.paused;
    $("#pause").textContent = state.paused ? "Resume" : "Pause";
    if (state.paused) setLive("paused", "off");
  });

  $("#clear").addEventListener("click", async () => {
    if (!global.confirm("Delete every journal entry? (DELETE /_mock/journal)")) return;
    await api("journal", { method: "DELETE" }).then(() => refresh(true)).catch(report);
  });

  $("#reset").addEventListener("click", async () => {
    if (!global.confirm("Reset the server: start-up scenarios, seed and profile, journal emptied? (POST /_mock/reset)")) return;
    await api("reset", { method: "POST" }).then(() => refresh(true)).then(loadScenarios).catch(report);
  });

  $("#download-har").addEventListener("click", async () => {
    try {
      const blob = await (await api("journal.har")).blob();
      const link = h("a", { href: URL.createObjectURL(blob), download: "mockserver-journal.har" });
      document.body.append(link);
      link.click();
      link.remove();
      global.setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (error) {
      report(error);
    }
  });

  document.addEventListener("visibilitychange", () => { if (!document.hidden && !state.paused) refresh(false).catch(report); });
  poll();
})(window);
