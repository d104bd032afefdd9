"""Running ``discover`` through Scrapy: read the websites for account links, then check the
linked accounts that can be checked cheaply (Telegram, Mastodon, YouTube, and the other
platforms when an API token or a bridge is configured) with the platforms' own spiders, to
tell a link to a vanished account from a live one. Nothing is stored: the checks here run
without the observation pipeline, on accounts that are not (yet) in the registry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner

from pantau.config.settings import Config
from pantau.config.vocabulary import Outcome
from pantau.crawler import reactor
from pantau.crawler.items import Observation
from pantau.crawler.settings import scrapy_settings
from pantau.crawler.social_links import PageProblem, SocialLink

DISCOVER_SPIDER = "discover"  # found by name through Scrapy's spider loader


@dataclass
class Discovered:
    links: list[SocialLink] = field(default_factory=list)
    problems: list[PageProblem] = field(default_factory=list)
    # (platform, url) of linked accounts the platform says do not exist, with its words
    gone: dict[tuple[str, str], str] = field(default_factory=dict)


class _Items:
    """Collects what a crawl yields; held strongly while its signal points at it."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        self.items.append(item)


def _settings(cfg: Config) -> dict[str, Any]:
    settings = scrapy_settings(cfg)
    # Found accounts are not in the registry: their checks must not be stored as observations.
    settings["ITEM_PIPELINES"] = {}
    return settings


async def _run(settings_from: Config, spidercls: type, collector: _Items, **kwargs: Any) -> None:
    from pantau.crawler.runner import install_resolver

    runner = AsyncCrawlerRunner(_settings(settings_from))
    crawler = runner.create_crawler(spidercls)
    install_resolver(crawler)
    crawler.signals.connect(collector.item_scraped, signal=signals.item_scraped)
    await runner.crawl(crawler, **kwargs)


async def _discover(cfg: Config, websites: list[dict[str, Any]], check_links: bool) -> Discovered:
    out = Discovered()
    pages = _Items()
    from pantau.crawler.runner import spider_named

    await _run(cfg, spider_named(DISCOVER_SPIDER), pages, websites=websites)
    for item in pages.items:
        if isinstance(item, SocialLink):
            out.links.append(item)
        elif isinstance(item, PageProblem):
            out.problems.append(item)
    if not check_links:
        return out
    from pantau.crawler.runner import spider_for

    unique: dict[tuple[str, str], SocialLink] = {}
    for link in out.links:
        unique.setdefault((link.platform, link.url), link)
    # Negative ids: these accounts are not in the registry, and nothing of them is stored.
    accounts: dict[int, dict[str, Any]] = {
        -(i + 1): {
            "id": -(i + 1),
            "platform": link.platform,
            "url": link.url,
            "handle": link.handle,
            "feed_url": "",
            "resolved_id": "",
        }
        for i, link in enumerate(unique.values())
    }
    groups: dict[type, list[dict[str, Any]]] = {}
    for account in accounts.values():
        groups.setdefault(spider_for(account["platform"]), []).append(account)
    checks = _Items()
    await asyncio.gather(*(_run(cfg, cls, checks, accounts=group, cfg=cfg) for cls, group in groups.items()))
    for obs in checks.items:
        if isinstance(obs, Observation) and obs.outcome == Outcome.NOT_FOUND:
            account = accounts[obs.account_id]
            out.gone[(account["platform"], account["url"])] = obs.error or "not found"
    return out


def discover_links(cfg: Config, websites: Iterable[dict[str, Any]], *, check_links: bool = True) -> Discovered:
    """Blocking wrapper for the CLI and tests: run the crawls on the reactor thread."""
    return reactor.run(_discover, cfg, list(websites), check_links)
