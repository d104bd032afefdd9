"""One spider per source kind. ``spider_for(platform)`` picks the class."""

from __future__ import annotations

import importlib

# platform -> "module:Class"; a new source kind is one new module and one line here.
REGISTRY = {
    "website": "spiders.website:WebsiteSpider",
    "feed": "spiders.feed:FeedSpider",
}


def spider_for(platform: str) -> type:
    target = REGISTRY.get(platform, "spiders.unsupported:UnsupportedSpider")
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)
