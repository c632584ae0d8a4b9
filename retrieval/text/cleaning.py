"""Cleaning what scraping left in an article: header lines, page debris, a trailer, repeated paragraphs.

The seeds show each quirk: a `date 2025-07-07` header run into the first sentence, a price ticker
(`3.64 BYN`) left from the page, a `Source: sputnik.by` trailer, and one article pasted twice. The header
and trailer become metadata; debris and repeats are dropped; what remains is the article's paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Bump when cleaning changes what it keeps, so saved indexes holding articles cleaned before are rebuilt.
VERSION = 1
_DATE_HEADER_RE = re.compile(r"\A\s*date[ \t]+(?P<date>\d{4}-\d{2}-\d{2})\b[ \t]*")
# A price or rate ticker standing alone: "3.64 BYN", "USD 2.95".
_DEBRIS_RE = re.compile(r"\d+(?:[.,]\d+)?\s*[A-Z]{3}|[A-Z]{3}\s*\d+(?:[.,]\d+)?")
_SOURCE_RE = re.compile(r"(?i)source:\s*(?P<source>\S.*?)\s*")


@dataclass(frozen=True)
class CleanArticle:
    """An article's paragraphs and the metadata found in its text."""

    paragraphs: tuple[str, ...]
    date: str
    source: str


def _paragraph_key(paragraph: str) -> str:
    return " ".join(paragraph.casefold().split())


def clean_article(text: str) -> CleanArticle:
    """Split `text` into unique paragraphs (one per non-empty line) and pull out header and trailer."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    date = ""
    header = _DATE_HEADER_RE.match(text)
    if header:
        date = header.group("date")
        text = text[: header.start()] + text[header.end():]
    source = ""
    paragraphs, seen = [], set()
    for line in text.split("\n"):
        line = line.strip()
        if not line or _DEBRIS_RE.fullmatch(line):
            continue
        trailer = _SOURCE_RE.fullmatch(line)
        if trailer:
            source = trailer.group("source")
            continue
        key = _paragraph_key(line)
        if key in seen:
            continue
        seen.add(key)
        paragraphs.append(line)
    return CleanArticle(tuple(paragraphs), date, source)
