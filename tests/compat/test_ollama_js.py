"""ollama-js (``node/ollama_js.mjs``): its ``chat`` in a hand-written tool loop, driven through node;
``embed`` and ``embeddings`` in a retrieval step (``node/ollama_js_embed.mjs``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from stacks import STACKS

NODE_DIR = Path(__file__).parent / "node"

STACK = STACKS["ollama_js"]


def test_ollama_js(exchange, dialect, case, stream) -> None:
    exchange.check(exchange.node("ollama_js.mjs"))


def test_ollama_js_embed_retrieves(mockserver) -> None:
    """ollama-js's ``embed`` and ``embeddings`` in a retrieval step (``node/ollama_js_embed.mjs``)."""
    node = shutil.which("node")
    assert node is not None, "node is not installed: the node stacks need node >= 20"
    done = subprocess.run([node, str(NODE_DIR / "ollama_js_embed.mjs")], input=json.dumps({"host": mockserver.url}),
                          capture_output=True, text=True, timeout=90, cwd=NODE_DIR)
    assert done.returncode == 0, done.stderr[-4000:]
    answers = json.loads(done.stdout.strip().splitlines()[-1])["answers"]
    assert answers == [0, 768, 768, 768, 256, True], answers  # the refund passage; sizes; embed and embeddings agree
