"""Liveness, readiness and Prometheus metrics: what an orchestrator and an operator watch.

`/healthz` answers 200 while the process serves HTTP. `/readyz` answers 200 only when the index is loaded
and Telegram was reached (the start-up calls to the Bot API succeeded), else 503 with the reason: a load
balancer sends a replica no webhook traffic before. It also reports the store's state, without making it a
problem: questions are answered while the store is down. `/metrics` is Prometheus's text format. In
webhook mode these share the webhook server; in polling mode a small server on `health_port` serves them
(off when 0). They answer GET only, and refuse other methods before any body is read (`Listener`). The metrics are
described in docs/operations.md, "Running in production".
"""

from __future__ import annotations

import json

import tornado.web
from tornado.httpserver import HTTPServer
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

QUESTIONS = Counter("innoprom_questions", "Questions by outcome", ["outcome"])  # answered, refused, flood_limited
SEARCH_SECONDS = Histogram("innoprom_search_seconds", "Time to search the corpus for one question",
                           buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0))
TELEGRAM_ERRORS = Counter("innoprom_telegram_errors", "Failed Bot API calls by kind", ["kind"])
CORPUS_CHANGES = Counter("innoprom_corpus_changes", "Reloads, /add and feed polls by result", ["result"])
CORPUS_ARTICLES = Gauge("innoprom_corpus_articles", "Articles in the corpus being served")
CORPUS_PASSAGES = Gauge("innoprom_corpus_passages", "Passages in the corpus being served")
STORE_UP = Gauge("innoprom_store_up", "1 while the store answers, 0 after a call failed or timed out")
BODY_SECONDS = 10  # a request's body must arrive within this (every listener)
HEALTH_BODY_BYTES = 4096  # the health server takes no bodies; a little room for a proxy's odd probe

for outcome in ("answered", "refused", "flood_limited"):
    QUESTIONS.labels(outcome)  # every series exists from the start, so rates and alerts see zeros
for result in ("ok", "failed"):
    CORPUS_CHANGES.labels(result)


class Readiness:
    """What readiness waits for; set by the service (index) and the application (Telegram)."""

    def __init__(self):
        self.index_loaded = False
        self.telegram_reached = False
        self.store = lambda: "ok"  # the store's state, as bot.store.calls reports it

    def problems(self) -> list[str]:
        return [name for name, ok in (("index not loaded", self.index_loaded),
                                      ("Telegram not reached yet", self.telegram_reached)) if not ok]


READINESS = Readiness()


def serving(articles: int, passages: int) -> None:
    """The engine being served changed."""
    READINESS.index_loaded = True
    CORPUS_ARTICLES.set(articles)
    CORPUS_PASSAGES.set(passages)


@tornado.web.stream_request_body
class Listener(tornado.web.RequestHandler):
    """A handler that judges a request by its method and headers alone, before any body is read: tornado
    reads a body whole before an ordinary handler runs, so a bad request could make it hold megabytes for
    as long as the sender likes. Subclasses refuse in `prepare` and take the body in `data_received`; on a
    refusal tornado answers and closes the connection without reading the body."""

    SUPPORTED_METHODS = ("GET",)

    def data_received(self, chunk: bytes) -> None:  # a GET takes no body: anything sent is dropped
        pass

    def log_exception(self, typ, value, tb) -> None:  # a refused request is one line (tornado.access), never a traceback
        if not isinstance(value, tornado.web.HTTPError):
            super().log_exception(typ, value, tb)


def listening_server(routes: list, max_body_bytes: int) -> HTTPServer:
    """A server for `routes` that drops a body larger than `max_body_bytes` or slower than BODY_SECONDS."""
    return HTTPServer(tornado.web.Application(routes), max_body_size=max_body_bytes, body_timeout=BODY_SECONDS,
                      idle_connection_timeout=BODY_SECONDS, xheaders=True)


class _Live(Listener):
    def get(self) -> None:
        self.write("ok\n")


class _Ready(Listener):
    def get(self) -> None:
        problems = READINESS.problems()
        self.set_status(503 if problems else 200)
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps({"ready": not problems, "problems": problems, "store": READINESS.store()}))


class _Metrics(Listener):
    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.write(generate_latest())


ROUTES = [("/healthz", _Live), ("/readyz", _Ready), ("/metrics", _Metrics)]
