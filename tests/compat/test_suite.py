"""The suite's own parts: the node tools agree with the Python ones, every stack has its test
module and its row in README's "Tested with" table, every case its scenario."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cases import CASES, call_tool
from mockserver.engine.loader import load_paths
from stacks import DIALECTS, MCP_STACKS, STACKS

HERE = Path(__file__).parent
README = HERE.parent.parent / "README.md"
SAMPLE_CALLS = [
    ["get_weather", {"city": "Oslo"}], ["get_weather", {"city": "São Paulo"}], ["get_weather", {"city": "東京"}],
    ["find_customer", {"email": "ada@example.com"}], ["list_orders", {"customer_id": "C-4711"}],
    ["get_time", {"timezone": "Europe/Oslo"}],
    ["create_event", {"title": "Launch \"party\" ✓", "start": {"date": "2030-01-02", "time": "18:00"},
                      "attendees": [{"name": "Ada", "email": "ada@example.com"}, {"name": "Bo", "email": "b@x.io"}]}],
]


def test_node_tools_return_what_the_python_tools_return() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (the node stacks need it)")
    done = subprocess.run([node, str(HERE / "node" / "tools.mjs")], input=json.dumps(SAMPLE_CALLS),
                          capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == [call_tool(name, args) for name, args in SAMPLE_CALLS]


def test_every_case_has_a_scenario_that_loads() -> None:
    loaded = load_paths([HERE / "scenarios"]).scenarios
    assert sorted(p.stem for p in (HERE / "scenarios").glob("*.yaml")) == sorted(CASES)
    assert len(loaded) == len(CASES)


def test_every_stack_has_its_test_module_and_only_known_dialects() -> None:
    for key, stack in STACKS.items():
        module = HERE / f"test_{key}.py"
        assert module.is_file(), f"stack {key!r} has no {module.name}"
        assert f'STACKS["{key}"]' in module.read_text(encoding="utf-8")
        assert set(stack.dialects) <= set(DIALECTS), key
        assert set(stack.cases) | set(stack.left_out) == set(CASES), f"{key}: a case neither run nor explained"


def _tested_with_rows() -> dict[str, str]:
    """README's tested-with rows by their first cell."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- tested-with:start.*?-->\n(.*?)<!-- tested-with:end -->", text, re.S)
    assert block, "README.md has no tested-with block (python scripts/tested-with.py --write)"
    return {line.split(" | ")[0].lstrip("| "): line for line in block.group(1).splitlines() if line.startswith("| ")}


def test_readme_tested_with_table_lists_every_stack() -> None:
    rows = _tested_with_rows()
    for stack in STACKS.values():
        row = rows.get(stack.title)
        assert row is not None, f"README's tested-with table has no row for {stack.title}"
        for package in stack.packages:
            assert re.search(rf"{re.escape(package)} \d+\.\d+", row), f"{stack.title}: no version of {package} in {row}"
        for dialect in stack.dialects:
            assert dialect in row.split(" | ")[2], f"{stack.title}: dialect {dialect} not in {row}"


def test_readme_tested_with_table_lists_every_mcp_client() -> None:
    rows = _tested_with_rows()
    for stack in MCP_STACKS.values():
        row = rows.get(stack.title)
        assert row is not None, f"README's tested-with table has no row for {stack.title}"
        for package in stack.packages:
            assert re.search(rf"{re.escape(package)} \d+\.\d+", row), f"{stack.title}: no version of {package} in {row}"
        if stack.suite == "compat":
            module = HERE / f"test_mcp_{stack.key}.py"
            assert module.is_file() and f'MCP_STACKS["{stack.key}"]' in module.read_text(encoding="utf-8")
