"""What the bot does with a question, independent of Telegram: used by the handlers and the console chat.

It owns the search engine (swapped whole on /reload, /add and feed polls, so a broken corpus never
replaces a good one; each reuses what the engine already holds, so only new articles cost analysis), the
store, and the rules for odd input: empty questions get a hint, very long ones are cut to the configured
length with a notice.
"""

from __future__ import annotations

import asyncio
import html
import time

from retrieval import CorpusError, Engine, Hit, ingest

from . import callbacks, health, render
from .config import Settings
from .render import Quote, Reply
from .store import Store, StoreUnavailable
from .texts import text


def clean_input(question: str) -> str:
    """Strip the question and replace what cannot be stored or sent as UTF-8 (lone surrogates, which a
    Telegram update's JSON can carry) so that nothing downstream fails on it."""
    return question.encode("utf-8", "replace").decode("utf-8").replace("\x00", " ").strip()


class AnswerService:
    def __init__(self, engine: Engine, store: Store, settings: Settings):
        self.store = store
        self.settings = settings
        self._changing = asyncio.Lock()  # one corpus change at a time: reload, /add, feed poll
        self._feed_problems: dict[str, list[str]] = {}  # each feed's last refusals: told to admins once
        self._serve(engine)

    def _serve(self, engine: Engine) -> None:
        self.engine = engine
        self._doc_ids = {callbacks.doc_key(source.doc_id): source.doc_id for source in engine.sources()}
        health.serving(*engine.size)

    def _page(self, question: str, page: int) -> tuple[list[Hit], bool]:
        size = self.settings.page_size
        hits = self.engine.search(question, k=size * (page + 1) + 1)
        return hits[size * page: size * (page + 1)], len(hits) > size * (page + 1)

    def ask(self, question: str, lang: str, author: int | None = None) -> Reply:
        """The first page of answers to `question`, with its buttons; the question is recorded."""
        question = clean_input(question)
        if not question:
            return Reply(text(lang, "empty"))
        notice = ""
        if len(question) > self.settings.max_question_chars:
            question = question[: self.settings.max_question_chars]
            notice = text(lang, "too_long", limit=self.settings.max_question_chars) + "\n\n"
        started = time.perf_counter()
        hits, has_more = self._page(question, 0)
        health.SEARCH_SECONDS.observe(time.perf_counter() - started)
        health.QUESTIONS.labels("answered" if hits else "refused").inc()
        try:
            question_id = self.store.add_question(question, lang, len(hits), author)
        except StoreUnavailable:
            question_id = None  # answered all the same, without the buttons that need the store
        return render.answer(hits, lang, question_id, 0, self.settings.page_size, has_more, notice)

    def page(self, question_id: int, page: int, lang: str) -> Reply | None:
        """Page `page` of a stored question's answers, or None when the question or page is gone
        (StoreUnavailable when the store cannot be reached)."""
        stored = self.store.question(question_id)
        if stored is None:
            return None
        hits, has_more = self._page(stored[0], page)
        if not hits:
            return None
        return render.answer(hits, lang, question_id, page, self.settings.page_size, has_more)

    def paragraph(self, doc_key: str, number: int, lang: str) -> str | None:
        """The full paragraph a button points to, with its citation, or None if the corpus no longer has it."""
        doc_id = self._doc_ids.get(doc_key)
        shown = self.engine.paragraph(doc_id, number) if doc_id else None
        return render.paragraph(shown, lang) if shown else None

    def sources(self, lang: str) -> str:
        return render.sources(self.engine.sources(), lang)

    def inline_hits(self, question: str) -> list[Hit]:
        question = clean_input(question)[: self.settings.max_question_chars]
        return self.engine.search(question, k=5) if question else []

    async def reload(self, lang: str) -> str:
        """Re-read the corpus in a worker thread; on any corpus error keep serving the old one."""
        async with self._changing:
            try:
                engine = await asyncio.to_thread(Engine.load, self.settings.corpus, True, self.engine)
            except CorpusError as error:
                health.CORPUS_CHANGES.labels("failed").inc()
                return text(lang, "reload_failed", error=html.escape(str(error)))
            health.CORPUS_CHANGES.labels("ok").inc()
            self._serve(engine)
        return text(lang, "reloaded", documents=engine.size.articles, passages=engine.size.passages)

    async def add(self, url: str, lang: str) -> str:
        """Add the article at `url` to the corpus and serve it at once; the report for the admin."""
        return await self._ingest(url, lang, lambda current: ingest.add(
            self.settings.corpus, [url], current=current, timeout=self.settings.fetch_timeout))

    async def poll_feeds(self, lang: str) -> list[str]:
        """Add the new entries of every configured feed; a report per feed that added something or whose
        refusals changed since the last poll (a feed that stays down is reported once, not every poll)."""
        reports = []
        for feed in self.settings.feeds:
            def run(current, feed=feed):
                report = ingest.add_feed(self.settings.corpus, feed, current=current,
                                         timeout=self.settings.fetch_timeout)
                if report.refused == self._feed_problems.get(feed, []):
                    report.refused = []  # already told
                else:
                    self._feed_problems[feed] = list(report.refused)
                return report

            reports.append(await self._ingest(feed, lang, run, quiet=True))
        return [report for report in reports if report]

    async def _ingest(self, source: str, lang: str, run, quiet: bool = False) -> str:
        """Run an ingest in a worker thread under the change lock and adopt the engine it returns; the
        report for admins ("" when `quiet` and nothing happened)."""
        async with self._changing:
            try:
                report = await asyncio.to_thread(run, self.engine)
            except CorpusError as error:
                health.CORPUS_CHANGES.labels("failed").inc()
                return text(lang, "reload_failed", error=html.escape(str(error)))
            health.CORPUS_CHANGES.labels("failed" if report.refused and not report.added else "ok").inc()
            if report.engine is not None:
                self._serve(report.engine)
        if quiet and not report.added and not report.refused:
            return ""
        header = text(lang, "add_report", source=html.escape(Quote(source).cut(render.MAX_TITLE).text),
                      added=len(report.added), refused=len(report.refused))
        lines = report.lines() + [f"✗ {line}" for line in report.refused]
        return render.whole_lines(header, [html.escape(Quote(line).cut(render.MAX_TITLE).text) for line in lines], lang)

    def stats(self, lang: str) -> str:
        return render.stats(self.store.stats(), lang)
