"""Webhook mode: a small tornado server in front of the Application, for deployment behind a reverse proxy.

python-telegram-bot's own `run_webhook` checks the secret token but accepts bodies of any size (tornado's
default limit is 100 MB). This server checks the secret on every request in constant time (403 without
it), refuses bodies over `webhook_max_body_bytes` before reading them, and hands each update to the
Application's queue, as PTB's custom-webhook examples do.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal

import tornado.web
from tornado.httpserver import HTTPServer
from telegram import Update
from telegram.ext import Application

from .config import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, bot_application: Application, secret: str) -> None:
        self.bot_application = bot_application
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request without the right secret token from %s", self.request.remote_ip)
            raise tornado.web.HTTPError(403)
        try:
            update = Update.de_json(json.loads(self.request.body), self.bot_application.bot)
        except (ValueError, TypeError, KeyError) as error:
            log.warning("webhook request with a body that is not an update: %s", error)
            raise tornado.web.HTTPError(400) from None
        await self.bot_application.update_queue.put(update)
        self.set_status(200)

    def log_exception(self, typ, value, tb) -> None:  # one line, no traceback, for refused requests
        if isinstance(value, tornado.web.HTTPError):
            return
        super().log_exception(typ, value, tb)


async def serve(application: Application, settings: Settings, post_init) -> None:
    """Register the webhook, serve until SIGTERM or SIGINT, then stop cleanly."""
    path = "/" + settings.webhook_path.strip("/")
    app = tornado.web.Application([(path, UpdateHandler, {"bot_application": application,
                                                          "secret": settings.webhook_secret})])
    server = HTTPServer(app, max_body_size=settings.webhook_max_body_bytes, xheaders=True)
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
