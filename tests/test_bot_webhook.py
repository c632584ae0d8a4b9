"""Webhook mode: the bot registers its webhook and accepts only requests carrying the secret token."""

import json
import socket
import time
import urllib.error
import urllib.request

from botapi import BotApiStandIn
from conftest import launch_bot
from test_bot_e2e import TOKEN, message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url: str, body: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_webhook_checks_the_secret_token(tmp_path):
    port = free_port()
    with BotApiStandIn(TOKEN) as api:
        process = launch_bot(api, tmp_path, open(tmp_path / "bot.log", "w"), wait_for="setWebhook",
                             BOT_WEBHOOK_URL="https://bot.example.invalid/telegram", BOT_WEBHOOK_LISTEN="127.0.0.1",
                             BOT_WEBHOOK_PORT=str(port), BOT_WEBHOOK_PATH="telegram", TELEGRAM_WEBHOOK_SECRET="s3cret")
        try:
            registered = api.calls_of("setWebhook")[0]
            assert registered["url"] == "https://bot.example.invalid/telegram"
            assert registered["secret_token"] == "s3cret"
            url = f"http://127.0.0.1:{port}/telegram"
            deadline = time.monotonic() + 20
            update = {"update_id": 1, **message("Какое соглашение подписал МАЗ?")}
            while True:  # the server may need a moment after setWebhook
                try:
                    status = post(url, update, "wrong")
                    break
                except OSError:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            assert status == 403
            assert post(url, update, None) == 403
            assert not api.calls_of("sendMessage")
            huge = {"update_id": 2, **message("МАЗ " * 400_000)}
            try:
                assert post(url, huge, "s3cret") in (400, 413)
            except OSError:
                pass  # tornado may close the connection instead of answering: the body was still refused
            assert post(url, {"not": "an update"}, "s3cret") in (200, 400)
            assert post(url, update, "s3cret") == 200
            reply = api.wait_for(lambda calls: [p for m, p in calls if m == "sendMessage"])[0]
            assert "MAZ" in reply["text"]
            time.sleep(0.3)
            assert len(api.calls_of("sendMessage")) == 1  # the refused requests produced nothing
        finally:
            process.terminate()
            assert process.wait(timeout=15) == 0


def post_raw(url: str, body: bytes, content_type: str = "application/json") -> int:
    request = urllib.request.Request(url, body, {"Content-Type": content_type,
                                                 "X-Telegram-Bot-Api-Secret-Token": "s3cret"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


HOSTILE = [b"null", b"[]", b"42", b'"x"', b"{}", b'{"update_id": "1"}', b'{"update_id": 5, "message": "x"}',
           b"[" * 200_000 + b"]" * 200_000, b"{not json", "é".encode("latin-1")]


def test_hostile_payloads_with_the_right_secret_are_refused_in_one_line(tmp_path):
    port = free_port()
    with BotApiStandIn(TOKEN) as api:
        log = open(tmp_path / "bot.log", "w+")
        process = launch_bot(api, tmp_path, log, wait_for="setWebhook", BOT_WEBHOOK_URL="https://bot.example.invalid/t",
                             BOT_WEBHOOK_PORT=str(port), BOT_WEBHOOK_PATH="t", TELEGRAM_WEBHOOK_SECRET="s3cret")
        try:
            url = f"http://127.0.0.1:{port}/t"
            deadline = time.monotonic() + 20
            while True:
                try:
                    post_raw(url, b"null")
                    break
                except OSError:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            for body in HOSTILE:
                assert post_raw(url, body) == 400, body[:40]
            late = message("Какое соглашение подписал МАЗ?")
            late["message"]["date"] = 10**20
            assert post_raw(url, json.dumps({"update_id": 7, **late}).encode()) == 400
            assert post_raw(url, json.dumps({"update_id": 8, **message("МАЗ")}).encode(), "text/plain") == 415
            chatless = message("Какое соглашение подписал МАЗ?")
            del chatless["message"]["chat"]
            assert post_raw(url, json.dumps({"update_id": 9, **chatless}).encode()) == 200
            asked = message("Какое соглашение подписал МАЗ?")
            assert post_raw(url, json.dumps({"update_id": 10, **asked}).encode()) == 200
            edited = {"update_id": 11, "edited_message": {**asked["message"], "edit_date": int(time.time())}}
            assert post_raw(url, json.dumps(edited).encode()) == 200
            api.wait_for(lambda calls: [p for m, p in calls if m == "sendMessage"])
            time.sleep(1.0)  # time for any second answer (the edit, the chatless message) to show up
            assert len(api.calls_of("sendMessage")) == 1  # the question once; the edit and the rest nothing
        finally:
            process.terminate()
            assert process.wait(timeout=15) == 0
        log.seek(0)
        text = log.read()
        assert "Traceback" not in text and text.count("not an update") == len(HOSTILE) + 2  # + the probe, the date
        assert "Content-Type 'text/plain'" in text
