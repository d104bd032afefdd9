"""Real HTTP servers on loopback for the demo, the tests and the benchmarks.

A :class:`Site` serves a dict of routes from a thread. Routes are ``path -> Route``; a
route answers with a status, headers and body, supports ETag / If-None-Match (304), and
can misbehave on purpose: delay, drip slowly, redirect, or stream an oversized body.
"""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast
from urllib.parse import urlsplit


@dataclass
class Route:
    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # send an ETag and answer If-None-Match with 304
    delay: float = 0.0  # seconds before answering
    redirect: str | None = None  # Location for a 3xx
    stream_bytes: int = 0  # stream this many bytes of filler (an oversized body)
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None

    def data(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pantau-test/1"

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        site: Site = self.server.site  # type: ignore[attr-defined]
        site.hits.append(self.path)
        route = site.routes.get(self.path) or site.routes.get(urlsplit(self.path).path)
        if route is None and site.default is not None:
            route = site.default
        if route is None:
            self._send(404, b"<h1>404 Tidak Ditemukan</h1>", "text/html; charset=utf-8", {})
            return
        if route.delay or site.latency:
            time.sleep(route.delay + site.latency)
        if route.handler:
            route.handler(self)
            return
        if route.redirect:
            self._send(
                route.status if 300 <= route.status < 400 else 302, b"", "text/html", {"Location": route.redirect}
            )
            return
        if route.stream_bytes:
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(route.stream_bytes))
            self.end_headers()
            chunk = b"<p>" + b"x" * 65530 + b"</p>"
            sent = 0
            try:
                while sent < route.stream_bytes:
                    n = min(len(chunk), route.stream_bytes - sent)
                    self.wfile.write(chunk[:n])
                    sent += n
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        data = route.data()
        headers = dict(route.headers)
        if route.etag and route.status == 200:
            tag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
            headers["ETag"] = tag
            if self.headers.get("If-None-Match") == tag:
                site.not_modified += 1
                self._send(304, b"", None, {"ETag": tag})
                return
        self._send(route.status, data, route.content_type, headers)

    def _send(self, status: int, data: bytes, ctype: str | None, headers: dict[str, str]) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data and self.command != "HEAD":
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    do_HEAD = do_GET


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


class Site:
    """An HTTP server on a loopback address, serving ``routes``."""

    def __init__(
        self,
        routes: dict[str, Route] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        default: Route | None = None,
    ):
        self.routes: dict[str, Route] = dict(routes or {})
        self.default = default
        self.latency = latency
        self.hits: list[str] = []
        self.not_modified = 0
        self.server = _Server((host, port), _Handler)
        self.server.site = self  # type: ignore[attr-defined]
        # socketserver types the address for every family; an AF_INET server's is (host, port).
        self.host, self.port = cast(tuple[str, int], self.server.server_address[:2])
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Site:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Site:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def silent_server(host: str = "127.0.0.1") -> tuple[socket.socket, int]:
    """A socket that accepts connections and never answers (a hung server)."""
    s = socket.socket()
    s.bind((host, 0))
    s.listen(64)
    return s, s.getsockname()[1]
