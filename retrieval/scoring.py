"""Scoring a question: both signals for every passage that could answer it, before any rule decides.

BM25 on analysed words is the backbone (exact names, numbers, terms); the question's ordinary words also
bring their translations into the corpus's other language, from `bridge`, scored apart. The cosine between
the multilingual encoder's vectors of the question and the passage, averaged with its best sentence's for
the leading candidates, sees what words cannot: paraphrase, the other language where the bridge finds no
word. Candidates come from both: every passage holding a question term or translation, and the passages
closest in meaning. What comes out (`Scored`) is what `decision` answers or refuses on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, NamedTuple, Sequence

import numpy as np

from .excerpt import gathered_weight
from .index import encoder
from .index.bm25 import BM25Index, Postings
from .index.bridge import Bridge, word_texts
from .index.nearest import Nearest
from .index.sentences import SentenceVectors
from .query import MAX_QUESTION_CHARS, Query, parse_query, question_words, translatable_words
from .text.analysis import Analyzer, Token
from .text.tokens import CYRILLIC_RE

# Passages closest in meaning that become candidates even without a shared word.
DENSE_CANDIDATES = 64
# Passages that become candidates through translations alone, the best by their BM25: translations are
# often common words, and in a large corpus thousands of passages hold them (no effect below this size).
TRANSLATED_CANDIDATES = 1000
# Candidates whose cosine is read, the best by words (with the closest in meaning): a question has thousands in
# a large corpus (no effect on a question with at most twice this many, and so on no quality figure here).
COSINE_CANDIDATES = 1024
# Candidates whose best sentence is compared with the question: the closest passages in meaning and the
# best by words, this many of each (the rest keep the passage's cosine; they rank too low to matter).
SENTENCE_CANDIDATES = 32
# Candidates best by words whose sentences are read for the decision (`Sentences`); their analysis
# serves the excerpt too.
WORD_FOCUS = 3
# A question word one of those candidates lacks counts in part when its closest word there is closer than
# this (the encoder's cosine of single words; nothing at the floor, all at 1): "plant" in a passage saying
# "factory" (0.68), "утраченным" in one saying "потерянный" (0.74). Unrelated words reach 0.3–0.4;
# chosen among 0.3, 0.4 and 0.5 on the calibration split (docs/decisions.md).
NEAR_FLOOR = 0.4

# A translation's BM25 against a word's as written, in the fused score (and in choosing the candidates whose
# sentences are read).
TRANSLATION_WEIGHT = 0.5


@dataclass(frozen=True)
class Scored:
    """A question's candidates with both signals, before any rule: what `Rule` decides on."""

    query: Query
    vector: np.ndarray  # the question's unit vector
    russian: bool  # the question is (mostly) in Russian
    other_language: np.ndarray  # per candidate: the passage is not in the question's language
    ids: np.ndarray  # candidate passage ids, ascending
    bm25: np.ndarray  # of the question's words as written
    translated_bm25: np.ndarray  # of their translations (`bridge`)
    cosine: np.ndarray
    coverage: np.ndarray  # share of the known question words' weight the passage holds
    coverage_in_language: np.ndarray  # the same without words only the other language holds (in translation)
    background: float  # the mean cosine over all passages: how close the corpus is to the question anyway
    known_in_language: np.ndarray  # per candidate: share of the question's words (as written or translated)
    # that passages of its language hold
    sentences: Sentences  # what the leading candidates' sentences say of the question

    @property
    def known_share(self) -> float:
        """Share of the question's words the corpus holds, as written or translated."""
        words = self.query.words
        return len(self.query.known_words) / len(words) if words else 0.0

    @property
    def written_share(self) -> float:
        """Share of the question's words the corpus holds as written (the word rule counts a word held only
        in translation as `translated_known` of one)."""
        words = self.query.words
        return sum(word.known_as_written for word in words) / len(words) if words else 0.0


class Sentences(NamedTuple):
    """The sentences of the candidates best by words (`WORD_FOCUS` of them), read closely."""

    one: float  # the question words' weight the best single sentence holds
    two: float  # and the best two consecutive sentences
    cosine: float  # the best cosine of one of their sentences to the question
    near: float  # the question words' weight one of them holds, a word it lacks counting as far as its
    # closest word there is close (`NEAR_FLOOR`): what a paraphrase keeps of the question


def word_scores(bm25: np.ndarray, translated_bm25: np.ndarray, translation_weight: float = TRANSLATION_WEIGHT):
    """What the words say of each candidate: BM25 of the question's words as written plus a share of their
    translations' (the fused ranking, and the choice of candidates whose sentences are read)."""
    return bm25 + translation_weight * translated_bm25


class Scorer:
    """What scoring reads of an engine: its analyser, index, vectors and bridge, and each passage's text and
    language."""

    def __init__(self, analyzer: Analyzer, texts: list[str], russian: np.ndarray, index: BM25Index,
                 nearest: Nearest, sentences: SentenceVectors, bridge: Bridge):
        self.analyzer = analyzer
        self.texts = texts
        self.index = index
        self.nearest = nearest
        self.sentences = sentences
        self.bridge = bridge
        self._russian = russian  # per passage: whether its article is Russian
        self._term_languages = _term_languages(index.postings, russian)

    def tokens(self, passage_id: int) -> tuple[Token, ...]:
        """A passage's analysed tokens (the analyser keeps those it read lately)."""
        return self.analyzer.analyze(self.texts[passage_id])

    def parse(self, question: str) -> Query:
        """The question analysed, its ordinary words translated through the bridge (the question itself is
        not encoded: nothing here needs its vector)."""
        words, written = self._translatable(question)
        return self._parse(question, words, written, encoder.encode(word_texts(written), remember=True))

    def _translatable(self, question: str) -> tuple[dict, dict[str, str]]:
        """The question's words, and those the bridge can translate (as written → their terms): into this
        corpus's other language, or into other words of its own when the corpus does not hold them."""
        words = question_words(question, self.analyzer)
        return words, self.bridge.translatable(translatable_words(question, words))

    def _parse(self, question: str, words: dict, written: dict[str, str], word_vectors: np.ndarray) -> Query:
        return parse_query(question, words, self.index.doc_freq, self.index.corpus_size,
                           self.bridge.translate(written, word_vectors))

    def _languages(self, query: Query) -> np.ndarray:
        """Per question word: [whether English passages hold it, whether Russian ones do], a word counting
        as held when any of its terms or translations is."""
        held = np.zeros((len(query.words), 2), dtype=bool)
        for i, word in enumerate(query.words):
            rows = [row for row in map(self.index.vocabulary.get, word.terms) if row is not None]
            held[i] = self._term_languages[rows].any(axis=0)
        return held

    def holding(self, query: Query, passage_ids: np.ndarray) -> np.ndarray:
        """Which of `passage_ids` hold each of the question's words, as written or translated (a row a word)."""
        held = np.zeros((len(query.words), len(passage_ids)), dtype=bool)
        mask = np.zeros(self.index.corpus_size, dtype=bool)  # a mask: a common word's postings are long
        for row, word in zip(held, query.words):
            mask[:] = False
            for term in word.terms:
                mask[self.index.postings_of(term)] = True
            row[:] = mask[passage_ids]
        return held

    def _coverage(self, query: Query, candidates: np.ndarray, languages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each candidate passage, the share of the known question words' weight it contains; and the
        same leaving out of its total the words known only in translation that no passage of its language
        holds (such a word, an uncertain translation like "how long" → "долгосрочный", cannot be missing
        from a passage of that language: what chooses the passages shown, not whether to answer)."""
        covered = np.zeros(len(candidates))
        for word, holding in zip(query.words, self.holding(query, candidates)):
            covered += word.weight * holding
        weights = np.array([word.weight for word in query.words])
        known = np.array([word.known for word in query.words], dtype=bool)
        written = np.array([word.known_as_written for word in query.words], dtype=bool)
        total = weights @ known if len(weights) else 0.0
        in_language = (weights @ (languages | written[:, None]) if len(weights) else np.zeros(2))
        in_language = in_language[self._russian[candidates].astype(int)]
        return (covered / total if total > 0 else covered,
                np.divide(covered, in_language, out=np.zeros(len(candidates)), where=in_language > 0))

    def score(self, question: str, vector: np.ndarray | None = None,
              encoded_words: Mapping[str, np.ndarray] | None = None) -> Scored:
        """Both signals for every candidate of `question`: the passages holding one of its terms, and the
        DENSE_CANDIDATES closest in meaning. `vector` is the question's and `encoded_words` its words', by
        `word_texts` (every one of `encodable_words`), when already encoded."""
        words, written = self._translatable(question)
        texts = word_texts(written)
        if vector is None:  # the question and its words in one call: a call costs more than a few words
            vector, word_vectors = encode_question(question, texts)
        elif encoded_words is None:
            word_vectors = encoder.encode(texts, remember=True)
        else:
            word_vectors = np.array([encoded_words[text] for text in texts],
                                    dtype=np.float32).reshape(len(texts), encoder.DIMENSIONS)
        query = self._parse(question, words, written, word_vectors)
        word_vector = dict(zip(written.values(), word_vectors))
        lexical = self.index.candidate_scores(list(query.terms))
        translated = self.index.candidate_scores(list(query.translated))
        if len(translated[0]) > TRANSLATED_CANDIDATES:
            best = np.sort(np.argpartition(-translated[1], TRANSLATED_CANDIDATES)[:TRANSLATED_CANDIDATES])
            translated = translated[0][best], translated[1][best]
        nearest = self.nearest.closest(vector, DENSE_CANDIDATES)
        held = np.zeros(self.index.corpus_size, dtype=bool)  # a mask, not a sorted union: 5 ms at 50,000 passages
        held[lexical[0]] = held[translated[0]] = held[nearest] = True
        ids = np.flatnonzero(held).astype(np.int32)
        bm25, translated_bm25 = np.zeros(len(ids)), np.zeros(len(ids))
        bm25[np.searchsorted(ids, lexical[0])] = lexical[1]
        translated_bm25[np.searchsorted(ids, translated[0])] = translated[1]
        words = word_scores(bm25, translated_bm25)
        cosine = self._cosines(ids, np.searchsorted(ids, nearest), words, vector)
        candidate_cosine = self._with_best_sentence(ids, cosine, words, vector)
        russian = _is_russian(question)
        languages = self._languages(query)
        known_in_language = languages.mean(axis=0) if len(languages) else np.zeros(2)
        coverage, coverage_in_language = self._coverage(query, ids, languages)
        leading = ids[_leading(words, candidate_cosine, WORD_FOCUS)]
        return Scored(query=query, vector=vector, russian=russian, other_language=self._russian[ids] != russian,
                      ids=ids, bm25=bm25, translated_bm25=translated_bm25, cosine=candidate_cosine,
                      coverage=coverage, coverage_in_language=coverage_in_language,
                      background=self.nearest.background(vector),
                      known_in_language=known_in_language[self._russian[ids].astype(int)],
                      sentences=self._read_sentences(query, leading, vector, word_vector))

    def _read_sentences(self, query: Query, leading: np.ndarray, vector: np.ndarray,
                        word_vector: dict[str, np.ndarray]) -> Sentences:
        """What the sentences of the `leading` candidates (best by words, then by meaning) say of the
        question, for the decision; `word_vector` holds the vectors of its translatable words, by term."""
        one = two = closest = near = 0.0
        for passage_id in map(int, leading):
            tokens = self.tokens(passage_id)
            gathered = gathered_weight(self.texts[passage_id], tokens, query)
            one, two = max(one, gathered[0]), max(two, gathered[1])
            closest = max(closest, float(self.sentences.cosines(passage_id, vector).max()))
            near = max(near, self._near_weight(query, tokens, word_vector))
        return Sentences(one=one, two=two, cosine=closest, near=near)

    def _near_weight(self, query: Query, tokens: Sequence[Token], word_vector: dict[str, np.ndarray]) -> float:
        """The question words' weight a passage (its analysed `tokens`) holds, a word it lacks counting by
        how close its closest word there is (from nothing at NEAR_FLOOR to all at 1)."""
        terms = {term for token in tokens for term in token.terms}
        held, lacking = 0.0, []
        for word in query.words:
            if word.terms & terms:
                held += word.weight
            elif (vector := next((word_vector[t] for t in word.terms if t in word_vector), None)) is not None:
                lacking.append((word.weight, vector))
        if lacking:
            closeness = self.bridge.closeness(np.array([v for _, v in lacking]), terms)
            share = np.clip((closeness - NEAR_FLOOR) / (1 - NEAR_FLOOR), 0, 1)
            held += float(np.array([w for w, _ in lacking]) @ share)
        return held

    def _cosines(self, ids: np.ndarray, nearest: np.ndarray, words: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """The candidates' cosines to the question. Of a question with more than 2 × COSINE_CANDIDATES
        candidates, only those of the COSINE_CANDIDATES best by words and of the `nearest` (their places in
        `ids`) are read; the others, low by words and farther than the nearest, take the lowest cosine read,
        so that none outranks a read one by its cosine (reading every candidate's vector took ~6 ms at 50,000
        passages)."""
        if len(ids) <= 2 * COSINE_CANDIDATES:
            return self.nearest.cosines(ids, vector)
        focus = np.union1d(np.argpartition(-words, COSINE_CANDIDATES)[:COSINE_CANDIDATES], nearest)
        read = self.nearest.cosines(ids[focus], vector)
        cosine = np.full(len(ids), read.min(), dtype=np.float32)
        cosine[focus] = read
        return cosine

    def _with_best_sentence(self, ids: np.ndarray, cosine: np.ndarray, words: np.ndarray,
                            vector: np.ndarray) -> np.ndarray:
        """The candidates' cosines, each of the SENTENCE_CANDIDATES closest and best by words averaged with
        its best sentence's: an answer is one sentence of a longer passage, and a question's words and meaning
        gather there."""
        if len(ids) > 2 * SENTENCE_CANDIDATES:
            focus = np.union1d(np.argpartition(-cosine, SENTENCE_CANDIDATES)[:SENTENCE_CANDIDATES],
                               np.argpartition(-words, SENTENCE_CANDIDATES)[:SENTENCE_CANDIDATES])
        else:
            focus = np.arange(len(ids))
        cosine = cosine.copy()
        cosine[focus] = (cosine[focus] + self.sentences.best_cosine(ids[focus].astype(np.int64), vector)) / 2
        return cosine


def encodable_words(question: str, analyzer: Analyzer) -> list[str]:
    """The texts of `question`'s words that `score` may encode (those a bridge may translate; which of them a
    corpus does translate depends on its vocabulary): for encoding the words of many questions at once."""
    return word_texts(translatable_words(question, question_words(question, analyzer)))


def encode_question(question: str, words: list[str] = ()) -> tuple[np.ndarray, np.ndarray]:
    """The question's unit vector (of what the engine reads of it; zeros for a question with no text) and
    those of `words`, in one encoder call."""
    question = question[:MAX_QUESTION_CHARS]
    texts = ([question] if question.strip() else []) + list(words)
    vectors = encoder.encode(texts, remember=True)
    if not question.strip():
        return np.zeros(encoder.DIMENSIONS, dtype=np.float32), vectors
    return vectors[0], vectors[1:]


def _leading(words: np.ndarray, cosine: np.ndarray, count: int) -> np.ndarray:
    """The `count` best candidates by words, ties (as among the many with none) to the closer in meaning; a
    partial sort first, because a large corpus has thousands of candidates."""
    pool = np.arange(len(words))
    if len(words) > count:
        pool = np.flatnonzero(words >= words[np.argpartition(-words, count - 1)[count - 1]])
    return pool[np.lexsort((-cosine[pool], -words[pool]))[:count]]


def _term_languages(postings: Postings, russian: np.ndarray) -> np.ndarray:
    """Per term: [whether English passages hold it, whether Russian passages do]."""
    if not len(postings.terms):
        return np.zeros((0, 2), dtype=bool)
    in_russian = np.add.reduceat(russian[postings.doc_ids].astype(np.int64), postings.indptr[:-1])
    return np.stack([in_russian < np.diff(postings.indptr), in_russian > 0], axis=1)


def _is_russian(text: str) -> bool:
    """Whether most letters of `text` are Cyrillic."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(1 for c in letters if CYRILLIC_RE.match(c)) * 2 > len(letters)


