"""Choosing the excerpt: the one to three consecutive sentences of a passage that best answer the question.

"Best" is the summed weight of distinct question words the sentences contain; on a tie the shorter, then
the earlier window wins. The excerpt is a slice of the passage, so it is quoted verbatim, and the spans of
its matched words are given relative to the excerpt.
"""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import Token
from .passages import sentence_spans
from .query import Query

MAX_EXCERPT_SENTENCES = 3


@dataclass(frozen=True)
class Excerpt:
    text: str
    spans: tuple[tuple[int, int], ...]
    terms: frozenset[str]  # index terms of the excerpt's words, for spotting near-identical excerpts


def _matched_weight(tokens: list[Token], query: Query) -> float:
    marks = frozenset().union(*(t.marks for t in tokens)) if tokens else frozenset()
    return sum(word.weight for word in query.words if word.terms & marks)


def choose_excerpt(passage: str, tokens: list[Token], query: Query) -> Excerpt:
    """The best window of sentences of `passage` (whose analysed `tokens` are given) for `query`."""
    sentences = sentence_spans(passage) or [(0, len(passage))]
    best = None
    for first in range(len(sentences)):
        for last in range(first, min(first + MAX_EXCERPT_SENTENCES, len(sentences))):
            start, end = sentences[first][0], sentences[last][1]
            inside = [t for t in tokens if start <= t.start and t.end <= end]
            key = (_matched_weight(inside, query), -(last - first), -first)
            if best is None or key > best[0]:
                best = (key, start, end, inside)
    _, start, end, inside = best
    query_terms = frozenset(query.terms)
    spans = tuple((t.start - start, t.end - start) for t in inside if t.marks & query_terms)
    return Excerpt(passage[start:end], spans, frozenset(term for t in inside for term in t.terms))
