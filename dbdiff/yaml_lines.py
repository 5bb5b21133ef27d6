"""YAML that remembers where things are: every mapping and list knows its line, and each key's.

The check file's errors name the line ("dbdiff.yaml line 12: ..."); PyYAML's plain loader forgets
it. Safe loading only (a SafeLoader: YAML never builds objects), and stricter than YAML: a key
given twice, or a key that is not text, is an error instead of a silent overwrite.
"""

from __future__ import annotations

from typing import Any

import yaml


class Located(Exception):
    """A problem at a line of the file (None: the file as a whole)."""

    def __init__(self, line: int | None, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.line, self.message, self.hint = line, message, hint


class YamlMap(dict[Any, Any]):
    """A YAML mapping that knows its line and each key's line."""

    line: int = 0
    lines: dict[Any, int]


class YamlList(list[Any]):
    """A YAML list that knows its line and each item's line."""

    line: int = 0
    lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> YamlMap:
    own = {id(key) for key, _ in node.value}  # a merge key (`<<: *defaults`) brings the others
    loader.flatten_mapping(node)
    data = YamlMap()
    data.line, data.lines = node.start_mark.line + 1, {}
    merged: set[str] = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise Located(line, f"the key {key!r} is not a name (quote it)")
        if key in data and key not in merged:
            raise Located(line, f"the key {key!r} is given twice (first at line {data.lines[key]})")
        # Merged pairs come first, in PyYAML's order: the later wins, and the mapping's own last.
        if id(key_node) in own:
            merged.discard(key)
        else:
            merged.add(key)
        data[key] = loader.construct_object(value_node, deep=True)
        data.lines[key] = line
    return data


def _construct_list(loader: _Loader, node: yaml.SequenceNode) -> YamlList:
    data = YamlList(loader.construct_object(item, deep=True) for item in node.value)
    data.line, data.lines = node.start_mark.line + 1, [item.start_mark.line + 1 for item in node.value]
    return data


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_list)


def load(text: str) -> Any:
    """The document in `text`; `yaml.MarkedYAMLError` (with its line) or `Located` when it is bad."""
    return yaml.load(text, Loader=_Loader)  # a SafeLoader: YAML never builds objects


def line_of(data: Any, key: Any = None) -> int | None:
    """The line of `data[key]` (of `data` itself when `key` is None), when known."""
    if key is not None and isinstance(data, YamlMap):
        return data.lines.get(key, data.line)
    return getattr(data, "line", None)
