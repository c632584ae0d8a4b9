"""Questions as people type them (`tests/typed_questions.yaml`), asked of the project corpus as the bot asks.

The set was written from the five articles by someone who never saw what the engine returns: keywords,
polite sentences, typos, Latin-letter Russian, numbers, dates, people, companies, places, mixed languages,
follow-ups (a question read with the one before it) and near misses (close to the corpus, not answered by
it). Gold is a verbatim piece of the sentence that answers. The set is split in two by a hash of each
question's text (a follow-up goes with the question it follows): the tune part is the one rules may be
chosen on; the report part is only reported.

What counts is what a user sees: the first excerpt holds the answer; the answer is among the excerpts the
first message shows; an answerable question refused; a near miss answered.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from retrieval.decision import DEFAULT_RULE, Rule
from retrieval.engine import Engine
from retrieval.errors import CorpusError
from retrieval.yamlfile import load_list

from .calibration import threshold_curves

SHOWN = 3  # excerpts in the bot's first message (its page_size)
KINDS = ("keywords", "polite", "typo", "translit", "lower", "number", "date", "person", "company", "place", "mixed",
         "followup", "near-miss")
SPLITS = ("tune", "report")


@dataclass(frozen=True)
class Typed:
    id: str
    text: str
    lang: str
    kind: str
    answers: tuple[str, ...]  # verbatim pieces of an answering sentence; none for a near miss
    after: str | None  # the question a follow-up follows
    split: str


def split_of(text: str) -> str:
    """The part a question (or the question a follow-up follows) is in: the same on every machine."""
    return SPLITS[hashlib.sha256(text.encode("utf-8")).digest()[0] % 2]


def load_typed(path: Path) -> list[Typed]:
    """The set, each entry checked (a bad one is a CorpusError naming its line)."""
    loaded: dict[str, Typed] = {}
    for item in load_list(path):
        text, kind, after = item.get("q"), item.get("kind"), item.get("after")
        answers = item.get("answer") or []
        if not isinstance(text, str) or not text.strip() or kind not in KINDS or item.get("lang") not in ("ru", "en"):
            raise CorpusError(path, f"each question needs 'q', 'lang' (ru or en) and a 'kind' of {KINDS}", item.line)
        if (kind == "near-miss") != (not answers) or not all(isinstance(a, str) for a in answers):
            raise CorpusError(path, "answerable questions need 'answer' pieces, near misses none", item.line)
        if (kind == "followup") != (after is not None) or (after is not None and after not in loaded):
            raise CorpusError(path, "a follow-up needs 'after': the id of a question before it", item.line)
        if str(item.get("id")) in loaded:
            raise CorpusError(path, f"the id {item.get('id')} is used twice", item.line)
        first = loaded[after].text if after else text
        loaded[str(item.get("id"))] = Typed(str(item.get("id")), text, item["lang"], kind,
                                            tuple(" ".join(a.split()) for a in answers), after, split_of(first))
    return list(loaded.values())


@dataclass(frozen=True)
class Asked:
    question: Typed
    excerpts: tuple[str, ...]  # what the first message shows, best first

    def answers_at(self) -> int | None:
        """The 1-based place of the first shown excerpt holding an answer, or None."""
        for place, excerpt in enumerate(self.excerpts, start=1):
            flat = " ".join(excerpt.split())
            if any(answer in flat for answer in self.question.answers):
                return place
        return None


def ask_all(engine: Engine, questions: list[Typed], rule: Rule = DEFAULT_RULE) -> list[Asked]:
    """Each question asked as the bot asks it: a follow-up after the question it follows."""
    by_id = {q.id: q for q in questions}

    def read(q: Typed) -> str:
        return engine.read_after(by_id[q.after].text, q.text) if q.after and engine.follows_on(q.text) else q.text

    return [Asked(q, tuple(hit.excerpt for hit in engine.search(read(q), k=SHOWN, rule=rule))) for q in questions]


def _refusals(asked: list[Asked]) -> tuple[float, float]:
    """(answerable refused, near misses answered)."""
    answerable = [a for a in asked if a.question.kind != "near-miss"]
    near = [a for a in asked if a.question.kind == "near-miss"]
    return (sum(not a.excerpts for a in answerable) / max(len(answerable), 1),
            sum(bool(a.excerpts) for a in near) / max(len(near), 1))


def report(engine: Engine, path: Path) -> str:
    """The table `python -m lab evaluate` prints: per split and kind, first excerpt answers / answer shown /
    answerable refused; near misses answered."""
    questions = load_typed(path)
    asked = ask_all(engine, questions)
    lines = ["Questions as people type them (tests/typed_questions.yaml, rule on; the tune part may be tuned on,",
             "the report part is only reported): first excerpt answers / answer among the shown / answerable refused;",
             "near misses: answered (should be refused)"]
    for split in SPLITS:
        part = [a for a in asked if a.question.split == split]
        lines.append(f"{split} part:")
        lines.append(f"  {'kind':14} {'n':>4}  {'first':>6} {'shown':>6} {'refused':>8}")
        for kind in KINDS + ("all answerable",):
            rows = [a for a in part if (a.question.kind == kind if kind in KINDS else a.question.kind != "near-miss")]
            if not rows:
                continue
            if kind == "near-miss":
                answered = sum(bool(a.excerpts) for a in rows) / len(rows)
                lines.append(f"  {kind:14} {len(rows):4}  answered {answered:.3f}")
                continue
            first = sum(a.answers_at() == 1 for a in rows) / len(rows)
            shown = sum(a.answers_at() is not None for a in rows) / len(rows)
            refused = sum(not a.excerpts for a in rows) / len(rows)
            lines.append(f"  {kind:14} {len(rows):4}  {first:6.3f} {shown:6.3f} {refused:8.3f}")
    def row(rule: Rule) -> str:
        points = ask_all(engine, questions, rule)
        return "  |  ".join("{:.3f} {:.3f}".format(*_refusals([a for a in points if a.question.split == split]))
                            for split in SPLITS)

    lines += threshold_curves(row, "by the threshold where candidates are in {regime}: answerable refused, near "
                                   "misses answered (tune | report):")
    return "\n".join(lines)
