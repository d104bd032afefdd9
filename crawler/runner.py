"""Running checks: accounts in, one Observation per account stored, a summary out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner

from pantau.config.settings import Config
from pantau.crawler import reactor
from pantau.crawler.items import Observation
from pantau.crawler.settings import scrapy_settings
from pantau.spiders import spider_for

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
        return (f"checked {self.accounts} accounts in {self.seconds:.1f}s ({parts or 'nothing'}); "
                f"{self.requests} requests, {self.not_modified} not modified")


class _Collector:
    """Counts observations; held strongly for as long as the crawl's signals point at it."""

    def __init__(self, summary: Summary, progress: ProgressFn | None):
        self.summary = summary
        self.progress = progress

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        if not isinstance(item, Observation):
            return
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


def _install_resolver(crawler: Any) -> None:
    """Put the address guard's resolver on the reactor, with this run's setting.

    Scrapy installs ``DNS_RESOLVER`` only from ``CrawlerProcess``; under our own reactor
    thread and ``AsyncCrawlerRunner`` nobody did, so a name resolving to a private address
    was only refused after the request had reached it.
    """
    from twisted.internet import reactor as twisted_reactor

    from pantau.crawler.middlewares import GuardedResolver

    GuardedResolver.from_crawler(crawler, twisted_reactor).install_on_reactor()


async def crawl(cfg: Config, accounts: Iterable[dict[str, Any]], progress: ProgressFn | None = None,
                store: bool = True) -> Summary:
    """Check the accounts (on the reactor loop). Each source kind runs as its own crawl,
    all at once, sharing the configured total concurrency by their number of accounts.

    ``store=False`` (``pantau probe``) neither reads nor writes the database: no pipeline, no
    conditional GET; the observations reach only ``progress``."""
    groups: dict[type, list[dict[str, Any]]] = {}
    for account in accounts:
        groups.setdefault(spider_for(account["platform"]), []).append(account)
    summary = Summary()
    started = time.monotonic()
    # Share the concurrency by the requests each crawl will make, not by accounts: a
    # website check costs about three requests (home page, feed, fallbacks), a feed one.
    weight = {cls: getattr(cls, "requests_per_check", 1) * len(group) for cls, group in groups.items()}
    total = sum(weight.values()) or 1
    conc = cfg.crawler["concurrency"]
    collector = _Collector(summary, progress)
    runners = []
    tasks = []
    for spidercls, group in groups.items():
        share = max(2, round(conc * weight[spidercls] / total))
        settings = scrapy_settings(cfg, concurrency=min(conc, share))
        if not store:
            settings.update({"ITEM_PIPELINES": {}, "PANTAU_DB": ""})
        runner = AsyncCrawlerRunner(settings)
        crawler = runner.create_crawler(spidercls)
        if not runners:
            _install_resolver(crawler)
        crawler.signals.connect(collector.item_scraped, signal=signals.item_scraped)
        runners.append(runner)
        tasks.append(runner.crawl(crawler, accounts=group, cfg=cfg))
    _active_runners.update(runners)
    try:
        if tasks:
            await asyncio.gather(*tasks)
    finally:
        _active_runners.difference_update(runners)
    summary.seconds = time.monotonic() - started
    return summary


async def stop_all() -> None:
    """Ask running crawls to stop: requests in flight finish, nothing new starts."""
    await asyncio.gather(*(r.stop() for r in list(_active_runners)), return_exceptions=True)


def check_accounts(cfg: Config, accounts: Iterable[dict[str, Any]], progress: ProgressFn | None = None,
                   store: bool = True) -> Summary:
    """Blocking wrapper for the CLI and tests: run :func:`crawl` on the reactor thread."""
    return reactor.run(crawl, cfg, list(accounts), progress, store)


def request_stop() -> None:
    reactor.submit(stop_all)
