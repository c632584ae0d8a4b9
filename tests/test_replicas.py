"""Two replicas of the bot in webhook mode share one PostgreSQL (issue 11): a question answered by one has
its "more" button served by the other, and votes arriving through both are counted once per person."""

import time

import psycopg
import pytest

from botapi import BotApiStandIn
from conftest import launch_bot
from postgres import postgres  # noqa: F401 - the fixture
from test_bot_e2e import EN_USER, RU_USER, TOKEN, buttons, callback, message, sent_message
from test_bot_webhook import free_port, post

SECRET = "replica-secret"


def _deliver(port: int, update: dict) -> None:
    """Post an update to one replica's webhook, waiting for its server to be up."""
    deadline = time.monotonic() + 60
    while True:
        try:
            assert post(f"http://127.0.0.1:{port}/telegram", update, SECRET) == 200
            return
        except OSError:
            assert time.monotonic() < deadline, f"replica on port {port} never listened"
            time.sleep(0.2)


def _next(api, method: str, before: int) -> dict:
    return api.wait_for(lambda calls: ([p for m, p in calls if m == method][before:] or [None])[0], timeout=30)


@pytest.fixture
def replicas(postgres, tmp_path):
    postgres._run(str(postgres.bin / "psql"), "-h", str(postgres.folder), "-p", str(postgres.port), "-U",
                  "postgres", "-c", "CREATE DATABASE replicas OWNER bot")
    url = postgres.url.replace("/botdb", "/replicas")
    ports = [free_port(), free_port()]
    processes = []
    with BotApiStandIn(TOKEN) as api:
        for number, port in enumerate(ports):
            folder = tmp_path / f"replica-{number}"
            folder.mkdir()
            processes.append(launch_bot(api, folder, open(folder / "bot.log", "w"), wait_for="setWebhook",
                                        BOT_STORE=url, BOT_WEBHOOK_URL="https://bot.example.invalid/telegram",
                                        BOT_WEBHOOK_PORT=str(port), TELEGRAM_WEBHOOK_SECRET=SECRET))
        api.ports, api.store_url = ports, url
        yield api
        for process in processes:
            process.kill()
            process.wait()


def test_any_replica_serves_any_button_and_votes_count_once(replicas):
    first, second = replicas.ports
    update_id = iter(range(1, 100))
    _deliver(first, {"update_id": next(update_id), **message("Belarus Russia cooperation industry")})
    reply = _next(replicas, "sendMessage", 0)
    more = [d for d in buttons(reply) if d.startswith("m:")]
    assert more, reply
    _deliver(second, {"update_id": next(update_id), **callback(more[0], sent_message(replicas, reply))})
    edited = _next(replicas, "editMessageText", 0)
    assert edited["text"].startswith("4.")  # the second replica found the first one's question
    up = [d for d in buttons(reply) if d.startswith("v:") and d.endswith("+")][0]
    down = up[:-1] + "-"
    for number, (port, data, user) in enumerate([(first, up, RU_USER), (second, down, EN_USER),
                                                 (second, up, RU_USER)]):
        _deliver(port, {"update_id": next(update_id), **callback(data, sent_message(replicas, reply), user)})
        thanks = _next(replicas, "answerCallbackQuery", number + 1)  # +1: the "more" button's answer
        assert "Спасибо" in thanks["text"] or "Thank you" in thanks["text"], thanks
    with psycopg.connect(replicas.store_url) as db:
        assert db.execute("SELECT up, COUNT(*) FROM votes GROUP BY up ORDER BY up").fetchall() == [(0, 1), (1, 1)]
        assert db.execute("SELECT COUNT(*) FROM questions").fetchone()[0] == 1
