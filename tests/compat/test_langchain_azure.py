"""LangChain against the mock as Azure OpenAI and as an embeddings provider: ``AzureChatOpenAI``
(``azure_endpoint`` = the mock, the deployment naming the model, ``api_version``, the key sent as
``api-key``) in test_langchain.py's tool loop; ``OpenAIEmbeddings`` and ``AzureOpenAIEmbeddings``
embedding documents and a query (the retrieval step of an agent)."""

from __future__ import annotations

import math
from typing import Any

from langchain_openai import AzureChatOpenAI, AzureOpenAIEmbeddings, OpenAIEmbeddings

from check import MODEL
from stacks import STACKS
from test_langchain import run_chat

STACK = STACKS["langchain_azure"]
API_VERSION = "2024-10-21"
DOCS = ["The refund policy allows returns within 30 days.", "Shipping to Norway takes five days.",
        "Our office is closed on public holidays."]
QUERY = "How many days do I have to return an item under the refund policy?"


def azure_model(exchange: Any) -> Any:
    return AzureChatOpenAI(azure_endpoint=exchange.url, azure_deployment=MODEL, api_version=API_VERSION,
                           api_key=exchange.api_key, max_retries=0, streaming=exchange.stream)


RUN = {"chat": lambda exchange: run_chat(exchange, azure_model)}


def test_langchain_azure(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.run(RUN))


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def _retrieves(embedder: Any) -> list[list[float]]:
    vectors = embedder.embed_documents(DOCS)
    query = embedder.embed_query(QUERY)
    assert embedder.embed_documents(DOCS) == vectors  # deterministic
    scores = [_cosine(query, v) for v in vectors]
    assert max(range(len(DOCS)), key=scores.__getitem__) == 0, scores  # the passage sharing the query's words
    return vectors


def test_openai_embeddings(mockserver) -> None:
    embedder = OpenAIEmbeddings(model="text-embedding-3-small", base_url=mockserver.base_url, api_key=mockserver.api_key,
                                max_retries=0, check_embedding_ctx_length=False)
    assert [len(v) for v in _retrieves(embedder)] == [1536] * len(DOCS)
    short = OpenAIEmbeddings(model="text-embedding-3-large", dimensions=256, base_url=mockserver.base_url,
                             api_key=mockserver.api_key, max_retries=0, check_embedding_ctx_length=False)
    assert len(short.embed_query(QUERY)) == 256


def test_azure_openai_embeddings(mockserver) -> None:
    embedder = AzureOpenAIEmbeddings(azure_endpoint=mockserver.url, azure_deployment="embed-prod", api_version=API_VERSION,
                                     api_key=mockserver.api_key, max_retries=0, check_embedding_ctx_length=False)
    assert [len(v) for v in _retrieves(embedder)] == [1536] * len(DOCS)
