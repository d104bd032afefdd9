"""Plain feeds (RSS, Atom): the newest entry is the evidence."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrapy.http import Response

from pantau.crawler.dates import Candidate
from pantau.crawler.extract import parse_feed
from pantau.crawler.items import Observation
from pantau.spiders.base import AccountSpider, Check, CheckFailed, candidate_from_json, candidate_to_json

# One thread: the parse holds the GIL whichever thread runs it, so more threads would not read
# feeds faster; they would only take more turns from the reactor and slow every download.
_PARSER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pantau-feed-parser")


async def read_feed(
    spider: AccountSpider,
    check: Check,
    response: Response,
    *,
    label: str = "feed",
    entries: list[Candidate] | None = None,
    keep: Callable[[Candidate], bool] | None = None,
) -> Candidate | None:
    """The newest credible entry of a feed response (or of the last parse, on a 304).

    ``entries``, when given, receives every entry of a freshly parsed feed (for the
    compromise scan of feed items); ``keep`` says which entries may be activity.
    """
    if response.status == 304:
        return candidate_from_json(check.cached(response))
    if response.status >= 400:
        raise spider.http_error(response, f"{label} {response.url}")
    # Off the reactor: feedparser is pure Python (~20 µs an element), so a feed of thousands of
    # entries would otherwise stall every other check in flight for a second or more.
    loop = asyncio.get_running_loop()
    cands, err = await loop.run_in_executor(_PARSER, parse_feed, response.body, response.url, check.now)
    if err:
        raise CheckFailed("error", f"{response.url} is not a readable feed: {err}", response.status)
    if entries is not None:
        entries.extend(cands)
    if keep is not None:
        cands = [c for c in cands if keep(c)]
    best = check.consider(cands, f"{label} entry")
    check.remember(response, candidate_to_json(best))
    return best


class FeedSpider(AccountSpider):
    name = "feed"
    platforms = ("feed",)
    reads_robots_txt = True  # crawler.runner counts a stale robots.txt as one more request

    def first_url(self, account: dict[str, Any]) -> str | None:
        return account.get("feed_url") or account["url"]

    def first_request_options(self, account: dict[str, Any]) -> dict[str, Any]:
        return {"conditional": True, "robots": True}

    async def observe(self, check: Check, response: Response) -> Observation:
        best = await read_feed(self, check, response)
        return check.observation("ok", best)
