"""docs/scenarios.md stays in step with the format: every key of the schema, every filter, template
variable and validate check is documented; every YAML example loads and validates without errors;
every filter example renders to what the page says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.engine.loader import format_schema, load_text
from mockserver.engine.render import ENV, FILTERS, Template
from mockserver.lint import template_variables
from mockserver.lint.checks import check_document
from mockserver.lint.report import CHECKS

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "scenarios.md"
DOC = DOC_PATH.read_text(encoding="utf-8")
SCHEMA = format_schema()
DEFS = SCHEMA["$defs"]
BLOCK_RE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def section(heading: str) -> str:
    """The text under a heading line, up to the next heading of the same or a higher level."""
    lines = DOC.splitlines()
    assert heading in lines, f"docs/scenarios.md has no heading {heading!r}"
    start = lines.index(heading)
    level = len(heading) - len(heading.lstrip("#"))
    body = []
    for line in lines[start + 1:]:
        match = re.match(r"^(#+) ", line)
        if match and len(match.group(1)) <= level:
            break
        body.append(line)
    return "\n".join(body)


def table_keys(text: str) -> set[str]:
    return set(re.findall(r"^\| `([^`]+)` \|", text, re.MULTILINE))


def props(schema: dict[str, Any]) -> set[str]:
    return set(schema.get("properties", {}))


def test_top_level_and_rule_keys_are_in_their_tables():
    assert props(SCHEMA) <= table_keys(section("## Top-level keys"))
    assert props(DEFS["rule"]) <= table_keys(section("## Rules"))


@pytest.mark.parametrize("key", sorted(props(DEFS["when"])))
def test_every_matcher_has_a_section_with_an_example(key):
    text = section(f"### `{key}`")
    assert "```yaml" in text


def test_matcher_sub_keys_are_documented():
    text_keys = props(DEFS["text"]["oneOf"][1])
    assert text_keys <= table_keys(section("## Matchers (`when`)"))
    assert "`role`" in section("### `last_message`") and props(DEFS["message"]) - {"role"} <= text_keys
    when = DEFS["when"]["properties"]
    tool_result = section("### `tool_result`")
    assert all(f"`{k}`" in tool_result for k in props(when["tool_result"]) - text_keys)
    assert all(f"`{k}`" in section("### `turn`") for k in props(when["turn"]["oneOf"][1]))
    assert all(f"`{k}`" in section("### `tool_choice`") for k in when["tool_choice"]["oneOf"][0]["enum"])


@pytest.mark.parametrize("key", sorted(props(DEFS["reply"])))
def test_every_reply_field_has_a_section_with_an_example(key):
    assert "```yaml" in section(f"### `{key}`")


@pytest.mark.parametrize("key", sorted(props(DEFS["tool_call"])))
def test_every_tool_call_field_has_a_section_with_an_example(key):
    assert "```yaml" in section(f"#### `{key}`")


def test_finish_reasons_are_listed():
    text = section("### `finish_reason`")
    assert all(f"`{r}`" in text for r in DEFS["reply"]["properties"]["finish_reason"]["enum"])


def test_every_template_variable_is_in_the_table():
    variables = template_variables() - set(ENV.globals)
    assert variables == table_keys(section("### Variables"))
    assert all(f"`{name}`" in section("### Variables") for name in ("max", "min", "abs", "len", "round"))


@pytest.mark.parametrize("name", FILTERS)
def test_every_filter_has_a_section_and_a_rendered_example(name):
    text = section(f"#### `{name}`")
    examples = [line for block in BLOCK_RE.findall(text) if block[0] == "jinja" for line in block[1].splitlines()]
    assert any(f"| {name}" in line for line in examples), f"no example uses | {name}"


def jinja_examples() -> list[tuple[str, str]]:
    pairs = []
    for lang, body in BLOCK_RE.findall(DOC):
        if lang == "jinja":
            for line in body.splitlines():
                template, expected = line.rsplit(" → ", 1)
                pairs.append((template.strip(), expected.strip()))
    return pairs


@pytest.mark.parametrize("template,expected", jinja_examples())
def test_filter_examples_render_as_documented(template, expected):
    assert Template(template).render({}) == expected


def as_scenario(data: dict[str, Any]) -> dict[str, Any]:
    """A YAML example as a whole scenario: full documents as they are, fragments wrapped."""
    if "version" in data:
        return data
    if "rules" in data:
        return {"version": 1, "name": "doc-example", **data}
    rule = dict(data)
    rule.setdefault("reply", {"content": "x"})
    return {"version": 1, "name": "doc-example", "rules": [rule]}


def yaml_examples() -> list[str]:
    return [body for lang, body in BLOCK_RE.findall(DOC) if lang == "yaml"]


@pytest.mark.parametrize("example", yaml_examples(), ids=lambda e: e.splitlines()[0][:40])
def test_yaml_examples_load_and_validate(example):
    scenario = as_scenario(yaml.safe_load(example))
    text = yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False)
    _, problems = load_text(text, "example.yaml")
    assert [str(p) for p in problems] == []
    findings = check_document(scenario, "example.yaml")
    assert [str(f) for f in findings] == []


def test_every_validate_check_is_documented():
    assert table_keys(section("## What validate checks")) == set(CHECKS)


def test_faults_section_documents_every_fault_kind():
    text = section("## Faults")
    for kind in DEFS["reply"]["properties"]["fault"]["properties"]["stream"]["properties"]["kind"]["enum"]:
        assert f"`kind: {kind}`" in text
