"""Callback data for inline buttons: short, self-contained strings (Telegram allows 64 bytes).

A button must keep working after a restart, so it carries everything needed: the id of the stored
question (paging, feedback), or a short key of the article with the paragraph number. Anything that does
not parse — forged, truncated, from an older version — decodes to None and gets a polite answer.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MAX_BYTES = 64


@dataclass(frozen=True)
class Page:
    question_id: int
    page: int


@dataclass(frozen=True)
class Paragraph:
    doc_key: str
    number: int


@dataclass(frozen=True)
class Vote:
    question_id: int
    up: bool


@dataclass(frozen=True)
class Example:
    lang: str
    index: int


Callback = Page | Paragraph | Vote | Example

_PATTERNS = (
    (re.compile(r"m:(\d{1,12}):(\d{1,3})"), lambda m: Page(int(m[1]), int(m[2]))),
    (re.compile(r"p:([0-9a-f]{10}):(\d{1,5})"), lambda m: Paragraph(m[1], int(m[2]))),
    (re.compile(r"v:(\d{1,12}):([+-])"), lambda m: Vote(int(m[1]), m[2] == "+")),
    (re.compile(r"e:(ru|en):(\d{1,2})"), lambda m: Example(m[1], int(m[2]))),
)


def doc_key(doc_id: str) -> str:
    """A 10-hex-digit key for an article id, short enough for callback data whatever the id's length."""
    return hashlib.sha1(doc_id.encode()).hexdigest()[:10]


def encode(callback: Callback) -> str:
    match callback:
        case Page(question_id, page):
            data = f"m:{question_id}:{page}"
        case Paragraph(key, number):
            data = f"p:{key}:{number}"
        case Vote(question_id, up):
            data = f"v:{question_id}:{'+' if up else '-'}"
        case Example(lang, index):
            data = f"e:{lang}:{index}"
    assert len(data.encode()) <= MAX_BYTES
    return data


def decode(data: str | None) -> Callback | None:
    """The callback `data` stands for, or None when it is not one this bot makes."""
    for pattern, build in _PATTERNS:
        match = pattern.fullmatch(data or "")
        if match:
            return build(match)
    return None
