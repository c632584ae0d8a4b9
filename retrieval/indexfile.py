"""The saved index: analysis is the slow part of starting, so its result is kept on disk.

One `.npz` file (numpy arrays, no pickle) holds the BM25 postings, the vocabulary, the passages, and a
key: a hash of the format version, the analyser's, scoring's and encoder's settings (the encoder's name and
version: vectors of another version are never mixed), the glossary and the articles. It holds the passage
vectors as int8 with a scale per row (a quarter of float32's size), and the compiled glossary, so a start
with a valid index neither parses nor compiles the glossary. A file whose key differs, or that is
truncated, foreign or unreadable, is ignored and rebuilt, never trusted. Writing goes to a temporary file in
the same folder, then an atomic rename, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import analysis, bm25, encoder
from .analysis import CompiledGlossary
from .bm25 import BM25Index
from .corpus import Corpus
from .passages import MAX_PASSAGE_CHARS, MAX_PASSAGE_SENTENCES, Passage

FORMAT_VERSION = 3
INDEX_FILE = ".search-index.npz"
log = logging.getLogger(__name__)


class SavedIndex(NamedTuple):
    passages: list[Passage]
    index: BM25Index
    glossary: CompiledGlossary
    vectors: np.ndarray  # float32 unit vectors, one row per passage (int8 with a scale per row on disk)


def corpus_key(corpus: Corpus) -> str:
    """Changes whenever anything that decides the index changes: this format, the analyser, the scoring and
    passage parameters, the glossary file's bytes, and every article's id, language and cleaned text."""
    digest = hashlib.sha256(f"v{FORMAT_VERSION}:{analysis.fingerprint()}:{bm25.parameters()}:"
                            f"{encoder.identity()}:{MAX_PASSAGE_CHARS}:{MAX_PASSAGE_SENTENCES}".encode())
    digest.update(corpus.glossary_file.read_bytes() if corpus.glossary_file else b"no glossary")
    digest.update(repr([(d.id, d.language, d.paragraphs) for d in corpus.documents]).encode())
    return digest.hexdigest()


def save(path: Path, key: str, saved: SavedIndex) -> bool:
    """Write atomically; False (and a log line) when the folder is not writable."""
    passages, index, glossary, vectors = saved
    rows, scales = encoder.quantise(vectors)
    meta = {"format": FORMAT_VERSION, "key": key, "glossary": glossary.to_json(),
            "vocabulary": list(index.vocabulary), "passages": [[p.doc, p.paragraph, p.text] for p in passages]}
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as tmp:
            np.savez(tmp, meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
                     indptr=index.indptr, doc_ids=index.doc_ids, weights=index.weights, doc_freqs=index.doc_freqs,
                     vectors=rows, vector_scales=scales)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp.name, 0o644)  # readable by the service user even when built by another (Docker)
        os.replace(tmp.name, path)
        return True
    except OSError as error:
        log.warning("index not saved to %s: %s", path, error)
        try:
            os.unlink(tmp.name)
        except (OSError, UnboundLocalError):
            pass
        return False


# Every array of the file: its dtype and number of dimensions. Nothing else is read.
ARRAYS = {"meta": (np.uint8, 1), "indptr": (np.int64, 1), "doc_ids": (np.int32, 1), "weights": (np.float64, 1),
          "doc_freqs": (np.int32, 1), "vectors": (np.int8, 2), "vector_scales": (np.float32, 1)}


class BadIndex(ValueError):
    """The file is not an index this code wrote for this corpus."""


def load(path: Path, key: str, n_documents: int) -> SavedIndex | None:
    """The saved passages and index if `path` holds a valid index for `key`, else None (logged).

    The file is untrusted: anything that is not a regular file (a FIFO would block), any array whose header
    does not match `ARRAYS` (read before a byte of data is allocated, so a header declaring 2^40 elements
    costs nothing), and any content that does not fit together is refused, and the caller rebuilds.
    """
    try:
        if not path.is_file():
            return None
        arrays = _read_arrays(path)
        meta = json.loads(arrays.pop("meta").tobytes().decode())
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION or meta.get("key") != key:
            log.info("index %s is stale; rebuilding", path)
            return None
        passages = _passages(meta.get("passages"), n_documents)
        vocabulary = _vocabulary(meta.get("vocabulary"))
        rows, scales = arrays.pop("vectors"), arrays.pop("vector_scales")
        if rows.shape != (len(passages), encoder.DIMENSIONS) or scales.shape != (len(passages),) \
                or not np.all(np.isfinite(scales)):
            raise BadIndex("the vectors do not match the passages")
        index = BM25Index(vocabulary, corpus_size=len(passages), **arrays)
        _check(index)
        return SavedIndex(passages, index, CompiledGlossary.from_json(meta.get("glossary")),
                          encoder.dequantise(rows, scales))
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


def _passages(rows, n_documents: int) -> list[Passage]:
    if not isinstance(rows, list):
        raise BadIndex("no passages")
    passages = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 3 and type(row[0]) is int and type(row[1]) is int
                and isinstance(row[2], str) and 0 <= row[0] < n_documents and row[1] >= 1):
            raise BadIndex(f"passage {len(passages)} is not [document, paragraph, text]")
        passages.append(Passage(*row))
    return passages


def _vocabulary(terms) -> dict[str, int]:
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        raise BadIndex("the vocabulary is not a list of terms")
    vocabulary = {term: i for i, term in enumerate(terms)}
    if len(vocabulary) != len(terms):
        raise BadIndex("the vocabulary repeats a term")
    return vocabulary


def _check(index: BM25Index) -> None:
    """Refuse postings that do not fit together: every search relies on these (ascending passage ids within
    a term, for `np.isin(assume_unique=True)`; `indptr` slicing; finite weights)."""
    indptr, doc_ids = index.indptr, index.doc_ids
    n_terms, n_postings = len(index.vocabulary), len(doc_ids)
    if len(indptr) != n_terms + 1 or indptr[0] != 0 or indptr[-1] != n_postings or np.any(np.diff(indptr) < 0):
        raise BadIndex("indptr is not an ordered index into the postings")
    if len(index.weights) != n_postings or not np.all(np.isfinite(index.weights)):
        raise BadIndex("weights do not match the postings")
    if not np.array_equal(index.doc_freqs, np.diff(indptr)):
        raise BadIndex("document frequencies do not match the postings")
    if n_postings and (doc_ids.min() < 0 or doc_ids.max() >= index.corpus_size):
        raise BadIndex("a posting names a passage that does not exist")
    ascending = np.diff(doc_ids) > 0
    ascending[indptr[1:-1][(indptr[1:-1] > 0) & (indptr[1:-1] < n_postings)] - 1] = True  # a new term starts
    if not np.all(ascending):
        raise BadIndex("a term's passages are not in ascending order")
