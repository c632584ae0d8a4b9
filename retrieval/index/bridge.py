"""Ordinary words across languages: a question word → the corpus's terms of the other script that mean it.

The glossary joins the names an operator wrote down; the passage vectors join whole texts, but only
roughly. This joins single words nobody listed: the multilingual encoder puts a word near its translations
("соглашения" → agreement, "сезона" → season, "лидером" → leader), so each word of the corpus's vocabulary
is encoded once, when the index is made, and a question word takes the terms of the other script closest
to it (at most TRANSLATIONS of them, each at least MIN_SIMILARITY close). BM25 then scores them like the
question's own terms (at half weight). On the calibration split, rule on, this lifted Russian questions
against English paragraphs from 0.773 answered / 0.665 hit@1 to 0.854 / 0.739, and against mixed-language
paragraphs from 0.960 / 0.870 to 0.978 / 0.935 (docs/decisions.md).

A question word the corpus does not hold as written also takes the closest term of its own script, when at
least SAME_SCRIPT_SIMILARITY close: a paraphrase says the same thing in other words ("партнеров" where the
article has "партнёрство"). On the calibration split, rule on, this lifted Russian questions against Russian
paragraphs from 0.950 answered / 0.901 hit@1 to 0.953 / 0.904, for 0.003 of off-topic refusals.

Names are left to the transliteration keys (a name is spelled, not translated: the encoder puts
"Норман" near "norm"), so only words without a name key take part, on both sides. A match found only
through a translation ranks and chooses the excerpt but is never highlighted: it is a likely meaning,
not the word the user wrote.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable

import numpy as np

from . import encoder, vectorcache
from ..text.analysis import Analyzer, Token
from ..text.tokens import CYRILLIC_RE

MIN_SIMILARITY = 0.7
TRANSLATIONS = 2
SAME_SCRIPT_SIMILARITY = 0.8  # one term of the word's own script, for a word the corpus does not hold


def translatable(token: Token) -> str | None:
    """The term a token is translated by, or None: a stop word, number, glossary name or name-like word."""
    if not token.terms or not token.terms[0].isalpha() or any(t[0] == "~" for t in token.terms):
        return None
    return token.terms[0]


def count_terms(texts: list[str], analyzer: Analyzer) -> tuple[list[list[str]], dict[str, str]]:
    """Each passage's terms (repeats kept, for BM25), and for every translatable term the word it stands
    for most often, lower-cased: what its vector encodes. One analysis serves both."""
    passages: list[list[str]] = []
    seen: defaultdict[str, Counter] = defaultdict(Counter)
    for text in texts:
        tokens = analyzer.analyze(text)
        passages.append([term for token in tokens for term in token.terms])
        for token in tokens:
            term = translatable(token)
            if term:
                seen[term][text[token.start:token.end].lower()] += 1
    return passages, {term: words.most_common(1)[0][0] for term, words in seen.items()}


@dataclass(frozen=True)
class Bridge:
    """The corpus's translatable terms with the encoder's unit vectors of the words they stand for."""

    terms: tuple[str, ...]
    words: tuple[str, ...]
    vectors: np.ndarray  # float32, one row per term

    @classmethod
    def build(cls, words: dict[str, str], previous: "Bridge | None" = None) -> "Bridge":
        """The bridge over `words` (term → word), sorted by term; a word `previous` already encoded is not
        encoded again, so adding an article costs the encoding of its new words only."""
        terms = tuple(sorted(words))
        texts = [words[term] for term in terms]
        known = {word: row for row, word in enumerate(previous.words)} if previous else {}
        vectors = np.empty((len(terms), encoder.DIMENSIONS), dtype=np.float32)
        old = [i for i, word in enumerate(texts) if word in known]
        new = [i for i, word in enumerate(texts) if word not in known]
        if old:
            vectors[old] = previous.vectors[[known[texts[i]] for i in old]]
        if new:
            found = vectorcache.cache().vectors(vectorcache.WORD, [texts[i] for i in new], _encoded,
                                                batch=len(new))  # in one call: a word takes ~0.2 ms
            vectors[new] = encoder.dequantise(np.concatenate([rows for rows, _ in found]),
                                              np.concatenate([scales for _, scales in found]))
        return cls(terms, tuple(texts), vectors)

    @cached_property
    def _by_script(self) -> dict[bool, tuple[np.ndarray, np.ndarray]]:
        """{cyrillic?: (term rows, their vectors)}: a word is translated into the other script, and into its
        own only when the corpus does not hold it."""
        cyrillic = np.array([_cyrillic(term) for term in self.terms], dtype=bool)
        return {script: (np.flatnonzero(cyrillic == script), self.vectors[cyrillic == script])
                for script in (True, False)}

    @cached_property
    def _held(self) -> frozenset[str]:
        return frozenset(self.terms)

    @cached_property
    def _rows(self) -> dict[str, int]:
        return {term: row for row, term in enumerate(self.terms)}

    def closeness(self, vectors: np.ndarray, terms: Iterable[str]) -> np.ndarray:
        """For each of `vectors` (question words'), its best cosine with the words of `terms` (a passage's)
        this bridge holds; 0 when it holds none of them."""
        rows = [self._rows[term] for term in set(terms) if term in self._rows]
        if not rows or not len(vectors):
            return np.zeros(len(vectors))
        return (vectors @ self.vectors[rows].T).max(axis=1)

    def translatable(self, words: dict[str, str]) -> dict[str, str]:
        """Of `words` (as the question writes them → their terms), those this corpus can translate: those
        whose other script it has any word of, and those it does not hold whose own script it has."""
        return {word: term for word, term in words.items()
                if len(self._by_script[not _cyrillic(word)][0])
                or term not in self._held and len(self._by_script[_cyrillic(word)][0])}

    def translate(self, words: dict[str, str], vectors: np.ndarray) -> dict[str, tuple[str, ...]]:
        """For each word (as the question writes it → its term) with its vector (the encoder's, of
        `word_texts`), the corpus terms of the other script that mean it, closest first, and for a word the
        corpus does not hold, the closest term of its own script; none for a word with no close enough term."""
        items = list(words.items())
        other: dict[str, tuple[str, ...]] = {}
        own: dict[str, tuple[str, ...]] = {}
        for cyrillic in (True, False):  # one matrix product a script: the vocabulary's vectors read once
            rows, candidates = self._by_script[cyrillic]
            asking = [i for i, (word, term) in enumerate(items)
                      if _cyrillic(word) != cyrillic or term not in self._held]
            if not asking or not len(rows):
                continue
            for i, similarity in zip(asking, vectors[asking] @ candidates.T):
                word = items[i][0]
                if _cyrillic(word) != cyrillic:
                    other[word] = self._closest(rows, similarity, TRANSLATIONS, MIN_SIMILARITY)
                else:
                    own[word] = self._closest(rows, similarity, 1, SAME_SCRIPT_SIMILARITY)
        return {word: other.get(word, ()) + own.get(word, ()) for word, _ in items}

    def _closest(self, rows: np.ndarray, similarity: np.ndarray, count: int, floor: float) -> tuple[str, ...]:
        """The terms (of `rows`, one script's) most similar: at most `count`, at least `floor`, closest first."""
        best = np.argpartition(-similarity, count - 1)[:count] if len(rows) > count else np.arange(len(rows))
        best = best[np.argsort(-similarity[best])]
        return tuple(self.terms[rows[j]] for j in best if similarity[j] >= floor)


def _encoded(words: list[str]) -> list[vectorcache.Quantised]:
    rows, scales = encoder.quantise(encoder.encode(words))
    return [(rows[i:i + 1], scales[i:i + 1]) for i in range(len(words))]


def _cyrillic(word: str) -> bool:
    return bool(CYRILLIC_RE.search(word))


def word_texts(words: Iterable[str]) -> list[str]:
    """What the encoder is given for question words: lower-cased, as the bridge's own words are."""
    return [word.lower() for word in words]
