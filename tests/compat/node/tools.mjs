// The suite's tools for the node stacks: the same functions as tests/compat/cases.py, returning
// the same JSON texts byte for byte (Python's json.dumps layout; test_cases.py checks).
import { readFileSync } from "node:fs";

function code(text, modulo) {
  let sum = 0;
  for (const ch of text) sum += ch.codePointAt(0);
  return sum % modulo;
}

// json.dumps with its default separators and ensure_ascii
export function pyDumps(value) {
  if (Array.isArray(value)) return "[" + value.map(pyDumps).join(", ") + "]";
  if (value !== null && typeof value === "object") {
    return "{" + Object.entries(value).map(([k, v]) => `${pyDumps(k)}: ${pyDumps(v)}`).join(", ") + "}";
  }
  if (typeof value === "string") {
    return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
  }
  return JSON.stringify(value);
}

const pad = (n) => String(n).padStart(2, "0");

export const TOOLS = {
  get_weather: ({ city }) => pyDumps({ city, temperature: code(city, 35) - 5 }),
  find_customer: ({ email }) => pyDumps({ customer_id: `C-${1000 + code(email, 9000)}` }),
  list_orders: ({ customer_id }) => {
    const total = code(customer_id, 7) + 1;
    return pyDumps({ customer_id, total, orders: Array.from({ length: total }, (_, k) => `${customer_id}-${k}`) });
  },
  get_time: ({ timezone }) => pyDumps({ timezone, time: `${pad(timezone.length % 24)}:${pad(code(timezone, 60))}` }),
  create_event: ({ title, start, attendees }) =>
    pyDumps({ event_id: `E-${code(title, 9000) + 1000}`, title, starts: `${start.date} ${start.time}`, attendees: attendees.length }),
};

export function callTool(name, args) {
  const tool = TOOLS[name];
  if (!tool) throw new Error(`no tool named ${name}`);
  return tool(args);
}

export function readSpec() {
  return JSON.parse(readFileSync(0, "utf8"));
}

export function done(answers) {
  process.stdout.write(JSON.stringify({ answers }) + "\n");
}

// `node tools.mjs` with [[name, args], ...] on stdin: the results (test_cases.py)
if (import.meta.url === `file://${process.argv[1]}`) {
  const calls = readSpec();
  process.stdout.write(JSON.stringify(calls.map(([name, args]) => callTool(name, args))) + "\n");
}
