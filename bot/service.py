"""What the bot does with a question, independent of Telegram: used by the handlers and the console chat.

It owns the search engine (swapped whole on /reload, /add and feed polls, so a broken corpus never
replaces a good one; each reuses what the engine already holds, so only new articles cost analysis), the
store (through `StoreCalls`: an answer never waits on it), who may ask (the allow-list, the flood limit,
the admins), the metrics of what it does, and the rules for odd input: empty questions get a hint, very
long ones are cut to the configured length with a notice. Articles are fetched with no lock held; only
writing them takes the one-change-at-a-time lock, so a slow site never holds /reload. Every message it
returns is built by `render`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Callable

from retrieval import CorpusError, Engine, Hit, ingest

from . import callbacks, render
from .callbacks import Ticket
from .config import Settings
from .ratelimit import FloodGuard
from .render import Reply
from .store import Store, StoreUnavailable
from .store.calls import StoreCalls
from .web import health

log = logging.getLogger(__name__)
RECORDING_SECONDS = 0.5  # how long a question being recorded by another replica is waited for
PREVIOUS_SECONDS = 0.3  # how long a follow-up waits for the store to give the question it follows
INLINE_RESULTS = 5  # excerpts offered to an inline query


def clean_input(question: str) -> str:
    """Strip the question and replace what cannot be stored or sent as UTF-8 (lone surrogates, which a
    Telegram update's JSON can carry) so that nothing downstream fails on it."""
    return question.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ").strip()


class AnswerService:
    def __init__(self, engine: Engine, store: Store, settings: Settings):
        self.calls = StoreCalls(store)
        self.settings = settings
        self.fetching = ingest.Fetching(settings.fetch_timeout, settings.fetch_allow_loopback)
        self._changing = asyncio.Lock()  # one corpus change at a time: reload, /add, feed poll
        self._feed_problems: dict[str, list[str]] = {}  # each feed's last problems: told to admins once
        self._feed_refused: dict[str, frozenset[str]] = {}  # each feed's entries refused at earlier polls
        self._guard = FloodGuard(settings.rate_limit_messages, settings.rate_limit_seconds)
        self._told_not_allowed: set[int] = set()  # chats told once that they are not allowed
        health.READINESS.store = lambda: self.calls.state
        self._serve(engine)

    def admits(self, where: int | None) -> bool:
        """Whether the allow-list (`allowed_chats`), when there is one, admits this chat (or user)."""
        return not self.settings.allowed_chats or where in self.settings.allowed_chats

    def first_refusal(self, where: int) -> bool:
        """True the first time a chat outside the allow-list is refused: it is told once, not every time."""
        first = where not in self._told_not_allowed
        self._told_not_allowed.add(where)
        return first

    def within_limit(self, user_id: int) -> tuple[bool, bool, int]:
        """(allowed, warn now, seconds to wait) under the per-user flood limit; a refusal is counted."""
        allowed, warn, wait = self._guard.check(user_id)
        if not allowed:
            health.QUESTIONS.labels("flood_limited").inc()
        return allowed, warn, wait

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admins

    @property
    def admins(self) -> tuple[int, ...]:
        """Who is told what the feed polls added or refused."""
        return tuple(self.settings.admins)

    def _serve(self, engine: Engine) -> None:
        engine.prepare()
        self.engine = engine
        self._doc_ids = {callbacks.doc_key(source.doc_id): source.doc_id for source in engine.sources()}
        health.serving(*engine.size)

    def _page(self, question: str, page: int) -> tuple[list[Hit], bool]:
        size = self.settings.page_size
        hits = self.engine.search(question, k=size * (page + 1) + 1)
        return hits[size * page: size * (page + 1)], len(hits) > size * (page + 1)

    async def ask(self, question: str, lang: str, chat_id: int, author: int | None = None) -> Reply:
        """The first page of answers to `question`, with its buttons; the question is recorded without
        waiting (no paging or feedback buttons while the store is known to be down)."""
        question = clean_input(question)
        if not question:
            return render.empty(lang)
        notice = ""
        if len(question) > self.settings.max_question_chars:
            question = question[: self.settings.max_question_chars]
            notice = render.cut_notice(self.settings.max_question_chars, lang)
        asked = question
        if self.engine.follows_on(question):
            previous = await self._previous(chat_id)
            question = self.engine.read_after(previous, question) if previous else question
        elif self.calls.usable:  # a question with a subject of its own: the next follow-up is read after it
            self.calls.remember(chat_id, question, self.settings.follow_up_minutes * 60)
        started = time.perf_counter()
        understood = self.engine.understood(question)
        if understood != asked:
            notice += render.understood_notice(understood, lang)
        hits, has_more = self._page(question, 0)
        health.SEARCH_SECONDS.observe(time.perf_counter() - started)
        health.QUESTIONS.labels("answered" if hits else "refused").inc()
        ticket = None
        if self.calls.usable:
            question_id = self.calls.record(question, lang, len(hits), author)
            ticket = Ticket.issue(self.calls.store.salt, question_id, chat_id)
        return render.answer(hits, lang, ticket, 0, self.settings.page_size, has_more, notice, understood)

    async def _previous(self, chat_id: int) -> str | None:
        """The chat's last question with a subject, if recent; None when the store cannot say within
        PREVIOUS_SECONDS (a slow store delays no answer by more)."""
        if not self.calls.usable:
            return None
        try:
            return await asyncio.wait_for(self.calls.last_question(chat_id, self.settings.follow_up_minutes * 60),
                                          PREVIOUS_SECONDS)
        except (StoreUnavailable, TimeoutError):
            return None

    async def page(self, ticket: Ticket, page: int, chat_id: int, lang: str) -> Reply | None:
        """Page `page` of a stored question's answers, or None when the question or page is gone or the
        button is not this chat's (StoreUnavailable when the store cannot be reached)."""
        if not ticket.valid_in(self.calls.store.salt, chat_id):
            return None
        stored = await self._once_more(lambda: self.calls.question(ticket.question_id))
        if stored is None:
            return None
        hits, has_more = self._page(stored[0], page)
        if not hits:
            return None
        return render.answer(hits, lang, ticket, page, self.settings.page_size, has_more)

    async def vote(self, ticket: Ticket, chat_id: int, voter: int, up: bool) -> bool:
        """Record a vote from the chat the answer was sent to; False for another chat or an unknown question."""
        return ticket.valid_in(self.calls.store.salt, chat_id) \
            and await self._once_more(lambda: self.calls.vote(ticket.question_id, voter, up))

    @staticmethod
    async def _once_more(call):
        """`call()`, tried once more when it finds no question. A valid ticket was issued by a replica that
        records its question as it answers, so a question not found may be one still being written there."""
        found = await call()
        if not found:
            await asyncio.sleep(RECORDING_SECONDS)
            found = await call()
        return found

    def paragraph(self, doc_key: str, number: int, lang: str) -> str | None:
        """The full paragraph a button points to, with its citation, or None if the corpus no longer has it."""
        doc_id = self._doc_ids.get(doc_key)
        shown = self.engine.paragraph(doc_id, number) if doc_id else None
        return render.paragraph(shown, lang) if shown else None

    def sources(self, lang: str) -> str:
        return render.sources(self.engine.sources(), lang)

    def inline_hits(self, question: str) -> list[Hit]:
        question = clean_input(question)[: self.settings.max_question_chars]
        return self.engine.search(question, k=INLINE_RESULTS) if question else []

    async def stats(self, lang: str) -> str:
        return render.stats(await self.calls.stats(), lang)

    async def _change(self, work: Callable[[Engine], tuple[Engine | None, object]],
                      failed: Callable[[object], bool] = lambda result: False):
        """Run `work(current engine)` in a worker thread, one change at a time, and serve the engine it
        returns; its result is returned, and counted as a failed change when `failed(result)`. A CorpusError
        leaves the engine being served as it was (and is counted and raised)."""
        async with self._changing:
            try:
                engine, result = await asyncio.to_thread(work, self.engine)
            except CorpusError:
                health.CORPUS_CHANGES.labels("failed").inc()
                raise
            if engine is not None and engine is not self.engine:
                self._serve(engine)
        health.CORPUS_CHANGES.labels("failed" if failed(result) else "ok").inc()
        return result

    async def reload(self, lang: str) -> str:
        """Re-read the corpus; on any corpus error keep serving the old one."""
        def load(current: Engine) -> tuple[Engine, Engine]:
            engine = Engine.load(self.settings.corpus, True, current)
            return engine, engine

        try:
            engine = await self._change(load)
        except CorpusError as error:
            return render.corpus_error(error, lang)
        return render.reloaded(engine.size, lang)

    async def _commit(self, prepared: ingest.Prepared) -> ingest.Report:
        def commit(current: Engine) -> tuple[Engine | None, ingest.Report]:
            report = ingest.commit(self.settings.corpus, prepared, current=current)
            return report.engine, report

        return await self._change(commit, lambda report: bool(report.refused and not report.added))

    async def add(self, url: str, lang: str) -> str:
        """Add the article at `url` to the corpus and serve it at once; the report for the admin."""
        prepared = await asyncio.to_thread(ingest.prepare, [url], self.fetching)
        try:
            report = await self._commit(prepared)
        except CorpusError as error:
            return render.corpus_error(error, lang)
        return render.ingest_report(url, report.lines(), report.refused, len(report.added), lang)

    async def poll_feeds(self, lang: str) -> list[str]:
        """Add the new entries of every configured feed, each on its own (one feed failing, however it
        fails, does not stop the others); a report per feed that added something or whose problems
        changed since the last poll (a feed that stays broken is reported once, not at every poll). An
        entry refused once is not fetched again while the feed lists it."""
        reports = []
        for feed in self.settings.feeds:
            lines, added = [], 0
            try:
                refused = self._feed_refused.get(feed, frozenset())
                prepared = await asyncio.to_thread(ingest.prepare_feed, feed, self.engine, self.fetching,
                                                   self.settings.feed_max_entries, refused)
                report = await self._commit(prepared)
                lines, problems, added = report.lines(), report.refused, len(report.added)
                self._feed_refused[feed] = report.refused_entries(refused)
            except CorpusError as error:
                problems = [str(error)]
            except Exception as error:  # noqa: BLE001 - a bug in one feed must not stop the others; logged in full
                log.exception("polling the feed %s failed", feed)
                problems = [f"{feed}: failed ({type(error).__name__})"]
            told = problems == self._feed_problems.get(feed, [])
            self._feed_problems[feed] = problems
            if added or (problems and not told):
                reports.append(render.ingest_report(feed, lines, [] if told else problems, added, lang))
        return reports

    async def drain(self) -> None:
        """Let the questions being recorded finish (on shutdown, before `close`)."""
        await self.calls.drain()

    def close(self) -> None:
        self.calls.close()
