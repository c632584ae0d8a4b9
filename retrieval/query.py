"""A question as the engine sees it: its content words, each with the terms that stand for it.

Scoring uses the terms; the no-answer rule and excerpt choice count words, because one word may bring
several terms (a lemma and a transliteration key, a hyphenated whole and its parts) and matching any one
of them means the word was found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .analysis import Analyzer


@dataclass(frozen=True)
class QueryWord:
    terms: frozenset[str]
    weight: float  # how telling the word is: the idf of its most common term (see word_weight)


@dataclass(frozen=True)
class Query:
    text: str
    words: tuple[QueryWord, ...]

    @property
    def terms(self) -> list[str]:
        """Unique terms in order of first appearance: what BM25 scores."""
        seen: dict[str, None] = {}
        for word in self.words:
            for term in sorted(word.terms):
                seen.setdefault(term, None)
        return list(seen)

    @property
    def total_weight(self) -> float:
        return sum(word.weight for word in self.words)


def coverage_idf(doc_freq: int, corpus_size: int) -> float:
    """Always-positive idf (Lucene's form), for weighing words; a word the corpus lacks weighs most."""
    return math.log(1 + (corpus_size - doc_freq + 0.5) / (doc_freq + 0.5))


def parse_query(text: str, analyzer: Analyzer, doc_freq, corpus_size: int) -> Query:
    """Analyse `text`; `doc_freq(term)` gives each term's passage count for weighing its word."""
    words: dict[frozenset[str], QueryWord] = {}
    for token in analyzer.analyze(text):
        if not token.terms:
            continue
        terms = frozenset(token.terms)
        if terms not in words:
            weight = min(coverage_idf(doc_freq(t), corpus_size) for t in terms)
            words[terms] = QueryWord(terms, weight)
    return Query(text, tuple(words.values()))
