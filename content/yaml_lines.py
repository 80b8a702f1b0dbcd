"""Parse YAML and map a field path back to the source line it came from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

__all__ = ["YamlDoc", "parse_yaml"]


class YamlDoc:
    """A parsed YAML document that remembers where each key and item stands."""

    def __init__(self, data: Any, node: yaml.Node | None, first_line: int) -> None:
        self.data = data
        self._node = node
        self._first_line = first_line

    def line_of(self, loc: Sequence[str | int]) -> int:
        """The 1-based file line of the deepest node along `loc` that exists."""
        node = self._node
        line = node.start_mark.line if node is not None else 0
        for step in loc:
            child = _child(node, step)
            if child is None:
                break
            node, line = child
        return self._first_line + line


def _child(node: yaml.Node | None, step: str | int) -> tuple[yaml.Node, int] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == step:
                return value, key.start_mark.line
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and \
            0 <= step < len(node.value):
        item = node.value[step]
        return item, item.start_mark.line
    return None


def parse_yaml(text: str, first_line: int) -> YamlDoc:
    """Parse `text` whose first line is file line `first_line` (1-based).

    Raises `yaml.YAMLError`; its `problem_mark` is relative to `text`.
    """
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    data = yaml.safe_load(text)
    return YamlDoc(data, node, first_line)
