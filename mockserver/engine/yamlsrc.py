"""YAML reading that remembers line numbers, so load errors can say ``file:line``.

Uses a subclass of PyYAML's SafeLoader: only plain data types are ever constructed.
"""

from __future__ import annotations

from typing import Any, Iterator

import yaml


class LineDict(dict):
    """A mapping that knows the line of each of its keys (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):
    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    pass


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


def load_documents(text: str) -> Iterator[Any]:
    """Each YAML document in ``text`` (safe types only), with line numbers attached."""
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
