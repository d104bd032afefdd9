"""Per-server politeness: ``per_host`` requests in flight per resolved IP, not per host name.

Many regency offices' sites are different names on one small shared server. Scrapy's
download slots are keyed by host name, so ten names on one server saw ten times
``CONCURRENT_REQUESTS_PER_DOMAIN``; the per-IP setting that keyed them by address
(``CONCURRENT_REQUESTS_PER_IP``) is deprecated in Scrapy 2.19. Two parts:

* inside one crawl, :class:`ServerSlotMiddleware` sets ``request.meta["download_slot"]`` to
  the host's resolved address (Scrapy's documented per-request slot key), so Scrapy's own
  downloader queues the requests of one server together, ``per_host`` at a time;
* across crawls — ``crawler.runner`` runs one crawl per source kind at once, each with its
  own downloader — a process-wide :class:`ServerGate` holds a request until the server has
  fewer than ``per_host`` requests in flight from any of them.

Resolution goes through the resolver installed on the reactor (the address guard's caching
resolver), so it costs nothing the download would not have cost anyway.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections import deque
from typing import Any, cast

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

GATE_KEY = "pantau_server_gate"
HOST_KEY = "pantau_slot_host"


class ServerGate:
    """At most ``limit`` holders per server address, process-wide (one asyncio loop)."""

    def __init__(self) -> None:
        self.inflight: dict[str, int] = {}
        self.waiters: dict[str, deque[asyncio.Future]] = {}
        self.peak: dict[str, int] = {}

    async def acquire(self, server: str, limit: int) -> None:
        while self.inflight.get(server, 0) >= limit:
            fut = asyncio.get_running_loop().create_future()
            self.waiters.setdefault(server, deque()).append(fut)
            try:
                await fut
            finally:
                queue = self.waiters.get(server)
                if queue is not None and fut in queue:
                    queue.remove(fut)
                if queue is not None and not queue:
                    del self.waiters[server]
        self.inflight[server] = self.inflight.get(server, 0) + 1

    def release(self, server: str) -> None:
        left = self.inflight.get(server, 0) - 1
        if left > 0:
            self.inflight[server] = left
        else:
            self.inflight.pop(server, None)
        queue = self.waiters.get(server)
        while queue:
            fut = queue.popleft()
            if not fut.done():
                fut.set_result(None)
                break
        if queue is not None and not queue:
            self.waiters.pop(server, None)


GATE = ServerGate()


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


async def resolve(host: str) -> str | None:
    """The address ``host`` resolves to (the reactor's caching resolver), or None."""
    literal = _literal(host)
    if literal:
        return literal
    from twisted.internet import reactor

    try:
        # Twisted's stubs type resolve() wrongly (Sequence[int]); it takes and answers a name.
        resolving: Any = cast(Any, reactor).resolve(host)
        return str(await maybe_deferred_to_future(resolving))
    except Exception:  # noqa: BLE001 - the download itself will report the failure
        return None


class ServerSlotMiddleware:
    """Keys download slots by resolved IP and gates each server across crawls."""

    def __init__(self, per_server: int, gate: ServerGate = GATE):
        self.per_server = max(1, per_server)
        self.gate = gate
        # Requests of this crawl holding a place at the gate: a crawl that ends with one
        # still held (stopped mid-download) must not block that server for the daemon's life.
        self.held: dict[int, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> ServerSlotMiddleware:
        from scrapy import signals

        mw = cls(crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_closed(self, spider: Any = None) -> None:
        for server in self.held.values():
            self.gate.release(server)
        self.held.clear()

    async def process_request(self, request: Request, spider: Any = None) -> None:
        host = (urlparse_cached(request).hostname or "").lower()
        if not host:
            return None
        # A redirect copies meta: a slot set for another host is not this request's.
        if request.meta.get(HOST_KEY) != host:
            server = await resolve(host)
            if server is None:
                request.meta.pop("download_slot", None)
                return None
            request.meta["download_slot"] = f"server:{server}"
            request.meta[HOST_KEY] = host
        server = request.meta["download_slot"]
        if request.meta.get(GATE_KEY) is None:
            await self.gate.acquire(server, self.per_server)
            request.meta[GATE_KEY] = server
            self.held[id(request)] = server
        return None

    def _release(self, request: Request) -> None:
        server = request.meta.pop(GATE_KEY, None)
        if server is not None and self.held.pop(id(request), None) is not None:
            self.gate.release(server)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: BaseException, spider: Any = None) -> None:
        self._release(request)
        return None
