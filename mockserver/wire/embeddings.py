"""Deterministic embedding vectors: a function of the input (text or token ids), the seed and the
size — never of the clock or of other requests — so any dialect's embeddings endpoint (OpenAI's
``/v1/embeddings``, Azure's deployment route, Ollama's ``/api/embed``…) can share them.

How a vector is made: each word (or token id) of the input adds ±1 at a few positions chosen by
a keyed hash of the word (feature hashing), and the whole input adds a dense pseudo-random part;
both are normalised and mixed, and the result has unit length, as OpenAI's embeddings have. So
the same input always gives the same vector; inputs sharing words are close (cosine near their
word overlap), unrelated inputs nearly orthogonal — enough for a retrieval step to find the
passage that shares the question's words. Vectors are made at the model's own size and cut
(then renormalised) for a smaller ``dimensions``, as OpenAI's text-embedding-3 models shorten.
Values are float32, so ``encoding_format: float`` and ``base64`` carry the same numbers.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from array import array
from typing import Callable, Optional, Sequence, Union

#: output sizes of well-known embedding models (the providers' model pages); others: DEFAULT_SIZE
MODEL_SIZES = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
    "text-embedding-004": 768,
    "text-embedding-005": 768,
    "text-multilingual-embedding-002": 768,
    "gemini-embedding-001": 3072,
    "mistral-embed": 1024,
    "nomic-embed-text": 768,
    "mxbai-embed-large": 1024,
    "all-minilm": 384,
}
DEFAULT_SIZE = 1536
MAX_SIZE = 8192  # the largest vector the mock makes (bounds memory per input)
#: models that cannot shorten their vectors ("This model does not support specifying dimensions.")
FIXED_SIZE = frozenset({"text-embedding-ada-002"})

_WORD = re.compile(r"\w+", re.UNICODE)
_SPOTS = 4  # positions each word touches
_WORDS = 0.9  # weight of the words' part (the rest is the input's own dense part)


def model_size(model: str) -> int:
    """The native size of ``model`` (its last path segment, so ``openai/text-embedding-3-small``
    and ``models/text-embedding-004`` are known too)."""
    name = model.rsplit("/", 1)[-1].split(":", 1)[0]
    return MODEL_SIZES.get(name, DEFAULT_SIZE)


def vector(item: str | Sequence[int], seed: int, size: int, native: int | None = None) -> list[float]:
    """The unit vector of ``item`` (a text, or token ids): made at ``native`` size (default
    ``size``), cut to ``size`` and renormalised; float32 values."""
    full = max(native or size, size)
    if full > MAX_SIZE:
        raise ValueError(f"embedding size {full} is above mockserver's limit {MAX_SIZE}")
    key = hashlib.sha256(f"mockserver-embeddings:{seed}".encode()).digest()[:32]
    words = _words(item)
    text = item if isinstance(item, str) else ",".join(words)
    dense = _dense(key, text, full)
    sparse = _sparse(key, words, full)
    mixed = _mix(sparse, dense) if sparse is not None else dense
    return _unit(mixed[:size])


#: (model, input, seed, size, native size) → the vector a scenario scripts for that input, or None
Scripted = Callable[[str, Union[str, Sequence[int]], int, int, int], Optional[list]]


def scripted_or_made(scripted: Scripted | None, model: str, item: str | Sequence[int], seed: int, size: int,
                     native: int) -> list[float]:
    """The vector a scenario scripts for ``item`` (every embeddings route asks first), else :func:`vector`'s."""
    values = scripted(model, item, seed, size, native) if scripted is not None else None
    return values if values is not None else vector(item, seed, size, native)


def base64_of(values: Sequence[float]) -> str:
    """``encoding_format: base64``: the float32 values, little-endian, base64-encoded (what
    openai-python decodes with ``np.frombuffer(base64.b64decode(data), dtype="float32")``)."""
    packed = array("f", values)
    if packed.itemsize != 4:  # pragma: no cover - every supported platform has 4-byte floats
        raise RuntimeError("float32 is not 4 bytes here")
    if not _LITTLE:
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _words(item: str | Sequence[int]) -> list[str]:
    if isinstance(item, str):
        return [w.lower() for w in _WORD.findall(item)]
    return [str(token) for token in item]


def _dense(key: bytes, text: str, size: int) -> list[float]:
    raw = hashlib.shake_256(key + b"\0" + text.encode("utf-8", "surrogatepass")).digest(2 * size)
    values = array("h", raw)
    return [v / 32768.0 for v in values]


def _sparse(key: bytes, words: list[str], size: int) -> list[float] | None:
    if not words:
        return None
    out = [0.0] * size
    for word in words:
        digest = hashlib.blake2b(word.encode("utf-8", "surrogatepass"), key=key, digest_size=4 * _SPOTS).digest()
        for k in range(_SPOTS):
            spot = int.from_bytes(digest[4 * k : 4 * k + 4], "little")
            out[(spot >> 1) % size] += 1.0 if spot & 1 else -1.0
    return out


def _mix(sparse: list[float], dense: list[float]) -> list[float]:
    s = _norm(sparse) or 1.0
    d = _norm(dense) or 1.0
    rest = math.sqrt(1 - _WORDS * _WORDS)
    return [_WORDS * a / s + rest * b / d for a, b in zip(sparse, dense)]


def _unit(values: list[float]) -> list[float]:
    norm = _norm(values) or 1.0
    return array("f", [v / norm for v in values]).tolist()


def _norm(values: Sequence[float]) -> float:
    return math.sqrt(math.fsum(v * v for v in values))


_LITTLE = array("H", [1]).tobytes() == b"\x01\x00"
