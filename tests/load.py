"""Load command (not a test): `python tests/load.py [--updates 1000] [--users 100]` (or `make load`).

Starts the Bot API stand-in and the real bot, feeds N questions from M users as fast as the bot takes
them (plus one user flooding 50 messages at once), and prints answers per second, the 50th and 99th
percentile time from update to reply, the bot's peak memory, and whether every update got exactly one
reply. Replies are matched to updates per chat, in order. Questions are fed as fast as the bot takes them:
a new one whenever fewer than --window are waiting for their reply.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from botapi import BotApiStandIn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "424242:LOAD-test-token"
QUESTIONS = ["Какое соглашение подписал МАЗ?", "What agreement did MAZ sign?", "How many companies took part?",
             "Что Беларусь предлагает Свердловской области?", "Who is Golovchenko?", "Какой трамвай показали?",
             "What is the capital of France?", "Сколько документов запланировано подписать?"]
FLOODER = 10**9


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--flood", type=int, default=50, help="messages the flooding user sends at once")
    parser.add_argument("--window", type=int, default=16, help="questions in flight at once")
    parser.add_argument("--messages-per-second", type=float, default=30,
                        help="the bot's outgoing limit (default: Telegram's 30; raise it to measure the bot alone)")
    args = parser.parse_args()
    per_user_limit = -(-args.updates // args.users) + 5
    with tempfile.TemporaryDirectory() as tmp, BotApiStandIn(TOKEN) as api:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url, "BOT_CONFIG": "",
               "BOT_STORE": f"sqlite:///{tmp}/bot.sqlite3", "BOT_RATE_LIMIT_MESSAGES": str(per_user_limit),
               "BOT_RATE_LIMIT_SECONDS": "60", "BOT_MESSAGES_PER_SECOND": str(args.messages_per_second),
               "BOT_LOG_LEVEL": "WARNING"}
        bot = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env)
        api.wait_for(lambda calls: any(m == "getUpdates" for m, _ in calls), timeout=60)
        rng = random.Random(1)
        pushed: dict[int, list[float]] = {}
        plan = [(1 + i % args.users, rng.choice(QUESTIONS)) for i in range(args.updates)]

        def push(user: int, question: str) -> None:
            pushed.setdefault(user, []).append(time.monotonic())
            api.push({"message": {"message_id": 1, "date": int(time.time()), "text": question,
                                  "chat": {"id": user, "type": "private"},
                                  "from": {"id": user, "is_bot": False, "first_name": "u", "language_code": "en"}}})

        def replied() -> int:
            return len(api.calls_of("sendMessage"))

        started = time.monotonic()
        for _ in range(args.flood):  # the flooding user sends everything at once
            push(FLOODER, "MAZ agreement")
        flood_expected = per_user_limit + 1  # answers up to the limit, then one slow-down notice
        sent = 0
        while sent < len(plan):  # the others: a new question whenever the bot has taken one
            if sent - max(0, replied() - flood_expected) < args.window:
                push(*plan[sent])
                sent += 1
            else:
                time.sleep(0.001)
        expected = args.updates + flood_expected
        api.wait_for(lambda calls: sum(1 for m, _ in calls if m == "sendMessage") >= expected or None,
                     timeout=max(120, args.updates / 5))
        elapsed = time.monotonic() - started
        time.sleep(1)  # anything extra (a duplicate) would arrive now
        memory = peak_rss_mib(bot.pid)
        bot.send_signal(signal.SIGTERM)
        bot.wait(timeout=30)
        replies: dict[int, list[float]] = {}
        for (method, params), at in zip(api.calls, api.call_times):
            if method == "sendMessage":
                replies.setdefault(int(params["chat_id"]), []).append(at)
    def percentiles(start_times: dict[int, list[float]]) -> str:
        values = sorted(r - s for user, starts in start_times.items() if user != FLOODER
                        for s, r in zip(starts, replies.get(user, [])))
        return f"p50 {values[len(values) // 2] * 1000:.0f} ms, p99 {values[int(len(values) * 0.99)] * 1000:.0f} ms"


    normal_ok = all(len(replies.get(user, [])) == len(times) for user, times in pushed.items() if user != FLOODER)
    flood_replies = len(replies.get(FLOODER, []))
    print(f"{args.updates} questions from {args.users} users (+{args.flood} from one flooding user), "
          f"outgoing limit {args.messages_per_second:g}/s")
    print(f"answers per second: {sum(len(r) for r in replies.values()) / elapsed:.0f}")
    print(f"update → reply: {percentiles(pushed)} ({args.window} questions in flight)")
    print(f"bot peak memory: {memory:.0f} MiB")
    print(f"every question answered exactly once: {'yes' if normal_ok else 'NO'}")
    print(f"flooding user: {flood_replies} replies to {args.flood} messages "
          f"({per_user_limit} answers + 1 slow-down notice expected)")
    return 0 if normal_ok and flood_replies == per_user_limit + 1 else 1


if __name__ == "__main__":
    sys.exit(main())
