"""Webhook mode: a small tornado server in front of the Application, for deployment behind a reverse proxy.

python-telegram-bot's own `run_webhook` checks the secret token but accepts bodies of any size (tornado's
default limit is 100 MB). This server judges a request by its headers before reading any of its body: the
secret in constant time (403 without it), the Content-Type (415), the declared length (400 over
`webhook_max_body_bytes`); a refused request's connection is closed without its body being read, and an
accepted body must arrive within `health.BODY_SECONDS`. It accepts only JSON
bodies that are updates (400 and one log line otherwise, never a traceback), and hands each update to the
Application's queue, as PTB's custom-webhook examples do.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal

import tornado.web
from telegram import Update
from telegram.ext import Application

from . import health
from ..config import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def parse_update(body: bytes, bot) -> Update | None:
    """The update in a webhook body, or None for anything that is not one: not JSON, nested too deeply,
    not an object with an integer update_id, or fields PTB cannot build (a string for a message, a date
    past year 9999)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return None
    try:
        return Update.de_json(data, bot)
    except Exception:  # noqa: BLE001 - PTB raises whatever a malformed field makes it raise
        return None


class UpdateHandler(health.Listener):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot_application: Application, secret: str) -> None:
        self.bot_application, self.secret = bot_application, secret
        self.body = bytearray()

    def prepare(self) -> None:
        """Runs when the headers are in and before the body is read: a refusal here closes the connection
        without reading the body."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request without the right secret token from %s", self.request.remote_ip)
            raise tornado.web.HTTPError(403)
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            log.warning("webhook request with Content-Type %r, not application/json", content_type[:40])
            raise tornado.web.HTTPError(415)

    def data_received(self, chunk: bytes) -> None:
        self.body += chunk  # bounded: the server drops a body over webhook_max_body_bytes

    async def post(self) -> None:
        update = parse_update(bytes(self.body), self.bot_application.bot)
        if update is None:
            log.warning("webhook request with a body that is not an update")
            raise tornado.web.HTTPError(400)
        await self.bot_application.update_queue.put(update)
        self.set_status(200)


async def serve(application: Application, settings: Settings, post_init) -> None:
    """Register the webhook, serve until SIGTERM or SIGINT, then stop cleanly."""
    path = "/" + settings.webhook_path.strip("/")
    server = health.listening_server(
        [(path, UpdateHandler, {"bot_application": application, "secret": settings.webhook_secret}),
         *health.ROUTES],
        settings.webhook_max_body_bytes)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with application:
        await post_init(application)
        await application.bot.set_webhook(settings.webhook_url, secret_token=settings.webhook_secret or None,
                                          allowed_updates=Update.ALL_TYPES)
        await application.start()
        server.listen(settings.webhook_port, settings.webhook_listen)
        log.info("webhook listening on %s:%s%s", settings.webhook_listen, settings.webhook_port, path)
        await stop.wait()
        server.stop()
        await application.stop()
        await application.post_shutdown(application)  # as run_polling does; `async with` does not
