"""A Bot API stand-in on 127.0.0.1 for the tests: speaks the Bot API's shape, feeds updates, records calls.

POST /bot<TOKEN>/<method> with form or JSON parameters answers {"ok": true, "result": ...}. `getUpdates`
long-polls the queue of updates the test pushed. Failures can be scripted per method: an HTTP status with
an error body (429 with retry_after, 500, 400 "can't parse entities"), or a dropped connection.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "Innoprom", "username": "innoprom_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}


class BotApiStandIn:
    def __init__(self, token: str):
        self.token = token
        self.calls: list[tuple[str, dict]] = []
        self.call_times: list[float] = []  # time.monotonic() of each call, parallel to `calls`
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._failures: dict[str, list] = {}
        self._lock = threading.Condition()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                stand_in._handle(self)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):  # the bot hung up (a timeout): expected here
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._lock.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # --- what tests use ---------------------------------------------------------------------------------

    def push(self, update: dict) -> int:
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._lock.notify_all()
        return update["update_id"]

    def fail(self, method: str, status: int, body: dict | None = None, times: int = 1) -> None:
        """Make the next `times` calls of `method` fail; status 0 drops the connection."""
        with self._lock:
            self._failures.setdefault(method, []).extend([(status, body)] * times)

    def slow(self, method: str, seconds: float) -> None:
        """Make the next call of `method` answer normally, but only after `seconds`."""
        with self._lock:
            self._failures.setdefault(method, []).append((200, {"delay": seconds}))

    def calls_of(self, method: str) -> list[dict]:
        with self._lock:
            return [params for name, params in self.calls if name == method]

    def wait_for(self, predicate, timeout: float = 15.0):
        """Wait until predicate(calls) is truthy and return its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                value = predicate(list(self.calls))
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError("the bot did not make the expected call in time")

    def new_message_id(self) -> int:
        return next(self._message_ids)

    # --- the Bot API ----------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            return self._send(request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = request.path[len(prefix):]
        length = int(request.headers.get("Content-Length") or 0)
        params = self._parse(request.headers.get("Content-Type", ""), request.rfile.read(length))
        with self._lock:
            failures = self._failures.get(method)
            failure = failures.pop(0) if failures else None
            self.calls.append((method, params))
            self.call_times.append(time.monotonic())
        if failure and failure[0] == 200:
            time.sleep(failure[1]["delay"])
            failure = None
        if failure:
            status, body = failure
            if status == 0:
                request.close_connection = True
                request.connection.close()
                return None
            return self._send(request, status, body or {"ok": False, "error_code": status,
                                                        "description": "Internal Server Error"})
        return self._send(request, 200, {"ok": True, "result": self._result(method, params)})

    @staticmethod
    def _parse(content_type: str, body: bytes) -> dict:
        if "json" in content_type:
            return json.loads(body or b"{}")
        params = {}
        for key, value in parse_qsl(body.decode()):
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        return params

    def _message(self, params: dict) -> dict:
        chat_id = int(params.get("chat_id", 0))
        return {"message_id": int(params.get("message_id") or self.new_message_id()), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT_USER, "text": str(params.get("text", ""))}

    def _result(self, method: str, params: dict):
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return self._get_updates(params)
        if method in ("sendMessage", "editMessageText"):
            return True if "inline_message_id" in params else self._message(params)
        return True

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        with self._lock:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates)
                self._lock.wait(max(0.0, deadline - time.monotonic()))

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
