"""The real bot (`python -m bot`, started as in production) driven through the Bot API stand-in."""

import itertools
import signal
import time

import pytest

from botapi import BOT_USER, BotApiStandIn
from conftest import launch_bot
from htmlcheck import check_telegram_html

TOKEN = "123456:TEST-token-not-real_abcdefghij"
RU_USER = {"id": 111, "is_bot": False, "first_name": "Иван", "language_code": "ru"}
EN_USER = {"id": 222, "is_bot": False, "first_name": "Ann", "language_code": "en"}
LIMIT = 60  # updates a user may send a minute: more than any one user below sends but the flooder
ADMIN = {"id": 112, "is_bot": False, "first_name": "Ольга", "language_code": "en"}
GROUP = {"id": -100500, "type": "supergroup", "title": "Industry chat"}
_ids = itertools.count(1)


def message(text=None, user=RU_USER, chat=None, **extra):
    chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    body = {"message_id": next(_ids), "date": int(time.time()), "chat": chat, "from": user, **extra}
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"message": body}


def callback(data, reply, user=RU_USER):
    bot_message = {"message_id": reply["message_id"], "date": int(time.time()), "from": BOT_USER,
                   "chat": reply["chat"], "text": reply["text"]}
    return {"callback_query": {"id": str(next(_ids)), "from": user, "chat_instance": "1", "data": data,
                               "message": bot_message}}


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bot")
    with BotApiStandIn(TOKEN) as api:
        log = open(folder / "bot.log", "w+")
        process = launch_bot(api, folder, log, BOT_ADMINS=f"111,{ADMIN['id']}", BOT_LOG_LEVEL="DEBUG",
                             BOT_RATE_LIMIT_MESSAGES=str(LIMIT), BOT_RATE_LIMIT_SECONDS="60")
        api.process, api.log, api.folder = process, log, folder
        yield api
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def ask(api, update, method="sendMessage", chat_id=None):
    """Push an update and return the parameters of the bot's next `method` call (to `chat_id`)."""
    before = len(api.calls_of(method))

    def reply(calls):
        made = [p for m, p in calls if m == method][before:]
        made = [p for p in made if chat_id is None or int(p.get("chat_id", 0)) == chat_id]
        return made[0] if made else None

    api.push(update)
    return api.wait_for(reply)


def sent_message(api, params):
    """The message object the stand-in returned for a sendMessage call (for building callbacks)."""
    return {"message_id": 1, "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": params["text"]}


def buttons(params):
    markup = params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def test_start_lists_examples_and_registers_menus(bot):
    reply = ask(bot, message("/start"))
    assert "ИННОПРОМ" in reply["text"] and reply["parse_mode"] == "HTML"
    assert [d for d in buttons(reply) if d.startswith("e:ru:")]
    languages = {p.get("language_code") for p in bot.calls_of("setMyCommands")}
    assert {"ru", "en"} <= languages


def test_russian_question_about_english_article(bot):
    reply = ask(bot, message("Какое соглашение подписал МАЗ?"))
    assert "<b>Minsk Automobile Plant</b>" in reply["text"] and "(<b>MAZ</b>)" in reply["text"]
    assert "абзац 3" in reply["text"] and "2025-07-07" in reply["text"]
    kinds = {d.split(":")[0] for d in buttons(reply)}
    assert {"p", "v"} <= kinds and all(len(d.encode()) <= 64 for d in buttons(reply))


def test_english_question_about_russian_article(bot):
    reply = ask(bot, message("Who is the director general of Mogilev elevator plant?", user=EN_USER))
    assert "Руслан Страхар" in reply["text"] and "paragraph" in reply["text"]


def test_more_results_edits_the_message_in_place(bot):
    reply = ask(bot, message("Belarus Russia cooperation industry"))
    more = [d for d in buttons(reply) if d.startswith("m:")]
    assert more and reply["text"].startswith("1.")
    edit = ask(bot, callback(more[0], sent_message(bot, reply)), method="editMessageText")
    assert edit["text"].startswith("4.") and any(d.endswith(":0") for d in buttons(edit) if d.startswith("m:"))
    bot.wait_for(lambda calls: len([m for m, _ in calls if m == "answerCallbackQuery"]) > 0)


def test_full_paragraph_button(bot):
    reply = ask(bot, message("Какой трамвай показали на выставке?"))
    paragraph = [d for d in buttons(reply) if d.startswith("p:")][0]
    answered = len(bot.calls_of("answerCallbackQuery"))
    full = ask(bot, callback(paragraph, sent_message(bot, reply)))
    assert "A prime example of our technological sovereignty" in full["text"]
    bot.wait_for(lambda calls: len([m for m, _ in calls if m == "answerCallbackQuery"]) > answered)


def test_feedback_is_acknowledged_and_stored(bot):
    import sqlite3
    reply = ask(bot, message("Сколько документов запланировано подписать?"))
    vote = [d for d in buttons(reply) if d.startswith("v:") and d.endswith("+")][0]
    answer = ask(bot, callback(vote, sent_message(bot, reply)), method="answerCallbackQuery")
    assert "Спасибо" in answer["text"]
    with sqlite3.connect(bot.folder / "bot.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM votes WHERE up = 1").fetchone()[0] >= 1


def test_forged_callback_is_answered_politely(bot):
    reply = {"message_id": 5, "chat": {"id": RU_USER["id"], "type": "private"}, "text": "x"}
    for data in ("zzz", "m:999999:1", "p:0000000000:1", "v:abc:+", "e:ru:99"):
        answer = ask(bot, callback(data, reply), method="answerCallbackQuery")
        assert answer.get("text")


def test_add_never_fetches_this_machine_by_default(bot):
    from newssite import NewsSite
    with NewsSite() as site:
        for host in ("127.0.0.1", "localhost", "[::1]", "2130706433"):
            url = site.url("/news/belta-en.html").replace("127.0.0.1", host)
            reply = ask(bot, message(f"/add {url}", user=ADMIN), chat_id=ADMIN["id"])
            assert "refused" in reply["text"] and "only public addresses are fetched" in reply["text"], reply["text"]
        assert site.requests == []


def test_a_user_without_a_language_gets_the_language_of_the_question(bot):
    user = {"id": 444, "is_bot": False, "first_name": "N"}  # a client that sends no language_code
    assert "paragraph 3" in ask(bot, message("What agreement did MAZ sign?", user=user), chat_id=444)["text"]
    assert "абзац 3" in ask(bot, message("Какое соглашение подписал МАЗ?", user=user), chat_id=444)["text"]


def test_no_answer_says_so_with_suggestions(bot):
    reply = ask(bot, message("What is the capital of France?", user=EN_USER))
    assert reply["text"].startswith("My sources do not answer")
    assert [d for d in buttons(reply) if d.startswith("e:en:")]


def test_sticker_gets_a_hint(bot):
    sticker = {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
               "is_animated": False, "is_video": False}
    reply = ask(bot, message(user=EN_USER, sticker=sticker))
    assert "only understand text" in reply["text"]


def test_huge_message_gets_a_reply_within_limits(bot):
    reply = ask(bot, message("МАЗ " * 5000))
    assert "слишком длинный" in reply["text"] and len(reply["text"]) <= 4096


def test_markup_in_the_question_is_harmless(bot):
    reply = ask(bot, message("<i>Какое</i> соглашение & подписал <b>МАЗ</b>?"))
    assert "(<b>MAZ</b>)" in reply["text"] and "<i>Какое" not in reply["text"]
    reply = ask(bot, message("<script>alert(1)</script> &amp; <b>"))
    assert "<script>" not in reply["text"] and reply["text"].startswith("В моих источниках нет ответа")


def test_inline_mode_offers_cited_excerpts(bot):
    query = {"inline_query": {"id": "iq1", "from": EN_USER, "query": "MAZ agreement", "offset": ""}}
    answer = ask(bot, query, method="answerInlineQuery")
    results = answer["results"]
    assert results and results[0]["input_message_content"]["parse_mode"] == "HTML"
    assert "paragraph 3" in results[0]["input_message_content"]["message_text"]


def test_group_messages_need_a_mention(bot):
    before = len([p for p in bot.calls_of("sendMessage") if int(p["chat_id"]) == GROUP["id"]])
    bot.push(message("Какое соглашение подписал МАЗ?", chat=GROUP))
    reply = ask(bot, message("@innoprom_test_bot Какое соглашение подписал МАЗ?", chat=GROUP),
                chat_id=GROUP["id"])
    assert "MAZ" in reply["text"]
    after = [p for p in bot.calls_of("sendMessage") if int(p["chat_id"]) == GROUP["id"]]
    assert len(after) == before + 1


def test_reply_to_the_bot_in_a_group_is_a_question(bot):
    reply = ask(bot, message("@innoprom_test_bot Какой трамвай показали?", chat=GROUP), chat_id=GROUP["id"])
    bot_message = {"message_id": 77, "date": int(time.time()), "chat": GROUP, "from": BOT_USER, "text": reply["text"]}
    follow_up = ask(bot, message("А какое соглашение подписал МАЗ?", chat=GROUP, reply_to_message=bot_message),
                    chat_id=GROUP["id"])
    assert "MAZ" in follow_up["text"]


def test_whitespace_message_gets_a_hint(bot):
    reply = ask(bot, message("   \n  ", user=EN_USER))
    assert "type a question" in reply["text"]


def test_admin_reload(bot):
    reply = ask(bot, message("/reload"))
    assert "Корпус перечитан: 5 статей" in reply["text"]
    assert "administrators" in ask(bot, message("/reload", user=EN_USER))["text"]


def test_ask_command_in_a_group(bot):
    reply = ask(bot, message("/ask Какой трамвай показали?", chat=GROUP), chat_id=GROUP["id"])
    assert "Voevoda" in reply["text"]


def test_rate_limited_by_telegram_the_reply_still_arrives(bot):
    bot.fail("sendMessage", 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                  "parameters": {"retry_after": 1}})
    before = len(bot.calls_of("sendMessage"))
    bot.push(message("Какое соглашение подписал МАЗ?"))
    calls = bot.wait_for(lambda c: len([p for m, p in c if m == "sendMessage"]) >= before + 2 or None)
    assert calls


def test_a_flooding_user_is_slowed_and_others_are_not(bot):
    flooder = {"id": 333, "is_bot": False, "first_name": "Flood", "language_code": "en"}
    before = len(bot.calls_of("sendMessage"))
    for _ in range(LIMIT + 10):
        bot.push(message("MAZ agreement", user=flooder))
    bot.wait_for(lambda c: len([p for m, p in c if m == "sendMessage"
                                and int(p["chat_id"]) == 333]) >= LIMIT + 1 or None)
    other = ask(bot, message("What agreement did MAZ sign?", user=EN_USER), chat_id=EN_USER["id"])
    assert "MAZ" in other["text"]
    to_flooder = [p["text"] for p in bot.calls_of("sendMessage")[before:] if int(p["chat_id"]) == 333]
    assert len(to_flooder) == LIMIT + 1 and sum("Too many questions" in t for t in to_flooder) == 1


def test_admin_stats(bot):
    reply = ask(bot, message("/stats"))
    assert "Вопросов" in reply["text"] and "Без ответа" in reply["text"]
    reply = ask(bot, message("/stats", user=EN_USER))
    assert "administrators" in reply["text"]


def test_sources_lists_the_articles(bot):
    reply = ask(bot, message("/sources", user=EN_USER))
    assert "(5)" in reply["text"] and "sputnik.by" in reply["text"]


def test_commands_with_odd_arguments(bot):
    assert "ИННОПРОМ" in ask(bot, message("/start <b>&amp; 🙂 \u202e"))["text"]
    assert "sputnik.by" in ask(bot, message("/sources x y z"))["text"]
    assert "Вопросов" in ask(bot, message("/stats <i>"))["text"]
    assert "/ask" in ask(bot, message("/ask    "))["text"]


def test_every_reply_is_valid_telegram_html(bot):
    before = len(bot.calls_of("sendMessage"))
    questions = ["Какое соглашение подписал МАЗ?", "How many companies exhibited?", "<b>МАЗ</b> & БелАЗ",
                 "рецепт борща", "/start", "/sources", "/help", "What help did Belarus offer with elevators?"]
    for number, question in enumerate(questions):
        user = {**EN_USER, "id": 7100 + number}
        ask(bot, message(question, user=user), chat_id=user["id"])
    replies = bot.calls_of("sendMessage")[before:] + bot.calls_of("editMessageText")
    assert len(replies) >= len(questions)
    for params in replies:
        if params.get("parse_mode") == "HTML":
            check_telegram_html(params["text"])
        assert len(params["text"]) <= 4096


def test_sigterm_stops_cleanly_and_the_token_never_reached_disk(tmp_path):
    import sqlite3
    with BotApiStandIn(TOKEN) as api:
        log = open(tmp_path / "bot.log", "w+")
        process = launch_bot(api, tmp_path, log, BOT_LOG_LEVEL="DEBUG")
        for question in ("Какое соглашение подписал МАЗ?", "How many companies exhibited?"):
            ask(api, message(question), chat_id=RU_USER["id"])
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        log.seek(0)
        assert "Application started" in log.read()  # the log did record activity
        log.close()
    secret = TOKEN.split(":")[1]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "bot.sqlite3" for p in written)
    for path in written:
        data = path.read_bytes()
        assert TOKEN.encode() not in data and secret.encode() not in data, path
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 2
        assert db.execute("SELECT COUNT(*) FROM questions WHERE author IS NOT NULL").fetchone()[0] == 0
