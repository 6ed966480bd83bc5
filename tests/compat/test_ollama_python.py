"""ollama-python over Ollama's native API: ``Client.chat`` in a hand-written tool loop, the
client's own response message resent as the assistant's turn and each call answered by a
``tool`` message naming the tool (``tool_name``, as Ollama's docs show); plain with
``stream=False``, streamed with ``stream=True`` (the pieces added up); ``Client.embed`` and
``Client.embeddings`` in a retrieval step."""

from __future__ import annotations

from typing import Any

import ollama

from cases import SCHEMAS, SYSTEM, TOOLS, call_tool
from check import MODEL
from stacks import STACKS

STACK = STACKS["ollama_python"]


def ollama_tool(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "description": TOOLS[name].__doc__, "parameters": SCHEMAS[name]}}


def _ask(client: ollama.Client, exchange: Any, messages: list[Any]) -> Any:
    kwargs: dict[str, Any] = {"model": MODEL, "messages": messages, "tools": [ollama_tool(t) for t in exchange.case.tools]}
    if not exchange.stream:
        return client.chat(stream=False, **kwargs).message
    parts = list(client.chat(stream=True, **kwargs))
    assert parts[-1].done, "the stream ended without its done object"
    message = parts[-1].message
    message.content = "".join(p.message.content or "" for p in parts)
    message.tool_calls = [c for p in parts for c in p.message.tool_calls or []] or None
    return message


def run_ollama(exchange: Any) -> list[str]:
    client = ollama.Client(host=exchange.url)
    messages: list[Any] = [{"role": "system", "content": SYSTEM}]
    answers = []
    for text in exchange.case.turns:
        messages.append({"role": "user", "content": text})
        while True:
            message = _ask(client, exchange, messages)
            messages.append(message)  # the client's own Message
            if not message.tool_calls:
                answers.append(message.content)
                break
            messages += [{"role": "tool", "tool_name": c.function.name, "content": call_tool(c.function.name, dict(c.function.arguments))}
                         for c in message.tool_calls]
    return answers


RUN = {"ollama": run_ollama}


def test_ollama_python(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))


DOCS = ["The refund policy allows returns within 30 days.", "Shipping to Norway takes five days.",
        "Our office is closed on public holidays."]
QUERY = "How many days do I have to return an item under the refund policy?"


def _cosine(a: Any, b: Any) -> float:
    return sum(x * y for x, y in zip(a, b))  # unit vectors, as /api/embed answers them


def test_ollama_embed_retrieves(mockserver) -> None:
    """The retrieval step of an agent over Ollama: ``Client.embed`` for documents and a query
    (``/api/embed``), ``Client.embeddings`` (the older ``/api/embeddings``) for the query."""
    client = ollama.Client(host=mockserver.url)
    docs = client.embed(model="nomic-embed-text", input=DOCS)
    assert [len(v) for v in docs.embeddings] == [768] * len(DOCS) and docs.prompt_eval_count > 0
    query = client.embed(model="nomic-embed-text", input=QUERY).embeddings[0]
    scores = [_cosine(query, v) for v in docs.embeddings]
    assert max(range(len(DOCS)), key=scores.__getitem__) == 0, scores  # the passage sharing the query's words
    assert client.embed(model="nomic-embed-text", input=DOCS).embeddings == docs.embeddings  # deterministic
    older = client.embeddings(model="nomic-embed-text", prompt=QUERY).embedding
    assert max(abs(x - y) for x, y in zip(older, query)) < 1e-6
    assert len(client.embed(model="nomic-embed-text", input=QUERY, dimensions=256).embeddings[0]) == 256
