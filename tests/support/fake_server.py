"""A small local HTTP server that answers like the real services: scripted replies per route,
including HTTP errors, slow answers and broken bodies. Threaded, 127.0.0.1, random port; with a
server TLS context it speaks HTTPS (certificates from trustme in the tests)."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the answer starts (slowness, timeouts)
    truncate: bool = False  # announce the full length, send half, close: a broken body


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()}


class FakeServer:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self._routes: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Recorded(self.command, parts.path, parse_qs(parts.query), dict(self.headers), body)
                server._record(request)
                reply = server._next(self.command, parts.path)
                if callable(reply):  # answers that depend on the request (e.g. the WFS layer asked for)
                    reply = reply(request)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    if reply.truncate:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply.body[: len(reply.body) // 2] if reply.truncate else reply.body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): fine
                if reply.truncate:
                    self.close_connection = True

            do_GET = do_POST = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:  # the handshake runs on accept; a client that refuses it never reaches a handler
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{'https' if self._tls else 'http'}://{host}:{port}"

    def route(self, method: str, path: str, *replies: Reply | Callable[[Recorded], Reply]) -> None:
        """Answer `method path` with `replies` in turn; the last one repeats. A reply may be a
        function of the request."""
        with self._lock:
            self._routes[(method.upper(), path)] = list(replies)

    def requests_to(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def _record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)

    def _next(self, method: str, path: str) -> Reply:
        with self._lock:
            replies = self._routes.get((method, path))
            if not replies:
                return Reply(404, b"<html><body>Not Found</body></html>", {"Content-Type": "text/html"})
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def start(self) -> "FakeServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
