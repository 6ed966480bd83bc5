// Vercel AI SDK: generateText (plain) or streamText (streamed) with tools and a step limit, the
// history from response.messages. Provider by argv[2]: "openai" (@ai-sdk/openai, .chat() for the
// chat dialect), "compatible" (@ai-sdk/openai-compatible) or "google" (@ai-sdk/google, Gemini's
// generateContent at /v1beta). The forced case forces the first step
// chat dialect), "compatible" (@ai-sdk/openai-compatible) or "bedrock" (@ai-sdk/amazon-bedrock:
// Converse / ConverseStream at baseURL, signed with dummy SigV4 credentials). The forced case forces the first step
// only (prepareStep).
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { createAmazonBedrock } from "@ai-sdk/amazon-bedrock";
import { callTool, done, readSpec } from "./tools.mjs";

const spec = readSpec();
const provider = process.argv[2];
const MODEL = "gpt-4o-mini";

function model() {
  if (provider === "google") {
    const root = spec.base_url.replace(/\/v1$/, "");
    return createGoogleGenerativeAI({ baseURL: `${root}/v1beta`, apiKey: spec.api_key })(MODEL);
  }
  if (provider === "bedrock") {
    const baseURL = spec.base_url.replace(/\/v1$/, "");
    return createAmazonBedrock({ baseURL, region: "us-east-1", accessKeyId: "mockserver", secretAccessKey: "mockserver" })(MODEL);
  }
  if (provider === "compatible") {
    return createOpenAICompatible({ name: "mockserver", baseURL: spec.base_url, apiKey: spec.api_key })(MODEL);
  }
  const openai = createOpenAI({ baseURL: spec.base_url, apiKey: spec.api_key });
  return spec.dialect === "chat" ? openai.chat(MODEL) : openai(MODEL);
}

const tools = Object.fromEntries(spec.tools.map((fn) => [fn.name, tool({
  description: fn.description,
  inputSchema: jsonSchema(fn.parameters),
  ...(fn.strict ? { strict: true } : {}),
  execute: async (args) => callTool(fn.name, args),
})]));

async function run() {
  const messages = [];
  const answers = [];
  for (const text of spec.turns) {
    messages.push({ role: "user", content: text });
    const options = {
      model: model(), system: spec.system, messages, tools, maxRetries: 0, stopWhen: stepCountIs(8),
      prepareStep: ({ stepNumber }) => (spec.forced && stepNumber === 0 ? { toolChoice: { type: "tool", toolName: spec.forced } } : {}),
    };
    if (spec.stream) {
      const result = streamText({ ...options, onError: ({ error }) => { throw error; } });
      answers.push(await result.text);
      messages.push(...(await result.response).messages);
    } else {
      const result = await generateText(options);
      answers.push(result.text);
      messages.push(...result.response.messages);
    }
  }
  return answers;
}

done(await run());
