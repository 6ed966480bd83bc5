"""A CI-sized run of the benchmark, so it cannot rot: it runs and reports every case.

Marked ``bench`` (half a minute of load on both cores): the default ``python -m pytest`` leaves it
out, ``python -m pytest -m bench`` runs it, and ``.ci/run`` runs both."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.bench


def test_benchmark_smoke():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--smoke"], capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert {"scale", "dialects", "history", "big_schema", "startup"} <= set(report)
    assert report["dialects"]["responses_us"] > 0 and report["dialects"]["chat_us"] > 0 and report["dialects"]["gemini_us"] > 0
    assert report["scale"]["rules_10_us"] > 0 and report["history"]["messages"] == 1000
    assert report["history"]["tool_calls"] == 300
    if shutil.which("wrk"):
        assert report["throughput"]["mockserver"]["rps"] > 0 and report["throughput"]["reference"]["rps"] > 0
        assert report["streaming"]["stream_rps"] > 0
    else:
        assert "wrk not found" in out.stderr
