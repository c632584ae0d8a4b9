"""Building what a search reads from a corpus: passages, BM25 postings, passage and sentence vectors and the
word bridge, reusing whatever a saved index (or the engine being replaced) already holds for an unchanged
article, so that adding one article costs only that article."""

from __future__ import annotations

import logging
import sys
import time
from typing import NamedTuple

import numpy as np

from .corpus import Corpus
from .index import composed, encoder, indexfile, vectorcache
from .index.bm25 import BM25Index, Postings
from .index.bridge import Bridge, count_terms
from .index.sentences import SentenceVectors, offsets
from .text.analysis import Analyzer
from .text.passages import Passage, split_document

log = logging.getLogger(__name__)

PROGRESS_FROM = 512  # passages to encode before a build shows its progress
PROGRESS_SECONDS = 5


class Built(NamedTuple):
    """An engine's parts, as `build` makes them."""

    analyzer: Analyzer
    passages: list[Passage]
    index: BM25Index
    vectors: np.ndarray
    sentences: SentenceVectors
    bridge: Bridge


def build(corpus: Corpus, analyzer: Analyzer | None = None, reuse: indexfile.SavedIndex | None = None) -> Built:
    """Analyse, index and encode `corpus`; articles whose digest `reuse` holds take its passages and
    vectors (and its term counts, when they were made with this glossary) instead of being redone, and
    the words `reuse`'s bridge has encoded are not encoded again."""
    analyzer = analyzer or Analyzer(corpus.glossary)
    saved = {a.digest: a for a in reuse.articles} if reuse else {}
    passages: list[Passage] = []
    old: list[int] = []  # per passage: its id in `reuse`, or -1 when it is new
    for number, doc in enumerate(corpus.documents):
        article = saved.pop(doc.digest, None) if doc.digest else None  # a digest reused once: ids stay unique
        if article is None:
            fresh = split_document(number, doc.paragraphs)
            passages += fresh
            old += [-1] * len(fresh)
        else:
            passages += [Passage(number, reuse.passages[i].paragraph, reuse.passages[i].text,
                                 reuse.passages[i].start) for i in article.passages]
            old += article.passages
    old_ids = np.array(old, dtype=np.int64)
    kept, new = np.flatnonzero(old_ids >= 0), np.flatnonzero(old_ids < 0)
    vectors = np.empty((len(passages), encoder.DIMENSIONS), dtype=np.float32)
    if len(kept):
        vectors[kept] = reuse.vectors[old_ids[kept]]
    vectors[new], fresh_sentences = encode_passages([passages[i].text for i in new])
    if reuse is not None:  # each passage's sentences, from the saved index or the new ones after them
        in_both = old_ids.copy()
        in_both[new] = reuse.sentences.passages + np.arange(len(new))
        sentences = SentenceVectors.join([reuse.sentences, fresh_sentences]).select(in_both)
    else:
        sentences = fresh_sentences
    if reuse and reuse.index is not None:
        terms, words = count_terms([passages[i].text for i in new], analyzer)
        counted = Postings.count(terms)
        renamed = np.full(reuse.index.corpus_size, -1, dtype=np.int64)  # old passage id → new, or -1
        renamed[old_ids[kept]] = kept
        postings = Postings.combine([(reuse.index.postings.terms, renamed, *reuse.index.postings.triples()),
                                     (counted.terms, new, *counted.triples())], len(passages))
        words |= dict(zip(reuse.bridge.terms, reuse.bridge.words))  # a known term keeps its word
    else:
        terms, words = count_terms([p.text for p in passages], analyzer)
        postings = Postings.count(terms)
    vocabulary = frozenset(postings.terms)
    bridge = Bridge.build({term: word for term, word in words.items() if term in vocabulary},
                          reuse.bridge if reuse else None)
    return Built(analyzer=analyzer, passages=passages, index=BM25Index(postings), vectors=vectors,
                 sentences=sentences, bridge=bridge)


def encode_passages(texts: list[str]) -> tuple[np.ndarray, SentenceVectors]:
    """The passages' unit vectors as the saved index holds them (int8 precision, so a fresh build and a
    loaded index rank alike), and their sentences' (`composed`: one encoder pass gives both). Passages the
    vector cache holds are not encoded; the rest are, with a progress line on a terminal (a large corpus
    takes minutes)."""
    found = vectorcache.cache().vectors(vectorcache.PASSAGE, texts, _encoded, progress=_Progress())
    if not found:
        return np.empty((0, encoder.DIMENSIONS), dtype=np.float32), SentenceVectors.empty()
    vectors = encoder.dequantise(np.stack([rows[0] for rows, _ in found]),
                                 np.array([scales[0] for _, scales in found], dtype=np.float32))
    sentences = SentenceVectors(np.concatenate([rows[1:] for rows, _ in found]),
                                np.concatenate([scales[1:] for _, scales in found]),
                                offsets(np.array([len(scales) - 1 for _, scales in found])))
    return vectors, sentences


def _encoded(texts: list[str]) -> list[vectorcache.Quantised]:
    """Per passage, its vector then its sentences', quantised: what the cache keeps of it."""
    vectors, sentence_vectors, counts = composed.encode_passages(texts)
    (rows, scales), (sentence_rows, sentence_scales) = encoder.quantise(vectors), encoder.quantise(sentence_vectors)
    starts = offsets(counts)
    return [(np.concatenate([rows[i:i + 1], sentence_rows[starts[i]:starts[i + 1]]]),
             np.concatenate([scales[i:i + 1], sentence_scales[starts[i]:starts[i + 1]]])) for i in range(len(texts))]


class _Progress:
    """A long build's progress: a line redrawn on a terminal, else a log line every PROGRESS_SECONDS (the
    bot's log, a service's journal)."""

    def __init__(self):
        self._logged = time.monotonic()

    def __call__(self, done: int, missing: int) -> None:
        if missing < PROGRESS_FROM:
            return
        if sys.stderr.isatty():
            print(f"\rencoding passages: {done}/{missing}", end="\n" if done == missing else "", file=sys.stderr,
                  flush=True)
        elif done == missing or time.monotonic() - self._logged >= PROGRESS_SECONDS:
            log.info("encoding passages: %d of %d done", done, missing)
            self._logged = time.monotonic()
