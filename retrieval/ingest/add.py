"""`python -m retrieval add`: new articles from saved pages, text files, links and feeds, in one command.

Adding is two steps, so that the network never holds the corpus. `prepare` (and `prepare_feed`) reads and
extracts every source with no lock held; each source succeeds or fails on its own, a failure being one
line that names it, and the rest go on. `commit` then holds the corpus folder's lock only to write: it
reads the corpus as it now is, refuses what is already there, writes the accepted articles and their
manifest entries, and loads the corpus again, which analyses and encodes only the new articles and saves
the index. When that load fails, every file written is put back as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import corpus
from ..addresses import is_web_address
from ..engine import Engine
from ..errors import CorpusError
from . import duplicates, manifest
from .extract import Article, extract, storable, warm_up, without_bad_references
from .fetch import FEED_TYPES, Fetching, SourceError, fetch

log = logging.getLogger(__name__)
FIELDS = tuple(name for name in corpus.FIELDS if name not in ("id", "file"))  # what a source may state
MAX_FEED_ENTRIES = 20  # new entries taken from one feed in one run; the rest wait for the next
FIRST_FEED_DATE = dt.date(1995, 1, 1)  # before this (htmldate's own floor), a feed's date is no news date


@dataclass(frozen=True)
class Added:
    doc_id: str
    file: str
    article: Article


@dataclass(frozen=True)
class Feed:
    """What reading a feed found besides the entries it prepared."""

    present: tuple[str, ...] = ()  # entries already in the corpus: "address (article id)"
    waiting: int = 0  # new entries over the cap, left for the next run
    cap: int = MAX_FEED_ENTRIES
    listed: frozenset[str] = frozenset()  # every entry's address, as duplicates.normal_url gives it


@dataclass
class Refusals:
    """The sources refused so far, and what their feed said: carried from `prepare` to the `Report`."""

    refused: list[str] = field(default_factory=list)  # one line each, naming the source
    failed: list[str] = field(default_factory=list)  # the sources refused, as given
    feed: Feed | None = None


@dataclass
class Prepared(Refusals):
    """Sources read and extracted, not yet written."""

    articles: list[Article] = field(default_factory=list)


@dataclass
class Report(Refusals):
    """What an `add` did; `engine` serves the corpus as it now is."""

    added: list[Added] = field(default_factory=list)
    engine: Engine | None = None
    dry_run: bool = False

    def refused_entries(self, earlier: frozenset[str] = frozenset()) -> frozenset[str]:
        """The feed's entries to leave alone at the next run (`prepare_feed`'s `skip`): those refused now
        or `earlier` that the feed still lists."""
        if self.feed is None:
            return earlier
        return (earlier | {duplicates.normal_url(source) for source in self.failed}) & self.feed.listed

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
        if self.feed:
            out += [f"already in the corpus: {line}" for line in self.feed.present]
            if self.feed.waiting:
                out.append(f"{self.feed.waiting} more new entries are left for the next run "
                           f"(at most {self.feed.cap} a run)")
        return out


@dataclass(frozen=True)
class Hints:
    """What a feed states about an entry, used where the page itself is silent."""

    title: str = ""
    date: str = ""


def add(root: Path, sources: list[str], dry_run: bool = False, current: Engine | None = None,
        fetching: Fetching = Fetching()) -> Report:
    """Add `sources` (paths or http(s) URLs) to the corpus folder `root`. `current`, an engine loaded from
    `root` before, spares reading the saved index again."""
    warm_up()
    return commit(root, prepare(sources, fetching), dry_run, current)


def add_feed(root: Path, feed_url: str, dry_run: bool = False, current: Engine | None = None,
             fetching: Fetching = Fetching(), max_entries: int = MAX_FEED_ENTRIES) -> Report:
    """Add the entries of an RSS or Atom feed that the corpus does not hold yet (matched by address)."""
    warm_up()
    engine = current or Engine.load(root)
    return commit(root, prepare_feed(feed_url, engine, fetching, max_entries), dry_run, engine)


def prepare(sources: list[str], fetching: Fetching = Fetching(), hints: dict[str, Hints] | None = None
            ) -> Prepared:
    """Read and extract each source; no lock is held, and one source's failure is only its own."""
    prepared = Prepared()
    for source in sources:
        try:
            prepared.articles.append(_with_hints(extract(fetch(source, fetching=fetching)),
                                                 (hints or {}).get(source)))
        except SourceError as error:
            prepared.refused.append(str(error))
            prepared.failed.append(source)
        except Exception as error:  # noqa: BLE001 - a bug must not cost the other sources; logged in full
            log.exception("adding %s failed", source)
            prepared.refused.append(f"{source}: failed ({type(error).__name__}: {error})")
            prepared.failed.append(source)
    return prepared


def prepare_feed(feed_url: str, known: Engine, fetching: Fetching = Fetching(),
                 max_entries: int = MAX_FEED_ENTRIES, skip: frozenset[str] = frozenset()) -> Prepared:
    """Read the feed and prepare its entries that `known` does not hold, at most `max_entries` of them.
    Entries whose address is in `skip` (refused at an earlier poll: the bot remembers them) are left
    alone, so that entries refused for good cannot hold the cap's places for ever."""
    import feedparser

    try:
        parsed = feedparser.parse(without_bad_references(fetch(feed_url, FEED_TYPES, fetching).data))
    except SourceError as error:
        return Prepared(refused=[str(error)])
    except Exception as error:  # noqa: BLE001 - feedparser fails in its own ways on hostile feeds
        return Prepared(refused=[f"{feed_url}: could not be read as a feed ({type(error).__name__})"])
    if not parsed.version:
        return Prepared(refused=[f"{feed_url}: is not an RSS or Atom feed"])
    present = {duplicates.normal_url(doc.url): doc.id for doc in known.documents if doc.url}
    new, hints, seen, already = [], {}, set(), []
    for entry in parsed.entries:
        link = storable(entry.get("link") or "")
        address = duplicates.normal_url(link) if is_web_address(link) else ""
        if not address or address in seen:
            continue
        seen.add(address)
        if address in skip:
            continue
        if address in present:
            already.append(f"{link} ({present[address]})")
            continue
        new.append(link)
        hints[link] = Hints(storable(entry.get("title") or ""), _feed_date(entry))
    prepared = prepare(new[:max_entries], fetching, hints)
    prepared.feed = Feed(tuple(already), max(0, len(new) - max_entries), max_entries, frozenset(seen))
    return prepared


def commit(root: Path, prepared: Prepared, dry_run: bool = False, current: Engine | None = None) -> Report:
    """Write the prepared articles that are not in the corpus yet, holding the corpus lock only for this."""
    root = Path(root)
    report = Report(list(prepared.refused), list(prepared.failed), prepared.feed, engine=current, dry_run=dry_run)
    if not prepared.articles:  # nothing to write: no lock, no reload
        return report
    with contextlib.nullcontext() if dry_run else manifest.locked(root):  # a dry run writes nothing: no lock
        report.engine = engine = Engine.load(root, previous=current)  # as it is now: another add may have written
        batch: list[duplicates.Accepted] = []
        taken = {doc.id for doc in engine.documents} | _existing_files(root)
        accepted: list[tuple[str, Article]] = []
        for article in prepared.articles:
            why = duplicates.duplicate(engine, batch, article.url, article.paragraphs)
            if why:
                report.refused.append(f"{article.source}: {why}")
                report.failed.append(article.source)
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


def _feed_date(entry) -> str:
    """The entry's date as the feed states it (in UTC), when it is a plausible news date: not before
    FIRST_FEED_DATE, not after tomorrow. The updated date is read with dict.get: feedparser's own get answers a
    missing one with the published date again, and warns that it will stop doing so."""
    stamp = entry.get("published_parsed") or dict.get(entry, "updated_parsed")
    try:
        day = dt.date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else None
    except (ValueError, TypeError, AttributeError):
        return ""
    tomorrow = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1)
    return day.isoformat() if day and FIRST_FEED_DATE <= day <= tomorrow else ""


def _with_hints(article: Article, hints: Hints | None) -> Article:
    if hints is None:
        return article
    filled = {name: getattr(hints, name) for name in ("title", "date") if getattr(hints, name)
              and not getattr(article, name)}
    return replace(article, **filled, found={**article.found, **{name: "from the feed" for name in filled}})


def _existing_files(root: Path) -> set[str]:
    folder = root / manifest.ARTICLES
    return {path.stem for path in folder.glob("*.txt")} if folder.is_dir() else set()
