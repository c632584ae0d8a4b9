"""The local console chat: what `make run` starts when there is no TELEGRAM_BOT_TOKEN.

It answers questions read from standard input with the same replies the bot would send, as plain text:
with a prompt when a person is typing at a terminal, line by line when input is piped. Each reply is in the
language of its question (the greeting in the locale's). It keeps no statistics: questions are not stored,
whatever `store` says (an in-memory store serves the reply's needs and is gone on exit).
"""

from __future__ import annotations

import asyncio
import os
import sys

from retrieval import Engine, textio

from . import callbacks, render
from .config import Settings
from .service import AnswerService
from .store import SQLiteStore
from .texts import language_of, language_of_text


def run(engine: Engine, settings: Settings, stdin=None, stdout=None) -> int:
    """Chat on the given streams, or on standard input and output as UTF-8 (see `retrieval.textio`)."""
    if stdin is None:
        return textio.guarded(lambda: run(engine, settings, sys.stdin, sys.stdout))
    try:
        return asyncio.run(_chat(engine, settings, stdin, stdout))
    except KeyboardInterrupt:
        return 0


async def _chat(engine: Engine, settings: Settings, stdin, stdout) -> int:
    service = AnswerService(engine, SQLiteStore(":memory:"), settings)
    try:
        return await _lines(service, language_of(os.environ.get("LANG")), stdin, stdout)
    finally:
        await service.drain()
        service.close()


async def _lines(service: AnswerService, greeting: str, stdin, stdout) -> int:
    interactive = stdin.isatty()
    if interactive:
        print(as_plain(render.start(greeting)), file=stdout)
        print("(Ctrl-D to quit; questions asked here are not stored)\n", file=stdout)
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()  # blocking is right here: the chat has nothing else to do meanwhile
        if not line:
            return 0
        if not interactive and not line.strip():
            continue
        question = textio.input_line(line)
        # the language of the question as read: Russian typed in Latin letters gets a Russian reply
        reply = await service.ask(question, language_of_text(service.engine.understood(question)), chat_id=0)
        print(as_plain(reply), end="\n\n", file=stdout, flush=True)


def as_plain(reply: render.Reply) -> str:
    """The reply's text (its hits as retrieval shows any hit in plain text), and its example-question buttons
    as a list (other buttons need Telegram)."""
    examples = [b.label for row in reply.buttons for b in row
                if isinstance(callbacks.decode(b.data), callbacks.Example)]
    return "\n".join([reply.plain or render.to_plain(reply.text)] + [f"  • {label}" for label in examples])
