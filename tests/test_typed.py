"""Questions as people type them (`tests/typed_questions.yaml`, `lab.typed`): the set is what the issue asks
for, its gold is the corpus's own text, and the two parts never share a conversation."""

import pytest

from conftest import ROOT
from lab.typed import KINDS, load_typed
from retrieval.corpus import load_corpus
from retrieval.errors import CorpusError

TYPED = ROOT / "tests" / "typed_questions.yaml"


@pytest.fixture(scope="module")
def typed():
    return load_typed(TYPED)


def test_the_set_has_every_kind_of_question_people_type(typed):
    kinds = {kind: sum(q.kind == kind for q in typed) for kind in KINDS}
    assert sum(q.kind not in ("followup", "near-miss") for q in typed) >= 150
    assert kinds["followup"] >= 20 and kinds["near-miss"] >= 40 and min(kinds.values()) >= 8
    assert {q.lang for q in typed} == {"ru", "en"}


def test_every_gold_piece_is_verbatim_text_of_the_corpus(typed):
    texts = [" ".join(paragraph.split())
             for doc in load_corpus(ROOT / "corpus").documents for paragraph in doc.paragraphs]
    missing = [(q.id, answer) for q in typed for answer in q.answers if not any(answer in text for text in texts)]
    assert not missing


def test_a_follow_up_is_in_the_part_of_the_question_it_follows_and_both_parts_are_used(typed):
    by_id = {q.id: q for q in typed}
    assert all(by_id[q.after].split == q.split for q in typed if q.after)
    for split in ("tune", "report"):
        part = [q for q in typed if q.split == split]
        assert len(part) > 0.3 * len(typed) and sum(q.kind == "near-miss" for q in part) >= 10


@pytest.mark.parametrize("entry, complaint", [
    ("- id: a\n  q: маз\n  lang: ru\n  kind: keywords\n", "need 'answer'"),
    ("- id: a\n  q: маз 2023\n  lang: ru\n  kind: near-miss\n  answer: [MAZ]\n", "need 'answer'"),
    ("- id: a\n  q: а когда?\n  lang: ru\n  kind: followup\n  answer: [July 8]\n", "needs 'after'"),
    ("- id: a\n  q: маз\n  lang: de\n  kind: keywords\n  answer: [MAZ]\n", "'lang'"),
    ("- id: a\n  q: маз\n  lang: ru\n  kind: keywords\n  answer: [MAZ]\n- id: a\n  q: МАЗ\n  lang: ru\n"
     "  kind: keywords\n  answer: [MAZ]\n", "used twice"),
])
def test_a_bad_entry_names_its_file_and_line(tmp_path, entry, complaint):
    path = tmp_path / "typed.yaml"
    path.write_text("# a comment line\n" + entry, encoding="utf-8")
    with pytest.raises(CorpusError) as raised:
        load_typed(path)
    assert complaint in str(raised.value) and f"{path}:{2 if 'twice' not in complaint else 7}:" in str(raised.value)


def test_the_report_part_keeps_its_levels(engine, typed):
    """Every rule on, the report part (nobody tuned on it): the issue's targets where met, the measured level
    where not (first 0.701, shown 0.839, answerable refused 0.069, follow-ups first 0.714, near misses
    answered 0.516: docs/decisions.md); a change that loses any of it fails here."""
    from lab.typed import ask_all
    asked = [a for a in ask_all(engine, typed) if a.question.split == "report"]
    answerable = [a for a in asked if a.question.kind != "near-miss"]
    follow_ups = [a for a in answerable if a.question.kind == "followup"]
    near = [a for a in asked if a.question.kind == "near-miss"]
    assert sum(a.answers_at() == 1 for a in answerable) / len(answerable) >= 0.70
    assert sum(a.answers_at() is not None for a in answerable) / len(answerable) >= 0.83
    assert sum(not a.excerpts for a in answerable) / len(answerable) <= 0.07
    assert sum(a.answers_at() == 1 for a in follow_ups) / len(follow_ups) >= 0.71
    assert sum(bool(a.excerpts) for a in near) / len(near) <= 0.52
