"""One spider per source kind. ``spider_for(platform)`` picks the class."""

from __future__ import annotations

import importlib

# platform -> "module:Class"; a new source kind is one new module and one line here.
REGISTRY = {
    "website": "spiders.website:WebsiteSpider",
    "feed": "spiders.feed:FeedSpider",
    "youtube": "spiders.youtube:YouTubeSpider",
    "telegram": "spiders.telegram:TelegramSpider",
    "mastodon": "spiders.mastodon:MastodonSpider",
    "instagram": "spiders.social:SocialSpider",
    "facebook": "spiders.social:SocialSpider",
    "x": "spiders.social:SocialSpider",
    "tiktok": "spiders.social:SocialSpider",
    "threads": "spiders.social:SocialSpider",
}


def spider_for(platform: str) -> type:
    target = REGISTRY.get(platform, "spiders.unsupported:UnsupportedSpider")
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)
