"""TyDi QA English (its train split, beside the project): half fits the decision, half checks it.

TyDi's questions were written by people who wanted the answer before they saw the article, so they share
fewer words with their paragraph than XQuAD's: closer to how people ask a bot. Its articles are split by a
hash of their title into four parts, none sharing an article with another: a corpus and the off-topic
questions asked of it for calibration, and the same for the report. A corpus's own questions are the
answerable ones; the other part's questions are about articles it does not hold. `python -m lab calibrate`
fits the decision on the calibration parts (with XQuAD's calibration split); nothing was tuned on the
report parts. (TyDi's dev split and Russian part are kept for an independent check: not read here.)
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from retrieval.corpus import Corpus
from retrieval.decision import DEFAULT_RULE
from retrieval.engine import Engine

from .calibration import Case, cells, encoded_questions, outcome, scored_case, threshold_curves
from .squad import load_squad

FILE = "english_tydiqa_train.json"
SPLITS = {"calibration": (0, 1), "report": (2, 3)}  # (the corpus's part, the off-topic questions' part)


def part(title: str) -> int:
    """The part (0–3) an article belongs to, by its title: the same on every machine and every run."""
    return hashlib.sha256(title.encode("utf-8")).digest()[0] % 4


def score_cases(path: Path, split: str) -> list[Case]:
    """Every question of `split`, scored against its corpus: the corpus's own questions and the off-topic
    part's."""
    corpus, questions = load_squad(path, "en")
    inside, outside = SPLITS[split]
    kept = [i for i, doc in enumerate(corpus.documents) if part(doc.title) == inside]
    held = set(kept)
    asked = [q for q in questions if part(corpus.documents[q.paragraph].title) in (inside, outside)]
    engine = Engine.build(Corpus(corpus.root, tuple(corpus.documents[i] for i in kept)))
    vectors, words = encoded_questions([q.text for q in asked])
    return [scored_case(engine, q.text, vectors[q.text], words, q.paragraph if q.paragraph in held else None, kept)
            for q in asked]


def report(folder: Path) -> str:
    """The table `python -m lab evaluate` prints: both splits with the rule in use, and how each regime's
    threshold trades answered for refused on them (a regime no candidate of these English corpora is in,
    whose curve is flat, is left out)."""
    cases = {split: score_cases(folder / FILE, split) for split in SPLITS}
    lines = ["Answer or refuse (TyDi QA English train, rule on; the model was fitted on the calibration part, not on"
             " the report part; a refused answerable question is a miss):",
             f"  {'split':12} {'answerable':>10} {'off-topic':>9}  answered / hit@1 / off-topic refused"]
    for split, split_cases in cases.items():
        answerable = sum(case.paragraph is not None for case in split_cases)
        lines.append(f"  {split:12} {answerable:10} {len(split_cases) - answerable:9}  "
                     f"{cells(outcome(split_cases, DEFAULT_RULE))}")
    lines += threshold_curves(lambda rule: "  |  ".join(cells(outcome(part, rule)) for part in cases.values()),
                              "by the threshold where candidates are in {regime} (calibration | report):")
    return "\n".join(lines)

