"""Answer-or-refuse, measured as users get it: ranking and rule together, on corpora nobody tuned for.

XQuAD has questions for its first 24 articles (240 paragraphs in all, Russian and English in parallel). Two
disjoint splits, each a corpus of 120 paragraphs:
- calibration: the paragraphs of articles 1–12 (answerable: their questions) and of articles 25–36 (no
  questions: distractors); off-topic: the questions of articles 13–24. The rule's settings are chosen here.
- report: articles 13–24 (answerable) and 37–48 (distractors); off-topic: the questions of articles 1–12.
  Nothing is chosen here; these are the figures docs/quality.md reports.
Each split runs in six directions: Russian and English questions against Russian and English paragraphs,
and against both languages at once (the project's corpus is mixed, and its users ask in either language).
Each also runs on corpora about one subject, as the project's is: every answerable article's own
paragraphs as a corpus, with its questions answerable and OFF_TOPIC_SAMPLE of the off-topic questions. A
refused answerable question counts as a miss.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from retrieval.index import encoder
from retrieval.corpus import Corpus
from retrieval.decision import DEFAULT_RULE, FEATURES, REGIMES, Rule, decide, features, regime
from retrieval.scoring import Scored, encodable_words
from retrieval.engine import Engine
from retrieval.query import MAX_QUESTION_CHARS
from retrieval.text.analysis import Analyzer
from .squad import load_squad

PARAGRAPHS_PER_ARTICLE = 5
OFF_TOPIC_SAMPLE = 30  # off-topic questions asked of each one-article corpus
SPLITS = {"calibration": (range(0, 12), range(24, 36), range(12, 24)),
          "report": (range(12, 24), range(36, 48), range(0, 12))}
DIRECTIONS = (("ru → ru", "ru", ("ru",)), ("en → en", "en", ("en",)), ("ru → en", "ru", ("en",)),
              ("en → ru", "en", ("ru",)), ("ru → ru+en", "ru", ("ru", "en")),
              ("en → ru+en", "en", ("ru", "en")))


@dataclass(frozen=True)
class Case:
    """One question, scored once; rules are then applied to it without encoding or analysing again."""

    scored: Scored
    paragraph: int | None  # the paragraph (0–239) that answers it; None for an off-topic question
    paragraphs: np.ndarray  # the paragraph of each candidate (parallel to scored.ids)


@dataclass(frozen=True)
class Outcome:
    answered: float  # answerable questions that got any answer
    hit1: float  # answerable questions whose first answer is the right paragraph
    refused: float  # off-topic questions that got no answer


def _article(paragraph: int) -> int:
    return paragraph // PARAGRAPHS_PER_ARTICLE


def score_cases(folder: Path, splits: tuple[str, ...] = tuple(SPLITS)) -> dict[str, dict[str, list[Case]]]:
    """Every direction of every split, scored: {split: {direction: cases}}; the one-article corpora of a
    direction are pooled under "<direction>, 1 article"."""
    loaded = {lang: load_squad(folder / f"xquad.{lang}.dev.json", lang) for lang in ("ru", "en")}
    questions = {lang: loaded[lang][1] for lang in loaded}
    analyzer = Analyzer()  # one for every corpus (XQuAD has no glossary): it keeps the paragraphs it has read
    vectors, words = encoded_questions([q.text for lang in questions for q in questions[lang]], analyzer)
    result: dict[str, dict[str, list[Case]]] = {}
    for split in splits:
        answerable, distractors, off_topic = SPLITS[split]
        result[split] = {}
        for name, question_lang, pool in DIRECTIONS:
            asked = questions[question_lang]
            off = [q for q in asked if _article(q.paragraph) in off_topic]
            corpora = [(name, set(answerable) | set(distractors), [q for q in asked if _article(q.paragraph) in answerable] + off)]
            corpora += [(f"{name}, 1 article", {article}, [q for q in asked if _article(q.paragraph) == article]
                         + off[article % 3::len(off) // OFF_TOPIC_SAMPLE][:OFF_TOPIC_SAMPLE]) for article in answerable]
            for label, articles, chosen in corpora:
                documents = tuple(doc for lang in pool for i, doc in enumerate(loaded[lang][0].documents)
                                  if _article(i) in articles)
                engine = Engine.build(Corpus(folder, documents), analyzer)
                paragraph_of = [int(doc.id.split("-p")[1]) for doc in documents]
                cases = result[split].setdefault(label, [])
                cases += [scored_case(engine, q.text, vectors[q.text], words,
                                      q.paragraph if _article(q.paragraph) in articles else None, paragraph_of)
                          for q in chosen]
    return result


def encoded_questions(questions: list[str], analyzer: Analyzer | None = None
                      ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The vectors of `questions` and of their words (`encodable_words` by `analyzer`, the engines'; by
    default that of a corpus with no glossary), by text, each set encoded in one batch: a question asked of
    many corpora has its words encoded once, not once a corpus. (They differ from what a search encodes
    alone in the seventh decimal; the saved vectors hide that almost always.)"""
    texts = sorted(set(questions))
    analyzer = analyzer or Analyzer()
    words = sorted({word for text in texts for word in encodable_words(text, analyzer)})
    return (dict(zip(texts, encoder.encode([text[:MAX_QUESTION_CHARS] for text in texts]))),
            dict(zip(words, encoder.encode(words))))


def scored_case(engine: Engine, question: str, vector: np.ndarray, words: dict[str, np.ndarray],
                answer: int | None, paragraph_of: list[int]) -> Case:
    """`question` scored on `engine` with its vector and its words' (`encoded_questions`); `paragraph_of`
    gives each of its documents the paragraph number that `answer` (None for an off-topic question) is
    written in."""
    scored = engine.score(question, vector, words)
    paragraphs = np.array([paragraph_of[engine.passages[i].doc] for i in scored.ids], dtype=np.int32)
    return Case(scored, answer, paragraphs)


def outcome(cases: list[Case], rule: Rule) -> Outcome:
    answerable = [c for c in cases if c.paragraph is not None]
    off_topic = [c for c in cases if c.paragraph is None]
    answered = hits = refused = 0
    for case in cases:
        answers = decide(case.scored, rule)
        if case.paragraph is None:
            refused += not len(answers.ids)
            continue
        if len(answers.ids):
            answered += 1
            first = answers.ranked()[0]
            hits += int(case.paragraphs[np.searchsorted(case.scored.ids, first)] == case.paragraph)
    return Outcome(answered / max(len(answerable), 1), hits / max(len(answerable), 1),
                   refused / max(len(off_topic), 1))


L2 = 0.1  # chosen on the calibration split among 0.001, 0.1, 1 and 10
FITTED_ON = ("XQuAD calibration split: articles 1-12 answerable, 25-36 distractors, questions of 13-24 off-topic "
             "(lab/calibration.py), all six directions and the one-article corpora; and TyDi QA English train's "
             "calibration part (lab/tydi.py)")


def weights_file(weights: tuple[tuple[float, ...], ...], fitted: str) -> str:
    """The decision's data file (`retrieval/decision_weights.json`): each regime's weights by feature name,
    with what they were fitted on and when."""
    named = {regime: dict(zip(FEATURES, row)) for regime, row in zip(REGIMES, weights)}
    data = {"fitted_on": FITTED_ON, "fitted": fitted, "l2": L2, "weights": named}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def fit_decision(cases: list[Case], l2: float = L2) -> tuple[tuple[float, ...], ...]:
    """Logistic regression (Newton's method, a little L2) of "the corpus covers this question" on `features`,
    one per `regime`."""
    return tuple(_logistic([c for c in cases if regime(c.scored) == kind], l2) for kind in range(3))


def _logistic(cases: list[Case], l2: float) -> tuple[float, ...]:
    x = np.array([features(c.scored) for c in cases])
    y = np.array([c.paragraph is not None for c in cases], dtype=float)
    weights = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(x @ weights, -50, 50)))
        gradient = x.T @ (p - y) + l2 * weights
        hessian = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(weights))
        weights -= np.linalg.solve(hessian, gradient)
    return tuple(round(float(w), 3) for w in weights)


# Today's rule before the encoder: words only (the known share and coverage), ranked by BM25 alone.
WORDS_ONLY = Rule(thresholds=(2.0, 2.0, 2.0), lexical_min_cosine=-1.0, shown_coverage=0.5, weight_known=0.0,
                  weight_unknown=0.0, weight_across=0.0, translation_weight=0.0, translated_known=0.0,
                  words_min_probability=0.0)
THRESHOLDS = (0.1, 0.2, 0.25, 0.3, 0.4, 0.5)
MEANING_FLOORS = (0.15, 0.2, 0.25, 0.3, 0.35)
WORD_FLOORS = (0.0, 0.1, 0.2, 0.25, 0.3)
NEAR_SHARES = (0.5, 0.6, 0.7, 0.8, 1.0)
SHOWN_COVERAGES = (0.25, 0.3, 0.35, 0.4, 0.5)
COSINE_WEIGHTS = (1.0, 1.5, 2.0, 3.0)
SURE = (0.3, 0.35, 0.4, 0.5, 1.01)  # 1.01: above any probability, the floors always apply
ACROSS_WEIGHTS = (0.0, 2.0, 4.0, 6.0)


def answer_or_refuse(cases: dict[str, dict[str, list[Case]]]) -> str:
    """The table `python -m lab evaluate` prints: both splits, the words-only rule beside the rule in
    use, then how the threshold trades answered for refused on the calibration split."""
    lines = ["Answer or refuse (XQuAD, rule on; a refused answerable question is a miss):",
             "answered / hit@1 / off-topic refused"]
    for split, directions in cases.items():
        lines.append(f"{split} split{' (settings chosen here)' if split == 'calibration' else ' (reported)'}:")
        lines.append(f"  {'direction':22} {'n':>4}  {'words only':>20}  {'words + meaning':>20}")
        for name, direction_cases in directions.items():
            before, after = outcome(direction_cases, WORDS_ONLY), outcome(direction_cases, DEFAULT_RULE)
            lines.append(f"  {name:22} {len(direction_cases):4}  {cells(before):>20}  {cells(after):>20}")
    directions = [name for name in cases["calibration"] if "1 article" not in name]
    shown = None
    for setting, value, rule, in_use in _settings():
        if setting != shown:
            shown = setting
            lines.append(f"calibration split by {setting} (answered/hit@1/refused): {', '.join(directions)}")
        row = "  ".join(cells(outcome(cases["calibration"][name], rule)) for name in directions)
        lines.append(f"  {value:4.2f}  {row}{'  ← in use' if in_use else ''}")
    return "\n".join(lines)


def threshold_rules():
    """(regime, threshold, the rule with it, whether it is the threshold in use) for every point of each
    regime's threshold curve, the other regimes held at theirs."""
    for kind, name in enumerate(REGIMES):
        chosen = DEFAULT_RULE.thresholds[kind]
        for value in sorted({*THRESHOLDS, chosen}):
            thresholds = DEFAULT_RULE.thresholds[:kind] + (value,) + DEFAULT_RULE.thresholds[kind + 1:]
            yield name, value, replace(DEFAULT_RULE, thresholds=thresholds), value == chosen


def threshold_curves(row_of, header: str) -> list[str]:
    """Each regime's threshold curve, a line per threshold with `row_of(rule)`, under `header` (formatted with
    the regime's name); a regime whose rows are all the same (one the set's candidates never reach) is left
    out."""
    curves: dict[str, list[tuple[float, str, bool]]] = {}
    for name, value, rule, in_use in threshold_rules():
        curves.setdefault(name, []).append((value, row_of(rule), in_use))
    lines = []
    for name, points in curves.items():
        if len({row for _, row, _ in points}) > 1:
            lines.append(header.format(regime=name))
            lines += [f"  {value:4.2f}  {row}{'  ← in use' if in_use else ''}" for value, row, in_use in points]
    return lines


def _settings():
    """(setting, value, the rule with it, whether it is the value in use) for every point of the curves: each
    regime's threshold, then the other settings, one at a time, the rest held at their values."""
    for name, value, rule, in_use in threshold_rules():
        yield f"threshold where candidates are in {name}", value, rule, in_use
    for setting, values in (("meaning_min_cosine", MEANING_FLOORS), ("near_share", NEAR_SHARES),
                            ("sure", SURE), ("words_min_probability", WORD_FLOORS),
                            ("shown_coverage", SHOWN_COVERAGES), ("weight_known", COSINE_WEIGHTS),
                            ("weight_across", ACROSS_WEIGHTS)):
        for value in values:
            in_use = value == getattr(DEFAULT_RULE, setting)
            yield setting, value, replace(DEFAULT_RULE, **{setting: value}), in_use


def cells(o: Outcome) -> str:
    return f"{o.answered:.3f} {o.hit1:.3f} {o.refused:.3f}"
