"""Follow-ups: a short question that names no subject of its own is read with the question before it.

In a chat people go on from an answer: "а какая цель?", "на какую сумму?", "and when was it signed?",
"а где они уже ездят?". Asked alone these find nothing, or something else. A question is a follow-up when it
is short (at most FOLLOW_UP_WORDS words), names no name of its own, and opens as a follow-up does
("а", "и", "and", "what else", "ещё"), points back with a pronoun ("они", "его", "it", "they"), or only asks,
with at most one word of content ("на какую сумму?", "когда?"; not "какой трамвай показали?"). It is then
read after the question it follows: the previous question's words find the subject, its own words (and
only they decide the kind of answer: `asking`) what is asked of it.
"""

from __future__ import annotations

import re

from .query import MAX_QUESTION_CHARS
from .text.analysis import Analyzer, russian_name

FOLLOW_UP_WORDS = 8
_OPENING = re.compile(r"^\s*(?:а|и|но|ещё|еще|также|and|but|so|also|what\s+else|what\s+about|how\s+about)\b",
                      re.IGNORECASE)
_POINTING = re.compile(r"\b(?:он|она|оно|они|его|её|ее|их|им|ими|ему|ей|нему|ней|них|нём|нем|it|its|they|them|"
                       r"their|he|him|his|she|her)\b", re.IGNORECASE)  # "that", "there", "это": too common
_ASKING = re.compile(r"^\s*(?:(?:на|в|с|до|за|к|о|об|по|от|из|для)\s+)?"
                     r"(?:как\w*|котор\w*|сколько|скольк\w*|когда|где|куда|"
                     r"откуда|кто|кого|кому|чем|что|чего|зачем|почему|what|when|where|who|whom|which|why|how)\b",
                     re.IGNORECASE)
_DEFINING = re.compile(r"^\s*(?:что\s+так\w+|кто\s+так\w+|what\s+(?:is|are)|who\s+(?:is|are))\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")


def is_follow_up(question: str, analyzer: Analyzer) -> bool:
    """Whether `question` goes on from the one before it rather than asking afresh."""
    words = _WORD.findall(question)
    if not words or len(words) > FOLLOW_UP_WORDS:
        return False
    tokens = [token for token in analyzer.analyze_question(question) if token.terms]
    only_asks = len(tokens) <= 1 and _ASKING.search(question) and not _DEFINING.search(question)
    if not (only_asks or _OPENING.search(question) or _POINTING.search(question)):
        return False
    opening = len(question) - len(question.lstrip())
    return not any(_names(question[t.start:t.end], t.terms, t.start == opening) for t in tokens)


def points_back(question: str) -> bool:
    """Whether `question` names its subject by a pronoun ("and what else did he say?")."""
    return bool(_POINTING.search(question))


def read_after(previous: str, question: str, limit: int = MAX_QUESTION_CHARS) -> str:
    """The text a follow-up is searched as: the question it follows, then itself, as separate sentences,
    within `limit` characters (of the question before, as much as leaves room for the follow-up)."""
    question = question.strip()[:limit // 2]
    room = max(limit - len(question) - 2, 0)
    return f"{previous.strip()[:room].rstrip('?!.…').strip()}? {question}"


def _names(written: str, terms: tuple[str, ...], first: bool) -> bool:
    """Whether a word names something of its own: a word with a transliteration key, a capitalised word (but
    the question's first: a phone capitalises it), or a word pymorphy3 takes for a name, place or
    organisation (a number does not: "а в 2024?" goes on from the question before; nor does a glossary
    concept as such: "сумму" is one)."""
    return any(term.startswith("~") for term in terms) or (written[:1].isupper() and not first) or russian_name(written)
