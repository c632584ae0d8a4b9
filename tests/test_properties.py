"""Hostile input by the thousand (hypothesis): nothing raises, every reply is valid Telegram HTML
within 4096 characters."""

import asyncio
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings, strategies as st
from telegram import Update

from bot import callbacks, handlers, render
from bot.config import Settings
from bot.context import BotData
from bot.service import AnswerService
from bot.store import SQLiteStore
from retrieval import Hit, Paragraph, Source
from htmlcheck import check_telegram_html

PIECES = ["<", ">", "&", "&amp;", "<b>", "</b>", "<a href='x'>", "\x00", "\u200b", "\u200d", "\u200e", "\u202e",
          "\u0301", "e\u0301", "👨‍👩‍👧", "🇧🇾", "1,000", "1 000", "1\u00a0000", "2,5", "3.64", "МАЗ", "MAZ",
          "соглашение", "agreement", "Иннопром", "\ud800", "\udfff", "ё", "-", "—", "'s", "\n", " ", "@innoprom_test_bot"]
hostile = st.lists(st.one_of(st.sampled_from(PIECES), st.text(st.characters(blacklist_categories=()), max_size=30)),
                   max_size=40).map("".join)
# Corpus text is decoded UTF-8, so it can hold anything but lone surrogates (questions can hold those).
corpus_text = hostile.map(lambda t: t.encode("utf-8", "replace").decode("utf-8"))
huge = st.integers(20_000, 30_000).map(lambda n: ("МАЗ соглашение <&> " * n)[:n])
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(hostile)
def test_analyser_never_raises_and_offsets_stay_inside_and_ascend(text):
    """Ascending and not overlapping: the excerpt finds a sentence's tokens by bisecting their offsets."""
    from retrieval.text.analysis import Analyzer
    tokens = Analyzer().analyze(text)
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
    assert all(one.end <= other.start for one, other in zip(tokens, tokens[1:]))


@FAST
@given(st.one_of(hostile, huge))
def test_search_never_raises_and_quotes_verbatim(engine, text):
    for hit in engine.search(text, k=5):
        assert hit.excerpt in hit.passage
        assert all(0 <= a < b <= len(hit.excerpt) for a, b in hit.spans)


@FAST
@given(st.one_of(hostile, huge), st.sampled_from(["ru", "en"]))
def test_every_reply_is_valid_telegram_html(engine, text, lang):
    reply = asyncio.run(_ask_once(engine, text, lang))
    check_telegram_html(reply.text)
    assert render.telegram_length(reply.text) <= 4096
    assert all(len(b.data.encode()) <= 64 and b.label for row in reply.buttons for b in row)


async def _ask_once(engine, text: str, lang: str):
    service = AnswerService(engine, SQLiteStore(":memory:"), Settings())
    try:
        return await service.ask(text, lang, chat_id=1)
    finally:
        await service.drain()
        service.close()


@FAST
@given(corpus_text, st.lists(st.tuples(st.integers(-5, 60), st.integers(-5, 60)), max_size=8), corpus_text,
       corpus_text)
def test_rendering_any_hit_is_valid(excerpt, spans, title, url):
    source = Source(doc_id="d", title=title, publisher="<pub>", date="2025-01-01", url=url, language="en")
    hit = Hit(source=source, paragraph=1, passage=excerpt, excerpt=excerpt, spans=tuple(spans), score=1.0)
    for text in (render.render_hits([hit] * 3, "ru"), render.paragraph(Paragraph(hit.source, 1, excerpt * 50), "en")):
        check_telegram_html(text)
        assert render.telegram_length(text) <= 4096


@FAST
@given(st.one_of(st.none(), st.text(max_size=80), st.binary(max_size=64).map(lambda b: b.decode("latin-1"))))
def test_any_callback_data_decodes_or_is_refused(data):
    value = callbacks.decode(data)
    assert value is None or callbacks.decode(callbacks.encode(value)) == value


class RecordingBot:
    """Enough of telegram.Bot for handlers to reply: records what they send."""

    id, username, defaults = 7000001, "innoprom_test_bot", None

    def __init__(self):
        self.sent = []

    async def send_message(self, chat_id, text, parse_mode=None, **kwargs):
        self.sent.append((text, parse_mode))

    def __getattr__(self, name):  # any other Bot API method the handlers might touch
        async def record(*args, **kwargs):
            self.sent.append((kwargs.get("text", ""), kwargs.get("parse_mode")))
        return record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(hostile, huge), st.sampled_from(["private", "supergroup"]), st.booleans())
def test_handlers_reply_validly_to_anything(engine, text, chat_type, as_command):
    bot = RecordingBot()
    chat_id = 5 if chat_type == "private" else -5
    body = ("/ask " + text) if as_command else text
    update = Update.de_json({"update_id": 1, "message": {
        "message_id": 1, "date": 0, "chat": {"id": chat_id, "type": chat_type},
        "from": {"id": 5, "is_bot": False, "first_name": "x", "language_code": "en"}, "text": body}}, bot)
    service = AnswerService(engine, SQLiteStore(":memory:"), Settings(rate_limit_messages=1000))
    context = SimpleNamespace(bot=bot, args=body.split()[1:] if as_command else None,
                              bot_data=BotData(service=service))
    handler = handlers.ask if as_command else (handlers.private_text if chat_type == "private" else handlers.group_text)
    async def handle():
        try:
            await handler(update, context)
        finally:
            await service.drain()
            service.close()

    asyncio.run(handle())
    for sent, parse_mode in bot.sent:
        if parse_mode == "HTML":
            check_telegram_html(sent)
        assert render.telegram_length(sent) <= 4096
    if chat_type == "private" or as_command:
        assert len(bot.sent) == 1


def test_a_handler_bug_is_logged_with_the_update_id_and_the_user_told(caplog):
    bot = RecordingBot()
    update = Update.de_json({"update_id": 4242, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "x", "language_code": "ru"}, "text": "q"}}, bot)
    try:
        raise ValueError("a bug")
    except ValueError as error:
        context = SimpleNamespace(error=error)
    asyncio.run(handlers.on_error(update, context))
    record = [r for r in caplog.records if "4242" in r.getMessage()][0]
    assert record.levelname == "ERROR" and record.exc_info and "a bug" in record.getMessage()
    assert [text for text, _ in bot.sent] == ["Что-то пошло не так. Попробуйте ещё раз чуть позже."]
