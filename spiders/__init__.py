"""One spider per source kind. ``spider_for(platform)`` picks the class."""

from __future__ import annotations

import importlib

# platform -> "module:Class"; a new source kind is one new module and one line here.
REGISTRY = {
    "website": "pantau.spiders.website:WebsiteSpider",
    "feed": "pantau.spiders.feed:FeedSpider",
    "youtube": "pantau.spiders.youtube:YouTubeSpider",
    "telegram": "pantau.spiders.telegram:TelegramSpider",
    "mastodon": "pantau.spiders.mastodon:MastodonSpider",
    "instagram": "pantau.spiders.social:SocialSpider",
    "facebook": "pantau.spiders.social:SocialSpider",
    "x": "pantau.spiders.social:SocialSpider",
    "tiktok": "pantau.spiders.social:SocialSpider",
    "threads": "pantau.spiders.social:SocialSpider",
}


def spider_for(platform: str) -> type:
    target = REGISTRY.get(platform, "pantau.spiders.unsupported:UnsupportedSpider")
    module, _, cls = target.partition(":")
    return getattr(importlib.import_module(module), cls)
