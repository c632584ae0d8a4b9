"""Health, readiness and metrics (issue 11): what an orchestrator and Prometheus read from a running bot."""

import json
import re
import time
import urllib.error
import urllib.request

from botapi import BotApiStandIn
from conftest import launch_bot
from test_bot_e2e import EN_USER, TOKEN, ask, message
from test_bot_webhook import free_port


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_polling_mode_serves_health_readiness_and_metrics(tmp_path):
    port = free_port()
    with BotApiStandIn(TOKEN) as api:
        api.slow("setMyCommands", 2.0)  # Telegram not reached yet: not ready
        process = launch_bot(api, tmp_path, open(tmp_path / "bot.log", "w"), wait_for="setMyCommands",
                             BOT_HEALTH_PORT=str(port))
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    status, body = get(port, "/readyz")
                    break
                except OSError:
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
            assert status == 503 and json.loads(body)["problems"] == ["Telegram not reached yet"]
            assert get(port, "/healthz") == (200, "ok\n")
            api.wait_for(lambda calls: any(m == "getUpdates" for m, _ in calls), timeout=30)
            assert get(port, "/readyz") == (200, json.dumps({"ready": True, "problems": [], "store": "ok"}))
            before = get(port, "/metrics")[1]
            assert metric(before, "innoprom_corpus_articles") == 5 and metric(before, "innoprom_corpus_passages") > 40
            ask(api, message("What agreement did MAZ sign?", user=EN_USER))
            ask(api, message("рецепт борща"))
            api.fail("sendMessage", 500)
            api.push(message("Какое соглашение подписал МАЗ?"))
            api.wait_for(lambda calls: len([m for m, _ in calls if m == "sendMessage"]) >= 4, timeout=30)
            after = get(port, "/metrics")[1]
            for outcome, added in (("answered", 2), ("refused", 1)):
                name = f'innoprom_questions_total{{outcome="{outcome}"}}'
                assert metric(after, name) - metric(before, name) == added
            assert metric(after, "innoprom_search_seconds_count") - metric(before, "innoprom_search_seconds_count") == 3
            errors = re.findall(r'^innoprom_telegram_errors_total\{kind="(\w+)"\} (\S+)$', after, re.MULTILINE)
            assert errors and sum(float(n) for _, n in errors) >= 1
        finally:
            process.kill()
            process.wait()


def test_webhook_mode_serves_them_beside_the_webhook(tmp_path):
    port = free_port()
    with BotApiStandIn(TOKEN) as api:
        process = launch_bot(api, tmp_path, open(tmp_path / "bot.log", "w"), wait_for="setWebhook",
                             BOT_WEBHOOK_URL="https://bot.example.invalid/telegram", BOT_WEBHOOK_PORT=str(port),
                             TELEGRAM_WEBHOOK_SECRET="s")
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    status, body = get(port, "/readyz")
                    if status == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert json.loads(body)["ready"] and get(port, "/healthz")[0] == 200
            assert "innoprom_corpus_changes_total" in get(port, "/metrics")[1]
        finally:
            process.kill()
            process.wait()
