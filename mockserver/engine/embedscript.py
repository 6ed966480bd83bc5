"""Scenario-scripted embeddings: the ``embeddings:`` list of a scenario file.

Each entry names an input (``text``, exact; optionally only for one ``model``) and says either
its ``vector`` (sent as given; cut and renormalised to a smaller ``dimensions``, zero-padded to
a larger one) or how close it is to another input: ``like: <text>`` with ``similarity: s`` (the
cosine of the two vectors is exactly ``s``, whatever the size asked). Inputs no entry names get
the deterministic vectors of ``mockserver.wire.embeddings``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from mockserver.wire import embeddings as vectors

MAX_DEPTH = 8  # a chain of 'like' entries followed at most this deep (a cycle is refused at load)


@dataclass(frozen=True)
class ScriptedEmbedding:
    text: str
    model: str | None = None
    vector: tuple[float, ...] | None = None
    like: str | None = None
    similarity: float = 1.0
    where: str = ""  # "file: embeddings[i]", for messages


class EmbeddingScript:
    """Every scripted input of a scenario set, by text (first entry of a text wins per model)."""

    def __init__(self, entries: Sequence[ScriptedEmbedding] = ()) -> None:
        self.by_text: dict[str, list[ScriptedEmbedding]] = {}
        for entry in entries:
            self.by_text.setdefault(entry.text, []).append(entry)

    def __bool__(self) -> bool:
        return bool(self.by_text)

    def problems(self) -> list[str]:
        """'like' entries that name no input of the script, or that come back to themselves."""
        found = []
        for entries in self.by_text.values():
            for entry in entries:
                seen = {entry.text}
                current = entry
                while current is not None and current.like is not None:
                    if current.like in seen:
                        found.append(f"{entry.where}: 'like' goes round in a circle ({' → '.join([*seen, current.like])})")
                        break
                    seen.add(current.like)
                    current = self._entry(current.like, entry.model)
        return found

    def vector(self, model: str, item: str | Sequence[int], seed: int, size: int, native: int) -> list[float] | None:
        """The scripted vector of ``item`` at ``size``, or None when no entry names it."""
        if not isinstance(item, str) or not self.by_text:
            return None
        return self._vector(model, item, seed, size, native, 0)

    def _entry(self, text: str, model: str | None) -> ScriptedEmbedding | None:
        entries = self.by_text.get(text)
        if not entries:
            return None
        for entry in entries:
            if entry.model is not None and entry.model == model:
                return entry
        return next((e for e in entries if e.model is None), None)

    def _vector(self, model: str, text: str, seed: int, size: int, native: int, depth: int) -> list[float] | None:
        entry = self._entry(text, model)
        if entry is None:
            return None
        if entry.vector is not None:
            return fit(entry.vector, size)
        own = vectors.vector(text, seed, size, native)
        if entry.like is None or depth >= MAX_DEPTH:
            return own
        anchor = self._vector(model, entry.like, seed, size, native, depth + 1) or vectors.vector(entry.like, seed, size, native)
        return toward(anchor, own, entry.similarity)


def fit(values: Sequence[float], size: int) -> list[float]:
    """``values`` at ``size``: cut and renormalised, or zero-padded (a scripted vector is sent as
    written when the request asks for its own size)."""
    if len(values) == size:
        return list(values)
    if len(values) < size:
        return list(values) + [0.0] * (size - len(values))
    cut = list(values[:size])
    norm = math.sqrt(math.fsum(v * v for v in cut)) or 1.0
    return [v / norm for v in cut]


def toward(anchor: Sequence[float], own: Sequence[float], similarity: float) -> list[float]:
    """A unit vector whose cosine with ``anchor`` is ``similarity``: the anchor's direction,
    plus the part of ``own`` orthogonal to it."""
    a = _unit(anchor)
    dot = sum(x * y for x, y in zip(own, a))
    ortho = _unit([x - dot * y for x, y in zip(own, a)])
    rest = math.sqrt(max(0.0, 1.0 - similarity * similarity))
    return [similarity * x + rest * y for x, y in zip(a, ortho)]


def _unit(values: Sequence[float]) -> list[float]:
    norm = math.sqrt(math.fsum(v * v for v in values)) or 1.0
    return [v / norm for v in values]
