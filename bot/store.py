"""Feedback and anonymous query statistics in SQLite.

WAL mode and one transaction per event, so a crash loses nothing that was acknowledged. Questions are
stored without who asked them (unless `store_question_authors` is on): paging buttons refer to a question
by its row id, and /stats lists them. Votes keep a salted hash of the voter, only to count one vote per
person per question.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    text TEXT NOT NULL,
    lang TEXT NOT NULL,
    hits INTEGER NOT NULL,
    author INTEGER,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    question_id INTEGER NOT NULL REFERENCES questions(id),
    voter TEXT NOT NULL,
    up INTEGER NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (question_id, voter)
);
"""


@dataclass(frozen=True)
class Stats:
    questions: int
    unanswered: int
    up: int
    down: int
    top: list[tuple[str, int]]
    missed: list[tuple[str, int]]


class Store:
    def __init__(self, path: Path | str, keep_authors: bool = False):
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        self.keep_authors = keep_authors
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))
        self._salt = self.db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0]

    def add_question(self, text: str, lang: str, hits: int, author: int | None = None) -> int:
        with self.db:
            cursor = self.db.execute(
                "INSERT INTO questions (text, lang, hits, author, created) VALUES (?, ?, ?, ?, ?)",
                (text, lang, hits, author if self.keep_authors else None, time.time()))
        return int(cursor.lastrowid)

    def question(self, question_id: int) -> tuple[str, str] | None:
        """(text, lang) of a stored question."""
        return self.db.execute("SELECT text, lang FROM questions WHERE id = ?", (question_id,)).fetchone()

    def vote(self, question_id: int, voter: int, up: bool) -> bool:
        """Record (or change) a vote; False when the question is unknown."""
        if self.question(question_id) is None:
            return False
        voter_hash = hashlib.sha256(f"{self._salt}:{voter}".encode()).hexdigest()
        with self.db:
            self.db.execute(
                "INSERT INTO votes VALUES (?, ?, ?, ?) ON CONFLICT (question_id, voter) "
                "DO UPDATE SET up = excluded.up, created = excluded.created",
                (question_id, voter_hash, int(up), time.time()))
        return True

    def stats(self, limit: int = 10) -> Stats:
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        grouped = ("SELECT text, COUNT(*) AS n FROM questions {where} GROUP BY lower(trim(text)) "
                   "ORDER BY n DESC, MAX(created) DESC LIMIT ?")
        return Stats(
            questions=one("SELECT COUNT(*) FROM questions"),
            unanswered=one("SELECT COUNT(*) FROM questions WHERE hits = 0"),
            up=one("SELECT COUNT(*) FROM votes WHERE up = 1"),
            down=one("SELECT COUNT(*) FROM votes WHERE up = 0"),
            top=self.db.execute(grouped.format(where=""), (limit,)).fetchall(),
            missed=self.db.execute(grouped.format(where="WHERE hits = 0"), (limit,)).fetchall(),
        )

    def close(self) -> None:
        self.db.close()
