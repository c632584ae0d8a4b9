"""The store as the event loop uses it: no call runs on the loop, none is waited for longer than WAIT_SECONDS,
and after a failure calls fail at once for RETRY_SECONDS, so a hung or lost database never holds a chat.

A database can stop answering without closing its connections (a stopped server, a network partition):
no client timeout fires, and a call made on the event loop would freeze every chat. So calls run on their
own threads (as many as the PostgreSQL pool has connections) and the loop waits for each only so long; a
call that takes longer counts as a failure, and the thread finishes, or fails, on its own. Questions are
recorded without being waited for at all: an answer goes out at once with its buttons, and a button that
needs a question still being written waits for that write (within the same limit). `state` is what
`/readyz` and the `innoprom_store_up` metric report.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

from . import health
from .store import Stats, Store, StoreUnavailable

log = logging.getLogger(__name__)
WAIT_SECONDS = 2.0
RETRY_SECONDS = 5.0
LOG_SECONDS = 60.0
THREADS = 4  # bot.pgstore's pool has this many connections
T = TypeVar("T")


class StoreCalls:
    def __init__(self, store: Store, wait: float = WAIT_SECONDS, retry: float = RETRY_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.store, self.wait, self.retry, self.clock = store, wait, retry, clock
        self._threads = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="store")
        self._failed_at: float | None = None
        self._logged_at = -LOG_SECONDS
        self._writing: dict[int, asyncio.Task] = {}  # questions being recorded, by id
        health.STORE_UP.set(1)

    @property
    def state(self) -> str:
        return "ok" if self._failed_at is None else "unreachable"

    async def _call(self, work: Callable[..., T], *args) -> T:
        if self._failed_at is not None and self.clock() - self._failed_at < self.retry:
            raise StoreUnavailable("failing fast after a recent failure")
        try:
            result = await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(self._threads, work, *args),
                                            self.wait)
        except (StoreUnavailable, TimeoutError) as error:
            self._down(str(error) or f"no answer within {self.wait:g} s")
            raise StoreUnavailable(str(error)) from None
        if self._failed_at is not None:
            self._failed_at = None
            health.STORE_UP.set(1)
            log.warning("the store answers again")
        return result

    def _down(self, reason: str) -> None:
        self._failed_at = self.clock()
        health.STORE_UP.set(0)
        if self._failed_at - self._logged_at >= LOG_SECONDS:
            self._logged_at = self._failed_at
            log.error("the store is unreachable (%s); questions are still answered, buttons that need it ask "
                      "to try again", reason)

    def record(self, text: str, lang: str, hits: int, author: int | None) -> int:
        """A new question's id, at once; the question is written in the background (lost, and logged
        once a minute, when the store is down)."""
        question_id = secrets.randbits(62) or 1
        task = asyncio.get_running_loop().create_task(
            self._call(self.store.add_question, question_id, text, lang, hits, author))
        self._writing[question_id] = task

        def written(done: asyncio.Task) -> None:
            del self._writing[question_id]
            if not done.cancelled():
                done.exception()  # seen: a failure was logged by _down, not left for asyncio to report

        task.add_done_callback(written)
        return question_id

    async def _written(self, question_id: int) -> None:
        """Wait for the question's own write, if it is still under way (a button pressed at once)."""
        task = self._writing.get(question_id)
        if task is not None:
            await asyncio.shield(task)

    async def question(self, question_id: int) -> tuple[str, str] | None:
        await self._written(question_id)
        return await self._call(self.store.question, question_id)

    async def vote(self, question_id: int, voter: int, up: bool) -> bool:
        await self._written(question_id)
        return await self._call(self.store.vote, question_id, voter, up)

    async def stats(self) -> Stats:
        return await self._call(self.store.stats)

    async def drain(self) -> None:
        """Let the questions being written finish (on shutdown), each within its own limit."""
        await asyncio.gather(*self._writing.values(), return_exceptions=True)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self.store.close()
