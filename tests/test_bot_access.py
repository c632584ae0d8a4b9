"""Allow-listed chats, and feedback that survives the bot being killed mid-burst."""

import signal
import sqlite3
import subprocess
import sys
import time

from botapi import BotApiStandIn
from conftest import ROOT, launch_bot
from test_bot_e2e import EN_USER, RU_USER, TOKEN, ask, buttons, callback, message, sent_message


def test_other_chats_get_one_polite_refusal(tmp_path):
    with BotApiStandIn(TOKEN) as api:
        process = launch_bot(api, tmp_path, BOT_ALLOWED_CHATS=str(RU_USER["id"]))
        try:
            refusal = ask(api, message("What agreement did MAZ sign?", user=EN_USER), chat_id=EN_USER["id"])
            assert "approved chats" in refusal["text"]
            api.push(message("And again?", user=EN_USER))
            api.push(message("/start", user=EN_USER))
            answer = ask(api, message("Какое соглашение подписал МАЗ?"), chat_id=RU_USER["id"])
            assert "MAZ" in answer["text"]
            time.sleep(0.5)
            assert len([p for p in api.calls_of("sendMessage") if int(p["chat_id"]) == EN_USER["id"]]) == 1
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_the_allow_list_applies_to_every_kind_of_update(tmp_path):
    """Buttons, inline queries and edited messages from outside the allow-list are refused as messages are:
    a button gets the refusal as its answer, an inline query no results (its user's private chat decides)."""
    with BotApiStandIn(TOKEN) as api:
        process = launch_bot(api, tmp_path, BOT_ALLOWED_CHATS=str(RU_USER["id"]))
        try:
            reply = ask(api, message("Belarus Russia cooperation industry"), chat_id=RU_USER["id"])
            more = [d for d in buttons(reply) if d.startswith("m:")][0]
            outsider_chat = {"message_id": 9, "chat": {"id": EN_USER["id"], "type": "private"}, "text": "x"}
            pressed = ask(api, callback(more, outsider_chat, user=EN_USER), method="answerCallbackQuery")
            assert "approved chats" in pressed["text"]
            inline = {"inline_query": {"id": "iq-out", "from": EN_USER, "query": "MAZ agreement", "offset": ""}}
            assert ask(api, inline, method="answerInlineQuery")["results"] == []
            inline = {"inline_query": {"id": "iq-in", "from": RU_USER, "query": "MAZ agreement", "offset": ""}}
            assert ask(api, inline, method="answerInlineQuery")["results"]
            edited = message("Какое соглашение подписал МАЗ?")
            sent_before = len(api.calls_of("sendMessage"))
            api.push({"edited_message": edited["message"]})
            assert "MAZ" in ask(api, message("What agreement did MAZ sign?"), chat_id=RU_USER["id"])["text"]
            assert len(api.calls_of("sendMessage")) == sent_before + 1  # the edit got nothing
            assert not api.calls_of("editMessageText")  # the outsider's button changed nothing
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_every_acknowledged_vote_survives_sigkill(tmp_path):
    with BotApiStandIn(TOKEN) as api:
        process = launch_bot(api, tmp_path, BOT_RATE_LIMIT_MESSAGES="1000")
        reply = ask(api, message("Какое соглашение подписал МАЗ?"), chat_id=RU_USER["id"])
        vote = [d for d in buttons(reply) if d.startswith("v:") and d.endswith("+")][0]
        question_id = int(vote.split(":")[1].split(".")[0])
        for voter in range(1, 301):
            user = {"id": 900000 + voter, "is_bot": False, "first_name": "v", "language_code": "en"}
            api.push(callback(vote, sent_message(api, reply), user=user))
        api.wait_for(lambda calls: len([p for m, p in calls if m == "answerCallbackQuery"]) >= 60 or None)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=15)
        acknowledged = len([p for p in api.calls_of("answerCallbackQuery") if "Thank you" in p.get("text", "")])
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        stored = db.execute("SELECT COUNT(*) FROM votes WHERE question_id = ? AND up = 1", (question_id,)).fetchone()[0]
    assert 60 <= acknowledged <= stored <= 300


def test_load_command_reports_every_question_answered_once():
    result = subprocess.run([sys.executable, "tests/load.py", "--updates", "60", "--users", "6", "--flood", "20",
                             "--messages-per-second", "1000"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every question answered exactly once: yes" in result.stdout
    assert "flooding user: 16 replies to 20 messages" in result.stdout
