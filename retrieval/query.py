"""A question as the engine sees it: its content words, each with the terms that stand for it.

Scoring uses the terms; the no-answer rule and excerpt choice count words, because one word may bring
several terms (a lemma and a transliteration key, a hyphenated whole and its parts, its translations into
the other language from `bridge`) and matching any one of them means the word was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from .text.analysis import Analyzer, Token
from .index.bm25 import coverage_idf
from .index.bridge import translatable


@dataclass(frozen=True)
class QueryWord:
    terms: frozenset[str]  # its own terms and its translations
    weight: float  # how telling the word is: the idf of its most common term
    known: bool  # whether any passage of the corpus contains it at all, as written or translated
    translations: frozenset[str] = frozenset()  # terms found only by meaning: they rank, never highlight
    known_as_written: bool = True  # whether a passage contains it as written (not only a translation)
    asked: bool = False  # in the last sentence of a question of several: what is asked (`last_sentence_start`)

    @property
    def choosing_weight(self) -> float:
        """Its weight where the excerpt is chosen and the first hit: ASKED times its own when it is asked."""
        return self.weight * (ASKED if self.asked else 1.0)


@dataclass(frozen=True)
class Query:
    text: str
    words: tuple[QueryWord, ...]  # distinct content words
    terms: tuple[str, ...]  # every term of every word occurrence as written: what BM25 scores, repeats included
    translated: tuple[str, ...] = ()  # the translations of every word occurrence, scored apart

    @property
    def known_words(self) -> tuple[QueryWord, ...]:
        return tuple(word for word in self.words if word.known)

    @property
    def weight(self) -> float:
        """The summed weight of its words: what the decision's shares are shares of."""
        return sum(word.weight for word in self.words)


# The most work one question can cause, whoever calls the engine: its first MAX_QUESTION_CHARS characters
# are read, and of those its first MAX_QUESTION_WORDS distinct content words count (docs/operations.md, "Limits of one question").
MAX_QUESTION_CHARS = 1000
MAX_QUESTION_WORDS = 64
# A word the corpus holds only in translation weighs this share of its idf: the translation is a likely
# meaning, not a certainty ("how long" is not "долгосрочный"), so it must not outweigh the words as written.
TRANSLATED_WEIGHT = 0.5
# The words of a question's last sentence, when it has several, weigh ASKED times their idf in choosing the
# excerpt and the first hit: a follow-up's own words ("товарооборот" in "когда была первая встреча лукашенко и
# куйвашева? а какой у них сейчас товарооборот?") say what is asked, the question before only the subject.
# Typed questions, tune part: first excerpt 0.719 -> 0.742, follow-ups 0.417 -> 0.583, at 3 and up to 10
# (2: 0.730); XQuAD and TyDi, one sentence a question, unmoved. The ranking and the decision are unchanged.
ASKED = 3.0


def last_sentence_start(text: str) -> int:
    """Where the last sentence of `text` starts, 0 for a question of one: what comes before sets the subject
    (the question a follow-up is read after, a greeting), the last asks (`asking.kind` reads it too)."""
    ends = [match.end() for match in re.finditer(r"[?!]+", text) if re.search(r"\w", text[match.end():])]
    return ends[-1] if ends else 0


def question_words(text: str, analyzer: Analyzer) -> dict[frozenset[str], list[Token]]:
    """The question's distinct content words (within the limits above), each with its occurrences: what
    `translatable_words` and `parse_query` read, so a question is analysed once."""
    words: dict[frozenset[str], list[Token]] = {}  # a word inside a glossary phrase is found wherever the phrase is
    for token in analyzer.analyze_question(text[:MAX_QUESTION_CHARS]):
        if token.terms and (token.marks in words or len(words) < MAX_QUESTION_WORDS):
            words.setdefault(token.marks, []).append(token)
    return words


def translatable_words(text: str, words: dict[frozenset[str], list[Token]]) -> dict[str, str]:
    """The question's words a bridge may translate, as written, each with its term: ordinary words, not names
    (`bridge`)."""
    return {text[same[0].start:same[0].end]: term for same in words.values() if (term := translatable(same[0]))}


def parse_query(text: str, words: dict[frozenset[str], list[Token]], doc_freq, corpus_size: int,
                translations: Mapping[str, tuple[str, ...]] | None = None) -> Query:
    """The query of `text` from its `question_words`; `doc_freq(term)` gives each term's passage count for
    weighing its word; `translations` gives words (as `translatable_words` writes them) their terms in the
    corpus's other language."""
    text = text[:MAX_QUESTION_CHARS]
    last = last_sentence_start(text)
    parsed, terms, translated = [], [], []
    for key, same in words.items():
        extra = frozenset((translations or {}).get(text[same[0].start:same[0].end], ())) - key
        for token in same:
            terms.extend(token.terms)
            translated.extend(sorted(extra))
        freqs = {t: doc_freq(t) for t in key | extra}
        as_written = max(freqs[t] for t in key) > 0
        weight = min(coverage_idf(f, corpus_size) for f in freqs.values()) * (1 if as_written else TRANSLATED_WEIGHT)
        parsed.append(QueryWord(terms=key | extra, weight=weight, known=max(freqs.values()) > 0,
                                translations=extra, known_as_written=as_written,
                                asked=last > 0 and any(token.start >= last for token in same)))
    return Query(text, tuple(parsed), tuple(terms), tuple(translated))
