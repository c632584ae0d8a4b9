"""Callback data for inline buttons: short, self-contained strings (Telegram allows 64 bytes).

A button must keep working after a restart, so it carries everything needed: the stored question (paging,
feedback) as a `Ticket`, or a short key of the article with the paragraph number. A ticket is sealed to the
chat the answer was sent to (an HMAC keyed by the store's secret), so a button's data copied or forged into
another chat is refused. Anything that does not parse — forged, truncated, from an older version — decodes
to None and gets a polite answer.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

MAX_BYTES = 64
SEAL_CHARS = 10  # 40 bits: guessing one takes a million million tries, and each try is a rate-limited update


@dataclass(frozen=True)
class Ticket:
    """A stored question as its buttons name it: its id, and the seal that ties it to one chat."""

    question_id: int
    seal: str

    @classmethod
    def issue(cls, key: str, question_id: int, chat_id: int) -> "Ticket":
        return cls(question_id, _seal(key, question_id, chat_id))

    def valid_in(self, key: str, chat_id: int) -> bool:
        return hmac.compare_digest(self.seal, _seal(key, self.question_id, chat_id))


def _seal(key: str, question_id: int, chat_id: int) -> str:
    message = f"button:{question_id}:{chat_id}".encode()  # "button:": the key also salts voters' hashes
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:SEAL_CHARS]


@dataclass(frozen=True)
class Page:
    ticket: Ticket
    page: int


@dataclass(frozen=True)
class Paragraph:
    doc_key: str
    number: int


@dataclass(frozen=True)
class Vote:
    ticket: Ticket
    up: bool


@dataclass(frozen=True)
class Example:
    lang: str
    index: int


Callback = Page | Paragraph | Vote | Example

_PATTERNS = (
    (re.compile(rf"m:(\d{{1,19}})\.([0-9a-f]{{{SEAL_CHARS}}}):(\d{{1,3}})"),
     lambda m: Page(Ticket(int(m[1]), m[2]), int(m[3]))),
    (re.compile(r"p:([0-9a-f]{10}):(\d{1,5})"), lambda m: Paragraph(m[1], int(m[2]))),
    (re.compile(rf"v:(\d{{1,19}})\.([0-9a-f]{{{SEAL_CHARS}}}):([+-])"),
     lambda m: Vote(Ticket(int(m[1]), m[2]), m[3] == "+")),
    (re.compile(r"e:(ru|en):(\d{1,2})"), lambda m: Example(m[1], int(m[2]))),
)


def doc_key(doc_id: str) -> str:
    """A 10-hex-digit key for an article id, short enough for callback data whatever the id's length."""
    return hashlib.sha1(doc_id.encode()).hexdigest()[:10]


def encode(callback: Callback) -> str:
    match callback:
        case Page(ticket, page):
            data = f"m:{ticket.question_id}.{ticket.seal}:{page}"
        case Paragraph(key, number):
            data = f"p:{key}:{number}"
        case Vote(ticket, up):
            data = f"v:{ticket.question_id}.{ticket.seal}:{'+' if up else '-'}"
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
