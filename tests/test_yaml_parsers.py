"""Scenario YAML is scanned by LibYAML (C) when PyYAML has it, with PyYAML's own composer on top:
the data, the line numbers and the alias budget are the same as with PyYAML's pure-Python
parser, and a file with an error is read again by that parser, whose messages are documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mockserver.engine import yamlsrc
from mockserver.engine.loader import bundled_scenarios_dir, load_text

pytestmark = pytest.mark.skipif(yamlsrc._libyaml is None, reason="this PyYAML was built without LibYAML")

TRICKY = """# comment
version: 2
name: "quoted \\u00e9 \\U0001F600"
models: [a, 'b', "c"]
anchors:
  base: &base {content: hi, n: 3, f: 1.5, t: true, z: null, d: 2024-01-02}
rules:
  - name: one
    when: {last_message: {role: user, regex: '(?i)what (?P<x>\\w+)'}}
    reply: *base
  - name: two
    reply:
      content: |
        line one
          indented
      other: >-
        folded
        text
"""


def _both(text: str) -> tuple[list, list]:
    fast = list(yaml.load_all(text, Loader=yamlsrc._FastLineLoader))  # noqa: S506 - a SafeLoader
    pure = list(yaml.load_all(text, Loader=yamlsrc._LineLoader))  # noqa: S506 - a SafeLoader
    return fast, pure


def _lines(node: object) -> object:
    """The data with every line number the loader attached."""
    if isinstance(node, yamlsrc.LineDict):
        return {"line": node.line, "keys": dict(node.key_lines), "items": {k: _lines(v) for k, v in node.items()}}
    if isinstance(node, yamlsrc.LineList):
        return {"line": node.line, "items": list(node.item_lines), "values": [_lines(v) for v in node]}
    return node


@pytest.mark.parametrize("path", sorted(Path(bundled_scenarios_dir()).glob("*.yaml")), ids=lambda p: p.name)
def test_the_bundled_scenarios_read_the_same_with_both_parsers(path: Path) -> None:
    fast, pure = _both(path.read_text(encoding="utf-8"))
    assert [_lines(d) for d in fast] == [_lines(d) for d in pure]


def test_anchors_escapes_block_scalars_and_dates_read_the_same_with_both_parsers() -> None:
    fast, pure = _both(TRICKY)
    assert [_lines(d) for d in fast] == [_lines(d) for d in pure]
    assert fast[0]["name"] == "quoted é 😀" and fast[0]["rules"][1]["reply"]["content"] == "line one\n  indented\n"


def test_what_libyaml_refuses_and_pyyaml_reads_is_read_by_pyyaml() -> None:
    """A JSON-style surrogate pair ("\\ud83d\\ude00", as JSON scenarios write emoji): LibYAML
    refuses it, PyYAML's parser reads it and the loader joins the pair."""
    text = 'version: 1\nname: "smile \\ud83d\\ude00"\nrules: [{reply: {content: x}}]\n'
    with pytest.raises(yaml.YAMLError):
        list(yaml.load_all(text, Loader=yamlsrc._FastLineLoader))  # noqa: S506 - a SafeLoader
    assert [d["name"] for d in yamlsrc.load_documents(text)] == ["smile 😀"]


def test_a_broken_file_gets_pyyamls_message_not_libyamls() -> None:
    broken = "version: 1\nname: a\nrules: [{reply: {content: x}}\n"
    with pytest.raises(yaml.YAMLError) as libyaml:
        list(yaml.load_all(broken, Loader=yamlsrc._FastLineLoader))  # noqa: S506 - a SafeLoader
    _, problems = load_text(broken, "s.yaml")
    assert "did not find expected" in str(libyaml.value)  # LibYAML's words…
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [(4, "invalid YAML: expected ',' or ']', but got '<stream end>'")]


@pytest.mark.parametrize("text, parser", [
    ("version: 1\nname: a\nrules: [{reply: {content: 'Hello! Sunny!'}}]\n", "libyaml"),  # '!' in prose is no tag
    ("version: 1\nname: a\nrules: [{reply: {content: Great!}}]\n", "libyaml"),
    ("version: 1\nname: a\nrules: [{reply: {content: ! }}]\n", "pyyaml"),  # a bare tag: LibYAML reads '', PyYAML None
    ("version: 1\nname: a\nrules: [{reply: {content: x}}, !!map {reply: {content: y}}]\n", "pyyaml"),
    ('version: 1\nname: a\nrules: [{"reply": {"content":! }}]\n', "pyyaml"),  # after ':' in flow context a tag begins too
    ("version: 1\nname: a\nrules:\n- reply: {content: x}  #\ta tab\n", "pyyaml"),  # a tab
    ("\ufeffversion: 1\nname: a\nrules: [{reply: {content: x}}]\n", "pyyaml"),  # a BOM
])
def test_texts_libyaml_could_read_differently_go_to_pyyamls_parser(text: str, parser: str, monkeypatch) -> None:
    used: list[str] = []
    fast_init = yamlsrc._FastLineLoader.__init__

    def spy(self, stream):  # type: ignore[no-untyped-def]
        used.append("libyaml")
        fast_init(self, stream)

    monkeypatch.setattr(yamlsrc._FastLineLoader, "__init__", spy)
    pure = list(yaml.load_all(text, Loader=yamlsrc._LineLoader))  # noqa: S506 - a SafeLoader
    assert list(yamlsrc.load_documents(text)) == pure
    assert (used == ["libyaml"]) == (parser == "libyaml")


def test_a_bare_tag_reads_as_pyyaml_reads_it() -> None:
    text = "a: !\n"
    assert list(yaml.load_all(text, Loader=yamlsrc._FastLineLoader)) == [{"a": ""}]  # noqa: S506 - why it is routed
    assert list(yamlsrc.load_documents(text)) == [{"a": None}]
