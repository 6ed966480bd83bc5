"""Grouping recorded exchanges into conversations, by their common prefix.

A request continues a conversation when its messages (less its own instructions, which the
Responses API never carries over) start with what an earlier request of that
conversation sent plus the answer it got (turn 2 after turn 1), or with an earlier request's
messages themselves (a retry, or another branch). Messages are compared by role, text and tool
calls — never by ids — so a replay that sends back its own call ids still lands in the same place.

Each conversation keeps one :class:`Step` per distinct point (turn, last message, tools): the
answer recorded there and the upstream errors that came before it. A step seen again with the
same answer changes nothing; with another answer the first one is kept (and logged).

Memory is bounded in bytes (``budget``): when it is exceeded the oldest conversations are
forgotten (their files stay on disk; a later turn of one of them starts a new file).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field

from mockserver.record.exchange import Answer, Exchange, Failure, Message, prefix_hashes

log = logging.getLogger("mockserver.record")
DEFAULT_BUDGET = 64 * 1024 * 1024


@dataclass
class Step:
    turn: int  # assistant messages before this request (the engine's ``turn``)
    last: Message
    tools: tuple[str, ...]
    model: str
    dialect: str
    streamed: bool
    forced: bool
    answer: Answer | None = None
    failures: list[Failure] = field(default_factory=list)

    def key(self) -> tuple[int, bytes, tuple[str, ...]]:
        return (self.turn, self.last.key(), self.tools)


@dataclass
class Conversation:
    id: str  # digest of the first recorded request's messages: stable across recordings
    first_user: str | None  # the text of the first user message, if there is one
    steps: list[Step] = field(default_factory=list)
    profile: str | None = None
    prefixes: list[bytes] = field(default_factory=list)  # the registered prefix digests
    size: int = 0

    @property
    def models(self) -> list[str]:
        return list(dict.fromkeys(s.model for s in self.steps if s.model))


class Conversations:
    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._by_prefix: dict[bytes, str] = {}
        self._conversations: OrderedDict[str, Conversation] = OrderedDict()
        self._stored: OrderedDict[str, tuple[list[Message], int]] = OrderedDict()  # answer id → conversation
        self._size = 0

    def __len__(self) -> int:
        return len(self._conversations)

    def messages_of(self, exchange: Exchange) -> list[Message]:
        """The whole conversation of a request: a continued stored answer's, then its own."""
        request = exchange.request
        if request.continues and request.continues in self._stored:
            before, _ = self._stored[request.continues]
            own = request.instructions
            return request.messages[:own] + before + request.messages[own:]
        return list(request.messages)

    def add(self, exchange: Exchange) -> Conversation | None:
        """File the exchange; the conversation it changed, or None when nothing changed."""
        messages = self.messages_of(exchange)
        if not messages:
            return None
        own = exchange.request.instructions if len(messages) > exchange.request.instructions else 0
        history = messages[own:]  # a request's own instructions are not part of what continues
        hashes = prefix_hashes(history)
        conv = None
        for digest in reversed(hashes):
            found = self._by_prefix.get(digest)
            if found is not None:
                conv = self._conversations[found]
                break
        if conv is None:
            users = [m.text for m in messages if m.role == "user"]
            conv = Conversation(hashes[-1].hex(), users[0] if users else None)
            self._conversations[conv.id] = conv
        self._conversations.move_to_end(conv.id)
        changed = self._file(conv, exchange, messages)
        answer = exchange.answer
        self._register(conv, hashes[-1])
        if answer is not None:
            whole = history + [answer.as_message()]
            self._register(conv, prefix_hashes(whole)[-1])
            if exchange.answer_id:
                cost = sum(len(m.key()) for m in whole)
                self._stored[exchange.answer_id] = (whole, cost)
                self._size += cost
        if exchange.profile and not conv.profile:
            conv.profile = exchange.profile
            changed = True
        self._evict(keep=conv.id)
        return conv if changed else None

    def _file(self, conv: Conversation, exchange: Exchange, messages: list[Message]) -> bool:
        request = exchange.request
        step = Step(
            turn=sum(1 for m in messages if m.role == "assistant"),
            last=messages[-1],
            tools=tuple(request.tools),
            model=request.model,
            dialect=request.dialect,
            streamed=request.streamed,
            forced=request.forced,
        )
        existing = next((s for s in conv.steps if s.key() == step.key()), None)
        if existing is None:
            existing = step
            conv.steps.append(step)
            cost = len(step.last.key()) + 256
            conv.size += cost
            self._size += cost
        if exchange.answer is not None:
            if existing.answer is None:
                existing.answer = exchange.answer
                existing.streamed, existing.forced = step.streamed, step.forced
                return True
            if not existing.answer.same(exchange.answer):
                log.warning("recorded another answer at turn %d of conversation %s; keeping the first one",
                            step.turn, conv.id[:8])
            return existing is step
        if exchange.failure is not None and existing.answer is None:
            existing.failures.append(exchange.failure)
            return True
        return existing is step

    def _register(self, conv: Conversation, digest: bytes) -> None:
        if self._by_prefix.get(digest) != conv.id:
            self._by_prefix[digest] = conv.id
            conv.prefixes.append(digest)
            conv.size += 64
            self._size += 64

    def _evict(self, keep: str) -> None:
        while self._size > self.budget and self._stored:
            _, (_, cost) = self._stored.popitem(last=False)
            self._size -= cost
        while self._size > self.budget and len(self._conversations) > 1:
            oldest = next(iter(self._conversations))
            if oldest == keep:
                break
            conv = self._conversations.pop(oldest)
            for digest in conv.prefixes:
                if self._by_prefix.get(digest) == conv.id:
                    del self._by_prefix[digest]
            self._size -= conv.size
            log.info("forgot recorded conversation %s (memory budget); its file stays", conv.id[:8])
