"""Building the python-telegram-bot Application: handlers, rate limiter, command menu, logging."""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler,
                          CommandHandler, InlineQueryHandler, MessageHandler, TypeHandler, filters)

from . import handlers, render
from .config import Settings
from .context import CONTEXT_TYPES
from .service import AnswerService
from .texts import COMMANDS
from .web import health, webhook


class RedactToken(logging.Filter):
    """Replaces the bot token wherever it would appear in a log line (httpx logs request URLs)."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg, record.args = message.replace(self.token, "<token>"), None
            if record.exc_info and record.exc_info[1] and self.token in str(record.exc_info[1]):
                record.exc_text = logging.Formatter().formatException(record.exc_info).replace(
                    self.token, "<token>")
                record.exc_info = None
                record.msg = f"{record.msg}\n{record.exc_text}"
                record.exc_text = None
        return True


class OneLineTelegramErrors(logging.Filter):
    """A Telegram or network failure (a 5xx, a timeout, a dropped connection) is an expected event, not a
    bug: it is logged as one line with its cause instead of a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, TelegramError):
            record.msg, record.args = f"{record.getMessage()} ({type(error).__name__}: {error})", None
            record.exc_info, record.exc_text = None, None
        return True


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        level=getattr(logging, settings.log_level.upper(), logging.INFO))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the token in the URL
    logging.getLogger("tornado.access").setLevel(logging.ERROR)  # bot.web.webhook logs refusals, one line each
    for handler in logging.getLogger().handlers:
        handler.addFilter(OneLineTelegramErrors())
        handler.addFilter(RedactToken(settings.token))


async def _post_init(application: Application) -> None:
    """Register the command menus; Telegram answered, so the bot is ready (`health.READINESS`)."""
    for lang, commands in COMMANDS.items():
        menu = [BotCommand(name, description) for name, description in commands]
        await application.bot.set_my_commands(menu, language_code=lang)
    await application.bot.set_my_commands([BotCommand(n, d) for n, d in COMMANDS["ru"]])
    health.READINESS.telegram_reached = True
    service = application.bot_data.service
    asyncio.get_running_loop().add_signal_handler(
        signal.SIGHUP, lambda: application.create_task(_reload_on_signal(service)))


async def _post_shutdown(application: Application) -> None:
    """The questions still being recorded are written before the process ends."""
    await application.bot_data.service.drain()


async def _reload_on_signal(service: AnswerService) -> None:
    """SIGHUP (`systemctl reload`) re-reads the corpus, as an admin's /reload does."""
    result = await service.reload("en")
    logging.getLogger(__name__).info("SIGHUP: %s", render.to_plain(result))


def _health_server(settings: Settings):
    """In polling mode, the health and metrics endpoints on their own small server (webhook mode serves
    them beside the webhook)."""
    async def start(application: Application) -> None:
        health.listening_server(health.ROUTES, health.HEALTH_BODY_BYTES).listen(settings.health_port,
                                                                              settings.health_listen)
        logging.getLogger(__name__).info("health and metrics on %s:%s", settings.health_listen,
                                         settings.health_port)
        await _post_init(application)

    return start


def build_application(settings: Settings, service: AnswerService) -> Application:
    post_init = _health_server(settings) if settings.health_port and not settings.webhook_url else _post_init
    builder = (ApplicationBuilder().token(settings.token).post_init(post_init).post_shutdown(_post_shutdown)
               .context_types(CONTEXT_TYPES)
               .read_timeout(settings.telegram_timeout).write_timeout(settings.telegram_timeout)
               .rate_limiter(AIORateLimiter(overall_max_rate=settings.messages_per_second, max_retries=3)).concurrent_updates(8))
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    application = builder.build()
    application.bot_data.service = service

    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    application.add_handler(TypeHandler(object, handlers.gate), group=-1)
    application.add_handlers([
        CommandHandler("start", handlers.start),
        CommandHandler("help", handlers.help_command),
        CommandHandler("sources", handlers.sources),
        CommandHandler("ask", handlers.ask),
        CommandHandler("stats", handlers.stats),
        CommandHandler("reload", handlers.reload),
        CommandHandler("add", handlers.add),
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.private_text),
        MessageHandler(groups & filters.TEXT & ~filters.COMMAND, handlers.group_text),
        MessageHandler(private & ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL, handlers.not_text),
        CallbackQueryHandler(handlers.button),
        InlineQueryHandler(handlers.inline),
    ])
    application.add_error_handler(handlers.on_error)
    if settings.feeds:
        application.job_queue.run_repeating(handlers.poll_feeds, interval=settings.feed_interval_minutes * 60,
                                            first=min(10.0, settings.feed_interval_minutes * 60), name="feeds")
    return application


def run(application: Application, settings: Settings) -> None:
    """Long polling by default; our webhook server (secret token, bounded body) when a URL is configured."""
    if settings.webhook_url:
        asyncio.run(webhook.serve(application, settings, _post_init))
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
