"""robots.txt read once a day per origin, for permission and for sitemap discovery alike.

Scrapy's ``RobotsTxtMiddleware`` fetches robots.txt once per host *per crawl* and keeps every
parsed file until the crawl ends: a national pass every six hours asked every server for it
four times a day, and the website spider then fetched it a second time to find sitemaps.
This subclass keeps Scrapy's fetch and parse (``ROBOTSTXT_PARSER``, Protego) and its
``robots_parsed`` signal, and changes where a parsed file comes from:

1. a small in-process LRU (a check's few requests to one host parse it once);
2. the database (``storage.robots``), shared by the daemon, ``pantau check`` and restarts,
   fresh for ``PANTAU_ROBOTS_MAX_AGE_S`` (24 hours: RFC 9309 §2.4's limit);
3. the server, asked conditionally when a stale copy has validators (a 304 renews it).

2xx and 4xx answers are stored (4xx: "unavailable", everything allowed, RFC 9309 §2.3.1.3);
5xx answers and network failures are not, so the next check asks again.

It stays installed when ``ROBOTSTXT_OBEY`` is off: it then permits every request but still
serves the sitemaps robots.txt names (:meth:`sitemaps_for`), from the same cache.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

from scrapy import Request, signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from pantau.storage.db import open_db
from pantau.storage.robots import get_robots, save_robots, touch_robots
from pantau.storage.timefmt import from_iso, to_iso

log = logging.getLogger(__name__)

RFC9309_MAX_AGE_S = 24 * 3600
LRU_SIZE = 512
# Fetches in progress, process-wide: the runner's crawls (one per source kind) start at the
# same moment, and a host with a website and a feed account would otherwise be asked twice.
_IN_FLIGHT: dict[str, Deferred] = {}


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler: Any):
        # Not super().__init__: it refuses to exist when ROBOTSTXT_OBEY is off, and the
        # sitemap discovery needs the cache either way.
        settings = crawler.settings
        self.obey = settings.getbool("ROBOTSTXT_OBEY")
        self._default_useragent = settings["USER_AGENT"]
        self._robotstxt_useragent = settings["ROBOTSTXT_USER_AGENT"]
        self.crawler = crawler
        self._stats = crawler.stats
        self._parsers: OrderedDict[str, Any] = OrderedDict()
        self._parserimpl = load_object(settings.get("ROBOTSTXT_PARSER"))
        build_from_crawler(self._parserimpl, crawler, b"")
        self.max_age = timedelta(seconds=settings.getint("PANTAU_ROBOTS_MAX_AGE_S", RFC9309_MAX_AGE_S))
        self.db_path = settings.get("PANTAU_DB")
        self.db: Any = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_closed(self, spider: Any = None) -> None:
        if self.db is not None:
            self.db.conn.close()
            self.db = None
        self._parsers.clear()

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if not self.obey or request.meta.get("dont_obey_robotstxt"):
            return
        if origin_of(request.url, urlparse_cached(request)) in self._parsers:
            await super().process_request(request)
            return
        # A request waiting for its site's robots.txt is in the downloader's active set but on
        # no connection; counted against CONCURRENT_REQUESTS it took a second slot beside the
        # robots.txt download itself, and a first pass ran at half its concurrency. It is not
        # counted while it waits (the robots.txt request is, like every request).
        downloader = self.crawler.engine.downloader
        limited = downloader.total_concurrency > 0
        if limited:
            downloader.total_concurrency += 1
        try:
            await super().process_request(request)
        finally:
            if limited:
                downloader.total_concurrency -= 1

    async def sitemaps_for(self, url: str) -> tuple[bool, list[str]]:
        """(robots.txt was read, the absolute sitemap URLs it names) for ``url``'s origin."""
        parser = await self.robot_parser(Request(url, meta={"dont_obey_robotstxt": True}))
        origin = origin_of(url)
        if parser is None:
            return False, []
        rp = getattr(parser, "rp", None)  # Protego exposes the sitemaps it parsed
        found = list(getattr(rp, "sitemaps", ()) or ())
        out: list[str] = []
        for s in found:
            absolute = urljoin(origin + "/", s.strip())
            if absolute.startswith(("http://", "https://")) and absolute not in out:
                out.append(absolute)
        return True, out

    async def allows(self, url: str, user_agent: str) -> bool | None:
        """What ``url``'s robots.txt says of ``user_agent`` reading it (another crawler's name:
        the compromise scan asks for Googlebot), from the same cached copy; None when the file
        could not be read."""
        parser = await self.robot_parser(Request(url, meta={"dont_obey_robotstxt": True}))
        if parser is None:
            return None
        return bool(parser.allowed(url, user_agent))

    # --- where a parser comes from ----------------------------------------------------
    async def robot_parser(self, request: Request) -> Any:
        origin = origin_of(request.url, urlparse_cached(request))
        cached = self._parsers.get(origin)
        if cached is not None or origin in self._parsers:
            self._parsers.move_to_end(origin)
            if isinstance(cached, Deferred):
                # Each waiter on its own Deferred: turning the shared one into a Future would
                # consume its result, and the next waiter would see None ("no robots.txt").
                return await maybe_deferred_to_future(_follow(cached))
            return cached
        elsewhere = _IN_FLIGHT.get(origin)
        if elsewhere is not None:
            return await maybe_deferred_to_future(_follow(elsewhere))
        pending: Deferred = Deferred()
        self._remember(origin, pending)
        _IN_FLIGHT[origin] = pending
        parser = None
        try:
            parser = await self._load(origin, request)
        finally:
            if self._parsers.get(origin) is pending:
                self._parsers[origin] = parser
            _IN_FLIGHT.pop(origin, None)
            pending.callback(parser)
        return parser

    def _remember(self, origin: str, value: Any) -> None:
        self._parsers[origin] = value
        while len(self._parsers) > LRU_SIZE:
            oldest, old = next(iter(self._parsers.items()))
            if isinstance(old, Deferred):  # still being fetched: keep it
                break
            self._parsers.pop(oldest)

    def _open(self) -> Any:
        if self.db is None and self.db_path:
            self.db = open_db(self.db_path, migrate=False)
        return self.db

    async def _load(self, origin: str, request: Request) -> Any:
        db = self._open()
        stored = get_robots(db, origin) if db is not None else None
        now = datetime.now(UTC)
        if stored and (at := from_iso(stored["fetched_at"])) and now - at < self.max_age:
            self._stats.inc_value("robotstxt/cache_hit")
            return self._parse(stored["body"].encode("utf-8"), request)
        headers = {}
        if stored and stored["status"] == 200:
            if stored["etag"]:
                headers["If-None-Match"] = stored["etag"]
            if stored["last_modified"]:
                headers["If-Modified-Since"] = stored["last_modified"]
        robotsreq = Request(
            origin + "/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            headers=headers,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        self._stats.inc_value("robotstxt/request_count")
        try:
            resp = await self.crawler.engine.download_async(robotsreq)
        except Exception as exc:  # noqa: BLE001 - as Scrapy: an unreadable robots.txt permits all
            if not isinstance(exc, IgnoreRequest):
                self._stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            return None
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{resp.status}")
        if resp.status == 304 and stored:
            if db is not None:
                touch_robots(db, origin, to_iso(now))
            return await self._parsed(stored["body"].encode("utf-8"), request)
        body = resp.body if 200 <= resp.status < 300 else b""
        if 200 <= resp.status < 500 and db is not None:
            etag = resp.headers.get(b"ETag")
            lm = resp.headers.get(b"Last-Modified")
            save_robots(
                db,
                origin,
                resp.status,
                body.decode("utf-8", "replace"),
                etag.decode("latin-1") if etag else None,
                lm.decode("latin-1") if lm else None,
                to_iso(now),
            )
        return await self._parsed(body, request)

    def _parse(self, body: bytes, request: Request) -> Any:
        return build_from_crawler(self._parserimpl, self.crawler, body)

    async def _parsed(self, body: bytes, request: Request) -> Any:
        rp = self._parse(body, request)
        await self.crawler.signals.send_catch_log_async(signal=signals.robots_parsed, robotparser=rp, request=request)
        return rp


def _follow(d: Deferred) -> Deferred:
    """A Deferred firing with ``d``'s result, leaving ``d``'s own chain untouched."""
    out: Deferred = Deferred()

    def relay(result: Any) -> Any:
        out.callback(result)
        return result

    d.addBoth(relay)
    return out


def origin_of(url: str, parts: Any = None) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased: the key robots.txt is kept under."""
    if parts is None:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def robots_cache(crawler: Any) -> CachedRobotsTxtMiddleware | None:
    """The crawl's robots.txt cache, for spiders that read sitemaps from robots.txt."""
    for mw in getattr(crawler.engine.downloader.middleware, "middlewares", ()):
        if isinstance(mw, CachedRobotsTxtMiddleware):
            return mw
    return None
