"""Cutting paragraphs into passages, the unit of retrieval.

A passage is a paragraph, or, for a long paragraph, a run of whole sentences (razdel knows Russian and
English abbreviations, so "т.д." and "Mr." do not end a sentence). Passages stay short enough that the
excerpt chosen from one is a readable quote, and each keeps its article and paragraph number.
"""

from __future__ import annotations

from dataclasses import dataclass

from razdel import sentenize

MAX_PASSAGE_CHARS = 700
MAX_PASSAGE_SENTENCES = 5


@dataclass(frozen=True, slots=True)
class Passage:
    doc: int  # index of the document in the corpus
    paragraph: int  # 1-based paragraph number within the document
    text: str


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`."""
    return [(s.start, s.stop) for s in sentenize(text)]


def split_paragraph(text: str) -> list[str]:
    """`text` itself when short, else consecutive groups of whole sentences within the passage limits."""
    if len(text) <= MAX_PASSAGE_CHARS:
        return [text]
    pieces: list[str] = []
    group_start = group_end = None
    count = 0
    for start, end in sentence_spans(text):
        if group_start is not None and (end - group_start > MAX_PASSAGE_CHARS or count == MAX_PASSAGE_SENTENCES):
            pieces.append(text[group_start:group_end])
            group_start, count = None, 0
        if group_start is None:
            group_start = start
        group_end, count = end, count + 1
    if group_start is not None:
        pieces.append(text[group_start:group_end])
    return pieces


def split_documents(paragraphs_per_doc: list[tuple[str, ...]]) -> list[Passage]:
    """All passages of all documents, in order."""
    return [
        Passage(doc, number, piece)
        for doc, paragraphs in enumerate(paragraphs_per_doc)
        for number, paragraph in enumerate(paragraphs, start=1)
        for piece in split_paragraph(paragraph)
    ]
