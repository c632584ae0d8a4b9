"""Building what a search reads from a corpus: passages, BM25 postings, passage and sentence vectors and the
word bridge, reusing whatever a saved index (or the engine being replaced) already holds for an unchanged
article, so that adding one article costs only that article."""

from __future__ import annotations

import sys
from typing import NamedTuple

import numpy as np

from .corpus import Corpus
from .index import composed, encoder, indexfile
from .index.bm25 import BM25Index, Postings
from .index.bridge import Bridge, count_terms
from .index.sentences import SentenceVectors
from .text.analysis import Analyzer
from .text.passages import Passage, split_document


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


def encode_passages(texts: list[str], batch: int = 256) -> tuple[np.ndarray, SentenceVectors]:
    """The passages' unit vectors as the saved index holds them (int8 precision, so a fresh build and a
    loaded index rank alike), and their sentences' (`composed`: one encoder pass gives both), with a
    progress line on a terminal (a large corpus takes minutes)."""
    vectors = np.empty((len(texts), encoder.DIMENSIONS), dtype=np.float32)
    sentences = [SentenceVectors.empty()]
    show = sys.stderr.isatty() and len(texts) > 2 * batch
    for start in range(0, len(texts), batch):
        vectors[start:start + batch], sentence_vectors, counts = composed.encode_passages(texts[start:start + batch])
        sentences.append(SentenceVectors.of(sentence_vectors, counts))
        if show:
            print(f"\rencoding passages: {min(start + batch, len(texts))}/{len(texts)}", end="", file=sys.stderr,
                  flush=True)
    if show:
        print(file=sys.stderr)
    return encoder.as_saved(vectors), SentenceVectors.join(sentences)
