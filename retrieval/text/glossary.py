"""The bilingual glossary: Russian and English names of one thing mapped to one shared term.

A glossary file (`glossary.yaml` beside the manifest) is a list of entries such as

    - en: [MAZ, Minsk Automobile Plant]
      ru: [МАЗ, Минский автомобильный завод]

Every variant is analysed like any other text, so inflected forms in passages and questions meet it.
A one-word variant replaces the word's own term; a phrase adds the shared term beside its words' terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError
from . import LANGUAGES
from ..yamlfile import LineDict, load_list



@dataclass(frozen=True)
class GlossaryEntry:
    """One concept: its names per language, and where it was written."""

    line: int
    names: dict[str, tuple[str, ...]]

    @property
    def concept(self) -> str:
        """The shared term: '=' and the first name, lower case, spaces as '_'."""
        first = next(name for lang in LANGUAGES for name in self.names.get(lang, ()))
        return "=" + "_".join(first.casefold().split())


@dataclass(frozen=True)
class Glossary:
    path: Path | None
    entries: tuple[GlossaryEntry, ...]

    @classmethod
    def empty(cls) -> "Glossary":
        return cls(None, ())


def load_glossary(path: Path) -> Glossary:
    """Read and check a glossary file; errors name the file and the line."""
    entries = []
    for item in load_list(path):
        line = item.line if isinstance(item, LineDict) else None
        if not isinstance(item, dict):
            raise CorpusError(path, "each entry must be a mapping with 'en' and/or 'ru' lists", line)
        unknown = sorted(set(map(str, item)) - set(LANGUAGES))
        if unknown:
            raise CorpusError(path, f"unknown field {unknown[0]!r} (allowed: en, ru)", item.line_of(unknown[0]))
        names = {}
        for lang in LANGUAGES:
            value = item.get(lang, [])
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise CorpusError(path, f"'{lang}' must be a list of non-empty names", item.line_of(lang))
            names[lang] = tuple(v.strip() for v in value)
        if not any(names.values()):
            raise CorpusError(path, "entry has no names", line)
        entries.append(GlossaryEntry(line, names))
    return Glossary(path, tuple(entries))
