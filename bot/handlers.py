"""One small async function per kind of update. They translate between Telegram and AnswerService."""

from __future__ import annotations

import logging
import re

from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle,
                      InputTextMessageContent, LinkPreviewOptions, Message, Update)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ApplicationHandlerStop

from retrieval import is_web_address

from . import callbacks, render
from .context import Context
from .render import Reply
from .service import AnswerService
from .store import StoreUnavailable
from .texts import EXAMPLES, language_of, language_of_text, text
from .web import health

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _service(context: Context) -> AnswerService:
    return context.bot_data.service


def _lang(update: Update) -> str:
    """The user's Telegram language; without one, the language of what they wrote."""
    user = update.effective_user
    if user is not None and user.language_code:
        return language_of(user.language_code)
    written = update.effective_message.text if update.effective_message else None
    written = written or (update.inline_query.query if update.inline_query else "")
    return language_of_text(written or "")


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                                 for row in reply.buttons])


async def send(message: Message, reply: Reply) -> None:
    """Send a reply as HTML; if Telegram cannot parse it, send the same reply once more as plain text
    (safe: a message Telegram could not parse was not delivered)."""
    options = {"reply_markup": keyboard(reply), "link_preview_options": NO_PREVIEW,
               "do_quote": message.chat.type != ChatType.PRIVATE}
    try:
        await message.reply_html(reply.text, **options)
    except BadRequest as error:
        if "can't parse entities" not in str(error).lower():
            raise
        log.warning("Telegram could not parse a reply's HTML (%s); sending it as plain text", error)
        await message.reply_text(render.to_plain(reply.text), **options)


async def gate(update: object, context: Context) -> None:
    """Runs before every handler (group -1), so no handler can forget it. It stops the updates no handler
    may answer: an edited message (its question was answered when it was sent), a message with no chat to
    reply to (Telegram never sends one; a forged webhook body can), when an allow-list is set every update
    from outside it (`_admitted`), and every update over its user's flood limit (`_within_limit`)."""
    if not isinstance(update, Update) or update.edited_message or update.edited_channel_post \
            or update.edited_business_message:
        raise ApplicationHandlerStop
    if update.effective_message is not None and update.effective_chat is None:
        raise ApplicationHandlerStop
    if not await _admitted(update, context) or not await _within_limit(update, context):
        raise ApplicationHandlerStop


def _makes_work(update: Update, context: Context) -> bool:
    """Whether a handler will act on this update: a button, an inline query, anything in a private chat, a
    command, or a group message addressed to the bot. Group chatter the bot ignores costs its users nothing."""
    if update.callback_query or update.inline_query:
        return True
    message = update.effective_message
    if message is None:
        return False
    if update.effective_chat.type == ChatType.PRIVATE or (message.text or "").startswith("/"):
        return True
    return _addressed(message, context.bot) is not None


async def _within_limit(update: Update, context: Context) -> bool:
    """One limit per user over every kind of update that makes the bot work (messages, commands, buttons,
    inline queries, stickers): a burst costs its sender, not everyone else. Over the limit the update is
    dropped; the user is told once per window (an inline query is not: its answer shows no text)."""
    user = update.effective_user
    if user is None or not _makes_work(update, context):
        return True
    allowed, warn, wait = _service(context).within_limit(user.id)
    if allowed:
        return True
    if warn:
        slow_down = text(_lang(update), "slow_down", seconds=wait)
        if update.callback_query:
            await update.callback_query.answer(slow_down)
        elif update.effective_message:
            await update.effective_message.reply_text(slow_down)
    return False


async def _admitted(update: Update, context: Context) -> bool:
    """Whether the allow-list (`allowed_chats`) admits this update; a refused one is told so, once per chat.

    An update is judged by its chat; one without a chat (an inline query, a button under an inline message)
    by its user, whose private chat with the bot has the user's id: an inline query is served only to users
    whose private chat is allowed, and others get no results.
    """
    service = _service(context)
    chat, user = update.effective_chat, update.effective_user
    where = chat.id if chat is not None else user.id if user is not None else None
    if service.admits(where):
        return True
    lang = _lang(update)
    if update.inline_query:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
    elif update.callback_query:
        await update.callback_query.answer(text(lang, "not_allowed"))
    elif update.effective_message and where is not None and service.first_refusal(where):
        await update.effective_message.reply_text(text(lang, "not_allowed"))
    return False


async def answer_question(update: Update, context: Context, question: str) -> None:
    """The common path of every question: search, reply."""
    message = update.effective_message
    author = update.effective_user.id if update.effective_user else None
    await send(message, await _service(context).ask(question, _lang(update), message.chat.id, author))


async def start(update: Update, context: Context) -> None:
    await send(update.effective_message, render.start(_lang(update)))


async def help_command(update: Update, context: Context) -> None:
    await send(update.effective_message, render.how_to_ask(_lang(update), _service(context).settings.follow_up_minutes))


async def sources(update: Update, context: Context) -> None:
    await send(update.effective_message, Reply(_service(context).sources(_lang(update))))


async def ask(update: Update, context: Context) -> None:
    question = " ".join(context.args or [])
    if not question.strip():
        await update.effective_message.reply_text(text(_lang(update), "ask_usage"))
        return
    await answer_question(update, context, question)


async def private_text(update: Update, context: Context) -> None:
    await answer_question(update, context, update.effective_message.text or "")


def _addressed(message: Message, bot) -> str | None:
    """In a group, the question in a message that mentions the bot or replies to it (the mention taken
    out), or None when the message is not for the bot."""
    mention = f"@{bot.username}".lower() if bot.username else None
    content = message.text or ""
    replied = message.reply_to_message and message.reply_to_message.from_user \
        and message.reply_to_message.from_user.id == bot.id
    mentioned = mention is not None and mention in content.lower()
    if not (replied or mentioned):
        return None
    return re.sub(re.escape(mention), " ", content, flags=re.IGNORECASE) if mention else content


async def group_text(update: Update, context: Context) -> None:
    """In groups, only messages that mention the bot or reply to it are questions."""
    question = _addressed(update.effective_message, context.bot)
    if question is not None:
        await answer_question(update, context, question)


async def not_text(update: Update, context: Context) -> None:
    await update.effective_message.reply_text(text(_lang(update), "not_text"))


def admin_only(handler):
    """Admin commands check the user id on every call, against the configured admins."""

    async def checked(update: Update, context: Context) -> None:
        user = update.effective_user
        if not _service(context).is_admin(user.id if user else None):
            await update.effective_message.reply_text(text(_lang(update), "admins_only"))
            return
        await handler(update, context)

    return checked


@admin_only
async def stats(update: Update, context: Context) -> None:
    try:
        reply = Reply(await _service(context).stats(_lang(update)))
    except StoreUnavailable:
        reply = render.store_down(_lang(update))
    await send(update.effective_message, reply)


@admin_only
async def reload(update: Update, context: Context) -> None:
    await send(update.effective_message, Reply(await _service(context).reload(_lang(update))))


@admin_only
async def add(update: Update, context: Context) -> None:
    """/add <url>: fetch the article, add it to the corpus, and answer from it at once."""
    urls = [arg for arg in context.args or [] if is_web_address(arg)]
    if len(urls) != 1:
        await update.effective_message.reply_text(text(_lang(update), "add_usage"))
        return
    await send(update.effective_message, Reply(await _service(context).add(urls[0], _lang(update))))


async def poll_feeds(context: Context) -> None:
    """The feed job: add new entries, and tell every admin what was added or refused."""
    service = _service(context)
    for report in await service.poll_feeds("ru"):
        for admin in service.admins:
            try:
                await context.bot.send_message(admin, report, parse_mode=ParseMode.HTML,
                                               link_preview_options=NO_PREVIEW)
            except TelegramError as error:
                log.warning("feed report not sent to admin %s: %s", admin, error)


async def button(update: Update, context: Context) -> None:
    """Every callback is answered, whatever its data, so the client's spinner stops; when the store is out
    of reach, buttons that need it ask to try again in a moment."""
    try:
        await _button(update, context)
    except StoreUnavailable:
        await update.callback_query.answer(text(_lang(update), "store_down"))


async def _button(update: Update, context: Context) -> None:
    query, lang, service = update.callback_query, _lang(update), _service(context)
    data = callbacks.decode(query.data)
    message = query.message if isinstance(query.message, Message) else None
    match data:
        case callbacks.Page(ticket, page) if message:
            await _shown(query, await service.page(ticket, page, message.chat.id, lang), text(lang, "page_gone"),
                         lambda reply: _edit(query, reply, update.update_id))
        case callbacks.Paragraph(key, number):
            body = service.paragraph(key, number, lang) if message else None
            await _shown(query, Reply(body) if body else None, text(lang, "expired"),
                         lambda reply: send(message, reply))
        case callbacks.Vote(ticket, up) if message:
            recorded = await service.vote(ticket, message.chat.id, query.from_user.id, up)
            await query.answer(text(lang, "thanks" if recorded else "expired"))
        case callbacks.Example(example_lang, index) if index < len(EXAMPLES[example_lang]) and message:
            await query.answer()
            await send(message, await service.ask(EXAMPLES[example_lang][index], lang, message.chat.id,
                                                  query.from_user.id))
        case _:
            await query.answer(text(lang, "expired"))


async def _shown(query, reply: Reply | None, gone: str, show) -> None:
    """Answer a button: with `gone` when there is nothing to show, else stop the spinner and `show(reply)`."""
    if reply is None:
        await query.answer(gone)
        return
    await query.answer()
    await show(reply)


async def _edit(query, reply: Reply, update_id: int) -> None:
    """Replace the message under a paging button with another page of the same answer."""
    try:
        await query.edit_message_text(reply.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(reply),
                                      link_preview_options=NO_PREVIEW)
    except BadRequest as error:  # "message is not modified" after a double tap
        log.info("edit skipped for update %s: %s", update_id, error)


async def inline(update: Update, context: Context) -> None:
    query, lang = update.inline_query, _lang(update)
    hits = _service(context).inline_hits(query.query)
    results = [
        InlineQueryResultArticle(
            id=str(i),
            title=render.title(hit.excerpt),
            description=render.to_plain(render.citation(hit, lang))[:200],
            input_message_content=InputTextMessageContent(
                render.render_hits([hit], lang), parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW),
        )
        for i, hit in enumerate(hits)
    ]
    await query.answer(results, cache_time=60)


async def on_error(update: object, context: Context) -> None:
    """Log the failure with its update id (one line for Telegram failures, a traceback for bugs), and
    tell the user something went wrong."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    what = f"update {update_id}" if update_id is not None else "polling for updates"  # no update: getUpdates
    if isinstance(error, TelegramError):
        health.TELEGRAM_ERRORS.labels(type(error).__name__).inc()
        log.error("%s failed: %s: %s", what, type(error).__name__, error)
    else:
        log.error("%s failed: %r", what, error, exc_info=(type(error), error, error.__traceback__))
    if isinstance(update, Update) and update.effective_message and update.effective_chat:
        try:
            await update.effective_message.reply_text(text(_lang(update), "error"))
        except TelegramError as reply_error:
            log.error("update %s: could not tell the user either: %s", update_id, reply_error)
