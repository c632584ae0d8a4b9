"""Splitting text into word and number tokens that keep their character offsets.

Offsets point into the original text, so an excerpt can be quoted verbatim and its matched words marked
exactly where they stand, whatever normalisation the analyser applies to the token afterwards.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Characters that may sit inside a word without splitting it: combining marks (stress accents), zero-width
# joiners and soft hyphens that hostile or copy-pasted text carries.
_INWORD = "\u0300-\u036f\u00ad\u200b-\u200d\u2060"
_LETTER = r"[^\W\d_]"
_WORD = rf"{_LETTER}[{_INWORD}]*(?:{_LETTER}[{_INWORD}]*)*"
_TOKEN_RE = re.compile(
    rf"(?P<word>{_WORD}(?:['’]{_WORD})*(?:-{_WORD}(?:['’]{_WORD})*)*)"
    r"|(?P<number>[0-9]+(?:[.,\u00a0\u202f][0-9]+)*)"
)
_THOUSANDS_RE = re.compile(r"[0-9]{1,3}(?P<sep>[,.\u00a0\u202f])[0-9]{3}(?:(?P=sep)[0-9]{3})*")
_INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200d\u2060]")
_STRESS_RE = re.compile("[\u0300\u0301\u0308]")  # stress accents, and the diaeresis that makes ё
CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True, slots=True)
class RawToken:
    """A word or number as it stands in the text: `text[start:end]`, plus its normalised form."""

    start: int
    end: int
    norm: str
    script: str  # "cyrillic", "latin", "other" or "number": which analysis the word gets
    capitalised: bool


@lru_cache(maxsize=500_000)
def normalise_word(word: str) -> str:
    """Casefold and strip what should not distinguish words: accents, ё, invisible characters, curly quotes."""
    word = unicodedata.normalize("NFKC", word).casefold().replace("’", "'")
    if CYRILLIC_RE.search(word):
        # Keep й (и + breve); drop stress marks and turn ё into е, as Russian spelling allows.
        word = unicodedata.normalize("NFC", _STRESS_RE.sub("", unicodedata.normalize("NFD", word)))
        return _INVISIBLE_RE.sub("", word)
    stripped = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    return _INVISIBLE_RE.sub("", stripped)


def normalise_number(number: str) -> str:
    """`1,000` and `1 000` → `1000`; a decimal comma becomes a point, so `2,5` and `2.5` meet."""
    if _THOUSANDS_RE.fullmatch(number):
        return re.sub(r"[^0-9]", "", number)
    return number.replace(",", ".").replace("\u00a0", ".").replace("\u202f", ".")


_PART_RE = re.compile(r"[^-]+")
_ALL_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff'-]+")


def _script(word: str) -> str:
    """The word's script; a word mixing Cyrillic with other letters is "other" (pymorphy3 is only given
    Cyrillic words: it fails on some letters of other scripts, e.g. Tangut ones)."""
    if _ALL_CYRILLIC_RE.fullmatch(word):
        return "cyrillic"
    if word.isascii():
        return "latin"
    return "other"


def word_token(text: str, start: int, end: int) -> RawToken | None:
    """`text[start:end]` as a word token, or None when nothing is left of it once normalised."""
    raw = text[start:end]
    norm = normalise_word(raw)
    if not norm:
        return None
    return RawToken(start=start, end=end, norm=norm, script=_script(norm), capitalised=raw[:1].isupper())


def tokenize(text: str) -> list[RawToken]:
    """All word and number tokens of `text`, in order. A hyphenated word is one token; `hyphen_parts`
    splits it."""
    tokens = []
    for match in _TOKEN_RE.finditer(text):
        if match.lastgroup == "number":
            tokens.append(RawToken(start=match.start(), end=match.end(), norm=normalise_number(match.group()),
                                   script="number", capitalised=False))
        elif token := word_token(text, match.start(), match.end()):
            tokens.append(token)
    return tokens


def hyphen_parts(text: str, token: RawToken) -> list[RawToken]:
    """The parts of a hyphenated word token, each with its own offsets."""
    parts = (word_token(text, m.start(), m.end()) for m in _PART_RE.finditer(text, token.start, token.end))
    return [part for part in parts if part]
