"""`python -m retrieval add`: new articles from saved pages, text files, links and feeds, in one command.

Everything happens under the corpus folder's lock: read the corpus as it is, fetch and extract each
source, refuse what is already there, write the accepted articles and their manifest entries, then load
the corpus again, which analyses and encodes only the new articles and saves the index. A source that
fails is reported in one line and nothing of it is written; when the final load fails, every file written
is put back as it was.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..addresses import is_web_address
from ..engine import Engine
from ..errors import CorpusError
from . import duplicates, manifest
from .extract import Article, extract, warm_up
from .fetch import FEED_TYPES, TIMEOUT_SECONDS, SourceError, fetch

FIELDS = ("title", "date", "publisher", "language", "url")


@dataclass(frozen=True)
class Added:
    doc_id: str
    file: str
    article: Article


@dataclass
class Report:
    """What an `add` did; `engine` serves the corpus as it now is."""

    added: list[Added] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # one line each, naming the source
    present: list[str] = field(default_factory=list)  # feed entries already in the corpus
    engine: Engine | None = None
    dry_run: bool = False

    def lines(self) -> list[str]:
        out = []
        for added in self.added:
            a = added.article
            out.append(f"{'would add' if self.dry_run else 'added'} {added.doc_id}: {added.file} "
                       f"({len(a.paragraphs)} paragraphs) from {a.source}")
            for name in FIELDS:
                value = getattr(a, name)
                if value:
                    out.append(f"  {name}: {value} ({a.found.get(name, 'from the source')})")
            empty = [name for name in FIELDS if not getattr(a, name)]
            if empty:
                out.append(f"  left empty, not stated by the source: {', '.join(empty)}")
        out += [f"already in the corpus: {line}" for line in self.present]
        return out


@dataclass(frozen=True)
class Hints:
    """What a feed states about an entry, used where the page itself is silent."""

    title: str = ""
    date: str = ""


def add(root: Path, sources: list[str], dry_run: bool = False, current: Engine | None = None,
        timeout: float = TIMEOUT_SECONDS, hints: dict[str, Hints] | None = None) -> Report:
    """Add `sources` (paths or http(s) URLs) to the corpus folder `root`. `current`, an engine loaded from
    `root` before, spares reading the saved index again."""
    root = Path(root)
    warm_up()
    with manifest.locked(root):
        engine = Engine.load(root, previous=current)
        report = Report(engine=engine, dry_run=dry_run)
        batch: list[duplicates.Accepted] = []
        taken = {doc.id for doc in engine.documents} | _existing_files(root)
        accepted: list[tuple[str, Article]] = []
        for source in sources:
            try:
                article = _with_hints(extract(fetch(source, timeout=timeout)), (hints or {}).get(source))
            except SourceError as error:
                report.refused.append(str(error))
                continue
            why = duplicates.duplicate(engine, batch, article.url, article.paragraphs)
            if why:
                report.refused.append(f"{source}: {why}")
                continue
            doc_id = manifest.readable_id(article, taken)
            taken.add(doc_id)
            batch.append(duplicates.Accepted(doc_id, article.url, article.paragraphs))
            accepted.append((doc_id, article))
            report.added.append(Added(doc_id, f"{manifest.ARTICLES}/{doc_id}.txt", article))
        if dry_run or not accepted:
            return report
        undo = manifest.write(root, accepted)
        try:
            report.engine = Engine.load(root, previous=engine)
        except CorpusError:
            undo()
            raise
        return report


def add_feed(root: Path, feed_url: str, dry_run: bool = False, current: Engine | None = None,
             timeout: float = TIMEOUT_SECONDS) -> Report:
    """Add the entries of an RSS or Atom feed that the corpus does not hold yet (matched by address)."""
    import feedparser

    try:
        parsed = feedparser.parse(fetch(feed_url, accept=FEED_TYPES, timeout=timeout).data)
    except SourceError as error:
        return Report(refused=[str(error)], engine=current)
    if not parsed.version:
        return Report(refused=[f"{feed_url}: is not an RSS or Atom feed"], engine=current)
    links = [(entry.get("link") or "").strip() for entry in parsed.entries]
    engine = current or Engine.load(root)
    present = {duplicates.normal_url(doc.url): doc.id for doc in engine.documents if doc.url}
    new, hints, seen = [], {}, []
    for entry, link in zip(parsed.entries, links):
        address = duplicates.normal_url(link)
        if not is_web_address(link) or address in seen:
            continue
        seen.append(address)
        if address in present:
            continue
        new.append(link)
        hints[link] = Hints(" ".join((entry.get("title") or "").split()), _feed_date(entry))
    report = add(root, new, dry_run=dry_run, current=engine, timeout=timeout, hints=hints) if new \
        else Report(engine=engine, dry_run=dry_run)
    report.present = [f"{link} ({present[duplicates.normal_url(link)]})" for link in links
                      if duplicates.normal_url(link) in present]
    return report


def _feed_date(entry) -> str:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return ""
    return dt.datetime.fromtimestamp(calendar.timegm(stamp), dt.timezone.utc).date().isoformat()


def _with_hints(article: Article, hints: Hints | None) -> Article:
    if hints is None:
        return article
    filled = {name: getattr(hints, name) for name in ("title", "date") if getattr(hints, name)
              and not getattr(article, name)}
    return replace(article, **filled, found={**article.found, **{name: "from the feed" for name in filled}})


def _existing_files(root: Path) -> set[str]:
    folder = root / manifest.ARTICLES
    return {path.stem for path in folder.glob("*.txt")} if folder.is_dir() else set()
