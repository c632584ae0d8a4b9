"""The store in one SQLite file: one process's questions, votes and statistics (the default)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from .base import Store


class SQLiteStore(Store):
    """One process's store: WAL mode, synchronous=FULL. One connection, used by one thread at a time (the
    bot calls the store from several threads, and sqlite3 leaves serialising them to its caller)."""

    types = {"id": "INTEGER PRIMARY KEY", "real": "REAL"}

    def __init__(self, path: Path | str, keep_authors: bool = False):
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        self.keep_authors = keep_authors
        self._one_at_a_time = threading.Lock()
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        # SQLite's lower() folds ASCII only; PostgreSQL's, like this one, folds Cyrillic too
        self.db.create_function("lower", 1, lambda value: value.lower() if isinstance(value, str) else value,
                                deterministic=True)
        self._migrate(self._locked)

    def _locked(self, work):  # at start, before any other thread uses the store
        self.db.execute("BEGIN IMMEDIATE")  # the write lock: another process migrating waits
        try:
            result = work(lambda sql, params=(): self.db.execute(sql, params).fetchall())
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return result

    def _run(self, statements, fetch=""):
        with self._one_at_a_time, self.db:
            for sql, params in statements:
                cursor = self.db.execute(sql, params)
            return cursor.fetchone() if fetch == "one" else cursor.fetchall() if fetch == "all" else None

    def close(self) -> None:
        with self._one_at_a_time:
            self.db.close()
