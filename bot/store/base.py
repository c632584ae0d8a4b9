"""The store's operations in SQL both databases speak, its schema, and its errors."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

# Each migration: its version and statements; {id} and {real} are the column types of each database.
MIGRATIONS = (
    (1, ("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
         "CREATE TABLE IF NOT EXISTS questions (id {id}, text TEXT NOT NULL, lang TEXT NOT NULL, "
         "hits INTEGER NOT NULL, author BIGINT, created {real} NOT NULL)",
         "CREATE TABLE IF NOT EXISTS votes (question_id BIGINT NOT NULL REFERENCES questions(id), "
         "voter TEXT NOT NULL, up INTEGER NOT NULL, created {real} NOT NULL, PRIMARY KEY (question_id, voter))")),
    # each chat's last question with a subject, for reading a follow-up after it (by a hash of the chat)
    (2, ("CREATE TABLE IF NOT EXISTS chats (chat TEXT PRIMARY KEY, question TEXT NOT NULL, created {real} NOT NULL)",)),
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

    def remember(self, chat_id: int, question: str, keep_seconds: float) -> None:
        """Keep `question` as the chat's last question with a subject; questions older than `keep_seconds`
        (of any chat) are forgotten at the same time."""
        now = time.time()
        self._run([("DELETE FROM chats WHERE created < ?", (now - keep_seconds,)),
                   ("INSERT INTO chats (chat, question, created) VALUES (?, ?, ?) ON CONFLICT (chat) DO UPDATE "
                    "SET question = excluded.question, created = excluded.created",
                    (self._hashed(chat_id), question, now))])

    def last_question(self, chat_id: int, keep_seconds: float) -> str | None:
        """The chat's last question with a subject, if asked within `keep_seconds`; older ones (of any chat)
        are forgotten at the same time."""
        oldest = time.time() - keep_seconds
        row = self._run([("DELETE FROM chats WHERE created < ?", (oldest,)),
                         ("SELECT question FROM chats WHERE chat = ?", (self._hashed(chat_id),))], "one")
        return row[0] if row else None

    def _hashed(self, chat_id: int) -> str:
        """A chat as the store keeps it: hashed with the database's salt, as voters are. The table then lists
        no chat id, but whoever holds the whole database can recover them by trying every id; what protects
        the questions is that none is kept longer than a follow-up needs (`remember`, `last_question`)."""
        return hashlib.sha256(f"{self.salt}:chat:{chat_id}".encode()).hexdigest()

    def stats(self, limit: int = 10) -> Stats:
        grouped = ("SELECT MIN(text), COUNT(*) AS n FROM questions {where} GROUP BY lower(trim(text)) "
                   "ORDER BY n DESC, MAX(created) DESC LIMIT ?")
        count = "SELECT COUNT(*) FROM {}"
        counted = {name: self._run([(count.format(table), ())], "one")[0] for name, table in
                   (("questions", "questions"), ("unanswered", "questions WHERE hits = 0"),
                    ("up", "votes WHERE up = 1"), ("down", "votes WHERE up = 0"))}
        return Stats(**counted, top=[tuple(r) for r in self._run([(grouped.format(where=""), (limit,))], "all")],
                     missed=[tuple(r) for r in self._run([(grouped.format(where="WHERE hits = 0"), (limit,))],
                                                         "all")])

    def close(self) -> None:
        raise NotImplementedError
