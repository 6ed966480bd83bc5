// ollama-js: the hand-written agent loop over Ollama's native /api/chat, resending the client's
// own message objects as history and answering each call with a tool message naming the tool.
// Plain: chat({stream: false}); streamed: chat({stream: true}), the pieces added up.
import { Ollama } from "ollama";
import { callTool, done, readSpec } from "./tools.mjs";

const spec = readSpec();
const client = new Ollama({ host: spec.base_url.replace(/\/v1\/?$/, "") });
const tools = spec.tools.map((fn) => ({ type: "function", function: { name: fn.name, description: fn.description, parameters: fn.parameters } }));

async function ask(messages) {
  const body = { model: "gpt-4o-mini", messages, tools };
  if (!spec.stream) return (await client.chat({ ...body, stream: false })).message;
  const message = { role: "assistant", content: "", tool_calls: [] };
  let last = null;
  for await (const part of await client.chat({ ...body, stream: true })) {
    message.content += part.message.content ?? "";
    message.tool_calls.push(...(part.message.tool_calls ?? []));
    last = part;
  }
  if (!last?.done) throw new Error("the stream ended without its done object");
  if (!message.tool_calls.length) delete message.tool_calls;
  return message;
}

const messages = [{ role: "system", content: spec.system }];
const answers = [];
for (const text of spec.turns) {
  messages.push({ role: "user", content: text });
  for (;;) {
    const message = await ask(messages);
    messages.push(message);
    if (!message.tool_calls?.length) {
      answers.push(message.content);
      break;
    }
    for (const call of message.tool_calls) {
      messages.push({ role: "tool", tool_name: call.function.name, content: callTool(call.function.name, call.function.arguments) });
    }
  }
}
done(answers);
