"""Loading a corpus folder: the manifest `documents.yaml`, its articles, and `glossary.yaml` if present.

Everything is checked before anything is used, and each problem is a CorpusError that names the file and
the line, so an operator adding an article sees exactly what to fix.

Each article is known by a digest of its file's bytes. Cleaning is cheap per article but not for thousands,
so a caller holding articles cleaned before (the saved index does) passes them in and only new or changed
files are cleaned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .addresses import is_web_address
from .text.cleaning import CleanArticle, clean_article
from .errors import CorpusError
from .text.glossary import Glossary, load_glossary
from .text import LANGUAGES
from .yamlfile import LineDict, decode, load_list, read_bytes

MANIFEST = "documents.yaml"
GLOSSARY = "glossary.yaml"
FIELDS = ("id", "file", "title", "publisher", "date", "language", "url")
REQUIRED = ("id", "file", "language")
_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Document:
    """One article: its metadata and its cleaned paragraphs (numbered from 1 in citations)."""

    id: str
    title: str
    publisher: str
    date: str
    language: str
    url: str
    paragraphs: tuple[str, ...]
    path: Path | None = None
    digest: str = ""  # of the article file's bytes
    article: CleanArticle | None = None  # what cleaning the file gave, header and trailer included

    @property
    def display_title(self) -> str:
        """The title, or when the article states none, its opening words: quoted, not invented."""
        if self.title:
            return self.title
        words = self.paragraphs[0].split() if self.paragraphs else []
        return " ".join(words[:8]) + ("…" if len(words) > 8 else "")


@dataclass(frozen=True)
class Corpus:
    root: Path | None
    documents: tuple[Document, ...]
    glossary_file: Path | None = None

    @cached_property
    def glossary(self) -> Glossary:
        """Read only when the analyser is built: a saved index carries the glossary compiled."""
        return load_glossary(self.glossary_file) if self.glossary_file else Glossary.empty()

    @property
    def digests(self) -> tuple[str, ...]:
        return tuple(doc.digest for doc in self.documents)


def digest(data: bytes) -> str:
    """What an article file is known by: its bytes' hash."""
    return hashlib.sha256(data).hexdigest()


def _text_field(path: Path, entry: LineDict, name: str) -> str:
    value = entry.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CorpusError(path, f"'{name}' must be text, not {type(value).__name__}", entry.line_of(name))
    value = value.strip()
    if name == "date" and value and not _is_date(value):
        raise CorpusError(path, f"'date' must be a real ISO date like 2025-07-07, not {value!r}",
                          entry.line_of(name))
    if name == "url" and value and not is_web_address(value):
        raise CorpusError(path, f"'url' must be an http:// or https:// address, not {value[:40]!r}",
                          entry.line_of(name))
    return value


def _is_date(value: str) -> bool:
    try:
        return bool(_DATE_RE.fullmatch(value)) and bool(dt.date.fromisoformat(value))
    except ValueError:
        return False


def inside(root: Path, name: str, resolved: dict[str, str] | None = None) -> Path | None:
    """The file `name` (relative to the corpus folder `root`) when it really is inside the folder, else None.

    The one check between the corpus and the file system: an absolute path, '..', or a symlink that points
    out of the folder is refused, so nothing outside the corpus is ever read (or, by `add`, written).
    `resolved` remembers folders already resolved (thousands of articles share one), so a plain file costs
    one `lstat`.
    """
    resolved = {} if resolved is None else resolved
    try:
        if not name or os.path.isabs(name):
            return None
        folder, base = os.path.split(os.path.join(root, name))
        if folder not in resolved:
            resolved[folder] = os.path.realpath(folder)
        if "" not in resolved:
            resolved[""] = os.path.realpath(root)
        path = os.path.join(resolved[folder], base)
        if base in ("", ".", "..") or os.path.islink(path):
            path = os.path.realpath(path)
        inner = os.path.commonpath([path, resolved[""]]) == resolved[""]
        return Path(path) if inner else None
    except (OSError, ValueError):  # a NUL in the name
        return None


def _document(manifest: Path, entry: object, seen: dict[str, int], cleaned: Mapping[str, CleanArticle],
              resolved: dict[str, str]) -> Document:
    if not isinstance(entry, LineDict):
        raise CorpusError(manifest, "each entry must be a mapping of id, file, title, …",
                          getattr(entry, "line", None))
    unknown = sorted(set(map(str, entry)) - set(FIELDS))
    if unknown:
        raise CorpusError(manifest, f"unknown field {unknown[0]!r} (allowed: {', '.join(FIELDS)})",
                          entry.line_of(unknown[0]))
    for name in REQUIRED:
        if not entry.get(name):
            raise CorpusError(manifest, f"entry is missing '{name}'", entry.line)
    fields = {name: _text_field(manifest, entry, name) for name in FIELDS}
    doc_id = fields["id"]
    if not _ID_RE.fullmatch(doc_id):
        raise CorpusError(manifest, f"id {doc_id!r} must be lowercase letters, digits and '-'", entry.line_of("id"))
    if doc_id in seen:
        raise CorpusError(manifest, f"duplicate id {doc_id!r} (first on line {seen[doc_id]})", entry.line_of("id"))
    seen[doc_id] = entry.line_of("id")
    if fields["language"] not in LANGUAGES:
        raise CorpusError(manifest, f"language must be one of {', '.join(LANGUAGES)}, not {fields['language']!r}",
                          entry.line_of("language"))
    article_path = inside(manifest.parent, fields["file"], resolved)
    if article_path is None:
        raise CorpusError(manifest, f"file {fields['file']!r} is outside the corpus folder", entry.line_of("file"))
    if not article_path.is_file():
        raise CorpusError(manifest, f"file {fields['file']!r} not found (looked for {article_path})",
                          entry.line_of("file"))
    data = read_bytes(article_path)
    known = digest(data)
    article = cleaned.get(known) or clean_article(decode(article_path, data))
    if not article.paragraphs:
        raise CorpusError(article_path, "article has no text")
    if fields["date"] and article.date and fields["date"] != article.date:
        raise CorpusError(manifest, f"date {fields['date']} disagrees with the article's header "
                                    f"'date {article.date}'", entry.line_of("date"))
    return Document(
        id=doc_id,
        title=fields["title"],
        publisher=fields["publisher"] or article.source,
        date=fields["date"] or article.date,
        language=fields["language"],
        url=fields["url"],
        paragraphs=article.paragraphs,
        path=article_path,
        digest=known,
        article=article,
    )


def load_corpus(root: Path | str, cleaned: Mapping[str, CleanArticle] | None = None) -> Corpus:
    """Load and check the corpus folder `root`; raises CorpusError naming the file and line of any problem.

    `cleaned` maps digests to articles cleaned before: those files are read and hashed, not cleaned again."""
    root = Path(root)
    manifest = root / MANIFEST
    if not manifest.is_file():
        raise CorpusError(manifest, "manifest not found (a corpus folder needs documents.yaml)")
    seen: dict[str, int] = {}
    cleaned, resolved = cleaned or {}, {}
    documents = tuple(_document(manifest, entry, seen, cleaned, resolved) for entry in load_list(manifest))
    if not documents:
        raise CorpusError(manifest, "manifest lists no documents")
    return Corpus(root, documents, glossary_file(root))


def glossary_file(root: Path) -> Path | None:
    """The corpus folder's glossary file, or None when it has none; a CorpusError when it links outside."""
    glossary = root / GLOSSARY
    if glossary.exists() and inside(root, GLOSSARY) is None:
        raise CorpusError(glossary, "links outside the corpus folder")
    return glossary if glossary.exists() else None
