"""Answer or refuse, and which passages answer: `Rule` applied to a question's scored candidates.

1. Does the corpus cover the question at all? A logistic model over a few features of the question against
   this corpus (`features`): how many of its words the corpus knows (as written, and in translation) and how
   much of their weight the best passage holds, how much weight lies in words the corpus has never seen (a
   name from another subject), the best cosine, how far it stands above the corpus's mean and above the
   next candidates, whether one passage holds both the words and the meaning, and whether the words gather
   in one or two sentences of a leading passage (an answer is a sentence; an off-topic question meets its
   words scattered) and how much of the question a leading passage holds when a word it lacks counts as far
   as its closest word there is close (a paraphrase keeps the meaning of its words). The model has one set
   of weights per `regime`: candidates all in the question's language, all in the other, or in both (a mixed
   corpus), because the same cosine means different things in each. The meaning alone answers only with a
   passage at least `meaning_min_cosine` close, or with a leading passage holding `near_share` of the
   question's weight, near words counted (`Sentences.near`: a short question is far in cosine from a long
   passage that answers it, but its words are there), or when the model is `sure`. The weights are fitted
   on a calibration split of XQuAD nobody reports on (`calibration`); the thresholds, one per regime, are
   each the lowest that still refuses 0.90 of that split's off-topic questions: a refused answerable question
   costs a user more than a weak answer to an off-topic one.
   The word rule answers too: at least `min_known_share` of the question's words occur in the corpus (a word
   found in translation counts `translated_known` of one) and a passage holds `min_coverage` of their idf
   weight with a cosine of at least `lexical_min_cosine` (the model alone misjudges a small corpus about one
   subject, where every passage is close to an on-topic question), unless the model gives the question
   less than `words_min_probability`: common words meet in some passage of any large corpus.
2. Which passages answer? Those holding at least `shown_coverage` of the known question words' weight (not
   counting, for a passage, words only the other language holds in translation; `min_coverage` for a
   passage in the other language, whose words the question reaches only through translations), and when
   the meaning answered, the closest passage in meaning; ranked by W / (best W of the question) + w ×
   cosine, where W is BM25 plus `translation_weight` × the translations' BM25, and w grows with the share
   of question words that passages of the candidate's language do not hold: where BM25 sees only names, the
   meaning must lead. It grows by `weight_across` when every candidate is in the other language: there W
   rests on translations, which rank worse than the cosine does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .index.bm25 import top_k
from .query import Query

# Fitted by `python -m lab calibrate` on the calibration split (README, "Answer or refuse"), one row
# per `regime`.
DECISION_WEIGHTS = (
    (-11.375, 1.487, -0.584, -2.895, 0.604, 4.97, -6.128, 0.0, 0.0, -0.584, 0.604, -0.765, 8.279, 5.584, 2.252,
     -5.514, 6.467, -1.112, 8.028, 5.464, 1.457, 7.055),
    (-7.545, -0.088, -1.038, -2.547, -1.928, 5.347, -6.82, -1.505, -2.525, -1.557, -1.573, -0.756, 7.802, 7.52,
     0.668, -4.647, 5.234, -0.857, 9.131, 7.827, 1.324, 5.11),
    (-3.659, 0.012, -0.578, -1.371, 0.458, 14.318, -1.058, -3.659, -1.058, 0.0, 0.0, -1.372, 4.352, 8.233, 1.384,
     -7.142, 9.174, -1.08, 2.707, 1.877, 0.0, 7.317),
)
# A translation's BM25 against a word's as written, in the fused score (and in choosing the candidates whose
# sentences are read).
TRANSLATION_WEIGHT = 0.5


@dataclass(frozen=True)
class Rule:
    """The answer-or-refuse rule and the fusion weights (see the module docstring)."""

    decision: tuple[tuple[float, ...], ...] = DECISION_WEIGHTS  # logistic weights over `features`, per regime
    thresholds: tuple[float, float, float] = (0.22, 0.28, 0.60)  # answer when the model's probability that the
    # corpus covers the question is this, per `regime`: in each the lowest (in steps of 0.01) where the
    # calibration split's off-topic questions are still refused 0.90 of the time, in both question languages
    min_known_share: float = 0.6  # or when the word rule holds: this share of the question's words is known,
    lexical_min_cosine: float = 0.2  # and a passage holding `min_coverage` of their weight is this close (or
    # the model agrees: a short question is often far from a long passage that answers it)
    min_coverage: float = 0.5
    shown_coverage: float = 0.35  # a passage in the question's own language is shown when it holds this share
    # of the known words' weight (across languages, where the words are translations, `min_coverage`)
    meaning_min_cosine: float = 0.25  # the meaning alone never answers with a passage less close than this,
    near_share: float = 0.7  # unless a leading passage holds this share of the question's weight, near words
    # counted (the lowest of 0.5–0.8 that refused no fewer off-topic questions of the calibration split),
    sure: float = 0.4  # or the model gives the question at least this probability (the lowest of 0.3–0.5
    # that keeps every direction refusing 0.90 of the calibration split's off-topic questions)
    near_best: float = 0.0  # when the meaning answers, passages this close to the best cosine answer too
    weight_known: float = 1.0  # the cosine's weight in the fused score, when every question word is known
    weight_unknown: float = 6.0  # and what it gains as the share of unknown words grows (the other language)
    weight_across: float = 4.0  # and when every candidate is in the other language
    translation_weight: float = TRANSLATION_WEIGHT
    translated_known: float = 1.0  # how far a word found only in translation counts as known in the word rule
    words_min_probability: float = 0.2  # the word rule answers only where the model gives at least this
    # probability (the most that cost no answerable question of the calibration split)


DEFAULT_RULE = Rule()
# Every candidate answers, ranked as usual: for measuring ranking alone, beside the baselines.
RULE_OFF = Rule(thresholds=(0.0, 0.0, 0.0), min_known_share=0.0, min_coverage=0.0, shown_coverage=0.0,
                words_min_probability=0.0)


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
    """The sentences of the candidates best by words (`engine.WORD_FOCUS` of them), read closely."""

    one: float  # the question words' weight the best single sentence holds
    two: float  # and the best two consecutive sentences
    cosine: float  # the best cosine of one of their sentences to the question
    near: float  # the question words' weight one of them holds, a word it lacks counting as far as its
    # closest word there is close (`engine.NEAR_FLOOR`): what a paraphrase keeps of the question
    tokens: dict  # passage id → its analysed tokens, for the excerpt


REGIMES = ("one language", "both languages", "the other language")  # `regime`'s values, as reports name them


def regime(scored: Scored) -> int:
    """Which of the model's weights apply: 0 when every candidate is in the question's language, 2 when every
    one is in the other, 1 when both languages answer (a mixed corpus, as the project's is: its weights
    were fitted where either language may hold the answer)."""
    other = int(scored.other_language.sum())
    return 0 if other == 0 else 2 if other == len(scored.ids) else 1


def features(scored: Scored) -> np.ndarray:
    """What the decision sees of a question against a corpus; every value is relative to this corpus. Besides
    the best coverage and the best cosine, some say whether one passage holds both: the best product of the
    two, and the best cosine among passages holding `min_coverage` of the words (an off-topic question
    meets its words in one passage and its nearest meaning in another); some whether the best stands out:
    its lead over the next candidate and over the next nine's spread; and what the leading candidates'
    sentences hold (`Sentences`), as a share of the whole question's weight, known words or not: a sentence
    holding the only known word of three ("Беларуси" in "рецепт борща из Беларуси") says little. The near
    weight (the last feature) alone tells answerable from off-topic questions with ROC AUC 0.964 ru → ru and
    0.936 en → en on the calibration split (the best cosine alone: 0.909 and 0.964)."""
    if not len(scored.ids):
        return np.zeros(len(DECISION_WEIGHTS[0]))
    words = scored.query.words
    total = scored.query.weight or 1.0
    unknown = sum(w.weight for w in words if not w.known) / total  # weight the corpus has never seen
    known, written = scored.known_share, scored.written_share
    coverage = float(scored.coverage.max())
    cosines = _best(scored.cosine, 10)
    top = float(cosines[0])
    closer = top - scored.background
    lead = top - float(cosines[1]) if len(cosines) > 1 else top
    nine = cosines[1:10]
    standing = (top - nine.mean()) / (nine.std() + 1e-3) / 10 if len(nine) > 1 else 0.0
    other = float(scored.other_language.mean())
    holding = scored.coverage >= DEFAULT_RULE.min_coverage - 1e-12
    covered_cosine = float(scored.cosine[holding].max()) if holding.any() else 0.0
    sentences = scored.sentences
    return np.array([1.0, known, coverage, known * coverage, unknown, top, closer, other, other * closer,
                     (1 - other) * coverage, (1 - other) * unknown, known - written,
                     float((scored.coverage * scored.cosine).max()), covered_cosine, written,
                     covered_cosine - scored.background, lead, standing, sentences.cosine,
                     sentences.one / total, (1 - other) * sentences.two / total, sentences.near / total])


def word_scores(bm25: np.ndarray, translated_bm25: np.ndarray, translation_weight: float = TRANSLATION_WEIGHT):
    """What the words say of each candidate: BM25 of the question's words as written plus a share of their
    translations' (the fused ranking, and the engine's choice of candidates whose sentences are read)."""
    return bm25 + translation_weight * translated_bm25


def _best(values: np.ndarray, count: int) -> np.ndarray:
    """The `count` largest values, largest first, by a partial sort: a large corpus has thousands of
    candidates, and the decision runs on every question."""
    if len(values) > count:
        values = np.partition(values, len(values) - count)[-count:]
    return np.sort(values)[::-1]


def covered(scored: Scored, rule: Rule = DEFAULT_RULE) -> float:
    """The decision model's probability that the corpus covers the question."""
    return _probability(scored, rule.decision[regime(scored)])


def _probability(scored: Scored, weights: tuple[float, ...]) -> float:
    """The logistic model with one regime's weights (`decide` knows the regime already)."""
    return float(1 / (1 + np.exp(-np.clip(features(scored) @ np.array(weights), -50, 50))))


class Answers(NamedTuple):
    """The passages that answer a question under a rule, with their fused scores, unordered."""

    ids: np.ndarray
    scores: np.ndarray

    def ranked(self) -> np.ndarray:
        """All the ids, best first (ties to the lower id)."""
        return self.ids[np.lexsort((self.ids, -self.scores))]

    def best_first(self, batch: int):
        """(id, score) pairs, best first, sorting only as many as are asked for: the first `batch` by a
        partial sort, then four times more each time the caller wants more (near-duplicates use some up)."""
        done = 0
        while done < len(self.ids):
            ranked = top_k(self.ids, self.scores, batch)
            yield from ranked[done:]
            done, batch = len(ranked), batch * 4


def decide(scored: Scored, rule: Rule = DEFAULT_RULE) -> Answers:
    """The candidates that answer under `rule`; none when the corpus does not cover the question."""
    if not len(scored.ids):
        return Answers(scored.ids, np.empty(0))
    share = scored.written_share + rule.translated_known * (scored.known_share - scored.written_share)
    words_known = bool(scored.query.words) and share >= rule.min_known_share - 1e-12
    lexical = words_known & (scored.coverage >= rule.min_coverage - 1e-12)
    kind = regime(scored)
    probability = _probability(scored, rule.decision[kind])
    by_meaning = bool(scored.vector.any()) and probability >= rule.thresholds[kind]
    by_words = probability >= rule.words_min_probability \
        and bool((lexical & (by_meaning | (scored.cosine >= rule.lexical_min_cosine))).any())
    total = scored.query.weight
    near = total > 0 and scored.sentences.near >= rule.near_share * total
    if not (by_words or by_meaning and (scored.cosine.max() >= rule.meaning_min_cosine or near
                                        or probability >= rule.sure)):
        return Answers(scored.ids[:0], np.empty(0))
    # the passages holding the words, and when the meaning answers, the closest in meaning too
    shown = np.where(scored.other_language, rule.min_coverage, rule.shown_coverage)
    holding = words_known & (scored.coverage_in_language >= shown - 1e-12)
    answers = holding | (by_meaning & (scored.cosine >= scored.cosine.max() - rule.near_best))
    words = word_scores(scored.bm25, scored.translated_bm25, rule.translation_weight)
    best = words.max()
    weight = rule.weight_known + rule.weight_unknown * (1 - scored.known_in_language) ** 2 \
        + rule.weight_across * (kind == 2)
    fused = (words / best if best > 0 else words) + weight * scored.cosine
    return Answers(scored.ids[answers], fused[answers])
