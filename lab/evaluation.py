"""Measuring retrieval: our question set on the project corpus, and XQuAD, each beside plain baselines, and
the answer-or-refuse rule as users get it (`calibration`).

Baselines are rank-bm25's BM25Okapi over the same passages, with the engine's k1, b and epsilon and simpler
analysis, computed in the same run: lowercase words, and Snowball stems with Snowball stop words (what
Lucene's analysers do).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from rank_bm25 import BM25Okapi

from retrieval.index import bm25
from retrieval.text import stopwords
from retrieval.text.analysis import Analyzer, stemmer
from .calibration import THRESHOLDS
from retrieval.corpus import Corpus
from retrieval.decision import DEFAULT_RULE, RULE_OFF, Rule, decide
from retrieval.engine import Engine
from retrieval.errors import CorpusError
from .squad import load_squad
from retrieval.text.tokens import CYRILLIC_RE
from retrieval.yamlfile import load_list

QUESTION_GROUPS = ("same", "cross", "none")
_WORD_RE = re.compile(r"\w+")


# --- baselines -----------------------------------------------------------------------------------------

def lowercase_words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


class SnowballWords:
    """Snowball stems with the Snowball stop lists, Russian or English by script."""

    def __init__(self):
        self.stemmers = {"ru": stemmer("ru"), "en": stemmer("en")}

    def __call__(self, text: str) -> list[str]:
        terms = []
        for word in lowercase_words(text.replace("ё", "е")):
            lang = "ru" if CYRILLIC_RE.search(word) else "en"
            if word not in (stopwords.RUSSIAN if lang == "ru" else stopwords.ENGLISH):
                terms.append(self.stemmers[lang].stemWord(word))
        return terms


class BaselineRanker:
    """Plain rank-bm25 over `texts`, each analysed by `terms`, with the engine's parameters: the comparison
    is of analysis alone."""

    def __init__(self, texts: list[str], terms: Callable[[str], list[str]]):
        self.terms = terms
        self.bm25 = BM25Okapi([terms(text) or [""] for text in texts], k1=bm25.K1, b=bm25.B, epsilon=bm25.EPSILON)

    def rank(self, question: str) -> list[int]:
        """Passage ids with a positive score, best first."""
        scores = self.bm25.get_scores(self.terms(question))
        order = np.lexsort((np.arange(len(scores)), -scores))
        return [int(i) for i in order if scores[i] > 0]


# --- metrics ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scores:
    n: int
    hits: dict[int, float]  # k → share of questions with a relevant result in the top k
    mrr: float

    @classmethod
    def of(cls, ranks: list[int | None], ks: Iterable[int]) -> "Scores":
        n = len(ranks)
        hits = {k: sum(1 for r in ranks if r is not None and r <= k) / n if n else 0.0 for k in ks}
        mrr = sum(1 / r for r in ranks if r is not None) / n if n else 0.0
        return cls(n, hits, mrr)

    def row(self) -> str:
        return "  ".join(f"{v:7.3f}" for v in self.hits.values()) + f"  {self.mrr:7.3f}"


def first_rank(ranked: Iterable, relevant: Callable[[object], bool]) -> int | None:
    """1-based rank of the first relevant item, or None."""
    for rank, item in enumerate(ranked, start=1):
        if relevant(item):
            return rank
    return None


def unique_docs(passage_ids: Iterable[int], engine_passages) -> list[int]:
    """Document indexes in order of their best passage."""
    seen: dict[int, None] = {}
    for pid in passage_ids:
        seen.setdefault(engine_passages[pid].doc, None)
    return list(seen)


# --- our question set ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    text: str
    group: str  # same (language as the answer), cross (other language), none (the corpus cannot answer)
    answer: str  # a piece of the passage that answers it; empty for group none
    line: int


def load_questions(path: Path) -> list[Question]:
    questions = []
    for item in load_list(path):
        group, text, answer = item.get("group"), item.get("q"), item.get("answer", "")
        if group not in QUESTION_GROUPS or not isinstance(text, str) or not text.strip():
            raise CorpusError(path, f"each question needs 'q' and a 'group' of {QUESTION_GROUPS}", item.line)
        if (group == "none") != (not answer):
            raise CorpusError(path, "answerable questions need an 'answer', unanswerable ones none", item.line)
        questions.append(Question(text, group, " ".join(str(answer).split()), item.line))
    return questions


def _contains(passage: str, answer: str) -> bool:
    return answer in " ".join(passage.split())


def ranked(engine: Engine, question: str, rule: Rule = DEFAULT_RULE) -> list[int]:
    """The passage ids that answer `question` under `rule`, best first."""
    return [int(i) for i in decide(engine.score(question), rule).ranked()]


def question_ranks(engine: Engine, questions: list[Question], rule: Rule = DEFAULT_RULE):
    """For each question: the rank of the first answering passage (None if absent), and whether any came."""
    results = []
    for q in questions:
        passages = ranked(engine, q.text, rule)[:10]
        rank = first_rank(passages, lambda pid: bool(q.answer) and _contains(engine.passages[pid].text, q.answer))
        results.append((rank, bool(passages)))
    return results


def evaluate_questions(engine: Engine, questions: list[Question], title: str = "Question set") -> str:
    baseline = BaselineRanker([p.text for p in engine.passages], lowercase_words)
    lines = [f"{title}: hit@1  hit@3  MRR (no-answer: share with no hits), rule on",
             f"{'group':8} {'n':>4}  {'engine: hit@1    hit@3      MRR':32}  {'baseline: hit@1  hit@3      MRR'}"]
    engine_results = question_ranks(engine, questions)
    for group in QUESTION_GROUPS:
        picked = [(q, r) for q, r in zip(questions, engine_results) if q.group == group]
        if not picked:
            continue
        base_ranked = [baseline.rank(q.text) for q, _ in picked]
        if group == "none":
            ours = sum(1 for _, (_, answered) in picked if not answered) / len(picked)
            theirs = sum(1 for ranked_ids in base_ranked if not ranked_ids) / len(picked)
            lines.append(f"{group:8} {len(picked):4}  no hits {ours:7.3f}{'':17}  no hits {theirs:7.3f}")
            continue
        ours = Scores.of([rank for _, (rank, _) in picked], (1, 3))
        theirs = Scores.of([
            first_rank(ranked_ids, lambda pid, q=q: _contains(engine.passages[pid].text, q.answer))
            for (q, _), ranked_ids in zip(picked, base_ranked)], (1, 3))
        lines.append(f"{group:8} {len(picked):4}  {ours.row():32}  {theirs.row()}")
    return "\n".join(lines)


def project_curve(engine: Engine, questions: list[Question], foreign: list[str]) -> str:
    """How the rule's threshold (the same in every regime, then the thresholds in use) trades answers for
    refusals on the project corpus: the question set's answerable hit@3 and unanswerable refused, and
    XQuAD's questions (other subjects) refused."""
    scored = [(q, engine.score(q.text)) for q in questions]
    foreign_scored = [engine.score(text) for text in foreign]
    lines = ["Project corpus, by threshold: answerable hit@3 | own unanswerable refused | XQuAD questions refused",
             f"{'threshold':>9}  {'hit@3':>6}  {'refused':>7}  {'XQuAD refused':>13}"]
    rules = [(f"{t:9.2f}", replace(DEFAULT_RULE, thresholds=(t, t, t))) for t in THRESHOLDS]
    for label, rule in rules + [(f"{'in use':>9}", DEFAULT_RULE)]:
        answered = [(q, decide(s, rule)) for q, s in scored]
        hit3 = [any(_contains(engine.passages[i].text, q.answer) for i in answers.ranked()[:3])
                for q, answers in answered if q.group != "none"]
        refused = [not len(ids) for q, (ids, _) in answered if q.group == "none"]
        foreign_refused = [not len(decide(s, rule)[0]) for s in foreign_scored]
        lines.append(f"{label}  {np.mean(hit3):6.3f}  {np.mean(refused):7.3f}  {np.mean(foreign_refused):13.3f}")
    return "\n".join(lines)


# --- XQuAD ------------------------------------------------------------------------------------------------

XQUAD_RUNS = (("ru → ru", ("ru",), "ru"), ("en → en", ("en",), "en"),
              ("ru → ru+en", ("ru", "en"), "ru"), ("ru → en", ("en",), "ru"))


def evaluate_xquad(folder: Path) -> str:
    """hit@1, hit@5 and MRR of the right paragraph, for the four XQuAD runs, ours beside two baselines: the
    ranking alone (every candidate answers), which is what the baselines can be compared on."""
    loaded = {lang: load_squad(folder / f"xquad.{lang}.dev.json", lang) for lang in ("ru", "en")}
    snowball = SnowballWords()
    lines = ["XQuAD paragraphs, ranking alone (rule off): hit@1  hit@5  MRR",
             f"{'run':12} {'n':>4}  {'analyser':10}  {'hit@1':>7}  {'hit@5':>7}  {'MRR':>7}"]
    for name, pool_langs, question_lang in XQUAD_RUNS:
        documents = tuple(doc for lang in pool_langs for doc in loaded[lang][0].documents)
        corpus = Corpus(folder, documents)
        questions = loaded[question_lang][1]
        paragraph_count = len(loaded["en"][0].documents)
        engine = Engine.build(corpus, Analyzer())
        texts = [p.text for p in engine.passages]

        def relevant(doc: int, q) -> bool:
            return doc % paragraph_count == q.paragraph

        runs = {
            "ours": lambda text: ranked(engine, text, RULE_OFF),
            "lowercase": BaselineRanker(texts, lowercase_words).rank,
            "snowball": BaselineRanker(texts, snowball).rank,
        }
        for label, rank in runs.items():
            ranks = [first_rank(unique_docs(rank(q.text), engine.passages), lambda d, q=q: relevant(d, q))
                     for q in questions]
            scores = Scores.of(ranks, (1, 5))
            lines.append(f"{name:12} {len(questions):4}  {label:10}  {scores.row()}")
    return "\n".join(lines)


def xquad_questions(folder: Path) -> list[str]:
    return [q.text for lang in ("ru", "en") for q in load_squad(folder / f"xquad.{lang}.dev.json", lang)[1]]
