// openai-node: the hand-written agent loop, chat.completions.create (plain) or the
// chat.completions.stream helper (streamed), resending the SDK's own message objects.
import OpenAI from "openai";
import { callTool, done, readSpec } from "./tools.mjs";

const spec = readSpec();
const client = new OpenAI({ baseURL: spec.base_url, apiKey: spec.api_key, maxRetries: 0 });
const tools = spec.tools.map((fn) => ({ type: "function", function: fn }));

async function ask(messages, first) {
  const body = { model: "gpt-4o-mini", messages, tools };
  if (spec.forced && first) body.tool_choice = { type: "function", function: { name: spec.forced } };
  if (!spec.stream) return (await client.chat.completions.create(body)).choices[0].message;
  const stream = client.chat.completions.stream(body);
  return (await stream.finalChatCompletion()).choices[0].message;
}

async function chat() {
  const messages = [{ role: "system", content: spec.system }];
  const answers = [];
  for (const text of spec.turns) {
    messages.push({ role: "user", content: text });
    let first = true;
    for (;;) {
      const message = await ask(messages, first);
      first = false;
      messages.push(message);
      if (!message.tool_calls?.length) {
        answers.push(message.content);
        break;
      }
      for (const call of message.tool_calls) {
        messages.push({ role: "tool", tool_call_id: call.id, content: callTool(call.function.name, JSON.parse(call.function.arguments)) });
      }
    }
  }
  return answers;
}

const RUN = { chat };
done(await RUN[spec.dialect]());
