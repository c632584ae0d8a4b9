"""The running bot against a hostile user and a failing database (issue 23): one flood limit over every kind
of update, votes only from the chat an answer went to, a stopped PostgreSQL that holds no chat, and HTTP
listeners that refuse a request before reading its body. Everything runs against stand-ins on 127.0.0.1."""

import json
import os
import signal
import socket
import time
from pathlib import Path

import pytest

from botapi import BotApiStandIn
from conftest import launch_bot
from postgres import postgres  # noqa: F401 - the fixture
from test_bot_e2e import EN_USER, RU_USER, TOKEN, ask, buttons, callback, message, sent_message
from test_bot_webhook import free_port
from test_health import get

LIMIT = 3
STICKER = {"file_id": "s1", "file_unique_id": "u1", "type": "regular", "width": 512, "height": 512,
           "is_animated": False, "is_video": False}


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    """A bot allowing each user LIMIT updates a minute, with its health server on."""
    folder = tmp_path_factory.mktemp("strict")
    port = free_port()
    with BotApiStandIn(TOKEN) as api:
        process = launch_bot(api, folder, open(folder / "bot.log", "w"), BOT_RATE_LIMIT_MESSAGES=str(LIMIT),
                             BOT_RATE_LIMIT_SECONDS="60", BOT_HEALTH_PORT=str(port))
        api.health_port = port
        warm = _user(99)  # a first question, answered before any test: the encoder is loaded and the bot
        ask(api, message("What was signed?", user=warm), chat_id=warm["id"])  # quiet only once it is done
        yield api
        process.kill()
        process.wait()


def _user(number: int) -> dict:
    return {"id": 8000 + number, "is_bot": False, "first_name": "u", "language_code": "en"}


def _settle(api, seconds: float = 1.5) -> None:
    """Wait until the bot has made no call for `seconds` (it has done all it will do with what it got)."""
    count, quiet_since = len(api.calls), time.monotonic()
    while time.monotonic() - quiet_since < seconds:
        time.sleep(0.1)
        if len(api.calls) != count:
            count, quiet_since = len(api.calls), time.monotonic()


def _to(api, method: str, user: dict) -> list[dict]:
    """`method` calls addressed to `user`: by chat, by callback or inline query id, which carry the user."""
    return [p for p in api.calls_of(method) if str(p.get("chat_id")) == str(user["id"])
            or str(p.get("callback_query_id", "")).startswith(f"{user['id']}-")
            or str(p.get("inline_query_id", "")).startswith(f"{user['id']}-")]


def test_example_buttons_are_limited_like_messages(strict):
    user = _user(1)
    start = ask(strict, message("/start", user=user), chat_id=user["id"])  # 1 of LIMIT
    example = next(d for d in buttons(start) if d.startswith("e:"))
    for n in range(10):
        update = callback(example, sent_message(strict, start), user=user)
        update["callback_query"]["id"] = f"{user['id']}-{n}"
        strict.push(update)
    _settle(strict)
    answers = [p for p in _to(strict, "sendMessage", user) if "blockquote" in p["text"]]
    assert len(answers) == LIMIT - 1  # /start took one of the three
    told = [p for p in _to(strict, "answerCallbackQuery", user) if "Too many" in p.get("text", "")]
    assert len(told) == 1  # once per window; the other taps cost no call at all


def test_inline_queries_are_limited_and_do_not_delay_others(strict):
    flooder, other = _user(2), _user(3)
    for n in range(40):
        strict.push({"inline_query": {"id": f"{flooder['id']}-{n}", "from": flooder, "query": "MAZ agreement",
                                      "offset": ""}})
    asked = time.monotonic()
    reply = ask(strict, message("What agreement did MAZ sign?", user=other), chat_id=other["id"])
    assert "MAZ" in reply["text"]
    _settle(strict)
    assert len(_to(strict, "answerInlineQuery", flooder)) == LIMIT  # 37 of the 40 made the bot do nothing
    assert time.monotonic() - asked < 30  # (a generous bound: the flood cannot queue work before it)


def test_stickers_are_limited_too(strict):
    user = _user(4)
    for _ in range(10):
        strict.push(message(user=user, sticker=STICKER))
    _settle(strict)
    texts = [p["text"] for p in _to(strict, "sendMessage", user)]
    assert sum("only understand text" in t for t in texts) == LIMIT and sum("Too many" in t for t in texts) == 1


def test_group_chatter_not_for_the_bot_costs_nothing(strict):
    user, group = _user(5), {"id": -100777, "type": "supergroup", "title": "g"}
    for _ in range(10):
        strict.push(message("just talking", user=user, chat=group))
    reply = ask(strict, message("What agreement did MAZ sign?", user=user), chat_id=user["id"])
    assert "MAZ" in reply["text"]


def test_a_vote_counts_only_from_the_chat_the_answer_went_to(strict):
    asker, other = _user(6), _user(7)
    reply = ask(strict, message("What agreement did MAZ sign?", user=asker), chat_id=asker["id"])
    vote = next(d for d in buttons(reply) if d.startswith("v:") and d.endswith("+"))
    elsewhere = {**sent_message(strict, reply), "chat": {"id": other["id"], "type": "private"}}
    refused = ask(strict, callback(vote, elsewhere, user=other), method="answerCallbackQuery")
    assert "expired" in refused["text"]
    accepted = ask(strict, callback(vote, sent_message(strict, reply), user=asker), method="answerCallbackQuery")
    assert "Thank you" in accepted["text"]


# --- the HTTP listeners: judged by their headers, before any body is read ----------------------------------

def _raw(port: int, head: str, body: bytes = b"", wait: float = 5.0) -> bytes:
    """Send a request's head (and `body`), and return what the server answers before closing or `wait`."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head.encode() + b"\r\n\r\n" + body)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer:
                    break
        except socket.timeout:
            pass
        return answer


def _closed_after_answer(port: int, head: str) -> bool:
    """Whether the server closes the connection once it answered, rather than reading the body declared."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head.encode() + b"\r\n\r\n")
        try:
            while sock.recv(65536):
                pass
        except socket.timeout:
            return False
        return True


def test_the_health_port_refuses_a_body_it_would_never_use(strict):
    port = strict.health_port
    answer = _raw(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 89000000")
    assert answer.startswith(b"HTTP/1.1 405"), answer[:80]  # at once: the 89 MB were never sent
    assert _closed_after_answer(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 89000000")
    assert _raw(port, "GET /healthz HTTP/1.1\r\nHost: x").startswith(b"HTTP/1.1 200")
    assert _raw(port, "HEAD /healthz HTTP/1.1\r\nHost: x").startswith(b"HTTP/1.1 405")  # GET only


def test_webhook_refuses_without_the_secret_before_the_body(tmp_path):
    port = free_port()
    with BotApiStandIn(TOKEN) as api:
        process = launch_bot(api, tmp_path, open(tmp_path / "bot.log", "w"), wait_for="setWebhook",
                             BOT_WEBHOOK_URL="https://bot.example.invalid/t", BOT_WEBHOOK_PORT=str(port),
                             BOT_WEBHOOK_PATH="t", TELEGRAM_WEBHOOK_SECRET="s3cret")
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    answer = _raw(port, "POST /t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                        "Content-Length: 999000")
                    break
                except OSError:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            assert answer.startswith(b"HTTP/1.1 403"), answer[:80]  # the 999,000 bytes were never sent
            assert _closed_after_answer(port, "POST /t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                              "Content-Length: 999000")  # and the body would not be read
            with_secret = ("POST /t HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           "X-Telegram-Bot-Api-Secret-Token: s3cret\r\nContent-Length: 5000000")
            assert _raw(port, with_secret).startswith(b"HTTP/1.1 400")  # over webhook_max_body_bytes: not read
            assert _raw(port, "PUT /t HTTP/1.1\r\nHost: x\r\nContent-Length: 10").startswith(b"HTTP/1.1 405")
            assert _raw(port, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10").startswith(b"HTTP/1.1 405")
        finally:
            process.kill()
            process.wait()


def test_a_body_that_stops_arriving_is_dropped(monkeypatch):
    """health.listening_server, which both listeners use, drops a body slower than BODY_SECONDS."""
    import asyncio

    from bot.web import health

    monkeypatch.setattr(health, "BODY_SECONDS", 1)

    async def scenario() -> float:
        port = free_port()
        server = health.listening_server(health.ROUTES, 1_000_000)
        server.listen(port, "127.0.0.1")
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npart")
        await writer.drain()
        started = time.monotonic()
        await asyncio.wait_for(reader.read(), 10)  # the server answers GET, then closes on the stalled body
        closed = time.monotonic() - started
        writer.close()
        server.stop()
        return closed

    assert asyncio.run(scenario()) < 8


# --- a stopped PostgreSQL holds no chat ----------------------------------------------------------------------

def _stop_cluster(server) -> list[int]:
    """Stop (SIGSTOP) the postmaster of `server`, then every process it started: stopped first, it can start no
    backend between the listing and the stopping (a connection the bot opened just then served a button)."""
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGSTOP)
    children = [int(pid) for pid in Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()]
    for pid in children:
        os.kill(pid, signal.SIGSTOP)
    return [postmaster, *children]


def test_a_stopped_database_delays_no_answer_and_buttons_ask_to_retry(postgres, tmp_path):  # noqa: F811
    postgres._run(str(postgres.bin / "psql"), "-h", str(postgres.folder), "-p", str(postgres.port), "-U", "postgres",
                  "-c", "CREATE DATABASE stopped OWNER bot")
    port = free_port()
    with BotApiStandIn(TOKEN) as api:
        process = launch_bot(api, tmp_path, open(tmp_path / "bot.log", "w"), BOT_HEALTH_PORT=str(port),
                             BOT_STORE=postgres.url.replace("/botdb", "/stopped"), BOT_RATE_LIMIT_MESSAGES="100")
        stopped = []
        try:
            before = ask(api, message("Belarus Russia cooperation industry"), chat_id=RU_USER["id"])
            more = next(d for d in buttons(before) if d.startswith("m:"))
            stopped = _stop_cluster(postgres)
            for number in range(3):
                user = {**EN_USER, "id": 9100 + number}
                pushed = time.monotonic()
                reply = ask(api, message("What agreement did MAZ sign?", user=user), chat_id=user["id"])
                assert "MAZ" in reply["text"] and _sent_at(api, reply) - pushed < 1.0
            pressed = time.monotonic()
            retry = ask(api, callback(more, sent_message(api, before)), method="answerCallbackQuery")
            assert "попробуйте" in retry["text"] and _sent_at(api, retry) - pressed < 5  # the store's 2 s limit
            health = _raw(port, "GET /readyz HTTP/1.1\r\nHost: x")
            assert health.startswith(b"HTTP/1.1 200")
            assert json.loads(get(port, "/readyz")[1])["store"] == "unreachable"
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)
            stopped = []
            deadline = time.monotonic() + 30
            while True:  # questions try the store again after its retry pause, and get their buttons back
                time.sleep(1)
                after = ask(api, message("Belarus Russia cooperation industry"), chat_id=RU_USER["id"])
                if any(d.startswith("v:") for d in buttons(after)):
                    break
                assert time.monotonic() < deadline, "the store never came back"
            api.wait_for(lambda calls: json.loads(get(port, "/readyz")[1])["store"] == "ok", timeout=10)
            paged = ask(api, callback(more, sent_message(api, before)), method="editMessageText")
            assert paged["text"].startswith("4.")  # the question asked before the stop is still there
        finally:
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)
            process.kill()
            process.wait()


def _sent_at(api, params: dict) -> float:
    """When the stand-in received the call whose parameters are `params` (time.monotonic())."""
    with api._lock:
        return next(at for (_, made), at in zip(api.calls, api.call_times) if made is params)
