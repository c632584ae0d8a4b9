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
   on calibration splits of XQuAD and of TyDi QA English nobody reports on (`lab.calibration`, `lab.tydi`);
   the thresholds, one per regime, are
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

import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .index.bm25 import top_k
from .scoring import TRANSLATION_WEIGHT, Scored, word_scores

FEATURES = (  # what the model sees of a question against a corpus (`features` says what each is)
    "bias", "known_share", "best_coverage", "known_times_coverage", "unknown_weight", "best_cosine",
    "cosine_over_corpus", "other_language", "other_times_cosine_over_corpus", "own_language_coverage",
    "own_language_unknown_weight", "known_only_in_translation", "best_coverage_times_cosine", "covered_cosine",
    "written_share", "covered_cosine_over_corpus", "lead", "standing", "best_sentence_cosine",
    "one_sentence_weight", "own_language_two_sentences_weight", "near_weight",
)
REGIMES = ("one language", "both languages", "the other language")  # `regime`'s values, as reports name them
# The model's weights, one set per regime, written by `python -m lab calibrate` with what they were fitted on.
WEIGHTS_FILE = Path(__file__).with_name("decision_weights.json")


def load_weights(path: Path = WEIGHTS_FILE) -> tuple[tuple[float, ...], ...]:
    """Each regime's weights in the order of FEATURES; a feature without a weight is an error naming it."""
    weights = json.loads(path.read_text(encoding="utf-8"))["weights"]
    missing = [f"{regime}: {name}" for regime in REGIMES for name in FEATURES if name not in weights.get(regime, {})]
    if missing:
        raise ValueError(f"{path}: no weight for {', '.join(missing)}")
    return tuple(tuple(float(weights[regime][name]) for name in FEATURES) for regime in REGIMES)


@dataclass(frozen=True)
class Rule:
    """The answer-or-refuse rule and the fusion weights (the module docstring says how they combine; how
    each value was chosen is in docs/decisions.md)."""

    decision: tuple[tuple[float, ...], ...] = load_weights()  # the model's weights over FEATURES, per regime
    thresholds: tuple[float, float, float] = (0.22, 0.28, 0.60)  # the model answers at this probability, per regime
    min_known_share: float = 0.6  # the word rule needs this share of the question's words known to the corpus
    lexical_min_cosine: float = 0.2  # and a passage holding `min_coverage` of their weight at least this close
    min_coverage: float = 0.5  # the share of the known words' weight that passage must hold
    shown_coverage: float = 0.35  # a passage in the question's language is shown holding this share
    meaning_min_cosine: float = 0.25  # the meaning alone answers only with a passage at least this close,
    near_share: float = 0.7  # or a leading passage holding this share of the question's weight, near words counted,
    sure: float = 0.4  # or the model giving the question at least this probability
    near_best: float = 0.0  # when the meaning answers, passages this close to the best cosine answer too
    weight_known: float = 1.0  # the cosine's weight in the fused score when every question word is known
    weight_unknown: float = 6.0  # what it gains as the share of words unknown in the passage's language grows
    weight_across: float = 4.0  # what it gains when every candidate is in the other language
    translation_weight: float = TRANSLATION_WEIGHT  # a translation's BM25 against a word's as written
    translated_known: float = 1.0  # how far a word known only in translation counts as known (word rule)
    words_min_probability: float = 0.2  # the word rule answers only where the model gives at least this


DEFAULT_RULE = Rule()
# Every candidate answers, ranked as usual: for measuring ranking alone, beside the baselines.
RULE_OFF = Rule(thresholds=(0.0, 0.0, 0.0), min_known_share=0.0, min_coverage=0.0, shown_coverage=0.0,
                words_min_probability=0.0)


def regime(scored: Scored) -> int:
    """Which of the model's weights apply: 0 when every candidate is in the question's language, 2 when every
    one is in the other, 1 when both languages answer (a mixed corpus, as the project's is: its weights
    were fitted where either language may hold the answer)."""
    other = int(scored.other_language.sum())
    return 0 if other == 0 else 2 if other == len(scored.ids) else 1


def features(scored: Scored, rule: Rule = DEFAULT_RULE) -> np.ndarray:
    """What the decision sees of a question against a corpus, in the order of FEATURES; every value is
    relative to this corpus. Besides the best coverage and the best cosine, some say whether one passage
    holds both: the best product of the two, and the best cosine among passages holding the rule's
    `min_coverage` of the words (an off-topic question meets its words in one passage and its nearest meaning
    in another); some whether the best stands out: its lead over the next candidate and over the next nine's
    spread; and what the leading candidates' sentences hold (`Sentences`), as a share of the whole question's
    weight, known words or not: a sentence holding the only known word of three ("Беларуси" in "рецепт
    борща из Беларуси") says little. The near weight alone tells answerable from off-topic questions with
    ROC AUC 0.964 ru → ru and 0.936 en → en on the calibration split (the best cosine alone: 0.909 and
    0.964)."""
    if not len(scored.ids):
        return np.zeros(len(FEATURES))
    words = scored.query.words
    total = scored.query.weight or 1.0
    unknown = sum(w.weight for w in words if not w.known) / total  # weight the corpus has never seen
    known, written = scored.known_share, scored.written_share
    coverage = float(scored.coverage.max())
    cosines = _best(scored.cosine, 10)
    top = float(cosines[0])
    closer = top - scored.background
    nine = cosines[1:10]
    other = float(scored.other_language.mean())
    holding = scored.coverage >= rule.min_coverage - 1e-12
    covered_cosine = float(scored.cosine[holding].max()) if holding.any() else 0.0
    sentences = scored.sentences
    values = {
        "bias": 1.0,
        "known_share": known,  # the question's words the corpus holds, as written or translated
        "best_coverage": coverage,  # the most of the known words' weight one passage holds
        "known_times_coverage": known * coverage,
        "unknown_weight": unknown,
        "best_cosine": top,
        "cosine_over_corpus": closer,  # how far the best stands above the corpus's mean cosine
        "other_language": other,  # the share of candidates in the question's other language
        "other_times_cosine_over_corpus": other * closer,
        "own_language_coverage": (1 - other) * coverage,
        "own_language_unknown_weight": (1 - other) * unknown,
        "known_only_in_translation": known - written,
        "best_coverage_times_cosine": float((scored.coverage * scored.cosine).max()),
        "covered_cosine": covered_cosine,
        "written_share": written,  # the question's words the corpus holds as written
        "covered_cosine_over_corpus": covered_cosine - scored.background,
        "lead": top - float(cosines[1]) if len(cosines) > 1 else top,  # over the next candidate
        "standing": (top - nine.mean()) / (nine.std() + 1e-3) / 10 if len(nine) > 1 else 0.0,  # over the next nine
        "best_sentence_cosine": sentences.cosine,
        "one_sentence_weight": sentences.one / total,
        "own_language_two_sentences_weight": (1 - other) * sentences.two / total,
        "near_weight": sentences.near / total,
    }
    return np.array([values[name] for name in FEATURES])


def _best(values: np.ndarray, count: int) -> np.ndarray:
    """The `count` largest values, largest first, by a partial sort: a large corpus has thousands of
    candidates, and the decision runs on every question."""
    if len(values) > count:
        values = np.partition(values, len(values) - count)[-count:]
    return np.sort(values)[::-1]


def covered(scored: Scored, rule: Rule = DEFAULT_RULE) -> float:
    """The decision model's probability that the corpus covers the question."""
    return _probability(scored, rule, regime(scored))


def _probability(scored: Scored, rule: Rule, kind: int) -> float:
    """The logistic model with regime `kind`'s weights (`decide` knows the regime already)."""
    return float(1 / (1 + np.exp(-np.clip(features(scored, rule) @ np.array(rule.decision[kind]), -50, 50))))


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
    probability = _probability(scored, rule, kind)
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
