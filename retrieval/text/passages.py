"""Cutting paragraphs into passages, the unit of retrieval.

A passage is a paragraph, or, for a long paragraph, a run of whole sentences (razdel knows Russian and
English abbreviations, so "т.д." and "Mr." do not end a sentence). Passages stay short enough that the
excerpt chosen from one is a readable quote, and each keeps its article and paragraph number.

A short quotation is not cut: razdel ends a sentence at the full stop inside a quoted name (the session
"Sustainable Manufacturing. Renewal Strategy"), and an excerpt cut there shows half the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata

from razdel import sentenize

MAX_PASSAGE_CHARS = 700
MAX_PASSAGE_SENTENCES = 5
SHORT_QUOTE = 80  # characters between quotation marks that are a name or a phrase, kept in one sentence
# A straight mark opens after a space or bracket and closes before one or a stop: a long quotation followed by
# a short one must not be read as the gap between them.
_SHORT_QUOTES = re.compile(rf'(?<![^\s(\[])"[^"\n]{{1,{SHORT_QUOTE}}}"(?![^\s.,;:!?)\]…])'
                           rf'|“[^”\n]{{1,{SHORT_QUOTE}}}”|«[^»\n]{{1,{SHORT_QUOTE}}}»')


@dataclass(frozen=True, slots=True)
class Passage:
    doc: int  # index of the document in the corpus
    paragraph: int  # 1-based paragraph number within the document
    text: str
    start: int = 0  # where the text starts in its paragraph


@lru_cache(maxsize=1)
def splitter() -> str:
    """What sentences are cut by: a saved index's passages and a passage's cached sentence vectors follow it."""
    return f"razdel=={metadata.version('razdel')}, quotations kept: {_SHORT_QUOTES.pattern}"


def short_quotations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each short quotation in `text`, its marks included."""
    return [match.span() for match in _SHORT_QUOTES.finditer(text)] if any(q in text for q in '"“«') else []


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`: razdel's, joined where one starts inside a short quotation."""
    quotes = short_quotations(text)
    spans: list[tuple[int, int]] = []
    for sentence in sentenize(text):
        if spans and any(opened < sentence.start < closed for opened, closed in quotes):
            spans[-1] = (spans[-1][0], sentence.stop)
        else:
            spans.append((sentence.start, sentence.stop))
    return spans


@lru_cache(maxsize=4096)
def passage_sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The sentences of a passage as the index encodes them and excerpts are cut from them: razdel's, or the
    whole text when it finds none. Remembered for the passages searched most: the leading candidates'
    sentences are read for every question, and splitting them was a third of a question's scoring."""
    return tuple(sentence_spans(text)) or ((0, len(text)),)


def split_paragraph(text: str) -> list[tuple[int, int]]:
    """(start, end) of `text` itself when short, else of consecutive groups of whole sentences within the
    passage limits."""
    if len(text) <= MAX_PASSAGE_CHARS:
        return [(0, len(text))]
    pieces: list[tuple[int, int]] = []
    group_start = group_end = None
    count = 0
    for start, end in sentence_spans(text):
        if group_start is not None and (end - group_start > MAX_PASSAGE_CHARS or count == MAX_PASSAGE_SENTENCES):
            pieces.append((group_start, group_end))
            group_start, count = None, 0
        if group_start is None:
            group_start = start
        group_end, count = end, count + 1
    if group_start is not None:
        pieces.append((group_start, group_end))
    return pieces


def split_document(doc: int, paragraphs: tuple[str, ...]) -> list[Passage]:
    """The passages of document number `doc`, in order."""
    return [
        Passage(doc, number, paragraph[start:end], start)
        for number, paragraph in enumerate(paragraphs, start=1)
        for start, end in split_paragraph(paragraph)
    ]
