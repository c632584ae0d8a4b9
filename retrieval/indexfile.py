"""The saved index: analysis is the slow part of starting, so its result is kept on disk.

One `.npz` file (numpy arrays, no pickle) holds the BM25 postings, the vocabulary, the passages, and a
key: a hash of the format version, the analyser's settings and every corpus file's bytes. A file whose
key differs, or that is truncated, foreign or unreadable, is ignored and rebuilt, never trusted. Writing
goes to a temporary file in the same folder, then an atomic rename, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .bm25 import BM25Index
from .corpus import Corpus
from .passages import MAX_PASSAGE_CHARS, MAX_PASSAGE_SENTENCES, Passage

FORMAT_VERSION = 1
INDEX_FILE = ".search-index.npz"
log = logging.getLogger(__name__)


def corpus_key(corpus: Corpus, analyser_fingerprint: str) -> str:
    """Changes whenever anything that decides the index changes."""
    digest = hashlib.sha256(f"v{FORMAT_VERSION}:{analyser_fingerprint}:"
                            f"{MAX_PASSAGE_CHARS}:{MAX_PASSAGE_SENTENCES}".encode())
    digest.update(repr([(d.id, d.language, d.paragraphs) for d in corpus.documents]).encode())
    return digest.hexdigest()


def save(path: Path, key: str, passages: list[Passage], index: BM25Index) -> bool:
    """Write atomically; False (and a log line) when the folder is not writable."""
    meta = {"format": FORMAT_VERSION, "key": key, "corpus_size": index.corpus_size,
            "vocabulary": list(index.vocabulary), "passages": [[p.doc, p.paragraph, p.text] for p in passages]}
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as tmp:
            np.savez(tmp, meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
                     indptr=index.indptr, doc_ids=index.doc_ids, weights=index.weights, doc_freqs=index.doc_freqs)
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


def load(path: Path, key: str) -> tuple[list[Passage], BM25Index] | None:
    """The saved passages and index if `path` holds a valid index for `key`, else None."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(data["meta"].tobytes().decode())
            if meta.get("format") != FORMAT_VERSION or meta.get("key") != key:
                log.info("index %s is stale; rebuilding", path)
                return None
            arrays = {name: data[name] for name in ("indptr", "doc_ids", "weights", "doc_freqs")}
        vocabulary = {term: i for i, term in enumerate(meta["vocabulary"])}
        index = BM25Index(vocabulary, corpus_size=int(meta["corpus_size"]), **arrays)
        passages = [Passage(int(d), int(n), str(t)) for d, n, t in meta["passages"]]
        _check(index, passages)
        return passages, index
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, UnicodeDecodeError, EOFError) as error:
        log.warning("index %s is unreadable (%s); rebuilding", path, error)
        return None


def _check(index: BM25Index, passages: list[Passage]) -> None:
    """Refuse arrays that do not fit together (a damaged or foreign file that happens to parse)."""
    n_terms, n_postings = len(index.vocabulary), len(index.doc_ids)
    if (len(index.indptr) != n_terms + 1 or int(index.indptr[-1]) != n_postings or len(index.weights) != n_postings
            or len(index.doc_freqs) != n_terms or index.corpus_size != len(passages)
            or (n_postings and (int(index.doc_ids.max()) >= len(passages) or int(index.doc_ids.min()) < 0))):
        raise ValueError("arrays do not fit together")
