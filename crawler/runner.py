"""Running checks: accounts in, one Observation per account stored, a summary out."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from pantau.config import clock
from pantau.config.settings import Config
from pantau.crawler import reactor
from pantau.crawler.items import Observation
from pantau.crawler.robots import RFC9309_MAX_AGE_S, origin_of
from pantau.crawler.settings import SPIDER_MODULES, scrapy_settings
from pantau.storage.db import open_db
from pantau.storage.errors import DiskFull, is_disk_full
from pantau.storage.sites import accounts_with_open_findings, fresh_robots_origins

log = logging.getLogger(__name__)

ProgressFn = Callable[[Observation], None]


@dataclass
class Summary:
    accounts: int = 0
    outcomes: Counter = field(default_factory=Counter)
    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return (
            f"checked {self.accounts} accounts in {self.seconds:.1f}s ({parts or 'nothing'}); "
            f"{self.requests} requests, {self.not_modified} not modified"
        )


class _Collector:
    """Counts observations; held strongly for as long as the crawl's signals point at it."""

    def __init__(self, summary: Summary, progress: ProgressFn | None):
        self.summary = summary
        self.progress = progress
        self.observed: set[int] = set()
        self.close_reasons: dict[int, str] = {}
        self.disk_full: BaseException | None = None

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.close_reasons[id(spider)] = reason

    def item_error(self, item: Any, response: Any = None, spider: Any = None, failure: Any = None) -> None:
        exc = getattr(failure, "value", None)
        if isinstance(item, Observation) and is_disk_full(exc) and self.disk_full is None:
            # Every later observation would be lost too: stop checking, and fail the run.
            self.disk_full = exc
            asyncio.ensure_future(stop_all())

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        if not isinstance(item, Observation):
            return
        self.observed.add(item.account_id)
        s = self.summary
        s.accounts += 1
        s.outcomes[item.outcome] += 1
        s.requests += item.requests
        s.bytes += item.bytes
        s.not_modified += int(item.not_modified)
        if self.progress:
            try:
                self.progress(item)
            except Exception:  # noqa: BLE001 - a progress bar must never stop a crawl
                log.debug("progress callback failed", exc_info=True)


_active_runners: set[AsyncCrawlerRunner] = set()


@functools.cache
def _loader() -> SpiderLoader:
    return SpiderLoader.from_settings(Settings({"SPIDER_MODULES": SPIDER_MODULES}))


def spider_named(name: str) -> type:
    """A spider class by its ``name``, found by Scrapy's spider loader."""
    return _loader().load(name)


@functools.cache
def _spiders_by_platform() -> dict[str, type]:
    """platform -> spider class, from the spiders' own ``platforms`` (via Scrapy's loader)."""
    loader = _loader()
    table: dict[str, type] = {}
    for name in loader.list():
        cls = loader.load(name)
        for platform in getattr(cls, "platforms", ()):
            table[platform] = cls
    table[""] = loader.load("unsupported")
    return table


def spider_for(platform: str) -> type:
    """The spider that reads ``platform``; the honest `unsupported` one when none does."""
    table = _spiders_by_platform()
    return table.get(platform) or table[""]


def install_resolver(crawler: Any) -> None:
    """Put the address guard's resolver on the reactor, with this run's setting.

    Scrapy installs ``DNS_RESOLVER`` only from ``CrawlerProcess``; under our own reactor
    thread and ``AsyncCrawlerRunner`` nobody did, so a name resolving to a private address
    was only refused after the request had reached it.
    """
    from twisted.internet import reactor as twisted_reactor

    from pantau.crawler.middlewares import GuardedResolver

    GuardedResolver.from_crawler(crawler, twisted_reactor).install_on_reactor()


def expected_requests(cfg: Config, groups: dict[type, list[dict[str, Any]]], store: bool = True) -> dict[type, float]:
    """About how many requests each crawl will make, robots.txt included.

    Each spider says what one account's check will cost (``expected_requests``: a remembered
    website one, a new one about three); a spider that reads robots.txt (``reads_robots_txt``)
    adds one request per origin whose stored copy is stale. Split by account counts alone, the
    feed crawl got half the slots its robots.txt fetches needed and finished last.

    Also marks the website accounts a compromise finding is open for (``open_findings``): their
    checks look at the whole site each time, not at the remembered source alone.
    """
    now = clock.now()
    fresh: set[str] | None = None
    flagged: set[int] = set()
    db = None
    if store:
        try:
            db = open_db(cfg.db_path, migrate=False)
        except Exception:  # noqa: BLE001 - no database yet: every account is new
            db = None
    if db is not None:
        try:
            flagged = accounts_with_open_findings(db)
            if cfg.crawler["obey_robots"]:
                readers = (a for cls, g in groups.items() if getattr(cls, "reads_robots_txt", False) for a in g)
                since = (now - timedelta(seconds=RFC9309_MAX_AGE_S)).isoformat(timespec="seconds")
                fresh = fresh_robots_origins(db, (_origin(a) for a in readers), since)
        finally:
            db.conn.close()
    out: dict[type, float] = {}
    for cls, group in groups.items():
        per_account = getattr(cls, "expected_requests", None)
        robots = fresh is not None and getattr(cls, "reads_robots_txt", False)
        total = 0.0
        for account in group:
            if flagged:
                account["open_findings"] = account.get("id") in flagged
            total += per_account(account, now) if per_account else getattr(cls, "requests_per_check", 1.0)
            if robots and fresh is not None:
                total += _origin(account) not in fresh
        out[cls] = total
    return out


def _origin(account: dict[str, Any]) -> str:
    """The origin whose robots.txt governs the account's first request."""
    return origin_of(account.get("feed_url") or account["url"])


async def crawl(
    cfg: Config, accounts: Iterable[dict[str, Any]], progress: ProgressFn | None = None, store: bool = True
) -> Summary:
    """Check the accounts (on the reactor loop). Each source kind runs as its own crawl,
    all at once, sharing the configured total concurrency by their number of accounts.

    ``store=False`` (``pantau probe``) neither reads nor writes the database: no pipeline, no
    conditional GET; the observations reach only ``progress``."""
    groups: dict[type, list[dict[str, Any]]] = {}
    for account in accounts:
        if not store:
            # Nothing stored is read: a probe looks at the whole site, not a remembered source.
            account = {**account, "site": None}
        groups.setdefault(spider_for(account["platform"]), []).append(account)
    summary = Summary()
    started = time.monotonic()
    # Share the concurrency by the requests each crawl will make, not by accounts.
    weight = expected_requests(cfg, groups, store)
    total = sum(weight.values()) or 1
    conc = cfg.crawler["concurrency"]
    collector = _Collector(summary, progress)
    runners: list[AsyncCrawlerRunner] = []
    tasks = []
    crawlers = []
    for spidercls, group in groups.items():
        share = max(2, round(conc * weight[spidercls] / total))
        settings = scrapy_settings(cfg, concurrency=min(conc, share))
        if not store:
            settings.update({"ITEM_PIPELINES": {}, "PANTAU_DB": ""})
        runner = AsyncCrawlerRunner(settings)
        crawler = runner.create_crawler(spidercls)
        if not runners:
            install_resolver(crawler)
        crawler.signals.connect(collector.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(collector.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(collector.item_error, signal=signals.item_error)
        runners.append(runner)
        crawlers.append((crawler, group))
        tasks.append(runner.crawl(crawler, accounts=group, cfg=cfg))
    _active_runners.update(runners)
    try:
        if tasks:
            await asyncio.gather(*tasks)
    finally:
        _active_runners.difference_update(runners)
    if collector.disk_full is not None:
        raise DiskFull(
            f"observations could not be stored in {cfg.db_path}: {collector.disk_full}"
        ) from collector.disk_full
    if store:  # (a probe writes nothing, even for a request a middleware dropped)
        for crawler, group in crawlers:
            _observe_dropped(cfg, crawler, group, collector)
    summary.seconds = time.monotonic() - started
    return summary


def _drop_reason(crawler: Any, account: dict[str, Any]) -> str:
    """Why Scrapy let a check's request go without an answer, as far as its stats tell."""
    stats = crawler.stats.get_stats() if crawler.stats else {}
    limit = crawler.settings.getint("URLLENGTH_LIMIT")
    url = account.get("feed_url") or account.get("url") or ""
    if stats.get("urllength/request_ignored_count") and limit and len(url) > limit:
        return (
            f"not checked: the address is {len(url):,} characters long, over the {limit:,} Scrapy "
            "accepts; give a shorter address in the registry"
        )
    counted = sorted(k for k, v in stats.items() if v and ("ignored" in k or "filtered" in k))
    detail = f" ({', '.join(counted)})" if counted else ""
    return f"not checked: Scrapy dropped the request before it was sent{detail}"


def _observe_dropped(cfg: Config, crawler: Any, group: list[dict[str, Any]], collector: _Collector) -> None:
    """Give every account that got no observation one that says why.

    A spider middleware (Scrapy's UrlLengthMiddleware, for one) may drop a request without
    calling its errback: the account would stay "not checked yet" forever while the run
    says it went fine. Only for a crawl that finished: one stopped by SIGTERM leaves its
    unstarted accounts due, as they should be.
    """
    if collector.close_reasons.get(id(crawler.spider)) != "finished":
        return
    missing = [a for a in group if a["id"] not in collector.observed]
    if not missing:
        return
    from pantau.storage.db import open_db
    from pantau.storage.observations import record_observation

    now = datetime.now(UTC)
    interval = timedelta(seconds=crawler.settings.getint("PANTAU_CHECK_EVERY_S"))
    db = open_db(cfg.db_path, migrate=False)
    try:
        for account in missing:
            obs = Observation(
                account_id=account["id"], checked_at=now, outcome="error", error=_drop_reason(crawler, account)
            )
            log.warning("account %s: %s", account["id"], obs.error)
            record_observation(db, obs.row(), next_check_at=now + interval)
            collector.item_scraped(obs)
    finally:
        db.conn.close()


async def stop_all() -> None:
    """Ask running crawls to stop: requests in flight finish, nothing new starts."""
    await asyncio.gather(*(r.stop() for r in list(_active_runners)), return_exceptions=True)


def check_accounts(
    cfg: Config, accounts: Iterable[dict[str, Any]], progress: ProgressFn | None = None, store: bool = True
) -> Summary:
    """Blocking wrapper for the CLI and tests: run :func:`crawl` on the reactor thread."""
    return reactor.run(crawl, cfg, list(accounts), progress, store)


def request_stop() -> None:
    reactor.submit(stop_all)
