"""Downloading an http(s) address for `fetch`: only public addresses, within one deadline, at most max_bytes.

An address comes from whoever sends `/add` or writes a feed, so every hop is checked before anything is
sent to it: only http and https; the host is resolved once, every address it resolves to must be public
(`addresses.refusal`), and the connection is made to an address that was checked (an httpcore network
backend in httpx's transport, so there is no second lookup a resolver could answer differently). Redirects
are followed here, at most MAX_REDIRECTS, each hop checked the same way. One deadline covers the whole
download (resolving, connecting, TLS, headers, body): every socket read waits only for what is left of it,
so a server sending a byte a second cannot hold a fetch past its timeout. The body is asked for
uncompressed; one sent gzip- or deflate-compressed anyway is inflated here, never past max_bytes (a few
hundred bytes can inflate to gigabytes). Only the kinds a news page or a feed comes as are accepted.
"""

from __future__ import annotations

import functools
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterator

import httpcore
import httpx

from ..addresses import refusal
from .fetch import Fetched, Fetching, SourceError

USER_AGENT = "innoprom-bot corpus adder (+https://github.com/)"
MAX_REDIRECTS = 10
COMPRESSED = ("gzip", "x-gzip", "deflate")


class _Refused(Exception):
    """An address the rules do not let us contact (passes through httpx unchanged: it is not httpcore's)."""


def download(source: str, accept: tuple[str, ...], fetching: Fetching) -> Fetched:
    """The content at the http(s) address `source`, or a SourceError saying in one line why not."""
    deadline = time.monotonic() + fetching.timeout
    headers = {"User-Agent": USER_AGENT, "Accept": ", ".join(accept), "Accept-Encoding": "identity"}
    try:
        with httpx.Client(transport=_CheckedTransport(fetching.allow_loopback, deadline), trust_env=False,
                          timeout=fetching.timeout, headers=headers) as client:
            return _follow(client, source, accept, fetching.max_bytes)
    except _Refused as error:
        raise SourceError(source, f"refused: {error}") from None
    except httpx.TimeoutException:
        raise SourceError(source, f"not downloaded within {fetching.timeout:g} s") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError) as error:  # UnicodeError: a bad IDNA name
        raise SourceError(source, f"is not a usable address ({_first_line(error)})") from None
    except httpx.ConnectError as error:
        raise SourceError(source, f"cannot be reached ({_first_line(error)})") from None
    except httpx.RemoteProtocolError as error:
        raise SourceError(source, f"did not answer in HTTP ({_first_line(error)})") from None
    except (httpx.HTTPError, httpx.StreamError, OSError) as error:  # a dropped connection, a bad TLS certificate
        raise SourceError(source, f"cannot be read ({_first_line(error)})") from None


def _follow(client: httpx.Client, source: str, accept: tuple[str, ...], max_bytes: int) -> Fetched:
    url, seen = httpx.URL(source), set()
    for _ in range(MAX_REDIRECTS + 1):
        if url.scheme not in ("http", "https"):
            raise SourceError(source, f"redirects to a {url.scheme}: address; only http and https are followed")
        seen.add(str(url))
        with client.stream("GET", url) as response:
            if not response.has_redirect_location:  # a 3xx without a Location is refused as a status
                return _body(source, response, accept, max_bytes)
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
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("identity", "", *COMPRESSED):
        raise SourceError(source, f"is sent {encoding!r}-encoded; only uncompressed, gzip and deflate are read")
    limit = f"the {max_bytes / 2**20:.0f} MB limit"
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SourceError(source, f"is {int(declared) / 2**20:.0f} MB, more than {limit}")
    data = bytearray()
    try:
        for chunk in _inflated(response.iter_raw(), encoding in COMPRESSED, max_bytes):
            data += chunk
            if len(data) > max_bytes:
                raise SourceError(source, f"is more than {limit}")
    except zlib.error:
        raise SourceError(source, f"cannot be read (its {encoding} compression is broken)") from None
    return Fetched(source=source, url=str(response.url), content_type=content_type, data=bytes(data),
                   charset=response.charset_encoding or "")


def _inflated(raw: Iterator[bytes], compressed: bool, max_bytes: int) -> Iterator[bytes]:
    """The body's bytes, inflated when `compressed` (gzip or zlib, told apart by their header); no chunk
    inflates to more than max_bytes + 1, so a bomb is refused having cost that much memory and no more."""
    if not compressed:
        yield from raw
        return
    inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)
    for chunk in raw:
        yield inflater.decompress(chunk, max_bytes + 1)  # what it leaves unread is past the limit anyway


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every download (making one loads the CA bundle: tens of milliseconds)."""
    return httpx.create_ssl_context(trust_env=False)


class _CheckedTransport(httpx.HTTPTransport):
    """httpx's own transport, with its connection pool built on `_CheckedBackend` (httpx 0.28 takes no
    network backend as an argument, so the pool it made is replaced by one that has it)."""

    def __init__(self, allow_loopback: bool, deadline: float):
        super().__init__(verify=_tls(), trust_env=False)
        self._pool = httpcore.ConnectionPool(ssl_context=_tls(),
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
        error: Exception = httpcore.ConnectError(f"{host} resolves to no address")
        for address in addresses:
            try:
                stream = super().connect_tcp(address, port, _left(self.deadline, timeout), local_address,
                                             socket_options)
                return _DeadlineStream(stream, self.deadline)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failed:
                error = failed
        raise error


def _resolve(host: str, port: int, deadline: float) -> list[str]:
    """Every address `host` resolves to (once), in the resolver's order, within the deadline. getaddrinfo
    has no timeout of its own, so it runs on a daemon thread that is left behind if it hangs."""
    found: list = []

    def lookup() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as error:
            found.append(error)

    thread = threading.Thread(target=lookup, name="resolve", daemon=True)
    thread.start()
    thread.join(_left(deadline, None))
    if not found:
        raise httpcore.ConnectTimeout(f"{host} was not resolved in time")
    if isinstance(found[0], Exception):
        raise httpcore.ConnectError(f"{host}: {found[0]}")
    return list(dict.fromkeys(sockaddr[0] for *_, sockaddr in found[0]))


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
