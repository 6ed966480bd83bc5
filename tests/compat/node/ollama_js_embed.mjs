// ollama-js's embed (/api/embed) and embeddings (/api/embeddings) in a retrieval step: documents
// and a query embedded, the passage nearest the query found. Reads {host} on stdin and prints
// {"answers": [best passage index, vector sizes…, max |embed - embeddings| of the query]}.
import { readFileSync } from "node:fs";
import { Ollama } from "ollama";

const { host } = JSON.parse(readFileSync(0, "utf8"));
const client = new Ollama({ host });
const docs = ["The refund policy allows returns within 30 days.", "Shipping to Norway takes five days.",
  "Our office is closed on public holidays."];
const query = "How many days do I have to return an item under the refund policy?";
const dot = (a, b) => a.reduce((sum, x, k) => sum + x * b[k], 0);

const found = await client.embed({ model: "nomic-embed-text", input: docs });
const asked = (await client.embed({ model: "nomic-embed-text", input: query })).embeddings[0];
const scores = found.embeddings.map((v) => dot(v, asked));
const best = scores.indexOf(Math.max(...scores));
const older = (await client.embeddings({ model: "nomic-embed-text", prompt: query })).embedding;
const gap = Math.max(...older.map((x, k) => Math.abs(x - asked[k])));
const short = (await client.embed({ model: "nomic-embed-text", input: query, dimensions: 256 })).embeddings[0];
console.log(JSON.stringify({ answers: [best, ...found.embeddings.map((v) => v.length), short.length, gap < 1e-6] }));
