"""Reads registered websites for links to their official social accounts (``pantau discover``).

Per website: the home page, then the same-site pages it links as contact, about or
"media sosial" pages. Every request goes through Scrapy's engine with the same settings as a
check (per-host limits, robots.txt, the address guard, the size cap). It yields a
:class:`SocialLink` per account found and a :class:`PageProblem` per page that could not be
read; it stores nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from typing import Any

import scrapy
from scrapy import Request
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from pantau.crawler.social_links import PageProblem, SocialLink, contact_pages, social_links
from pantau.spiders.base import describe_failure


class DiscoverSpider(scrapy.Spider):
    name = "discover"

    def __init__(self, websites: Iterable[dict[str, Any]], **kwargs: Any):
        super().__init__(**kwargs)
        self.websites = list(websites)

    async def start(self) -> AsyncIterator[Any]:
        for site in self.websites:
            url = site["url"] if site["url"].count("/") > 2 else site["url"] + "/"
            yield Request(
                url, callback=self.home, errback=self.failed, dont_filter=True, cb_kwargs={"website_id": site["id"]}
            )

    def _readable(self, response: Response, website_id: int) -> PageProblem | None:
        if response.status >= 400:
            return PageProblem(website_id, response.url, f"HTTP {response.status} from {response.url}")
        if not isinstance(response, TextResponse):
            return PageProblem(website_id, response.url, f"{response.url} is not a web page")
        return None

    def home(self, response: Response, website_id: int) -> Iterable[Any]:
        yield from self._read(response, website_id, follow=True)

    def contact(self, response: Response, website_id: int) -> Iterable[Any]:
        yield from self._read(response, website_id, follow=False)

    def _read(self, response: Response, website_id: int, *, follow: bool) -> Iterable[Any]:
        """The social links of one page; the home page also leads to its contact pages."""
        problem = self._readable(response, website_id)
        if problem:
            yield problem
            return
        for link in social_links(response.body, response.url):
            yield replace(link, website_id=website_id)
        if follow:
            for url in contact_pages(response.body, response.url):
                yield Request(url, callback=self.contact, errback=self.failed, cb_kwargs={"website_id": website_id})

    def failed(self, failure: Failure) -> Iterable[PageProblem]:
        request = failure.request  # type: ignore[attr-defined]
        _, message = describe_failure(failure.value, request.url)
        yield PageProblem(request.cb_kwargs["website_id"], request.url, message)


__all__ = ["DiscoverSpider", "PageProblem", "SocialLink"]
