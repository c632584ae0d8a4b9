"""The saved index: analysis and encoding are the slow part of starting, so their results are kept on disk.

One `.npz` file (numpy arrays, no pickle) holds, per article (known by the digest of its file's bytes), its
cleaned paragraphs and passages; for every passage its vector and its sentences' (int8 with a scale per row, a
quarter of float32's size); the term counts of all passages (`bm25.Postings`, not weights: weights are computed from
the counts at load with the current BM25 parameters); the compiled glossary, so a start with a valid
index neither cleans articles, nor parses or compiles the glossary; and the bridge's vocabulary (each
translatable term, the word it stands for and that word's vector, int8 like the passages').

Two keys say what can be reused. The passages key (this format, cleaning, passage limits, the encoder's
name and version) covers passages and vectors, the bridge's too: vectors of another encoder version are
never mixed. The terms key (the analyser's settings and the glossary file's bytes) covers the term counts
(the bridge's words are reused by their text whatever the terms key). An article
whose digest is in the file reuses what the file holds for it, so adding one article to thousands costs
that article's analysis and encoding only (`Engine.load`).

The file is untrusted: one whose passages key differs, or that is truncated, foreign or unreadable, is
ignored and rebuilt. Writing goes to a temporary file in the same folder, then an atomic rename, so a
reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..text import analysis, cleaning
from . import encoder
from ..text.analysis import CompiledGlossary
from .bm25 import BM25Index, Postings
from .bridge import Bridge
from ..text.cleaning import CleanArticle
from ..files import replaced
from ..text.passages import MAX_PASSAGE_CHARS, MAX_PASSAGE_SENTENCES, Passage, splitter
from .sentences import SentenceVectors
from ..yamlfile import read_bytes

FORMAT_VERSION = 6
INDEX_FILE = ".search-index.npz"
log = logging.getLogger(__name__)
_DIGEST_RE = re.compile(r"[0-9a-f]{64}")


class IndexKey(NamedTuple):
    passages: str  # what passages and vectors depend on
    terms: str  # what term counts depend on besides the passages


def index_key(glossary_file: Path | None) -> IndexKey:
    """The keys of an index built now for a corpus with this glossary file."""
    passages = hashlib.sha256(f"v{FORMAT_VERSION}:{cleaning.VERSION}:{encoder.identity()}:"
                              f"{MAX_PASSAGE_CHARS}:{MAX_PASSAGE_SENTENCES}:{splitter()}".encode()).hexdigest()
    terms = hashlib.sha256(analysis.fingerprint().encode())
    terms.update(read_bytes(glossary_file) if glossary_file else b"no glossary")
    return IndexKey(passages, terms.hexdigest())


class SavedArticle(NamedTuple):
    digest: str
    article: CleanArticle
    passages: range  # ids of its passages in `SavedIndex.passages`


@dataclass(frozen=True)
class SavedIndex:
    """What an index holds for reuse, read from the file or taken from a loaded engine."""

    key: IndexKey
    articles: tuple[SavedArticle, ...]
    passages: list[Passage]  # `doc` is the position of the article in `articles`
    vectors: np.ndarray  # float32 unit vectors, one row per passage
    sentences: SentenceVectors  # every passage's sentences' vectors
    index: BM25Index | None  # None when the terms key differs: terms must be counted again
    glossary: CompiledGlossary | None
    bridge: Bridge  # its words' vectors are reusable even when `index` is None

    @property
    def digests(self) -> tuple[str, ...]:
        return tuple(article.digest for article in self.articles)


def save(path: Path, saved: SavedIndex) -> bool:
    """Write atomically; False (and a log line) when the folder is not writable."""
    rows, scales = encoder.quantise(saved.vectors)
    bridge_rows, bridge_scales = encoder.quantise(saved.bridge.vectors)
    postings = saved.index.postings
    articles = [[a.digest, a.article.date, a.article.source, list(a.article.paragraphs),
                 [[p.paragraph, p.start, p.start + len(p.text)] for p in saved.passages[a.passages.start:a.passages.stop]]]
                for a in saved.articles]
    meta = {"format": FORMAT_VERSION, "passages_key": saved.key.passages, "terms_key": saved.key.terms,
            "glossary": saved.glossary.to_json(), "terms": list(postings.terms), "articles": articles,
            "bridge_terms": list(saved.bridge.terms), "bridge_words": list(saved.bridge.words)}
    try:
        with replaced(path) as tmp:
            np.savez(tmp, meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
                     indptr=postings.indptr, doc_ids=postings.doc_ids, tfs=postings.tfs, vectors=rows,
                     vector_scales=scales, bridge_vectors=bridge_rows, bridge_scales=bridge_scales,
                     sentence_vectors=saved.sentences.rows, sentence_scales=saved.sentences.scales,
                     sentence_starts=saved.sentences.starts)
        return True
    except OSError as error:
        log.warning("index not saved to %s: %s", path, error)
        return False


# Every array of the file: its dtype and number of dimensions. Nothing else is read.
ARRAYS = {"meta": (np.uint8, 1), "indptr": (np.int64, 1), "doc_ids": (np.int32, 1), "tfs": (np.int32, 1),
          "vectors": (np.int8, 2), "vector_scales": (np.float32, 1), "bridge_vectors": (np.int8, 2),
          "bridge_scales": (np.float32, 1), "sentence_vectors": (np.int8, 2), "sentence_scales": (np.float32, 1),
          "sentence_starts": (np.int64, 1)}


class BadIndex(ValueError):
    """The file is not an index this code wrote."""


def load(path: Path, key: IndexKey) -> SavedIndex | None:
    """What `path` holds for reuse under `key`, or None (logged) when nothing can be reused.

    Anything that is not a regular file (a FIFO would block), any array whose header does not match
    `ARRAYS` (read before a byte of data is allocated, so a header declaring 2^40 elements costs nothing),
    and any content that does not fit together is refused, and the caller rebuilds.
    """
    try:
        if not path.is_file():
            return None
        arrays = _read_arrays(path)
        meta = json.loads(arrays["meta"].tobytes().decode())
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION \
                or meta.get("passages_key") != key.passages:
            log.info("index %s was made by other settings; rebuilding", path)
            return None
        articles, passages = _articles(meta.get("articles"))
        vectors = _vectors(arrays["vectors"], arrays["vector_scales"], len(passages), "passages")
        sentences = SentenceVectors(arrays["sentence_vectors"], arrays["sentence_scales"], arrays["sentence_starts"])
        sentences.check(len(passages))
        bridge_terms, bridge_words = meta.get("bridge_terms"), meta.get("bridge_words")
        if not (_strings(bridge_terms) and _strings(bridge_words) and len(bridge_terms) == len(bridge_words)):
            raise BadIndex("the bridge's vocabulary is not two lists of words of one length")
        bridge = Bridge(tuple(bridge_terms), tuple(bridge_words),
                        _vectors(arrays["bridge_vectors"], arrays["bridge_scales"], len(bridge_terms), "bridge words"))
        index = glossary = None
        if meta.get("terms_key") == key.terms:
            postings = Postings(terms=_terms(meta.get("terms")), indptr=arrays["indptr"], doc_ids=arrays["doc_ids"],
                                tfs=arrays["tfs"], passages=len(passages))
            _check(postings)
            index, glossary = BM25Index(postings), CompiledGlossary.from_json(meta.get("glossary"))
        return SavedIndex(key=key, articles=articles, passages=passages, vectors=vectors, sentences=sentences,
                          index=index, glossary=glossary, bridge=bridge)
    except Exception as error:  # noqa: BLE001 - whatever is wrong with a cache file, the answer is to rebuild
        log.warning("index %s is unreadable (%s: %s); rebuilding", path, type(error).__name__, error)
        return None


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for name, (dtype, ndim) in ARRAYS.items():
            info = archive.getinfo(f"{name}.npy")
            if info.compress_type != zipfile.ZIP_STORED:
                raise BadIndex(f"{name} is compressed")  # never written so; sizes would be unbounded
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) \
                    else np.lib.format.read_array_header_2_0
                shape, fortran_order, found = read_header(member)
                size = int(np.prod(shape, dtype=np.int64)) * found.itemsize
                if found != np.dtype(dtype) or len(shape) != ndim or fortran_order \
                        or size != info.file_size - member.tell():
                    raise BadIndex(f"{name} is {found}{list(shape)}, not a {ndim}-d {np.dtype(dtype)} of its size")
                data = member.read(size)
            arrays[name] = np.frombuffer(data, dtype=dtype).reshape(shape)
    return arrays


def _articles(rows) -> tuple[tuple[SavedArticle, ...], list[Passage]]:
    """The saved articles and their passages, each checked: texts, and spans that lie in their paragraph."""
    if not isinstance(rows, list):
        raise BadIndex("no articles")
    articles, passages = [], []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 5 and isinstance(row[0], str) and _DIGEST_RE.fullmatch(row[0])
                and isinstance(row[1], str) and isinstance(row[2], str) and isinstance(row[3], list)
                and row[3] and all(isinstance(p, str) and p for p in row[3]) and isinstance(row[4], list)):
            raise BadIndex(f"article {len(articles)} is not [digest, date, source, paragraphs, passages]")
        paragraphs, first = tuple(row[3]), len(passages)
        for span in row[4]:
            if not (isinstance(span, list) and len(span) == 3 and all(type(n) is int for n in span)
                    and 1 <= span[0] <= len(paragraphs) and 0 <= span[1] < span[2] <= len(paragraphs[span[0] - 1])):
                raise BadIndex(f"a passage of article {len(articles)} is not [paragraph, start, end] within it")
            number, start, end = span
            passages.append(Passage(len(articles), number, paragraphs[number - 1][start:end], start))
        articles.append(SavedArticle(row[0], CleanArticle(paragraphs, row[1], row[2]), range(first, len(passages))))
    return tuple(articles), passages


def _vectors(rows: np.ndarray, scales: np.ndarray, count: int, what: str) -> np.ndarray:
    if rows.shape != (count, encoder.DIMENSIONS) or scales.shape != (count,) or not np.all(np.isfinite(scales)):
        raise BadIndex(f"the vectors do not match the {what}")
    return encoder.dequantise(rows, scales)


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _terms(terms) -> tuple[str, ...]:
    if not _strings(terms):
        raise BadIndex("the vocabulary is not a list of terms")
    if len(set(terms)) != len(terms):
        raise BadIndex("the vocabulary repeats a term")
    return tuple(terms)


def _check(postings: Postings) -> None:
    """Refuse postings that do not fit together: every search relies on these (ascending passage ids within
    a term, for `np.isin(assume_unique=True)`; `indptr` slicing; counts of at least one)."""
    indptr, doc_ids = postings.indptr, postings.doc_ids
    n_terms, n_postings = len(postings.terms), len(doc_ids)
    if len(indptr) != n_terms + 1 or indptr[0] != 0 or indptr[-1] != n_postings or np.any(np.diff(indptr) < 0):
        raise BadIndex("indptr is not an ordered index into the postings")
    if len(postings.tfs) != n_postings or (n_postings and postings.tfs.min() < 1):
        raise BadIndex("term counts do not match the postings")
    if n_postings and (doc_ids.min() < 0 or doc_ids.max() >= postings.passages):
        raise BadIndex("a posting names a passage that does not exist")
    ascending = np.diff(doc_ids) > 0
    ascending[indptr[1:-1][(indptr[1:-1] > 0) & (indptr[1:-1] < n_postings)] - 1] = True  # a new term starts
    if not np.all(ascending):
        raise BadIndex("a term's passages are not in ascending order")
