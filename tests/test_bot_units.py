"""The bot's pure parts: rendering, callback data, settings, flood control, the console chat."""

import datetime as dt
import io
import subprocess
import sys
import time

import pytest

from bot import callbacks, render
from bot.config import ConfigError, load_settings
from bot.store import SQLiteStore
from bot.console import run as console_run
from bot.ratelimit import FloodGuard
from bot.texts import EXAMPLES, language_of
from retrieval import Hit, Source
from conftest import ROOT


def hit(excerpt="MAZ signed <an> agreement & more", spans=((0, 3), (16, 25)), url="", doc_id="doc-1", **fields):
    values = dict(paragraph=3, passage=excerpt, excerpt=excerpt, spans=spans, score=1.0)
    values.update(fields)
    return Hit(source=Source(doc_id=doc_id, title="Title <1>", publisher="BelTA", date="2025-07-07", url=url,
                             language="en"), **values)


def test_excerpt_is_escaped_and_matched_words_bold():
    text = render.render_hits([hit()], "en")
    assert "<b>MAZ</b> signed &lt;an&gt; <b>agreement</b> &amp; more" in text
    assert "Title &lt;1&gt; · BelTA · 2025-07-07 · paragraph 3" in text


def test_adjacent_matched_words_are_one_bold_run():
    text = render.render_hits([hit("Minsk Automobile Plant (MAZ)", ((0, 5), (6, 16), (17, 22), (24, 27)))], "ru")
    assert "<b>Minsk Automobile Plant</b> (<b>MAZ</b>)" in text and "абзац 3" in text


def test_citation_links_to_the_url_when_there_is_one():
    text = render.citation(hit(url='https://example.org/a?b=1&c="2"'), "en")
    assert text.startswith('<a href="https://example.org/a?b=1&amp;c=&quot;2&quot;">Title &lt;1&gt;</a>')


def test_markup_in_the_corpus_cannot_break_the_message():
    nasty = '</blockquote><a href="x">' + "<b>" * 10 + " & ;"
    text = render.render_hits([hit(nasty, ((0, 13),))], "en")
    assert "<a href=" not in text.split("<i>")[0] and text.count("<blockquote>") == 1
    assert text.count("<b>") == text.count("</b>") == 1


def test_reply_never_exceeds_telegram_limit():
    long = "Слово " * 3000
    hits = [hit(long, ((0, 5), (6000, 6005), (17990, 17995))) for _ in range(3)]
    text = render.render_hits(hits, "ru")
    assert render.telegram_length(text) <= 4096
    assert text.count("<blockquote>") == 3 and text.count("<b>") == text.count("</b>") and "…" in text


def test_emoji_count_double_toward_the_limit():
    text = render.render_hits([hit("🙂" * 3000, ())], "en")
    assert render.telegram_length(text) <= 4096


def test_answer_buttons_page_paragraph_and_vote():
    ticket = callbacks.Ticket(42, "0123456789")
    reply = render.answer([hit(), hit(doc_id="doc-2", paragraph=5)], "en", ticket=ticket, page=1,
                          page_size=2, has_more=True)
    data = [b.data for row in reply.buttons for b in row]
    assert data[:2] == ["m:42.0123456789:0", "m:42.0123456789:2"]
    assert callbacks.decode(data[2]) == callbacks.Paragraph(callbacks.doc_key("doc-1"), 3)
    assert data[-2:] == ["v:42.0123456789:+", "v:42.0123456789:-"] and reply.text.startswith("3.")
    assert all(len(d.encode()) <= 64 for d in data)


def test_no_hits_render_the_no_answer_reply():
    reply = render.answer([], "en", None, 0, 3, False)
    assert reply.text.startswith("My sources do not answer") and len(reply.buttons) == render.SUGGESTIONS


@pytest.mark.parametrize("data", ["", "x", "m:1", "m:a:1", "p:xyz:1", "v:1:*", "e:de:1", "m:1:1:1", None,
                                  "m:" + "9" * 60 + ":1", "m:123:1", "v:5:+", "v:5.0123456789:*",
                                  "m:5.012345678:1", "m:" + "9" * 20 + ".0123456789:1"])
def test_callback_data_we_did_not_make_decodes_to_none(data):
    assert callbacks.decode(data) is None


def test_callback_data_round_trips():
    ticket = callbacks.Ticket.issue("key", 2**62 - 1, -1001234567890)
    for value in (callbacks.Page(ticket, 7), callbacks.Vote(ticket, False), callbacks.Example("ru", 3),
                  callbacks.Paragraph(callbacks.doc_key("x" * 200), 99)):
        assert callbacks.decode(callbacks.encode(value)) == value


def test_a_ticket_is_valid_only_in_its_own_chat_and_under_its_own_key():
    ticket = callbacks.Ticket.issue("key", 42, 111)
    assert ticket.valid_in("key", 111)
    assert not ticket.valid_in("key", 222) and not ticket.valid_in("other key", 111)
    assert not callbacks.Ticket(43, ticket.seal).valid_in("key", 111)


def test_plain_text_for_the_console():
    assert render.to_plain('1. <blockquote>a <b>b</b> &lt;c&gt;</blockquote>\n— <i><a href="u?a=1&amp;b">T</a></i>') \
        == "1. a **b** <c>\n— T (u?a=1&b)"


@pytest.mark.parametrize("code, lang", [("en", "en"), ("en-GB", "en"), ("ru", "ru"), ("be", "ru"), (None, "ru")])
def test_interface_language(code, lang):
    assert language_of(code) == lang


def test_settings_from_file_and_environment(tmp_path):
    config = tmp_path / "bot.yaml"
    config.write_text("admins: [1, 2]\nrate_limit_messages: 4\npage_size: 2\n")
    settings = load_settings({"BOT_CONFIG": str(config), "BOT_ADMINS": "7,8", "TELEGRAM_BOT_TOKEN": "t"})
    assert settings.admins == {7, 8} and settings.rate_limit_messages == 4 and settings.page_size == 2
    assert settings.token == "t"
    with pytest.raises(ConfigError, match="unknown setting"):
        config.write_text("token: secret\n")
        load_settings({"BOT_CONFIG": str(config)})
    with pytest.raises(ConfigError, match="page_size"):
        load_settings({"BOT_PAGE_SIZE": "zero"})


def test_flood_guard_warns_once_per_window():
    now = [0.0]
    guard = FloodGuard(3, 10, clock=lambda: now[0])
    results = [guard.check(1) for _ in range(6)]
    assert [allowed for allowed, _, _ in results] == [True] * 3 + [False] * 3
    assert [warn for _, warn, _ in results] == [False] * 3 + [True, False, False]
    assert guard.check(2)[0]
    now[0] = 10.5
    assert guard.check(1)[0]


def test_every_example_question_is_answered(engine):
    for questions in EXAMPLES.values():
        for question in questions:
            assert engine.search(question), question


def test_console_chat_answers_piped_questions(engine):
    from bot.config import Settings
    out = io.StringIO()
    console_run(engine, Settings(), io.StringIO("Какое соглашение подписал МАЗ?\n\nWhat is the capital of France?\n"),
                out)
    text = out.getvalue()
    assert "**Minsk Automobile Plant** (**MAZ**)" in text and "2025-07-07" in text
    assert "• " in text and text.count("1. ") == 1


def test_console_replies_in_the_language_of_each_question(engine, monkeypatch):
    from bot.config import Settings
    monkeypatch.setenv("LANG", "C.UTF-8")

    def reply(question: str) -> str:
        out = io.StringIO()
        console_run(engine, Settings(), io.StringIO(question + "\n"), out)
        return out.getvalue()

    assert "paragraph 3" in reply("What agreement did MAZ sign?") and "абзац" not in reply("How many companies?")
    assert "абзац 3" in reply("Какое соглашение подписал МАЗ?")
    assert reply("рецепт борща").startswith("В моих источниках нет ответа")
    assert reply("weather in Paris").startswith("My sources do not answer")
    assert reply("kakoe soglashenie podpisal maz").startswith("Понял как: какое соглашение подписал maz")


@pytest.mark.parametrize("text, lang", [("What agreement did MAZ sign?", "en"), ("Какое соглашение?", "ru"),
                                        ("МАЗ MAZ agreement", "en"), ("МАЗ соглашение MAZ", "ru"), ("🙂 42", "ru")])
def test_the_language_of_a_text(text, lang):
    from bot.texts import language_of_text
    assert language_of_text(text) == lang


def test_python_m_bot_without_token_is_the_console():
    env = {"PATH": "/usr/bin:/bin", "BOT_CONFIG": "", "LANG": "C.UTF-8"}
    result = subprocess.run([sys.executable, "-m", "bot"], input="Какое соглашение подписал МАЗ?\n", text=True,
                            capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0 and "(**MAZ**)" in result.stdout and "абзац 3" in result.stdout


def test_example_settings_file_is_valid():
    settings = load_settings({"BOT_CONFIG": str(ROOT / "deploy" / "bot.example.yaml")})
    assert settings.page_size == 3 and not settings.webhook_url


async def test_reload_keeps_the_last_good_corpus(engine, make_corpus):
    from bot.config import Settings
    from bot.service import AnswerService
    broken = make_corpus({"documents.yaml": "- id: x\n  file: missing.txt\n  language: en\n"})
    service = AnswerService(engine, SQLiteStore(":memory:"), Settings(corpus=broken))
    message = await service.reload("en")
    assert "not reloaded" in message and "documents.yaml:2" in message
    assert service.engine is engine and (await service.ask("Какое соглашение подписал МАЗ?", "ru", 1)).buttons
    await service.drain()
    service.close()


def test_feeds_are_read_from_the_environment_and_checked():
    from bot.config import ConfigError
    settings = load_settings({"BOT_CONFIG": "", "BOT_FEEDS": "https://a.example/rss, https://b.example/atom",
                              "BOT_FEED_INTERVAL_MINUTES": "5"})
    assert settings.feeds == ("https://a.example/rss", "https://b.example/atom") and settings.feed_interval_minutes == 5
    with pytest.raises(ConfigError, match="feeds"):
        load_settings({"BOT_CONFIG": "", "BOT_FEEDS": "file:///etc/passwd"})
    with pytest.raises(ConfigError, match="feed_interval_minutes"):
        load_settings({"BOT_CONFIG": "", "BOT_FEED_INTERVAL_MINUTES": "0"})


class _StoreDown(SQLiteStore):
    """A shared store that cannot be reached."""

    def _run(self, statements, fetch=""):
        from bot.store import StoreUnavailable
        raise StoreUnavailable("test")


async def test_questions_are_answered_while_the_store_is_down_and_buttons_ask_to_retry(engine):
    from unittest.mock import AsyncMock, MagicMock

    from telegram import Chat, Message

    from bot import handlers
    from bot.config import Settings
    from bot.context import BotData
    from bot.service import AnswerService
    service = AnswerService(engine, _StoreDown(":memory:"), Settings())
    first = await service.ask("Какое соглашение подписал МАЗ?", "ru", 111)  # answered before the store is known down
    await service.calls.drain()
    assert "MAZ" in first.text and service.calls.state == "unreachable"
    reply = await service.ask("Какое соглашение подписал МАЗ?", "ru", 111)
    data = [b.data for row in reply.buttons for b in row]
    assert "MAZ" in reply.text and data and all(d.startswith("p:") for d in data)  # no paging or votes
    vote = next(b.data for row in first.buttons for b in row if b.data.startswith("v:"))
    message = Message(1, dt.datetime.now(dt.timezone.utc), Chat(111, "private"))
    query = MagicMock(data=vote, answer=AsyncMock(), message=message)
    update = MagicMock(callback_query=query, effective_user=MagicMock(language_code="en"))
    context = MagicMock(bot_data=BotData(service=service))
    await handlers.button(update, context)
    query.answer.assert_awaited_once_with("That did not work; please try again in a moment.")
    await service.drain()
    service.close()


def test_an_inline_title_is_cut_at_a_word_boundary():
    from bot.render import title
    excerpt = "On July 8, a cooperation agreement was signed between Minsk Automobile Plant (MAZ) and a major Russian company"
    shown = title(excerpt, 60)
    assert len(shown) <= 60 and shown.endswith("…") and excerpt.startswith(shown[:-1]) and excerpt[len(shown) - 1] == " "
    assert title("MAZ signed.", 60) == "MAZ signed."
    assert title("one two three", 8) == "one two…"  # the cut falls just before a space: "two" is whole


def test_a_refusal_suggests_the_example_questions_closest_to_the_question():
    from bot.render import no_answer
    from bot.texts import EXAMPLES
    buttons = [row[0].label for row in no_answer("ru", "сколько стоит трамвай воевода").buttons]
    assert buttons[0] == "Какой трамвай показали на выставке?" and len(buttons) == 4
    assert [row[0].label for row in no_answer("ru").buttons] == list(EXAMPLES["ru"][:4])


def test_help_says_what_start_does_not():
    from bot.render import how_to_ask, start
    for lang in ("ru", "en"):
        shown, greeting = how_to_ask(lang, 10).text, start(lang).text
        assert shown != greeting and "/ask" in shown and "10" in shown and "/sources" in shown


async def test_draining_waits_for_the_chats_questions_being_kept_too():
    from bot.store.calls import StoreCalls
    store = SQLiteStore(":memory:")
    remember = store.remember

    def slowly(*args):
        time.sleep(0.3)  # still being written when the drain begins
        remember(*args)

    store.remember = slowly
    calls = StoreCalls(store)
    calls.remember(5, "Какое соглашение подписал МАЗ?", 600)
    await calls.drain()
    assert store.last_question(5, 600) == "Какое соглашение подписал МАЗ?"
    calls.close()
