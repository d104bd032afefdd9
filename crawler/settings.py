"""Scrapy settings built from pantau's configuration."""

from __future__ import annotations

from typing import Any

from pantau.config.platforms import MAX_URL_LENGTH
from pantau.config.settings import Config, parse_duration

# Where Scrapy's spider loader finds one spider per source kind (the crawler never imports them).
SPIDER_MODULES = ["pantau.spiders"]


def scrapy_settings(cfg: Config, *, concurrency: int | None = None) -> dict[str, Any]:
    c = cfg.crawler
    total = concurrency or c["concurrency"]
    return {
        "BOT_NAME": "pantau",
        "SPIDER_MODULES": SPIDER_MODULES,
        "USER_AGENT": c["user_agent"],
        # On when any platform obeys robots.txt; each request then says whether it does
        # (`dont_obey_robotstxt`, from `[platforms.NAME] obey_robots`).
        "ROBOTSTXT_OBEY": c["obey_robots"]
        or any(bool(t.get("obey_robots")) for t in cfg.data["platforms"].values() if isinstance(t, dict)),
        "ROBOTSTXT_USER_AGENT": c["user_agent"].split("/")[0],
        "CONCURRENT_REQUESTS": total,
        # Per download slot; ServerSlotMiddleware keys the slots by resolved address (Scrapy
        # 2.19 deprecates CONCURRENT_REQUESTS_PER_IP), so OPD sites that share one regency
        # server under different names get `per_host` between them.
        "CONCURRENT_REQUESTS_PER_DOMAIN": c["per_host"],
        "DOWNLOAD_TIMEOUT": c["timeout_s"],
        "DOWNLOAD_MAXSIZE": c["max_bytes"],
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": c["retries"] > 0,
        "RETRY_TIMES": c["retries"],
        "REDIRECT_MAX_TIMES": 5,
        # The registry refuses longer addresses; the two limits must agree.
        "URLLENGTH_LIMIT": MAX_URL_LENGTH,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        # Throughput comes from the concurrency limits; AutoThrottle would hold a
        # national pass back behind the slowest regency server.
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "REACTOR_THREADPOOL_MAXSIZE": 20,
        # Each callback yields exactly one Observation; Scrapy starts this many worker tasks
        # per response to process its output (default 100: 101 asyncio tasks per check).
        "CONCURRENT_ITEMS": 1,
        "DNSCACHE_ENABLED": True,
        "DNS_RESOLVER": "pantau.crawler.middlewares.GuardedResolver",
        "MEMUSAGE_ENABLED": False,
        "DOWNLOAD_HANDLERS": {
            "http": "pantau.crawler.handlers.HTTPDownloadHandler",
            "https": "pantau.crawler.handlers.HTTPDownloadHandler",
        },
        "DOWNLOADER_MIDDLEWARES": {
            "pantau.crawler.middlewares.AddressGuardMiddleware": 50,
            "pantau.crawler.middlewares.ConditionalGetMiddleware": 560,
            # robots.txt from a per-origin cache kept in the database for up to 24 hours,
            # shared by permission checks and sitemap discovery (crawler/robots.py).
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "pantau.crawler.robots.CachedRobotsTxtMiddleware": 100,
            # Last before the download handler: per_host in flight per server address, across
            # every crawl of the process (crawler/politeness.py).
            "pantau.crawler.politeness.ServerSlotMiddleware": 950,
        },
        "SPIDER_MIDDLEWARES": {
            "pantau.crawler.lazystart.LazyStartMiddleware": 10,
            # Spiders judge HTTP status themselves (404 means "account not found").
            "scrapy.spidermiddlewares.httperror.HttpErrorMiddleware": None,
        },
        "ITEM_PIPELINES": {"pantau.crawler.pipeline.ObservationPipeline": 300},
        "HTTPERROR_ALLOW_ALL": True,
        "PANTAU_DB": str(cfg.db_path),
        "PANTAU_ALLOW_PRIVATE": c["allow_private_addresses"],
        "PANTAU_CHECK_EVERY_S": int(parse_duration(cfg.schedule["check_every"]).total_seconds()),
        "PANTAU_MAX_BYTES": c["max_bytes"],
        "PANTAU_ROBOTS_MAX_AGE_S": 24 * 3600,  # RFC 9309 §2.4: no longer than 24 hours
    }
