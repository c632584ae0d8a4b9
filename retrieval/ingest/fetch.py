"""Reading a source: an http(s) URL or a local file, with limits, and one clear line for every failure.

A page is read with a timeout, at most MAX_BYTES (a 50 MB "page" is refused while it streams, not after),
and through at most urllib's 10 redirects (a loop is named as one). Only the kinds a news page or a feed
comes as are accepted; anything else is refused before it is parsed.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..addresses import is_web_address

MAX_BYTES = 5 * 2**20
TIMEOUT_SECONDS = 15.0
USER_AGENT = "innoprom-bot corpus adder (+https://github.com/)"
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")


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


def fetch(source: str, accept: tuple[str, ...] = PAGE_TYPES, timeout: float = TIMEOUT_SECONDS,
          max_bytes: int = MAX_BYTES) -> Fetched:
    """The content of a URL or local file, or a SourceError saying in one line why not."""
    if not is_web_address(source):
        return _read_file(source, max_bytes)
    request = urllib.request.Request(source, headers={"User-Agent": USER_AGENT, "Accept": ", ".join(accept)})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only, checked above
            content_type = response.headers.get_content_type()
            if content_type not in accept:
                raise SourceError(source, f"is {content_type}, not one of {', '.join(accept)}")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise SourceError(source, f"is {int(declared) / 2**20:.0f} MB, more than the {max_bytes / 2**20:.0f} MB limit")
            data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise SourceError(source, f"is more than the {max_bytes / 2**20:.0f} MB limit")
            return Fetched(source, response.geturl(), content_type, data)
    except SourceError:
        raise
    except urllib.error.HTTPError as error:
        if "infinite loop" in str(error.msg) or error.code in (301, 302, 303, 307, 308):
            raise SourceError(source, "redirects in a loop (or more than 10 times)") from None
        raise SourceError(source, f"the server answered HTTP {error.code} {error.reason}") from None
    except (TimeoutError, socket.timeout):
        raise SourceError(source, f"no answer within {timeout:g} s") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise SourceError(source, f"no answer within {timeout:g} s") from None
        raise SourceError(source, f"cannot be reached ({reason})") from None
    except (OSError, ValueError) as error:  # a dropped connection, a malformed URL
        raise SourceError(source, f"cannot be read ({error})") from None


def _read_file(source: str, max_bytes: int) -> Fetched:
    path = Path(source)
    try:
        if not path.is_file():
            raise SourceError(source, "no such file")
        if path.stat().st_size > max_bytes:
            raise SourceError(source, f"is more than the {max_bytes / 2**20:.0f} MB limit")
        return Fetched(source, "", "", path.read_bytes())
    except OSError as error:
        raise SourceError(source, f"cannot be read ({error.strerror})") from None
