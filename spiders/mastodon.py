"""Mastodon (and other fediverse servers that copy it): the profile's RSS feed.

Every Mastodon profile ``https://<server>/@<user>`` has a feed at the same URL plus ``.rss``
with the account's public posts (boosts and replies are left out by Mastodon itself). A
deleted account answers 404, a suspended one 410: both are "account not found".
"""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from pantau.crawler.items import Observation
from pantau.spiders.base import Check
from pantau.spiders.feed import read_feed
from pantau.spiders.social import PlatformSpider, account_not_found


class MastodonSpider(PlatformSpider):
    name = "mastodon"
    platforms = ("mastodon",)

    def first_url(self, account: dict[str, Any]) -> str | None:
        if self.own_feed(account):
            return self.own_feed(account)
        suffix = self.cfg.platform("mastodon").get("rss_suffix", ".rss")
        return account["url"].rstrip("/") + suffix

    def first_request_options(self, account: dict[str, Any]) -> dict[str, Any]:
        return {"conditional": True, "robots": False, "headers": None}

    async def observe(self, check: Check, response: Response) -> Observation:
        if response.status in (404, 410):
            what = "suspended or deleted" if response.status == 410 else "no such profile"
            raise account_not_found(f"{response.url} answered HTTP {response.status} ({what})", response.status)
        return check.observation("ok", await read_feed(self, check, response, label="Mastodon feed"))
