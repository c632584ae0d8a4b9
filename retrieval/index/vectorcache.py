"""Vectors already computed, kept on disk by the encoder and the text: a passage or word is encoded once.

The saved index reuses the vectors of an unchanged article in its own corpus; this goes further. The same
text met again (a rebuild after a damaged index file, a changed glossary, the same article in another
corpus, a bench or an evaluation over the same data, another process) takes its vectors from here instead of
the encoder, which is most of a build's cost. A build stores each batch as it finishes, so an interrupted
build resumes where it stopped.

One SQLite file, shared by every process (WAL, a writer waits for another); each entry is keyed by a hash of
the encoder's name and version, the sentence splitter's, this cache's format, the kind of text and the text
itself, so vectors of another encoder version are never mixed, and holds the text's vectors as the saved
index stores them (int8 rows, a float32 scale per row). A text's vectors are those of its first encoding,
whichever process stored it first: the encoder's batches differ from encoding alone in the seventh decimal,
which the int8 store hides almost always.

Where: `INNOPROM_VECTOR_CACHE` names the file (an empty value turns the cache off), else
`$XDG_CACHE_HOME/innoprom-bot/vectors.sqlite3` (`~/.cache/…`). The cache only ever saves work: a file that
cannot be opened, read or written is logged once and the build encodes as it would without it. Deleting the
file (with its `-wal` and `-shm` companions, and the encoder's unpacked weights beside it: `weights`) is
always safe.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import Callable

import numpy as np

from . import encoder
from ..text import passages

log = logging.getLogger(__name__)

PATH_ENV = "INNOPROM_VECTOR_CACHE"
FORMAT = 1  # raised when what an entry holds changes (how passages are split, composed or quantised)
PASSAGE = "passage"  # a passage: its vector, then its sentences' (rows 1…)
WORD = "word"  # a vocabulary word of the bridge

Quantised = tuple[np.ndarray, np.ndarray]  # int8 rows × DIMENSIONS, float32 scale per row


def default_path() -> Path | None:
    """The cache file this process uses: the environment's choice, else the user's cache folder."""
    if PATH_ENV in os.environ:
        return Path(os.environ[PATH_ENV]) if os.environ[PATH_ENV] else None
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:  # no home folder (a user without a passwd entry, as in a container): no cache
        return None
    return Path(base) / "innoprom-bot" / "vectors.sqlite3"


class VectorCache:
    """One cache file, opened on first use; every failure turns it off for this process with one warning."""

    def __init__(self, path: Path | None):
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._off = path is None
        self._lock = threading.Lock()

    def vectors(self, kind: str, texts: list[str], compute: Callable[[list[str]], list[Quantised]],
                batch: int = 256, progress: Callable[[int, int], None] | None = None) -> list[Quantised]:
        """Each text's vectors: from the cache where held, else from `compute` (called on at most `batch`
        texts at a time, each batch stored as it finishes; a text met twice is computed once, so a cold
        build gives what a warm one does); `progress(done, missing)` after each batch."""
        if not texts:
            return []
        prefix = _prefix(kind)
        keys = [_hashed(prefix + text) for text in texts]
        held = dict(zip(keys, self._get(keys)))
        text_of = dict(zip(keys, texts))
        missing = [key for key, value in held.items() if value is None]  # a text met twice is encoded once
        for first in range(0, len(missing), batch):
            chosen = missing[first:first + batch]
            computed = dict(zip(chosen, compute([text_of[key] for key in chosen])))
            self._put(computed)
            stored = dict(zip(chosen, self._get(chosen)))  # another process's, when it stored them first
            held.update({key: stored[key] if stored[key] is not None else computed[key] for key in chosen})
            if progress:
                progress(min(first + batch, len(missing)), len(missing))
        return [held[key] for key in keys]

    @property
    def usable(self) -> bool:
        """Whether the cache may still be read and written (it is off without a file or after a failure)."""
        return not self._off

    def state(self, name: str) -> bytes | None:
        """What `keep` stored under `name` for this encoder version, or None."""
        found = self._run(lambda db: db.execute("SELECT data FROM state WHERE key = ?",
                                                (self._key("state", name),)).fetchone())
        return found[0] if found and isinstance(found[0], bytes) else None

    def keep(self, name: str, data: bytes) -> None:
        """Keep `data` under `name` for this encoder version (what a start would otherwise compute)."""
        self._run(lambda db: db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (self._key("state", name), data)))

    def beside(self, name: str) -> Path | None:
        """A path beside the cache file for what does not fit in it (the encoder's unpacked weights), named
        for this encoder version; None when the cache is off."""
        if self._off:
            return None
        return self.path.with_name(f"{self.path.name}.{name}-{self._key('beside', name).hex()[:16]}")

    @staticmethod
    def _key(kind: str, text: str) -> bytes:
        return _hashed(_prefix(kind) + text)

    def _get(self, keys: list[bytes]) -> list[Quantised | None]:
        held: dict[bytes, Quantised] = {}
        damaged: list[tuple[bytes]] = []
        for start in range(0, len(keys), 500):  # SQLite's limit on a statement's parameters
            chunk = keys[start:start + 500]
            rows = self._run(lambda db: db.execute(
                f"SELECT key, rows, scales FROM vectors WHERE key IN ({','.join('?' * len(chunk))})",
                chunk).fetchall()) or []
            for key, data, scales in rows:
                value = _decoded(data, scales)
                if value is not None:
                    held[key] = value
                else:
                    damaged.append((key,))
        if damaged:  # computed again and stored in their place
            self._run(lambda db: db.executemany("DELETE FROM vectors WHERE key = ?", damaged))
        return [held.get(key) for key in keys]

    def _put(self, entries: dict[bytes, Quantised]) -> None:
        """Store `entries`; a key already stored keeps its vectors (the first encoding wins, whichever
        process made it), so every reader gets the same ones."""
        records = [(key, np.ascontiguousarray(rows, dtype=np.int8).tobytes(),
                    np.ascontiguousarray(scales, dtype=np.float32).tobytes()) for key, (rows, scales) in entries.items()]
        self._run(lambda db: db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)", records))

    def _run(self, work):
        """`work(connection)` in one transaction, or None once the cache is off."""
        with self._lock:
            if self._off:
                return None
            try:
                db = self._connection or self._open()
                with db:
                    return work(db)
            except (sqlite3.Error, OSError) as error:
                self._off = True
                log.warning("vector cache %s not used (%s); passages are encoded without it", self.path, error)
                return None

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a cache: a power cut may lose the last entries, not the file
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, rows BLOB, scales BLOB) WITHOUT ROWID")
            db.execute("CREATE TABLE IF NOT EXISTS state (key BLOB PRIMARY KEY, data BLOB)")
        except sqlite3.Error:
            db.close()
            raise
        self._connection = db
        return db


def _prefix(kind: str) -> str:
    """What every key of `kind` starts with: the encoder's name and version, the sentence splitter's (a
    passage's sentence vectors follow its split) and this cache's format."""
    return f"{encoder.identity()}\0{passages.splitter()}\0{FORMAT}\0{kind}\0"


def _hashed(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()


def _decoded(data: bytes, scales: bytes) -> Quantised | None:
    """An entry's arrays, or None for one of the wrong shape (it is then computed again)."""
    if not isinstance(data, bytes) or not isinstance(scales, bytes) or len(scales) % 4:
        return None
    count = len(scales) // 4
    if count == 0 or len(data) != count * encoder.DIMENSIONS:
        return None
    return (np.frombuffer(data, dtype=np.int8).reshape(count, encoder.DIMENSIONS),
            np.frombuffer(scales, dtype=np.float32))


_opened: dict[Path | None, VectorCache] = {}
_opened_lock = threading.Lock()


def cache() -> VectorCache:
    """This process's cache at `default_path()` (read at each call, so a test or a tool may move it)."""
    path = default_path()
    with _opened_lock:
        if path not in _opened:
            _opened[path] = VectorCache(path)
        return _opened[path]
