// openai-node: the hand-written agent loop, resending the SDK's own objects as history.
// chat: chat.completions.create (plain) or the chat.completions.stream helper (streamed);
// responses: responses.create or the responses.stream helper, output items fed back as input.
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

async function respond(items, first) {
  const body = {
    model: "gpt-4o-mini", instructions: spec.system, input: items,
    tools: spec.tools.map((fn) => ({ type: "function", name: fn.name, description: fn.description, parameters: fn.parameters, strict: !!fn.strict })),
  };
  if (spec.forced && first) body.tool_choice = { type: "function", name: spec.forced };
  if (!spec.stream) return client.responses.create(body);
  const stream = client.responses.stream(body);
  return stream.finalResponse();
}

async function responses() {
  const items = [];
  const answers = [];
  for (const text of spec.turns) {
    items.push({ role: "user", content: text });
    let first = true;
    for (;;) {
      const response = await respond(items, first);
      first = false;
      items.push(...response.output);
      const calls = response.output.filter((item) => item.type === "function_call");
      if (!calls.length) {
        answers.push(response.output_text);
        break;
      }
      for (const call of calls) {
        items.push({ type: "function_call_output", call_id: call.call_id, output: callTool(call.name, JSON.parse(call.arguments)) });
      }
    }
  }
  return answers;
}

const RUN = { chat, responses };
done(await RUN[spec.dialect]());
