"""YAML reading that remembers line numbers, so load errors can say ``file:line``.

Uses a subclass of PyYAML's SafeLoader: only plain data types are ever constructed. Aliases
are budgeted: PyYAML shares an aliased node instead of copying it, but everything that walks the
data afterwards (the format check, compilation, ``plain``) sees the expanded tree, so nine
nested aliases of ten ("billion laughs", 600 bytes) would walk 10^9 nodes. A document's aliases
may add at most ``ALIAS_NODES`` nodes to it; a recursive alias is refused outright. Both are
load errors at the alias's line. JSON scenarios go through the same loader.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

import yaml


class LineDict(dict):
    """A mapping that knows the line of each of its keys (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):
    line: int = 0
    item_lines: list[int]


ALIAS_NODES = 100_000  # nodes that aliases may add to one document once expanded
MAX_NESTING = 100  # levels of mappings and sequences (the loader and the checks recurse)


class _LineLoader(yaml.SafeLoader):
    def compose_document(self) -> Any:
        self._sizes: dict[int, int] = {}  # id(node) -> nodes in its expanded subtree
        self._alias_nodes = 0
        self._depth = 0
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self._depth >= MAX_NESTING:
            raise yaml.composer.ComposerError(
                None, None, f"the data is nested more than {MAX_NESTING} levels deep", self.peek_event().start_mark
            )
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None:  # (an undefined alias is PyYAML's own error)
                size = self._sizes.get(id(target))
                if size is None:
                    raise yaml.composer.ComposerError(
                        None, None, f"alias *{event.anchor} refers to a node that contains it (recursive aliases are refused)",
                        event.start_mark,
                    )
                self._alias_nodes += size
                if self._alias_nodes > ALIAS_NODES:
                    raise yaml.composer.ComposerError(
                        None, None,
                        f"alias *{event.anchor} expands to {size} nodes, and this document's aliases would add more "
                        f"than {ALIAS_NODES} nodes in all (refused: a nested-alias expansion such as 'billion laughs' "
                        "would freeze the server; repeat the data or use fewer levels of aliases)",
                        event.start_mark,
                    )
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            size = 1 + sum(self._sizes[id(k)] + self._sizes[id(v)] for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._sizes[id(child)] for child in node.value)
        else:
            size = 1
        self._sizes[id(node)] = size
        return node


try:
    from yaml import _yaml as _libyaml  # PyYAML's binding of LibYAML, when it was built with it
except ImportError:  # pragma: no cover - a PyYAML wheel without LibYAML: the pure-Python parser
    _libyaml = None


class _FastLineLoader(_LineLoader):
    """The same loader over LibYAML's scanner and parser (C): about 3x faster on big files. The
    events are the same, so the composing above (line numbers, alias budget, nesting limit) and
    the safe construction are unchanged; the text is still checked for unprintable characters
    by PyYAML's own reader first, with its message; a file with an error is read again by PyYAML's
    parser, whose messages are the documented ones."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._events = _libyaml.CParser(stream)

    def check_event(self, *choices: Any) -> bool:
        return self._events.check_event(*choices)

    def peek_event(self) -> Any:
        return self._events.peek_event()

    def get_event(self) -> Any:
        return self._events.get_event()

    def dispose(self) -> None:
        self._events.dispose()
        super().dispose()  # PyYAML's parser state holds a bound method: a cycle kept alive otherwise


def _mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "found an unhashable key", key_node.start_mark
            ) from None
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _string(loader: _LineLoader, node: yaml.ScalarNode) -> str:
    """YAML (and JSON) escapes like "\\ud83d\\ude00" give surrogate pairs: join them into the
    character they stand for; a lone surrogate cannot be sent as UTF-8 and is a load error."""
    value = loader.construct_scalar(node)
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        try:
            value = value.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise yaml.constructor.ConstructorError(
                None, None, "found a lone UTF-16 surrogate escape (\\ud800-\\udfff) that is not a character", node.start_mark
            ) from None
    return value


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:str", _string)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


_TAG_RE = re.compile(r"(?:^|[\s\[{,:])!", re.MULTILINE)  # where a tag can begin: a line's start, a space, a flow indicator, ':'


def load_documents(text: str) -> Iterator[Any]:
    """Each YAML document in ``text`` (safe types only), with line numbers attached."""
    # LibYAML accepts tabs as separators and reads a bare '!' tag and a BOM differently from
    # PyYAML's parser: such texts keep PyYAML's reading ('!' within a word, as in prose, is no tag)
    if _libyaml is not None and "\t" not in text and "\ufeff" not in text and not _TAG_RE.search(text):
        try:
            return iter(list(yaml.load_all(text, Loader=_FastLineLoader)))  # noqa: S506 - a SafeLoader
        except yaml.YAMLError:
            pass  # LibYAML words its errors differently: PyYAML's parser says what is wrong, as documented
    return yaml.load_all(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a SafeLoader


def line_of(root: Any, path: tuple[Any, ...] | list[Any]) -> int | None:
    """The line of the deepest node on ``path`` that carries one."""
    node, line = root, getattr(root, "line", None)
    for part in path:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


def plain(value: Any) -> Any:
    """The same data as built-in dicts and lists (for serialising or caching)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
