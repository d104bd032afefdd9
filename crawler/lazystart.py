"""Start requests go to the scheduler only as fast as the downloader takes them.

Scrapy reads ``Spider.start()`` eagerly: a crawl of 10,000 accounts put 10,000 requests
(and their Check objects) in the scheduler at once. Its default queue picks the next
request by scanning every download slot that has one queued — one slot per site here —
so each pick cost O(sites) and a pass O(sites²) CPU, with every pending check in memory.
This middleware keeps about one concurrency's worth of requests queued: enough that a
freed download slot is refilled at once, few enough that picking one stays cheap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy import signals


class LazyStartMiddleware:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.queued = max(1, crawler.settings.getint("CONCURRENT_REQUESTS"))

    @classmethod
    def from_crawler(cls, crawler: Any) -> LazyStartMiddleware:
        return cls(crawler)

    def _full(self) -> bool:
        scheduler = self.crawler.engine.scheduler
        try:
            return scheduler is not None and len(scheduler) >= self.queued
        except TypeError:  # a scheduler without a length: read start() as Scrapy would
            return False

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        it = start.__aiter__()
        while True:
            while self._full():
                await self.crawler.signals.wait_for(signals.request_reached_downloader)
            try:
                item = await it.__anext__()
            except StopAsyncIteration:
                return
            yield item
