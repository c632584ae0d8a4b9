"""The store as the event loop uses it: no call runs on the loop, none is waited for longer than WAIT_SECONDS,
and after a failure calls fail at once for RETRY_SECONDS, so a hung or lost database never holds a chat.

A database can stop answering without closing its connections (a stopped server, a network partition):
no client timeout fires, and a call made on the event loop would freeze every chat. So calls run on their
own daemon threads (as many as the PostgreSQL pool has connections; daemons, so that one stuck in a
stopped server's socket does not keep the process from exiting) and the loop waits for each only so long;
a call that takes longer counts as a failure, and the thread finishes, or fails, on its own. Questions are
recorded without being waited for at all: an answer goes out at once with its buttons, and a button that
needs a question still being written waits for that write (within the same limit). After a failure, the
first question after the retry pause tries the store again, so it comes back by itself. `state` is what
`/readyz` and the `innoprom_store_up` metric report.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import secrets
import threading
import time
from concurrent.futures import Executor, Future
from typing import Callable, TypeVar

from ..web import health
from .base import Stats, Store, StoreUnavailable

log = logging.getLogger(__name__)
WAIT_SECONDS = 2.0
RETRY_SECONDS = 5.0
LOG_SECONDS = 60.0
THREADS = 4  # bot.store.postgres's pool has this many connections
KEEPING_LOCKS = 64  # chats' questions are written under one of these, by chat
T = TypeVar("T")


class _DaemonThreads(Executor):
    """A fixed set of daemon worker threads (ThreadPoolExecutor's are joined when the interpreter exits,
    which a thread stuck on a stopped server would never allow)."""

    def __init__(self, count: int):
        self._work: queue.SimpleQueue = queue.SimpleQueue()
        self._count = count
        for number in range(count):
            threading.Thread(target=self._serve, name=f"store-{number}", daemon=True).start()

    def submit(self, work, /, *args) -> Future:
        future: Future = Future()
        self._work.put((future, work, args))
        return future

    def _serve(self) -> None:
        while True:
            future, work, args = self._work.get()
            if future is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(work(*args))
            except BaseException as error:  # noqa: BLE001 - handed to whoever awaits the future
                future.set_exception(error)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        for _ in range(self._count):
            self._work.put((None, None, None))


class StoreCalls:
    def __init__(self, store: Store, wait: float = WAIT_SECONDS, retry: float = RETRY_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.store, self.wait, self.retry, self.clock = store, wait, retry, clock
        self._threads = _DaemonThreads(THREADS)
        self._failed_at: float | None = None
        self._logged_at = -LOG_SECONDS
        self._writing: dict[int, asyncio.Task] = {}  # questions being recorded, by id
        self._remembering: dict[int, asyncio.Task] = {}  # chats' questions being kept, by chat
        self._running: set[asyncio.Task] = set()  # every write under way, a replaced one included
        self._asked = 0  # chats' questions kept so far, numbered in the order they were asked
        self._kept: dict[int, int] = {}  # the number of each chat's question last written
        self._keeping = [threading.Lock() for _ in range(KEEPING_LOCKS)]  # a chat's writes, one at a time
        health.STORE_UP.set(1)

    @property
    def state(self) -> str:
        return "ok" if self._failed_at is None else "unreachable"

    @property
    def usable(self) -> bool:
        """Whether a call now would be tried (not failed fast): never failed, or the retry pause is over."""
        return self._failed_at is None or self.clock() - self._failed_at >= self.retry

    async def _call(self, work: Callable[..., T], *args) -> T:
        if not self.usable:
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
        self._background("recording a question", self._writing, question_id,
                         self.store.add_question, question_id, text, lang, hits, author)
        return question_id

    def _background(self, what: str, pending: dict, key, work: Callable, *args) -> None:
        """`work(*args)` on the store without waiting for it, its task kept in `pending` under `key` until done
        (unless a later one took its place); a failure other than the store being down (which `_down` logs) is
        logged as `what` failing."""
        task = asyncio.get_running_loop().create_task(self._call(work, *args))
        pending[key] = task
        self._running.add(task)

        def finished(done: asyncio.Task) -> None:
            self._running.discard(done)
            if pending.get(key) is done:
                del pending[key]
            error = None if done.cancelled() else done.exception()
            if error is not None and not isinstance(error, StoreUnavailable):
                log.error("%s failed", what, exc_info=error)

        task.add_done_callback(finished)

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

    async def last_question(self, chat_id: int, keep_seconds: float) -> str | None:
        """The chat's last question with a subject, once this process's keeping of it is done (a follow-up
        typed at once must not read the question before)."""
        task = self._remembering.get(chat_id)
        if task is not None:
            await asyncio.wait([task])
        return await self._call(self.store.last_question, chat_id, keep_seconds)

    def remember(self, chat_id: int, question: str, keep_seconds: float) -> None:
        """Keep the chat's last question with a subject, in the background (when the store is down, the next
        follow-up is read alone, no more). Two questions of a chat asked close together are written on two
        threads: a write older than the one already made is skipped, so the last question asked is kept."""
        self._asked += 1
        turn = self._asked

        def keep() -> None:
            with self._keeping[chat_id % KEEPING_LOCKS]:
                if turn > self._kept.get(chat_id, 0):
                    self.store.remember(chat_id, question, keep_seconds)
                    self._kept[chat_id] = turn

        self._background("remembering a chat's question", self._remembering, chat_id, keep)

    async def stats(self) -> Stats:
        return await self._call(self.store.stats)

    async def drain(self) -> None:
        """Let the questions and chats' questions being written finish (on shutdown), each within its own limit."""
        await asyncio.gather(*self._running, return_exceptions=True)

    def close(self) -> None:
        self._threads.shutdown()
        self.store.close()
