"""The shared store in a real PostgreSQL (issue 11): the same behaviour as SQLite, migrations safe when
replicas start together, clear failures without the password, and questions answered while it is down."""

import asyncio
import logging
import subprocess
import sys
import threading
import time

import pytest

from bot.store.calls import StoreCalls
from bot.store import SQLiteStore, StoreError, StoreUnavailable, open_store
from conftest import ROOT
from postgres import PASSWORD, PostgresServer, postgres  # noqa: F401 - the fixture

pytestmark = pytest.mark.timeout(300)


def _fresh(postgres, name: str) -> str:
    """A new empty database on the test server; its URL."""
    postgres._run(str(postgres.bin / "psql"), "-h", str(postgres.folder), "-p", str(postgres.port), "-U", "postgres",
                  "-c", f"CREATE DATABASE {name} OWNER bot")
    return postgres.url.replace("/botdb", f"/{name}")


def _exercise(store) -> tuple:
    first = 2**62 - 7  # ids are drawn at random by the bot, up to 62 bits
    store.add_question(first, "Какое соглашение подписал МАЗ?", "ru", 3)
    store.add_question(2, "  какое соглашение подписал МАЗ? ", "ru", 3)
    store.add_question(3, "рецепт борща", "ru", 0)
    assert store.question(first) == ("Какое соглашение подписал МАЗ?", "ru") and store.question(10**9) is None
    assert store.vote(first, 111, True) and store.vote(first, 111, False) and store.vote(first, 222, True)
    assert not store.vote(10**9, 111, True)
    stats = store.stats()
    store.remember(7, "Какое соглашение подписал МАЗ?", 600)
    store.remember(7, "Сколько Union MAZ выпустят?", 600)  # a chat's last question with a subject replaces the one before
    store.remember(8, "Кто открыл сессию?", 600)
    chats = store.last_question(7, 600), store.last_question(8, 0), store.last_question(9, 600)  # 8's: too old
    chats += store._run([("SELECT COUNT(*) FROM chats", ())], "one")[0],  # reading with 0 s kept forgot them all
    return stats.questions, stats.unanswered, stats.up, stats.down, [n for _, n in stats.top], stats.missed, chats


def test_postgres_behaves_as_sqlite(postgres):
    shared = open_store(_fresh(postgres, "same"))
    try:
        assert _exercise(shared) == _exercise(SQLiteStore(":memory:")) == (3, 1, 1, 1, [2, 1], [("рецепт борща", 1)],
                                                                         ("Сколько Union MAZ выпустят?", None, None, 0))
    finally:
        shared.close()


def test_replicas_starting_together_migrate_once(postgres):
    url = _fresh(postgres, "together")
    stores, errors = [], []

    def start():
        try:
            stores.append(open_store(url))
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(stores) == 4
    assert len({store.salt for store in stores}) == 1  # one salt: a vote hashes the same on every replica
    with stores[0].pool.connection() as conn:
        assert conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall() == [(1,), (2,)]
    for store in stores:
        store.close()


def test_unreachable_server_or_wrong_password_fail_clearly_without_the_password(postgres):
    closed = postgres.url.replace(f":{postgres.port}/", ":1/")
    with pytest.raises(StoreError) as error:
        open_store(closed)
    assert "bot@127.0.0.1:1/botdb" in str(error.value) and PASSWORD not in str(error.value)
    wrong = postgres.url.replace(PASSWORD, "wrong-" + PASSWORD)
    with pytest.raises(StoreError) as error:
        open_store(wrong)
    assert "password authentication failed" in str(error.value) and PASSWORD not in str(error.value)


def test_the_bot_refuses_to_start_without_its_store(postgres, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "123:abc", "BOT_CONFIG": "",
           "BOT_STORE": postgres.url.replace(f":{postgres.port}/", ":1/")}
    result = subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("error: cannot use PostgreSQL at bot@127.0.0.1:1/botdb")
    assert PASSWORD not in result.stdout + result.stderr


async def test_a_lost_server_fails_fast_logs_once_a_minute_and_recovers(caplog):
    server = PostgresServer().start()
    try:
        server.create_database()
        calls = StoreCalls(open_store(server.url), retry=0.3)
        question = calls.record("Какое соглашение подписал МАЗ?", "ru", 3, None)
        await calls.drain()
        server.stop()
        caplog.set_level(logging.ERROR, logger="bot.store.calls")
        started = time.monotonic()
        for _ in range(6):
            with pytest.raises(StoreUnavailable):
                await calls.question(question)
            await asyncio.sleep(0.1)
        assert time.monotonic() - started < 15 and calls.state == "unreachable"
        assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1
        assert PASSWORD not in caplog.text
        server.start()
        deadline = time.monotonic() + 30
        while True:
            try:
                assert await calls.question(question) == ("Какое соглашение подписал МАЗ?", "ru")
                break
            except StoreUnavailable:
                assert time.monotonic() < deadline, "the store did not recover"
                await asyncio.sleep(0.3)
        assert calls.state == "ok"
        calls.close()
    finally:
        server.remove()
