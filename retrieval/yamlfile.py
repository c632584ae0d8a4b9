"""Reading the corpus YAML files so that every error can name its line.

PyYAML forgets positions once it has built Python objects; this loader keeps the line of every mapping and
of each of its keys, and refuses duplicate keys (which PyYAML would otherwise resolve silently). It never
builds dates: `2025-02-30` would fail inside PyYAML with no line, and `2025-07-07 10:00:00` would pass as a
datetime; as text, each field's own check reports them with their line. libyaml's C parser is used where
PyYAML has it (several times faster on a large manifest); marks and lines are the same.
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


_TIMESTAMP = "tag:yaml.org,2002:timestamp"
MAX_DEPTH = 100  # the corpus files need 3 levels


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_object(self, node, deep=False):
        """Any value PyYAML cannot build (an explicit `!!timestamp 2025-02-30`, an empty `!!timestamp`) is
        an error at its line, not a traceback."""
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception as error:  # noqa: BLE001 - PyYAML's constructors raise many kinds on odd values
            raise yaml.constructor.ConstructorError(None, None, f"cannot read this value ({error})",
                                                    node.start_mark) from None


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    key_lines = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "a key must be a plain value, not a list or "
                                                    "mapping", key_node.start_mark) from None
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


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before building anything: libyaml's parser is a flat state
    machine, but composing nests in C, and 50,000 levels of `[` crash the process instead of raising."""
    depth = 0
    for event in yaml.parse(text, Loader=_LineLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels",
                                                  event.start_mark)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def load_yaml(path: Path):
    """A YAML file's data (mappings as LineDict); any problem is a CorpusError with the file and line."""
    text = read_text(path)
    try:
        _check_depth(text)
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise CorpusError(path, f"invalid YAML: {problem}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise CorpusError(path, f"invalid YAML: {error}") from None
    except RecursionError:
        raise CorpusError(path, "invalid YAML: nested too deeply") from None


def load_list(path: Path) -> list:
    """A YAML file whose top level must be a list (empty file → empty list)."""
    data = load_yaml(path)
    if data is None:
        return []
    if not isinstance(data, list):
        raise CorpusError(path, "expected a list of entries at the top level", 1)
    return data
