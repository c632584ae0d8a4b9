"""Reading a source: an http(s) URL or a local file, with limits, and one clear line for every failure.

Local files are read here; addresses are downloaded by `download` (imported only when one is fetched, so
that searching never loads an HTTP client), under the public-address rule and one deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..addresses import is_web_address

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")


@dataclass(frozen=True)
class Fetching:
    """How sources are read; the one place their limits are set (the CLI and the bot pass their own)."""

    timeout: float = 15.0  # seconds for a whole download, redirects included
    allow_loopback: bool = False  # for tests and local use: 127.0.0.1 and ::1 may be fetched
    max_bytes: int = 5 * 2**20  # of the body as it is kept (after decompression)


class SourceError(Exception):
    """A source that cannot be added; the message is one line that names it."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"{source}: {problem}")
        self.source, self.problem = source, problem


@dataclass(frozen=True)
class Fetched:
    source: str  # as given
    url: str  # where the content came from after redirects; empty for a local file
    content_type: str  # the media type without parameters ("" for a local file)
    data: bytes
    charset: str = ""  # as the server declared it ("" when it did not)


def fetch(source: str, accept: tuple[str, ...] = PAGE_TYPES, fetching: Fetching = Fetching()) -> Fetched:
    """The content of a URL or local file, or a SourceError saying in one line why not."""
    if not is_web_address(source):
        return _read_file(source, fetching.max_bytes)
    from .download import download

    return download(source, accept, fetching)


def _read_file(source: str, max_bytes: int) -> Fetched:
    path = Path(source)
    try:
        if not path.is_file():
            raise SourceError(source, "no such file")
        if path.stat().st_size > max_bytes:
            raise SourceError(source, f"is more than the {max_bytes / 2**20:.0f} MB limit")
        return Fetched(source=source, url="", content_type="", data=path.read_bytes())
    except OSError as error:
        raise SourceError(source, f"cannot be read ({error.strerror})") from None
