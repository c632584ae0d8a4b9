"""Cutting paragraphs into passages, the unit of retrieval.

A passage is a paragraph, or, for a long paragraph, a run of whole sentences (razdel knows Russian and
English abbreviations, so "т.д." and "Mr." do not end a sentence). Passages stay short enough that the
excerpt chosen from one is a readable quote, and each keeps its article and paragraph number.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from razdel import sentenize

MAX_PASSAGE_CHARS = 700
MAX_PASSAGE_SENTENCES = 5


@dataclass(frozen=True, slots=True)
class Passage:
    doc: int  # index of the document in the corpus
    paragraph: int  # 1-based paragraph number within the document
    text: str
    start: int = 0  # where the text starts in its paragraph


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`."""
    return [(s.start, s.stop) for s in sentenize(text)]


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
