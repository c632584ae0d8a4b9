"""Reading the corpus YAML files so that every error can name its line.

PyYAML forgets positions once it has built Python objects; this loader keeps the line of every mapping and
of each of its keys, and refuses duplicate keys (which PyYAML would otherwise resolve silently).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import CorpusError


class LineDict(dict):
    """A YAML mapping that remembers the line it starts on and the line of each key."""

    line: int
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    key_lines = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in key_lines:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {key_lines[key]})", key_node.start_mark)
        key_lines[key] = key_node.start_mark.line + 1
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = key_lines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_text(path: Path) -> str:
    """A UTF-8 file's text; a missing or undecodable file is a CorpusError naming the line of the bad byte."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(path, "file not found") from None
    except OSError as error:
        raise CorpusError(path, f"cannot read: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise CorpusError(path, f"not valid UTF-8 (byte {data[error.start]:#04x} at offset {error.start})",
                          line) from None


def load_list(path: Path) -> list:
    """A YAML file whose top level must be a list (empty file → empty list)."""
    text = read_text(path)
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise CorpusError(path, f"invalid YAML: {problem}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise CorpusError(path, f"invalid YAML: {error}") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise CorpusError(path, "expected a list of entries at the top level", 1)
    return data
