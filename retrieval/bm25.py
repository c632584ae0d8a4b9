"""BM25 over an inverted index: scoring touches only the passages that contain a query term.

The score is rank-bm25's BM25Okapi, term for term (same idf with its epsilon floor for very common terms,
same length normalisation), so `BM25Okapi.get_scores` stays the definition and a parity test holds us to
it. What differs is the work per query: each term's weight in each passage is computed once at build time
and stored in postings (term → passages, weights), so a query sums a few short arrays instead of walking
every passage in Python.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

K1 = 1.5
B = 0.75
EPSILON = 0.25


def parameters() -> str:
    """The scoring parameters, for the saved index's key: a change must never reuse precomputed weights."""
    return f"BM25Okapi k1={K1!r} b={B!r} epsilon={EPSILON!r}"


@dataclass
class BM25Index:
    """Postings in CSR form: the passages of term t are `doc_ids[indptr[t]:indptr[t+1]]`."""

    vocabulary: dict[str, int]
    indptr: np.ndarray  # int64, len(vocabulary) + 1
    doc_ids: np.ndarray  # int32
    weights: np.ndarray  # float64, idf(t) * tf-saturation(t, d)
    doc_freqs: np.ndarray  # int32, passages containing each term
    corpus_size: int

    @classmethod
    def build(cls, corpus: list[list[str]], k1: float = K1, b: float = B, epsilon: float = EPSILON) -> "BM25Index":
        """Index tokenised passages exactly as `BM25Okapi(corpus, k1, b, epsilon)` would score them."""
        vocabulary: dict[str, int] = {}
        rows: list[list[tuple[int, int]]] = []
        lengths = np.fromiter((len(doc) for doc in corpus), dtype=np.float64, count=len(corpus))
        for doc_id, doc in enumerate(corpus):
            for term, tf in Counter(doc).items():
                term_id = vocabulary.setdefault(term, len(vocabulary))
                if term_id == len(rows):
                    rows.append([])
                rows[term_id].append((doc_id, tf))
        doc_freqs = np.fromiter((len(r) for r in rows), dtype=np.int32, count=len(rows))
        idf = _okapi_idf(doc_freqs, len(corpus), epsilon)
        avgdl = lengths.sum() / len(corpus) if corpus and lengths.sum() else 1.0
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(doc_freqs, out=indptr[1:])
        doc_ids = np.empty(int(indptr[-1]), dtype=np.int32)
        tfs = np.empty(int(indptr[-1]), dtype=np.float64)
        for term_id, row in enumerate(rows):
            start = indptr[term_id]
            doc_ids[start:start + len(row)] = [d for d, _ in row]
            tfs[start:start + len(row)] = [tf for _, tf in row]
        term_of_posting = np.repeat(np.arange(len(rows)), doc_freqs)
        norm = k1 * (1 - b + b * lengths[doc_ids] / avgdl)
        weights = idf[term_of_posting] * (tfs * (k1 + 1) / (tfs + norm))
        return cls(vocabulary, indptr, doc_ids, weights, doc_freqs, len(corpus))

    def doc_freq(self, term: str) -> int:
        term_id = self.vocabulary.get(term)
        return 0 if term_id is None else int(self.doc_freqs[term_id])

    def postings(self, term: str) -> np.ndarray:
        """The passages containing `term` (ascending ids; empty when the corpus lacks it)."""
        term_id = self.vocabulary.get(term)
        if term_id is None:
            return self.doc_ids[:0]
        return self.doc_ids[self.indptr[term_id]:self.indptr[term_id + 1]]

    def candidate_scores(self, query: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, scores) of every passage containing a query term; a repeated term counts again,
        as in `get_scores`."""
        slices = [
            slice(self.indptr[i], self.indptr[i + 1])
            for i in (self.vocabulary.get(term) for term in query)
            if i is not None
        ]
        if not slices:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float64)
        ids = np.concatenate([self.doc_ids[s] for s in slices])
        weights = np.concatenate([self.weights[s] for s in slices])
        candidates, inverse = np.unique(ids, return_inverse=True)
        return candidates, np.bincount(inverse, weights=weights, minlength=len(candidates))

    def top(self, query: list[str], k: int) -> list[tuple[int, float]]:
        """The k best (passage id, score) pairs, best first; ties go to the earlier passage."""
        return top_k(*self.candidate_scores(query), k)

    def scores(self, query: list[str]) -> np.ndarray:
        """Scores of all passages (zeros where no term matches), the shape `get_scores` returns."""
        result = np.zeros(self.corpus_size)
        candidates, scores = self.candidate_scores(query)
        result[candidates] = scores
        return result


def top_k(candidates: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (id, score) pairs by a partial sort, best first, ties to the lower id."""
    if k <= 0 or not len(candidates):
        return []
    if len(candidates) > k:
        kth = -np.partition(-scores, k - 1)[k - 1]
        keep = scores >= kth  # every candidate tied with the k-th, so ties go to the lower id
        candidates, scores = candidates[keep], scores[keep]
    order = np.lexsort((candidates, -scores))[:k]
    return [(int(candidates[i]), float(scores[i])) for i in order]


def _okapi_idf(doc_freqs: np.ndarray, corpus_size: int, epsilon: float) -> np.ndarray:
    """BM25Okapi's idf: log((N - df + 0.5) / (df + 0.5)), negative values replaced by epsilon × mean idf."""
    idf = np.array([math.log(corpus_size - df + 0.5) - math.log(df + 0.5) for df in doc_freqs.tolist()])
    if len(idf):
        floor = epsilon * (idf.sum() / len(idf))
        idf[idf < 0] = floor
    return idf
