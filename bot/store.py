"""Questions behind the buttons, feedback and anonymous statistics: SQLite by default, PostgreSQL to share
them between replicas (`open_store`).

One transaction per event, so a crash loses nothing that was acknowledged. Questions are stored without who
asked them (unless `store_question_authors` is on): paging buttons refer to a question by its id, which the
bot draws at random (62 bits) so that an answer need not wait for the store to number it, and /stats lists
them. Votes keep a salted hash of the voter, only to count one vote per person per question.
The SQL is shared by both databases; the schema is versioned (`MIGRATIONS`) and brought up to date on
start, one process at a time (SQLite: an immediate transaction; PostgreSQL: an advisory lock), so two
replicas starting together do not race.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# Each migration: its version and statements; {id} and {real} are the column types of each database.
MIGRATIONS = (
    (1, ("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
         "CREATE TABLE IF NOT EXISTS questions (id {id}, text TEXT NOT NULL, lang TEXT NOT NULL, "
         "hits INTEGER NOT NULL, author BIGINT, created {real} NOT NULL)",
         "CREATE TABLE IF NOT EXISTS votes (question_id BIGINT NOT NULL REFERENCES questions(id), "
         "voter TEXT NOT NULL, up INTEGER NOT NULL, created {real} NOT NULL, PRIMARY KEY (question_id, voter))")),
)


class StoreError(Exception):
    """The store cannot be opened (a clear message for the operator; never a password)."""


class StoreUnavailable(Exception):
    """The shared store cannot be reached right now; what needs it should say "try again in a moment"."""


@dataclass(frozen=True)
class Stats:
    questions: int
    unanswered: int
    up: int
    down: int
    top: list[tuple[str, int]]
    missed: list[tuple[str, int]]


class Store:
    """The store's operations, in SQL both databases speak; subclasses run it (`_run`)."""

    keep_authors = False
    salt = ""  # random, made once per database: hashes voters, and keys the buttons' seals (bot.callbacks)

    def _run(self, statements: list[tuple[str, tuple]], fetch: str = ""):
        """Run the statements in one transaction; the last one's rows ("all"), first row ("one") or none."""
        raise NotImplementedError

    def _migrate(self, run_locked) -> None:
        """Apply the migrations this database lacks; `run_locked(work)` runs `work(execute)` holding the
        database's migration lock inside one transaction."""
        def work(execute):
            execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            rows = execute("SELECT MAX(version) FROM schema_version")
            current = rows[0][0] or 0
            for version, statements in MIGRATIONS:
                if version > current:
                    for statement in statements:
                        execute(statement.format(**self.types))
                    execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            execute("INSERT INTO meta (key, value) VALUES ('salt', ?) ON CONFLICT (key) DO NOTHING",
                    (secrets.token_hex(16),))
            return execute("SELECT value FROM meta WHERE key = 'salt'")[0][0]

        self.salt = run_locked(work)

    def add_question(self, question_id: int, text: str, lang: str, hits: int, author: int | None = None) -> None:
        self._run([("INSERT INTO questions (id, text, lang, hits, author, created) VALUES (?, ?, ?, ?, ?, ?)",
                    (question_id, text, lang, hits, author if self.keep_authors else None, time.time()))])

    def question(self, question_id: int) -> tuple[str, str] | None:
        """(text, lang) of a stored question."""
        if not -2**63 <= question_id < 2**63:
            return None
        row = self._run([("SELECT text, lang FROM questions WHERE id = ?", (question_id,))], "one")
        return (row[0], row[1]) if row else None

    def vote(self, question_id: int, voter: int, up: bool) -> bool:
        """Record (or change) a vote; False when the question is unknown."""
        if self.question(question_id) is None:
            return False
        voter_hash = hashlib.sha256(f"{self.salt}:{voter}".encode()).hexdigest()
        self._run([("INSERT INTO votes (question_id, voter, up, created) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (question_id, voter) DO UPDATE SET up = excluded.up, created = excluded.created",
                    (question_id, voter_hash, int(up), time.time()))])
        return True

    def stats(self, limit: int = 10) -> Stats:
        grouped = ("SELECT MIN(text), COUNT(*) AS n FROM questions {where} GROUP BY lower(trim(text)) "
                   "ORDER BY n DESC, MAX(created) DESC LIMIT ?")
        count = "SELECT COUNT(*) FROM {}"
        one = [self._run([(count.format(table), ())], "one")[0] for table in
               ("questions", "questions WHERE hits = 0", "votes WHERE up = 1", "votes WHERE up = 0")]
        return Stats(*one, top=[tuple(r) for r in self._run([(grouped.format(where=""), (limit,))], "all")],
                     missed=[tuple(r) for r in self._run([(grouped.format(where="WHERE hits = 0"), (limit,))],
                                                         "all")])

    def close(self) -> None:
        raise NotImplementedError


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


def open_store(url: str, keep_authors: bool = False) -> Store:
    """The store at `url`: `sqlite:///relative/path`, `sqlite:////absolute/path`, or `postgresql://…`."""
    if url.startswith("sqlite:///"):
        return SQLiteStore(url.removeprefix("sqlite:///"), keep_authors)
    if url.startswith(("postgresql://", "postgres://")):
        from .pgstore import PostgresStore
        return PostgresStore(url, keep_authors)
    raise StoreError(f"store {url.split(':', 1)[0]!r}: use sqlite:///path or postgresql://…")
