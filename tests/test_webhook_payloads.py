"""Arbitrary JSON with the right secret (issue 8, item 9): every body is refused or becomes an update that
the real Application handles without a crash, within a bound, and answers at most once."""

import asyncio
import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.app import build_application
from bot.config import Settings
from bot.service import AnswerService
from bot.store import SQLiteStore
from bot.web.webhook import parse_update
from botapi import BotApiStandIn
from test_bot_e2e import TOKEN

_scalar = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(allow_nan=False),
                    st.text(max_size=30), st.sampled_from(["МАЗ", "/start", "/ask МАЗ", "private", "group", "en"]))
_json = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                     max_leaves=12)
_user = st.fixed_dictionaries({"id": st.integers(1, 10**6), "is_bot": st.booleans(), "first_name": st.text(max_size=5)},
                              optional={"language_code": st.sampled_from(["ru", "en", "", "xx"])})
_chat = st.fixed_dictionaries({"id": st.integers(-10**12, 10**12),
                               "type": st.sampled_from(["private", "group", "supergroup", "channel", "x"])})
_message = st.fixed_dictionaries(
    {"message_id": st.integers(0, 10**6), "date": st.one_of(st.integers(0, 2**33), st.floats(0, 1e20))},
    optional={"chat": st.one_of(_chat, _json), "from": st.one_of(_user, _json), "text": st.one_of(st.text(max_size=60), _json),
              "entities": _json, "reply_to_message": _json, "sticker": _json})
_update = st.fixed_dictionaries({"update_id": st.one_of(st.integers(0, 2**31), _scalar)}, optional={
    "message": st.one_of(_message, _json), "edited_message": _message,
    "callback_query": st.fixed_dictionaries({"id": st.text(max_size=5), "from": _user, "chat_instance": st.just("1")},
                                            optional={"data": st.text(max_size=70), "message": _message}),
    "inline_query": st.fixed_dictionaries({"id": st.text(max_size=5), "from": _user, "query": st.text(max_size=60),
                                           "offset": st.just("")})})


@pytest.fixture(scope="module")
def running(engine):
    """The real Application, initialised once against the stand-in, with the event loop it runs in."""
    with BotApiStandIn(TOKEN) as api:
        settings_ = Settings(token=TOKEN, api_base_url=api.base_url, messages_per_second=1000.0)
        application = build_application(settings_, AnswerService(engine, SQLiteStore(":memory:"), settings_))
        loop = asyncio.new_event_loop()
        loop.run_until_complete(application.initialize())
        yield api, application, loop
        loop.run_until_complete(application.shutdown())
        loop.close()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(st.lists(st.one_of(_update, _json), min_size=1, max_size=4))
def test_arbitrary_json_is_refused_or_handled_once(running, caplog, bodies):
    api, application, loop = running
    caplog.clear()

    async def feed():
        for body in bodies:
            update = parse_update(json.dumps(body).encode(), application.bot)
            if update is None:
                continue
            before = len(api.calls)
            await asyncio.wait_for(application.process_update(update), timeout=10)  # the stated bound
            replies = [m for m, _ in api.calls[before:] if m in ("sendMessage", "answerInlineQuery", "editMessageText")]
            assert len(replies) <= 1, replies

    with caplog.at_level(logging.ERROR):
        loop.run_until_complete(feed())
    bugs = [r for r in caplog.records if r.exc_info and not _telegram_error(r.exc_info[1])]
    assert not bugs, [r.getMessage() for r in bugs]


def _telegram_error(error) -> bool:
    from telegram.error import TelegramError
    return isinstance(error, TelegramError)
