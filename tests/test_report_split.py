"""The answer-or-refuse rule as users get it, measured on XQuAD's report split (the calibration split chose
the settings; `lab/calibration.py` says how the splits are made). In a module of its own: scoring the split
is the suite's one long computation, and `make test` gives each module to one worker."""

import dataclasses

import pytest

from conftest import XQUAD, needs_xquad
from retrieval.decision import DEFAULT_RULE

# Scoring the report split takes about 80 s on an idle 2-core machine, and several times that
# beside other work: the tests that need it get a timeout that still catches a hang, not a busy machine.
scores_the_report_split = pytest.mark.timeout(1500)


@pytest.fixture(scope="module")
def report():
    from lab import calibration
    return calibration.score_cases(XQUAD, ("report",))["report"]


@needs_xquad
@scores_the_report_split
def test_the_report_split_as_users_get_it(report):
    """Rule on, a refused answerable question is a miss; thresholds are the issue's targets where met, and
    the measured level where not (docs/decisions.md says which)."""
    from lab.calibration import WORDS_ONLY, outcome
    got = {name: outcome(cases, DEFAULT_RULE) for name, cases in report.items()}
    words = {name: outcome(cases, WORDS_ONLY) for name, cases in report.items()}
    for name in ("ru → ru", "en → en", "ru → ru+en", "en → ru+en"):
        assert got[name].hit1 >= 0.88 and got[name].answered >= 0.94 and got[name].answered > words[name].answered
    for name in ("ru → en", "en → ru"):  # the words alone answer almost nothing across languages
        assert got[name].hit1 >= 0.72 and got[name].answered >= 0.78 and words[name].answered < 0.05
    for name, result in got.items():
        assert result.refused >= (0.95 if "1 article" in name else 0.85), name


@needs_xquad
@scores_the_report_split
def test_a_leading_passage_holding_the_question_lifts_the_cosine_floor(report):
    """A short question is far, in cosine, from the long passage that answers it; where a leading passage
    holds `near_share` of its words' weight (near words counted), the cosine floor does not refuse it. On
    the report split this answers more Russian questions and refuses as many off-topic ones (measured with
    `sure` off, which lifts the floor for some of the same questions)."""
    from lab.calibration import outcome
    near = dataclasses.replace(DEFAULT_RULE, sure=float("inf"))
    floor_only = dataclasses.replace(near, near_share=float("inf"))
    now, before = outcome(report["ru → ru"], near), outcome(report["ru → ru"], floor_only)
    assert now.answered > before.answered and now.hit1 > before.hit1 and now.refused == before.refused


def test_tydis_four_parts_share_no_article_and_each_split_asks_of_its_own_corpus():
    """TyDi QA English train is split by article into a calibration and a report part (`lab.tydi`): no
    article, and so no question, is in both, and a split's off-topic questions are about articles its
    corpus does not hold."""
    from lab.cli import DEFAULT_TYDI
    from lab.squad import load_squad
    from lab.tydi import FILE, SPLITS, part

    if not (DEFAULT_TYDI / FILE).exists():
        pytest.skip(f"needs TyDi QA, not found at {DEFAULT_TYDI} (the data sets beside the project)")
    corpus, questions = load_squad(DEFAULT_TYDI / FILE, "en")
    parts = [part(doc.title) for doc in corpus.documents]
    titles = {n: {doc.title for doc, p in zip(corpus.documents, parts) if p == n} for n in range(4)}
    assert all(titles[a].isdisjoint(titles[b]) for a in range(4) for b in range(a + 1, 4))
    assert sorted(n for split in SPLITS.values() for n in split) == [0, 1, 2, 3]
    counts = [sum(parts[q.paragraph] == n for q in questions) for n in range(4)]
    assert min(counts) > 0.2 * len(questions)  # about a quarter each
