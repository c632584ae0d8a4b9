"""What every handler shares, as a typed object (python-telegram-bot's `ContextTypes(bot_data=...)`)
rather than string keys in a dict: a misspelt name fails at once instead of reading nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import CallbackContext, ContextTypes, ExtBot

from .ratelimit import FloodGuard
from .service import AnswerService


@dataclass
class BotData:
    service: AnswerService | None = None
    guard: FloodGuard | None = None
    refused_chats: set[int] = field(default_factory=set)  # chats told once that they are not allowed


CONTEXT_TYPES = ContextTypes(bot_data=BotData)
Context = CallbackContext[ExtBot, dict, dict, BotData]
