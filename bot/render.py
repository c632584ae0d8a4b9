"""Turning hits into Telegram messages: HTML text and inline buttons. Pure functions, no network.

Excerpts are quoted verbatim and HTML-escaped piece by piece around the <b> marks of matched words, so
markup in the corpus or in a question can never break a message; a reply never exceeds Telegram's 4096
characters (counted in UTF-16 units, as Telegram counts them).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from retrieval import Hit, mark_spans

from . import callbacks
from .texts import EXAMPLES, text

MAX_MESSAGE = 4096


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    text: str  # Telegram HTML
    buttons: tuple[tuple[Button, ...], ...] = ()


def telegram_length(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


def citation(hit: Hit, lang: str) -> str:
    """Title (linked when the manifest has a url), publisher, date, paragraph — escaped HTML."""
    title = html.escape(hit.title)
    if hit.url:
        title = f'<a href="{html.escape(hit.url, quote=True)}">{title}</a>'
    parts = [title, html.escape(hit.publisher), html.escape(hit.date), text(lang, "paragraph", n=hit.paragraph)]
    return " · ".join(part for part in parts if part)


def _block(number: int, excerpt: str, spans, cite: str) -> str:
    quoted = mark_spans(excerpt, spans, "<b>", "</b>", html.escape)
    return f"{number}. <blockquote>{quoted}</blockquote>\n— <i>{cite}</i>"


def _shorten(excerpt: str, spans, limit: int) -> tuple[str, tuple]:
    """The excerpt cut to `limit` characters at a word boundary, with '…', keeping only spans inside."""
    cut = excerpt[:limit].rsplit(" ", 1)[0] if " " in excerpt[:limit] else excerpt[:limit]
    return cut + "…", tuple((a, b) for a, b in spans if b <= len(cut))


def render_hits(hits: list[Hit], lang: str, first_number: int = 1) -> str:
    """The answer text for `hits`, numbered from `first_number`, within Telegram's length limit."""
    excerpts = [(hit.excerpt, hit.spans) for hit in hits]
    while True:
        blocks = [_block(first_number + i, ex, spans, citation(hit, lang))
                  for i, (hit, (ex, spans)) in enumerate(zip(hits, excerpts))]
        message = "\n\n".join(blocks)
        if telegram_length(message) <= MAX_MESSAGE or not excerpts:
            return message
        longest = max(range(len(excerpts)), key=lambda i: len(excerpts[i][0]))
        ex, spans = excerpts[longest]
        excess = telegram_length(message) - MAX_MESSAGE
        excerpts[longest] = _shorten(ex, spans, max(0, len(ex) - excess - 16))


def answer(hits: list[Hit], lang: str, question_id: int | None, page: int, page_size: int,
           has_more: bool) -> Reply:
    """One page of hits with its buttons: paging, full paragraph of each excerpt, feedback."""
    if not hits:
        return no_answer(lang)
    first = page * page_size + 1
    rows = []
    if question_id is not None:
        paging = []
        if page > 0:
            paging.append(Button(text(lang, "back"), callbacks.encode(callbacks.Page(question_id, page - 1))))
        if has_more:
            paging.append(Button(text(lang, "more"), callbacks.encode(callbacks.Page(question_id, page + 1))))
        if paging:
            rows.append(tuple(paging))
    rows.append(tuple(
        Button(text(lang, "paragraph_button", n=first + i),
               callbacks.encode(callbacks.Paragraph(callbacks.doc_key(hit.doc_id), hit.paragraph)))
        for i, hit in enumerate(hits)))
    if question_id is not None:
        rows.append((Button("👍", callbacks.encode(callbacks.Vote(question_id, True))),
                     Button("👎", callbacks.encode(callbacks.Vote(question_id, False)))))
    return Reply(render_hits(hits, lang, first), tuple(rows))


def example_buttons(lang: str) -> tuple[tuple[Button, ...], ...]:
    return tuple((Button(q, callbacks.encode(callbacks.Example(lang, i))),) for i, q in enumerate(EXAMPLES[lang]))


def no_answer(lang: str) -> Reply:
    return Reply(text(lang, "no_answer"), example_buttons(lang))


def start(lang: str) -> Reply:
    return Reply(text(lang, "start"), example_buttons(lang))


def paragraph(hit_like: Hit, paragraph_text: str, lang: str) -> str:
    """A full paragraph with its citation (the hit supplies the article's metadata)."""
    body = html.escape(paragraph_text)
    limit = MAX_MESSAGE - 400
    if telegram_length(body) > limit:
        body = html.escape(_shorten(paragraph_text, (), limit // 2)[0])
    return f"<blockquote>{body}</blockquote>\n— <i>{citation(hit_like, lang)}</i>"


def sources(documents, lang: str) -> str:
    lines = [text(lang, "sources_title", count=len(documents))]
    for doc in documents:
        title = html.escape(doc.display_title)
        if doc.url:
            title = f'<a href="{html.escape(doc.url, quote=True)}">{title}</a>'
        meta = " · ".join(html.escape(v) for v in (doc.publisher, doc.date, doc.language) if v)
        lines.append(f"• {title}" + (f" — {meta}" if meta else ""))
    message = "\n".join(lines)
    return message if telegram_length(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


_TAG_RE = re.compile(r"<(/?)(b|i|blockquote|a)(?: href=\"([^\"]*)\")?>")


def to_plain(message: str) -> str:
    """Telegram HTML as plain text for the console chat: **bold**, links as 'text (url)'."""
    links: list[str] = []

    def replace(match: re.Match) -> str:
        closing, tag, href = match.groups()
        if tag == "b":
            return "**"
        if tag == "a":
            if not closing:
                links.append(html.unescape(href or ""))
                return ""
            return f" ({links.pop()})" if links else ""
        return ""

    return html.unescape(_TAG_RE.sub(replace, message))
