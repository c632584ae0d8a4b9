"""A news site stand-in on 127.0.0.1 for the tests: the saved pages of tests/pages, an RSS feed of them, and
every way a real site fails (404, 500, a redirect loop, silence, an image, 50 MB), plus `raw` answers a
test scripts byte by byte, however malformed (a broken status line, a header line of 70 kB, a body cut
short, a byte a second)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO, Callable

PAGES = Path(__file__).resolve().parent / "pages"
FEED_ITEMS = ("belta-en", "ru-regional", "no-date")


class NewsSite:
    def __init__(self):
        self.feed_items = list(FEED_ITEMS)
        self.requests: list[str] = []
        self.raw: dict[str, bytes | Callable[[BinaryIO], None]] = {}  # path → the whole answer, or its writer
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                site.requests.append(self.path)
                site._route(self)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # a client that hung up (a timeout): expected
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _route(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?")[0]
        if path in self.raw:
            answer = self.raw[path]
            answer(request.wfile) if callable(answer) else request.wfile.write(answer)
            request.close_connection = True
        elif path.startswith("/news/") and (PAGES / path.removeprefix("/news/")).is_file():
            self._send(request, 200, "text/html; charset=utf-8", (PAGES / path.removeprefix("/news/")).read_bytes())
        elif path == "/feed.xml":
            self._send(request, 200, "application/rss+xml; charset=utf-8", self._feed().encode())
        elif path == "/not-a-feed.xml":
            self._send(request, 200, "application/xml", b"<?xml version='1.0'?><catalog><book/></catalog>")
        elif path in ("/404", "/500"):
            self._send(request, int(path[1:]), "text/html", b"<h1>error</h1>")
        elif path == "/loop":
            request.send_response(302)
            request.send_header("Location", "/loop")
            request.send_header("Content-Length", "0")
            request.end_headers()
        elif path == "/slow":
            time.sleep(3)
            self._send(request, 200, "text/html", b"<html></html>")
        elif path == "/image.png":
            self._send(request, 200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
        elif path == "/huge":  # 50 MB with no Content-Length: refused while it streams
            request.send_response(200)
            request.send_header("Content-Type", "text/html")
            request.end_headers()
            chunk = b"<p>" + b"x" * 65_533
            for _ in range(50 * 16):
                request.wfile.write(chunk)
        else:
            self._send(request, 404, "text/html", b"<h1>not found</h1>")

    def _feed(self) -> str:
        items = "".join(
            f"<item><title>Item {name}</title><link>{self.url('/news/' + name + '.html')}</link>"
            f"<pubDate>Wed, 09 Jul 2025 10:00:00 GMT</pubDate></item>" for name in self.feed_items)
        return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Industry news</title>"
                f"<link>{self.url('/')}</link><description>News</description>{items}</channel></rss>")

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
