"""What every handler shares, as a typed object (python-telegram-bot's `ContextTypes(bot_data=...)`)
rather than string keys in a dict: a misspelt name fails at once instead of reading nothing."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from .service import AnswerService


@dataclass
class BotData:
    service: AnswerService | None = None  # everything the handlers act through


CONTEXT_TYPES = ContextTypes(bot_data=BotData)
Context = CallbackContext[ExtBot, dict, dict, BotData]
