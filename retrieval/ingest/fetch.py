"""Reading a source: an http(s) URL or a local file, with limits, and one clear line for every failure.

A fetched address comes from whoever sends `/add` or writes a feed, so every hop is checked before anything
is sent to it: only http and https; the host is resolved once, every address it resolves to must be public
(`addresses.refusal`), and the connection is made to an address that was checked (an httpcore network
backend in httpx's transport, so there is no second lookup a resolver could answer differently). Redirects
are followed here, at most MAX_REDIRECTS, each hop checked the same way. One deadline covers the whole
download (resolving, connecting, headers, body): every socket read waits only for what is left of it, so a
server sending a byte a second cannot hold a fetch past its timeout. At most `max_bytes` are read (a 50 MB
"page" is refused while it streams); only the kinds a news page or a feed comes as are accepted.
"""

from __future__ import annotations

import socket
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

import httpcore
import httpx

from ..addresses import is_web_address, refusal

USER_AGENT = "innoprom-bot corpus adder (+https://github.com/)"
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")
MAX_REDIRECTS = 10
_RESOLVER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="resolve")  # getaddrinfo has no timeout


@dataclass(frozen=True)
class Fetching:
    """How sources are read; the one place their limits are set (the CLI and the bot pass their own)."""

    timeout: float = 15.0  # seconds for a whole download, redirects included
    allow_loopback: bool = False  # for tests and local use: 127.0.0.1 and ::1 may be fetched
    max_bytes: int = 5 * 2**20


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


class _Refused(Exception):
    """An address the rules do not let us contact (passes through httpx unchanged: it is not httpcore's)."""


def fetch(source: str, accept: tuple[str, ...] = PAGE_TYPES, fetching: Fetching = Fetching()) -> Fetched:
    """The content of a URL or local file, or a SourceError saying in one line why not."""
    if not is_web_address(source):
        return _read_file(source, fetching.max_bytes)
    deadline = time.monotonic() + fetching.timeout
    try:
        with httpx.Client(transport=_CheckedTransport(fetching.allow_loopback, deadline), trust_env=False,
                          timeout=fetching.timeout, headers={"User-Agent": USER_AGENT, "Accept": ", ".join(accept)}
                          ) as client:
            return _follow(client, source, accept, fetching)
    except _Refused as error:
        raise SourceError(source, f"refused: {error}") from None
    except httpx.TimeoutException:
        raise SourceError(source, f"not downloaded within {fetching.timeout:g} s") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
        raise SourceError(source, f"is not a usable address ({error})") from None
    except httpx.ConnectError as error:
        raise SourceError(source, f"cannot be reached ({_first_line(error)})") from None
    except httpx.RemoteProtocolError as error:
        raise SourceError(source, f"did not answer in HTTP ({_first_line(error)})") from None
    except (httpx.HTTPError, httpx.StreamError, OSError) as error:  # a dropped connection, an oversized header
        raise SourceError(source, f"cannot be read ({_first_line(error)})") from None


def _follow(client: httpx.Client, source: str, accept: tuple[str, ...], fetching: Fetching) -> Fetched:
    url, seen = httpx.URL(source), set()
    for _ in range(MAX_REDIRECTS + 1):
        if url.scheme not in ("http", "https"):
            raise SourceError(source, f"redirects to a {url.scheme}: address; only http and https are followed")
        seen.add(str(url))
        with client.stream("GET", url) as response:
            if not response.has_redirect_location:  # a 3xx without a Location is refused as a status
                return _body(source, response, accept, fetching.max_bytes)
            url = response.url.join(response.headers["Location"])
        if str(url) in seen:
            raise SourceError(source, "redirects in a loop")
    raise SourceError(source, f"redirects more than {MAX_REDIRECTS} times")


def _body(source: str, response: httpx.Response, accept: tuple[str, ...], max_bytes: int) -> Fetched:
    if response.status_code >= 300:
        raise SourceError(source, f"the server answered HTTP {response.status_code} {response.reason_phrase}")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in accept:
        raise SourceError(source, f"is {content_type or 'of no stated type'}, not one of {', '.join(accept)}")
    limit = f"the {max_bytes / 2**20:.0f} MB limit"
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SourceError(source, f"is {int(declared) / 2**20:.0f} MB, more than {limit}")
    data = bytearray()
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) > max_bytes:
            raise SourceError(source, f"is more than {limit}")
    return Fetched(source, str(response.url), content_type, bytes(data), response.charset_encoding or "")


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


class _CheckedTransport(httpx.HTTPTransport):
    """httpx's own transport, with its connection pool built on `_CheckedBackend` (httpx 0.28 takes no
    network backend as an argument, so the pool it made is replaced by one that has it)."""

    def __init__(self, allow_loopback: bool, deadline: float):
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(trust_env=False),
                                             network_backend=_CheckedBackend(allow_loopback, deadline))


class _CheckedBackend(httpcore.SyncBackend):
    """Connects only to addresses that passed the rules, within the download's deadline."""

    def __init__(self, allow_loopback: bool, deadline: float):
        self.allow_loopback, self.deadline = allow_loopback, deadline

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = _resolve(host, port, self.deadline)
        for address in addresses:
            problem = refusal(address, self.allow_loopback)
            if problem:
                what = f"{address} is" if host == address else f"{host} is {address},"
                raise _Refused(f"{what} {problem}; only public addresses are fetched")
        error: Exception | None = None
        for address in addresses:
            try:
                stream = super().connect_tcp(address, port, _left(self.deadline, timeout), local_address,
                                             socket_options)
                return _DeadlineStream(stream, self.deadline)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failed:
                error = failed
        raise error


def _resolve(host: str, port: int, deadline: float) -> list[str]:
    """Every address `host` resolves to (once), in the resolver's order, within the deadline."""
    try:
        found = _RESOLVER.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM).result(
            _left(deadline, None))
    except FutureTimeout:
        raise httpcore.ConnectTimeout(f"{host} was not resolved in time") from None
    except (socket.gaierror, UnicodeError) as error:
        raise httpcore.ConnectError(f"{host}: {error}") from None
    return list(dict.fromkeys(sockaddr[0] for *_, sockaddr in found))


def _left(deadline: float, timeout: float | None) -> float:
    """What is left of the deadline, capped by httpcore's own per-operation timeout."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the download's deadline passed")
    return min(left, timeout) if timeout else left


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write waits only for what is left of the download's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float):
        self.stream, self.deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, _left(self.deadline, timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, _left(self.deadline, timeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        secure = self.stream.start_tls(ssl_context, server_hostname, _left(self.deadline, timeout))
        return _DeadlineStream(secure, self.deadline)

    def get_extra_info(self, info: str):
        return self.stream.get_extra_info(info)


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
