"""Reading the corpus YAML files so that every error can name its line.

PyYAML forgets positions once it has built Python objects; this loader keeps the line of every mapping and
of each of its keys, and refuses duplicate keys (which PyYAML would otherwise resolve silently). It never
builds dates: `2025-02-30` would fail inside PyYAML with no line, and `2025-07-07 10:00:00` would pass as a
datetime; as text, each field's own check reports them with their line. libyaml's C parser is used where
PyYAML has it, and the data is built from its events (`_build`), which keeps a manifest of thousands of
entries cheap to read at every start.
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


def read_text(path: Path) -> str:
    """A UTF-8 file's text; a missing or undecodable file is a CorpusError naming the line of the bad byte."""
    return decode(path, read_bytes(path))


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CorpusError(path, "file not found") from None
    except OSError as error:
        raise CorpusError(path, f"cannot read: {error.strerror}") from None


def decode(path: Path, data: bytes) -> str:
    """`data` (read from `path`) as UTF-8 text, or a CorpusError naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise CorpusError(path, f"not valid UTF-8 (byte {data[error.start]:#04x} at offset {error.start})",
                          line) from None


def _error(message: str, mark) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, message, mark)


class _Open:
    """A list or mapping being filled while the events stream by; a mapping alternates key and value."""

    __slots__ = ("value", "key", "has_key")

    def __init__(self, value):
        self.value, self.key, self.has_key = value, None, False


def _build(text: str):
    """The document of `text`, built straight from libyaml's events.

    Events rather than PyYAML's composer and constructor: those build a node tree and then walk it in Python,
    several times slower on a manifest of thousands of entries, and composing nests in C, where 50,000
    levels of `[` crash the process instead of raising. Here nesting deeper than MAX_DEPTH is refused at
    its line, and anchors and aliases, which these files never need, are refused (no alias bombs).
    """
    loader = _LineLoader(text)
    try:
        stack: list[_Open] = []
        root, documents = None, 0
        while True:
            event = loader.get_event()
            if isinstance(event, yaml.StreamEndEvent):
                return root
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _error("expected one document, found another", event.start_mark)
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                continue
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _error("anchors and aliases (& and *) are not supported", event.start_mark)
            if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                finished = stack.pop().value  # already placed in its parent when it started
                root = finished if not stack else root
                continue
            if isinstance(event, yaml.ScalarEvent):
                value, opened = _scalar(loader, event), None
            else:
                if event.tag not in (None, "!", yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                                     yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG):
                    raise _error(f"the tag {event.tag} is not supported", event.start_mark)
                if len(stack) == MAX_DEPTH:
                    raise _error(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
                if isinstance(event, yaml.SequenceStartEvent):
                    value = []
                else:
                    value = LineDict()
                    value.line, value.key_lines = event.start_mark.line + 1, {}
                opened = _Open(value)
            if stack:
                _place(stack[-1], value, event.start_mark)
            else:
                root = value
            if opened:
                stack.append(opened)
    finally:
        loader.dispose()


def _scalar(loader: _LineLoader, event: yaml.ScalarEvent):
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == "tag:yaml.org,2002:str":
        return event.value
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    return loader.construct_object(node)


def _place(top: _Open, value, mark) -> None:
    """Put `value` into the innermost open container: appended to a list, or a mapping's key or value."""
    if isinstance(top.value, list):
        top.value.append(value)
    elif not top.has_key:
        try:
            hash(value)
        except TypeError:
            raise _error("a key must be a plain value, not a list or mapping", mark) from None
        if value in top.value.key_lines:
            raise _error(f"duplicate key {value!r} (first on line {top.value.key_lines[value]})", mark)
        top.value.key_lines[value] = mark.line + 1
        top.key, top.has_key = value, True
    else:
        top.value[top.key] = value
        top.has_key = False


def load_yaml(path: Path):
    """A YAML file's data (mappings as LineDict); any problem is a CorpusError with the file and line."""
    text = read_text(path)
    try:
        return _build(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise CorpusError(path, f"invalid YAML: {problem}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as error:
        raise CorpusError(path, f"invalid YAML: {error}") from None


def load_list(path: Path) -> list:
    """A YAML file whose top level must be a list (empty file → empty list)."""
    data = load_yaml(path)
    if data is None:
        return []
    if not isinstance(data, list):
        raise CorpusError(path, "expected a list of entries at the top level", 1)
    return data
