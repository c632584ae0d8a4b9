"""Is an article already in the corpus? The same address, the same text, or another outlet's copy of it.

The address is checked against every article. The text, the same or nearly (word 5-gram shingles), is
compared only with the few articles whose passages BM25 ranks first for the new article's paragraphs, which
any copy of it is among: shingling five thousand articles for every addition would cost more than the
addition itself.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..index.bm25 import top_k
from ..engine import Engine

NEAR_DUPLICATE = 0.5  # share of the shorter text's 5-word shingles found in the other
SHINGLE_WORDS = 5
SUSPECTS = 5  # articles whose shingles are compared
_WORD_RE = re.compile(r"\w+")


def normal_url(url: str) -> str:
    """An address as a reader means it: scheme, 'www.', fragment, trailing slash and utm_ tags do not count."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not k.lower().startswith("utm_")])
    return urlunsplit(("", host, parts.path.rstrip("/") or "/", query, ""))


def text_digest(paragraphs: tuple[str, ...]) -> str:
    """Equal for texts that differ only in case and spacing."""
    return hashlib.sha256("\n".join(" ".join(p.casefold().split()) for p in paragraphs).encode()).hexdigest()


def shingles(paragraphs: tuple[str, ...]) -> frozenset[int]:
    words = _WORD_RE.findall(" ".join(paragraphs).casefold())
    count = max(1, len(words) - SHINGLE_WORDS + 1)
    return frozenset(hash(tuple(words[i:i + SHINGLE_WORDS])) for i in range(count))


def overlap(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


@dataclass(frozen=True)
class Accepted:
    """An article accepted earlier in the same `add`, not yet in the engine."""

    doc_id: str
    url: str
    paragraphs: tuple[str, ...]


def duplicate(engine: Engine, batch: list[Accepted], url: str, paragraphs: tuple[str, ...]) -> str:
    """Why the article at `url` with `paragraphs` is already in the corpus or the batch ("" when it is new)."""
    address = normal_url(url)
    if address:
        for doc_id, other in [(d.id, d.url) for d in engine.documents] + [(a.doc_id, a.url) for a in batch]:
            if other and normal_url(other) == address:
                return f"the same address as article '{doc_id}'"
    digest, mine = text_digest(paragraphs), shingles(paragraphs)
    candidates = [(engine.documents[doc].id, engine.documents[doc].paragraphs) for doc in _suspects(engine, paragraphs)]
    for doc_id, theirs in candidates + [(a.doc_id, a.paragraphs) for a in batch]:
        if text_digest(theirs) == digest:
            return f"the same text as article '{doc_id}'"
        share = overlap(mine, shingles(theirs))
        if share >= NEAR_DUPLICATE:
            return f"a near-duplicate of article '{doc_id}' ({share:.0%} of the shorter text is the same)"
    return ""


def _suspects(engine: Engine, paragraphs: tuple[str, ...]) -> list[int]:
    """The articles whose passages rank first for these paragraphs, by summed BM25 score: any copy of the
    text is among them."""
    totals: dict[int, float] = defaultdict(float)
    for paragraph in paragraphs:
        ids, scores = engine.index.candidate_scores(engine.analyzer.terms(paragraph))
        for passage_id, score in top_k(ids, scores, 3):
            totals[engine.passages[passage_id].doc] += score
    return sorted(totals, key=totals.get, reverse=True)[:SUSPECTS]
