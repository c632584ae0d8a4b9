"""Showing a hit: its matched words marked for any output format (`**` in plain text, `<b>` in the bot's HTML),
and the one plain-text form of a hit, which the command line and the bot's console chat both print."""

from __future__ import annotations

from typing import Callable

from .addresses import is_web_address


def join_adjacent(text: str, spans) -> list[tuple[int, int]]:
    """Spans separated only by spaces merged into one, so "Minsk Automobile Plant" is marked as a whole."""
    joined: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if joined and joined[-1][1] <= start and not text[joined[-1][1]:start].strip():
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def mark_spans(text: str, spans, before: str, after: str, escape: Callable[[str], str] = str) -> str:
    """`text` with each (start, end) span wrapped in `before`/`after` (adjacent spans joined); `escape` is
    applied to the text pieces only, so markup in the excerpt can never mix with the marks."""
    pieces, cursor = [], 0
    for start, end in join_adjacent(text, spans):
        if start < cursor or end > len(text) or start >= end:
            continue  # overlapping or out-of-range spans are skipped, never allowed to corrupt the output
        pieces += [escape(text[cursor:start]), before, escape(text[start:end]), after]
        cursor = end
    pieces.append(escape(text[cursor:]))
    return "".join(pieces)


def plain_citation(hit, paragraph: str) -> str:
    """Title (its address, when it has a web address) · publisher · date · `paragraph` (the paragraph's
    label, in the reader's language), empty parts left out."""
    url = hit.source.url
    title = f"{hit.source.title} ({url})" if is_web_address(url) else hit.source.title
    parts = [title, hit.source.publisher, hit.source.date, paragraph]
    return " · ".join(part for part in parts if part)


def plain_hit(hit, number: int, paragraph: str, extra: str = "") -> str:
    """A hit as plain text: its number, the excerpt with **matched** words, then the citation (and `extra`)."""
    return f"{number}. {mark_spans(hit.excerpt, hit.spans, '**', '**')}\n   — {plain_citation(hit, paragraph)}{extra}"
