"""A small forward proxy as Kreis networks have one: plain HTTP requests in absolute form
(`GET http://host/path`) are forwarded, `CONNECT host:port` opens a tunnel (HTTPS). It records
what it was asked for, so a test can tell that a request really went through it."""

from __future__ import annotations

import select
import socket
import socketserver
import threading
from urllib.parse import urlsplit


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            head += chunk
        header, _, rest = head.partition(b"\r\n\r\n")
        request_line, *header_lines = header.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ", 2)
        self.server.seen.append((method, target))
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)), timeout=10)
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
        else:
            parts = urlsplit(target)
            upstream = socket.create_connection((parts.hostname, parts.port or 80), timeout=10)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            kept = [h for h in header_lines if not h.lower().startswith(("proxy-", "connection:"))]
            upstream.sendall(f"{method} {path} {version}\r\n".encode("latin-1")
                             + "\r\n".join(kept + ["Connection: close"]).encode("latin-1") + b"\r\n\r\n" + rest)  # fmt: skip
        self._relay(self.request, upstream)

    @staticmethod
    def _relay(a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 30)
                if not ready:
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        finally:
            b.close()


class ForwardProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str]] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> "ForwardProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
