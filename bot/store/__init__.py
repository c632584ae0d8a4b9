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

from .base import Stats, Store, StoreError, StoreUnavailable
from .sqlite import SQLiteStore

__all__ = ["SQLiteStore", "Stats", "Store", "StoreError", "StoreUnavailable", "open_store"]


def open_store(url: str, keep_authors: bool = False) -> Store:
    """The store at `url`: `sqlite:///relative/path`, `sqlite:////absolute/path`, or `postgresql://…`."""
    if url.startswith("sqlite:///"):
        return SQLiteStore(url.removeprefix("sqlite:///"), keep_authors)
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore
        return PostgresStore(url, keep_authors)
    raise StoreError(f"store {url.split(':', 1)[0]!r}: use sqlite:///path or postgresql://…")
