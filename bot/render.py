"""Turning hits into Telegram messages: HTML text and inline buttons. Pure functions, no network.

Excerpts are quoted verbatim and HTML-escaped piece by piece around the <b> marks of matched words, so
markup in the corpus or in a question can never break a message; a reply never exceeds Telegram's 4096
characters (counted in UTF-16 units, as Telegram counts them).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable

from retrieval import Hit, Paragraph, Source, is_web_address, mark_spans, plain_hit

from . import callbacks
from .texts import EXAMPLES, text

MAX_MESSAGE = 4096  # Telegram's limit, in UTF-16 code units
MAX_TITLE = 200  # characters of a title or publisher shown in a citation: keeps a citation's fixed part small
MAX_STATS_QUESTION = 120
WORD_BOUNDARY_SLACK = 40  # a cut goes back to a space at most this far


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    text: str  # Telegram HTML
    buttons: tuple[tuple[Button, ...], ...] = ()
    plain: str = ""  # the same as plain text, where it holds hits (retrieval's one plain form of a hit)


def telegram_length(message: str) -> int:
    """Length as Telegram counts it: the text after entity parsing (tags and link addresses do not count,
    `&amp;` is one character), in UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(html.unescape(_TAG_RE.sub("", message)).encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Quote:
    """Text a message may shorten to fit: an excerpt, a paragraph, a title. `spans` mark words bold."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()

    def cut(self, limit: int) -> "Quote":
        """At most `limit` characters (plus '…'), at a word boundary when one is near, keeping the spans
        that stay inside."""
        if len(self.text) <= limit:
            return self
        cut = self.text[:limit]
        space = cut.rfind(" ")
        if space > 0 and space >= limit - WORD_BOUNDARY_SLACK:
            cut = cut[:space]
        cut = cut.rstrip()
        return Quote(cut + "…", tuple((a, b) for a, b in self.spans if b <= len(cut)))

    def html(self) -> str:
        return mark_spans(self.text, self.spans, "<b>", "</b>", html.escape)


def fit(build: Callable[[list[Quote]], str], quotes: list[Quote], limit: int = MAX_MESSAGE) -> str:
    """`build(quotes)` within `limit` UTF-16 units. When it is too long, every quote longer than a cap is
    cut to that cap, the cap being the largest that fits (a binary search, so it always ends): short quotes
    stay whole and the longest give way first. Every message with text of unknown length goes through here.
    """
    message = build(quotes)
    if telegram_length(message) <= limit or not quotes:
        return message
    best = build([q.cut(0) for q in quotes])  # only the fixed text: small by construction (see MAX_TITLE)
    low, high = 0, max(len(q.text) for q in quotes) - 1
    while low < high:
        cap = (low + high + 1) // 2
        candidate = build([q.cut(cap) for q in quotes])
        if telegram_length(candidate) <= limit:
            low, best = cap, candidate
        else:
            high = cap - 1
    return best


def _linked(title: Quote, url: str) -> str:
    shown = title.html()
    return f'<a href="{html.escape(url, quote=True)}">{shown}</a>' if is_web_address(url) else shown


def _citation(source: Source, paragraph: int, title: Quote, publisher: Quote, lang: str) -> str:
    parts = [_linked(title, source.url), publisher.html(), html.escape(source.date),
             text(lang, "paragraph", n=paragraph)]
    return " · ".join(part for part in parts if part)


def _source_quotes(source: Source) -> list[Quote]:
    return [Quote(source.title).cut(MAX_TITLE), Quote(source.publisher).cut(MAX_TITLE)]


def citation(hit: Hit, lang: str) -> str:
    """Title (linked when the manifest has an http(s) url), publisher, date, paragraph — escaped HTML."""
    return _citation(hit.source, hit.paragraph, *_source_quotes(hit.source), lang)


def render_hits(hits: list[Hit], lang: str, first_number: int = 1, notice: str = "") -> str:
    """The answer text for `hits`, numbered from `first_number`, within Telegram's length limit; `notice`
    (HTML, short) goes first."""
    quotes = [q for hit in hits for q in [Quote(hit.excerpt, hit.spans), *_source_quotes(hit.source)]]

    def build(cut: list[Quote]) -> str:
        blocks = [f"{first_number + i}. <blockquote>{excerpt.html()}</blockquote>\n"
                  f"— <i>{_citation(hit.source, hit.paragraph, title, publisher, lang)}</i>"
                  for i, (hit, (excerpt, title, publisher)) in enumerate(zip(hits, _triples(cut)))]
        return notice + "\n\n".join(blocks)

    return fit(build, quotes)


def _triples(quotes: list[Quote]) -> list[tuple[Quote, Quote, Quote]]:
    return [tuple(quotes[i:i + 3]) for i in range(0, len(quotes), 3)]


def answer(hits: list[Hit], lang: str, ticket: callbacks.Ticket | None, page: int, page_size: int,
           has_more: bool, notice: str = "", question: str = "") -> Reply:
    """One page of hits with its buttons: paging, full paragraph of each excerpt, feedback; `notice` (a
    short HTML line, e.g. that the question was cut) goes first."""
    if not hits:
        reply = no_answer(lang, question)
        return Reply(notice + reply.text, reply.buttons)
    first = page * page_size + 1
    paragraphs = tuple(Button(text(lang, "paragraph_button", n=first + i),
                              callbacks.encode(callbacks.Paragraph(callbacks.doc_key(hit.doc_id), hit.paragraph)))
                       for i, hit in enumerate(hits))
    rows = [paragraphs]
    if ticket is not None:  # paging and feedback need the stored question (none while the store is down)
        turns = ((text(lang, "back"), page - 1, page > 0), (text(lang, "more"), page + 1, has_more))
        paging = tuple(Button(label, callbacks.encode(callbacks.Page(ticket, to)))
                       for label, to, shown in turns if shown)
        votes = tuple(Button(mark, callbacks.encode(callbacks.Vote(ticket, up)))
                      for mark, up in (("👍", True), ("👎", False)))
        rows = ([paging] if paging else []) + [paragraphs, votes]
    plain = to_plain(notice) + "\n\n".join(plain_hit(hit, first + i, text(lang, "paragraph", n=hit.paragraph))
                                          for i, hit in enumerate(hits))
    return Reply(render_hits(hits, lang, first, notice), tuple(rows), plain)


SUGGESTIONS = 4  # example questions offered under a greeting or a refusal
INLINE_TITLE = 100  # characters of an excerpt an inline result's title shows


def example_buttons(lang: str, near: str = "") -> tuple[tuple[Button, ...], ...]:
    """SUGGESTIONS example questions (each one the corpus answers: a test asks them all): those sharing the
    most words with `near` (a question the corpus could not answer), else the first."""
    asked = _stems(near)
    ranked = sorted(range(len(EXAMPLES[lang])), key=lambda i: -len(asked & _stems(EXAMPLES[lang][i])))
    return tuple((Button(EXAMPLES[lang][i], callbacks.encode(callbacks.Example(lang, i))),)
                 for i in ranked[:SUGGESTIONS])


_ASKING = frozenset({"сколь", "какой", "какая", "какое", "какие", "каков", "когда", "котор", "зачем", "почем",
                     "what", "which", "where", "when", "whose", "many", "much", "does", "were"})


def _stems(question: str) -> set[str]:
    """A question's longer words by their first five letters (enough to meet across inflections), but for
    the words that only ask."""
    return {word[:5] for word in re.findall(r"\w{4,}", question.lower())} - _ASKING


def title(excerpt: str, limit: int = INLINE_TITLE) -> str:
    """An excerpt shortened to `limit` characters at a word boundary, with an ellipsis when cut."""
    if len(excerpt) <= limit:
        return excerpt
    cut = excerpt[:limit - 1]
    whole = excerpt[len(cut)] == " " or " " not in cut  # the cut fell between words, or there is one word
    return (cut if whole else cut.rsplit(" ", 1)[0]).rstrip(" ,;:—-") + "…"


def store_down(lang: str) -> Reply:
    """What needs the store says while it cannot be reached."""
    return Reply(text(lang, "store_down"))


def empty(lang: str) -> Reply:
    """The hint for a message with nothing to search."""
    return Reply(text(lang, "empty"))


def cut_notice(limit: int, lang: str) -> str:
    """The line before an answer to a question cut to `limit` characters."""
    return text(lang, "too_long", limit=limit) + "\n\n"


def understood_notice(question: str, lang: str) -> str:
    """The line before an answer to a question read otherwise than written (a slip, another script)."""
    return text(lang, "understood", question=f"<i>{html.escape(question)}</i>") + "\n\n"


def no_answer(lang: str, question: str = "") -> Reply:
    """The refusal, with the example questions closest to the one refused."""
    return Reply(text(lang, "no_answer"), example_buttons(lang, question))


def start(lang: str) -> Reply:
    return Reply(text(lang, "start"), example_buttons(lang))


def how_to_ask(lang: str, follow_up_minutes: float) -> Reply:
    """What /start does not say: how to ask, follow-ups, the buttons, groups and inline mode."""
    return Reply(text(lang, "help", minutes=f"{follow_up_minutes:g}"), example_buttons(lang))


def paragraph(shown: Paragraph, lang: str) -> str:
    """A full paragraph with its citation."""
    def build(cut: list[Quote]) -> str:
        body, title, publisher = cut
        citation_html = _citation(shown.source, shown.number, title, publisher, lang)
        return f"<blockquote>{body.html()}</blockquote>\n— <i>{citation_html}</i>"

    return fit(build, [Quote(shown.text), *_source_quotes(shown.source)])


def sources(articles: tuple[Source, ...], lang: str) -> str:
    """The list of articles: whole lines while they fit, then how many more there are."""
    lines = []
    for source in articles:
        meta = " · ".join(html.escape(v) for v in (Quote(source.publisher).cut(MAX_TITLE).text, source.date,
                                                    source.language) if v)
        lines.append(f"• {_linked(Quote(source.title).cut(MAX_TITLE), source.url)}" + (f" — {meta}" if meta else ""))
    return whole_lines(text(lang, "sources_title", count=len(articles)), lines, lang)


def ingest_report(source: str, lines: list[str], problems: list[str], added: int, lang: str) -> str:
    """What an /add or a feed poll did, for admins: a header, then its lines and its problems."""
    header = text(lang, "add_report", source=html.escape(Quote(source).cut(MAX_TITLE).text), added=added,
                  refused=len(problems))
    shown = lines + [f"✗ {line}" for line in problems]
    return whole_lines(header, [html.escape(Quote(line).cut(MAX_TITLE).text) for line in shown], lang)


def corpus_error(error: Exception, lang: str) -> str:
    """A corpus that could not be read or changed (the one being served stays), for admins."""
    return text(lang, "reload_failed", error=html.escape(str(error)))


def reloaded(size, lang: str) -> str:
    return text(lang, "reloaded", documents=size.articles, passages=size.passages)


def whole_lines(header: str, lines: list[str], lang: str) -> str:
    """`header` and then whole `lines` (HTML) while they fit one message, then how many more there are."""
    shown = [header]
    used = telegram_length(header)
    for number, line in enumerate(lines):
        more = text(lang, "sources_more", count=len(lines) - number)
        if used + telegram_length(line) + 1 > MAX_MESSAGE - telegram_length(more) - 1:
            return "\n".join(shown + [more])
        shown.append(line)
        used += telegram_length(line) + 1
    return "\n".join(shown)


def stats(stats, lang: str) -> str:
    """The admin statistics, with the most asked and the unanswered questions quoted."""
    top, missed = [Quote(q) for q, _ in stats.top], [Quote(q) for q, _ in stats.missed]

    def build(cut: list[Quote]) -> str:
        def listing(quotes, rows) -> str:
            return "\n".join(f"{n}× {q.html()}" for q, (_, n) in zip(quotes, rows)) or text(lang, "none")

        return text(lang, "stats", questions=stats.questions, unanswered=stats.unanswered, up=stats.up,
                    down=stats.down, top=listing(cut[:len(top)], stats.top),
                    missed=listing(cut[len(top):], stats.missed))

    return fit(build, [q.cut(MAX_STATS_QUESTION) for q in top + missed])


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
