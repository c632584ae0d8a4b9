"""Liveness, readiness and Prometheus metrics: what an orchestrator and an operator watch.

`/healthz` answers 200 while the process serves HTTP. `/readyz` answers 200 only when the index is loaded
and Telegram was reached (the start-up calls to the Bot API succeeded), else 503 with the reason: a load
balancer sends a replica no webhook traffic before. `/metrics` is Prometheus's text format. In webhook mode
these share the webhook server; in polling mode a small server on `health_port` serves them (off when 0).
The metrics are described in README.md, "Running in production".
"""

from __future__ import annotations

import json

import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

QUESTIONS = Counter("innoprom_questions", "Questions by outcome", ["outcome"])  # answered, refused, flood_limited
SEARCH_SECONDS = Histogram("innoprom_search_seconds", "Time to search the corpus for one question",
                           buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0))
TELEGRAM_ERRORS = Counter("innoprom_telegram_errors", "Failed Bot API calls by kind", ["kind"])
CORPUS_CHANGES = Counter("innoprom_corpus_changes", "Reloads, /add and feed polls by result", ["result"])
CORPUS_ARTICLES = Gauge("innoprom_corpus_articles", "Articles in the corpus being served")
CORPUS_PASSAGES = Gauge("innoprom_corpus_passages", "Passages in the corpus being served")

for outcome in ("answered", "refused", "flood_limited"):
    QUESTIONS.labels(outcome)  # every series exists from the start, so rates and alerts see zeros
for result in ("ok", "failed"):
    CORPUS_CHANGES.labels(result)


class Readiness:
    """What readiness waits for; set by the service (index) and the application (Telegram)."""

    def __init__(self):
        self.index_loaded = False
        self.telegram_reached = False

    def problems(self) -> list[str]:
        return [name for name, ok in (("index not loaded", self.index_loaded),
                                      ("Telegram not reached yet", self.telegram_reached)) if not ok]


READINESS = Readiness()


def serving(articles: int, passages: int) -> None:
    """The engine being served changed."""
    READINESS.index_loaded = True
    CORPUS_ARTICLES.set(articles)
    CORPUS_PASSAGES.set(passages)


class _Live(tornado.web.RequestHandler):
    def get(self) -> None:
        self.write("ok\n")


class _Ready(tornado.web.RequestHandler):
    def get(self) -> None:
        problems = READINESS.problems()
        self.set_status(503 if problems else 200)
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps({"ready": not problems, "problems": problems}))


class _Metrics(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.write(generate_latest())


ROUTES = [("/healthz", _Live), ("/readyz", _Ready), ("/metrics", _Metrics)]
