"""The search engine: corpus in, ranked cited hits out. The only thing the bot needs from retrieval.

A question is analysed, passages are ranked by BM25, and then two rules keep the answer honest.

The no-answer rule has two parts, both measured (`python -m retrieval evaluate` prints the sweep):
- the question must be about the corpus: at least MIN_KNOWN_SHARE of its content words occur somewhere
  in it. "Who won the 2018 World Cup?" shares only "world" with it, and gets nothing;
- a passage must contain the question's words that carry at least MIN_COVERAGE of the weight (idf) of
  those words the corpus knows, so a passage that merely mentions "Belarus" does not answer a question
  about Belarus's elevators.
Words the corpus has never seen are left out of the second part on purpose: in a question asked in the
other language they are usually untranslated filler ("хотят получить"), not the subject.

Near-identical excerpts (the same sentence reported by two articles) are returned once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import indexfile
from .analysis import Analyzer
from .bm25 import BM25Index, top_k
from .corpus import Corpus, Document, load_corpus
from .excerpt import choose_excerpt
from .passages import Passage, split_documents
from .query import Query, parse_query

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"

# The no-answer rule (see the module docstring and README, "The no-answer rule").
MIN_KNOWN_SHARE = 0.6
MIN_COVERAGE = 0.5
# Two excerpts whose term sets overlap this much (Jaccard) are the same statement; the lower one is dropped.
NEAR_DUPLICATE = 0.8


@dataclass(frozen=True)
class Hit:
    """One answer: a verbatim excerpt with the matched words' spans, and where it comes from."""

    doc_id: str
    title: str
    publisher: str
    date: str
    url: str
    language: str
    paragraph: int
    passage: str
    excerpt: str
    spans: tuple[tuple[int, int], ...]
    score: float

    def as_json(self) -> dict:
        return {
            "doc_id": self.doc_id, "title": self.title, "publisher": self.publisher, "date": self.date,
            "paragraph": self.paragraph, "passage": self.passage, "excerpt": self.excerpt,
            "spans": [list(span) for span in self.spans], "score": self.score,
        }


class Engine:
    """A loaded corpus with its analyser and index; build once, search many times."""

    def __init__(self, corpus: Corpus, analyzer: Analyzer, passages: list[Passage], index: BM25Index):
        self.corpus = corpus
        self.analyzer = analyzer
        self.passages = passages
        self.index = index

    @classmethod
    def build(cls, corpus: Corpus, analyzer: Analyzer | None = None) -> "Engine":
        """Analyse and index `corpus` from scratch."""
        analyzer = analyzer or Analyzer(corpus.glossary)
        passages = split_documents([doc.paragraphs for doc in corpus.documents])
        return cls(corpus, analyzer, passages, BM25Index.build([analyzer.terms(p.text) for p in passages]))

    @classmethod
    def load(cls, root: Path | str = DEFAULT_CORPUS, saved_index: bool = True) -> "Engine":
        """Load the corpus folder `root` (raises CorpusError naming file and line when it is broken).

        With `saved_index`, the analysed index is read from `root/.search-index.npz` when it matches the
        corpus and analyser, and otherwise built and saved there for the next start (see `indexfile`).
        """
        corpus = load_corpus(root)
        if not saved_index:
            return cls.build(corpus)
        path = Path(root) / indexfile.INDEX_FILE
        key = indexfile.corpus_key(corpus)
        saved = indexfile.load(path, key, len(corpus.documents))
        if saved is not None:
            return cls(corpus, Analyzer(saved.glossary), saved.passages, saved.index)
        engine = cls.build(corpus)
        indexfile.save(path, key, indexfile.SavedIndex(engine.passages, engine.index, engine.analyzer.glossary))
        return engine

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.corpus.documents

    def parse(self, question: str) -> Query:
        return parse_query(question, self.analyzer, self.index.doc_freq, self.index.corpus_size)

    def _coverage(self, query: Query, candidates: np.ndarray) -> np.ndarray:
        """For each candidate passage, the share of the known question words' weight it contains."""
        known = query.known_words
        covered = np.zeros(len(candidates))
        for word in known:
            docs = np.unique(np.concatenate([self.index.postings(t) for t in word.terms]))
            covered[np.isin(candidates, docs, assume_unique=True)] += word.weight
        return covered / sum(word.weight for word in known)

    def candidates(self, question: str, min_coverage: float = MIN_COVERAGE,
                   min_known_share: float = MIN_KNOWN_SHARE) -> tuple[Query, np.ndarray, np.ndarray]:
        """(query, passage ids, BM25 scores) of the passages that pass the no-answer rule, unordered."""
        query = self.parse(question)
        empty = np.empty(0, dtype=np.int32), np.empty(0)
        if not query.words or len(query.known_words) < min_known_share * len(query.words):
            return query, *empty
        candidates, scores = self.index.candidate_scores(list(query.terms))
        keep = self._coverage(query, candidates) >= min_coverage - 1e-12
        return query, candidates[keep], scores[keep]

    def rank(self, question: str, min_coverage: float = MIN_COVERAGE,
             min_known_share: float = MIN_KNOWN_SHARE) -> tuple[Query, list[tuple[int, float]]]:
        """All passages that pass the no-answer rule, as (passage id, BM25 score), best first."""
        query, candidates, scores = self.candidates(question, min_coverage, min_known_share)
        return query, top_k(candidates, scores, len(candidates))

    def search(self, question: str, k: int = 3, min_coverage: float = MIN_COVERAGE,
               min_known_share: float = MIN_KNOWN_SHARE) -> list[Hit]:
        """Up to k hits for `question`, best first; no hits when the corpus does not answer it.

        Only the best few candidates are sorted (more only when near-duplicates use them up), so the cost
        follows the number of matching passages, not the size of the corpus."""
        query, candidates, scores = self.candidates(question, min_coverage, min_known_share)
        hits: list[Hit] = []
        seen_terms: list[frozenset[str]] = []
        batch, done = 4 * k + 8, 0
        while len(hits) < k and done < len(candidates):
            ranked = top_k(candidates, scores, batch)
            for passage_id, score in ranked[done:]:
                if len(hits) >= k:
                    break
                passage = self.passages[passage_id]
                if any(hit.excerpt in passage.text for hit in hits):
                    continue  # repeats a quote already shown: skip it before the costly analysis
                excerpt = choose_excerpt(passage.text, self.analyzer.analyze(passage.text), query)
                if any(_jaccard(excerpt.terms, other) >= NEAR_DUPLICATE for other in seen_terms):
                    continue
                seen_terms.append(excerpt.terms)
                doc = self.corpus.documents[passage.doc]
                hits.append(Hit(doc.id, doc.display_title, doc.publisher, doc.date, doc.url, doc.language,
                                passage.paragraph, passage.text, excerpt.text, excerpt.spans, score))
            done, batch = len(ranked), batch * 4
        return hits

    def paragraph(self, doc_id: str, number: int) -> str | None:
        """The full text of paragraph `number` (1-based) of document `doc_id`, or None if there is none."""
        for doc in self.corpus.documents:
            if doc.id == doc_id and 1 <= number <= len(doc.paragraphs):
                return doc.paragraphs[number - 1]
        return None


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
