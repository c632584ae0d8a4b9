"""A question as the engine sees it: its content words, each with the terms that stand for it.

Scoring uses the terms; the no-answer rule and excerpt choice count words, because one word may bring
several terms (a lemma and a transliteration key, a hyphenated whole and its parts) and matching any one
of them means the word was found.
"""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import Analyzer
from .bm25 import coverage_idf


@dataclass(frozen=True)
class QueryWord:
    terms: frozenset[str]
    weight: float  # how telling the word is: the idf of its most common term
    known: bool  # whether any passage of the corpus contains it at all


@dataclass(frozen=True)
class Query:
    text: str
    words: tuple[QueryWord, ...]  # distinct content words
    terms: tuple[str, ...]  # every term of every word occurrence: what BM25 scores, repeats included

    @property
    def known_words(self) -> tuple[QueryWord, ...]:
        return tuple(word for word in self.words if word.known)


# The most work one question can cause, whoever calls the engine: its first MAX_QUESTION_CHARS characters
# are read, and of those its first MAX_QUESTION_WORDS distinct content words count (README, "Limits").
MAX_QUESTION_CHARS = 1000
MAX_QUESTION_WORDS = 64


def parse_query(text: str, analyzer: Analyzer, doc_freq, corpus_size: int) -> Query:
    """Analyse `text` (within the limits above); `doc_freq(term)` gives each term's passage count for
    weighing its word."""
    words: dict[frozenset[str], QueryWord] = {}
    terms: list[str] = []
    for token in analyzer.analyze_question(text[:MAX_QUESTION_CHARS]):
        if not token.terms:
            continue
        key = token.marks  # a word inside a glossary phrase is found wherever the phrase is
        if key not in words and len(words) == MAX_QUESTION_WORDS:
            continue
        terms.extend(token.terms)
        if key not in words:
            freqs = [doc_freq(t) for t in key]
            weight = min(coverage_idf(f, corpus_size) for f in freqs)
            words[key] = QueryWord(key, weight, max(freqs) > 0)
    return Query(text, tuple(words.values()), tuple(terms))
