"""Telegram channels: the public web preview (``https://t.me/s/<channel>``).

The preview lists a public channel's latest messages, each with a ``<time datetime=…>`` in its
date link; the newest one is the evidence (``page-date``). Telegram shows no preview for
private channels, groups and people: it redirects ``/s/<name>`` to ``/<name>``, whose contact
page has the account's title when the name exists and only Telegram's generic "If you have
Telegram, you can contact @name" text when it does not.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from parsel import Selector
from scrapy.http import Response

from pantau.crawler.dates import Candidate
from pantau.crawler.items import Observation
from pantau.spiders.base import Check, CheckFailed
from pantau.spiders.social import (
    ATTEST_HINT,
    PlatformSpider,
    account_not_found,
    handle_of,
    post_title,
    when,
)


def preview_messages(html: str, base_url: str, now: Any) -> tuple[list[Candidate], bool]:
    """The dated messages of a preview page, and whether the page is a channel preview at all."""
    sel = Selector(text=html)
    is_preview = bool(sel.css(".tgme_channel_info, .tgme_widget_message_wrap, .tgme_widget_message"))
    out = []
    for msg in sel.css(".tgme_widget_message"):
        # Service messages ("channel created", "photo updated") are Telegram's, not the office's.
        if "service_message" in (msg.attrib.get("class") or ""):
            continue
        link = msg.css("a.tgme_widget_message_date")
        stamp = (
            link.css("time::attr(datetime)").get() or msg.css(".tgme_widget_message_date time::attr(datetime)").get()
        )
        at = when(stamp, now)
        if at is None:
            continue
        href = urljoin(base_url, link.attrib["href"]) if link and link.attrib.get("href") else None
        if not href and msg.attrib.get("data-post"):
            href = "https://t.me/" + msg.attrib["data-post"]
        text = " ".join(t.strip() for t in msg.css(".tgme_widget_message_text ::text").getall() if t.strip())
        out.append(Candidate(at, href, post_title(text), "page-date", "telegram-preview"))
    return out, is_preview


class TelegramSpider(PlatformSpider):
    name = "telegram"
    platforms = ("telegram",)

    def preview_url(self, account: dict[str, Any]) -> str:
        return self.cfg.platform("telegram")["preview_url"].format(handle=quote(handle_of(account), safe=""))

    def first_url(self, account: dict[str, Any]) -> str | None:
        if self.own_feed(account):
            return self.own_feed(account)
        if not handle_of(account):
            raise CheckFailed(
                "unsupported", f"telegram account {account['url']} has no channel name; give its handle in the registry"
            )
        return self.preview_url(account)

    def first_request_options(self, account: dict[str, Any]) -> dict[str, Any]:
        if self.own_feed(account):
            return {"conditional": True, "robots": False, "headers": None}
        # Previews change with every view counter, so validators would never match.
        return {"conditional": False, "robots": True, "headers": None}

    async def observe(self, check: Check, response: Response) -> Observation:
        account = check.account
        if self.own_feed(account):
            return await self.read_own_feed(check, response)
        handle = handle_of(account)
        if response.status in (404, 410):
            raise account_not_found(f"t.me/{handle} answered HTTP {response.status}", response.status)
        if response.status >= 400:
            raise CheckFailed("error", f"HTTP {response.status} from Telegram preview {response.url}", response.status)
        html = response.body.decode("utf-8", "replace")
        cands, is_preview = preview_messages(html, response.url, check.now)
        asked = urlsplit(self.preview_url(account)).path
        # Telegram answers a name without a public preview by redirecting /s/name to /name.
        redirected_away = "/s/" in asked and "/s/" not in urlsplit(response.url).path
        if is_preview and not redirected_away:
            return check.observation("ok", check.consider(cands, "Telegram preview message"))
        sel = Selector(text=html)
        title = " ".join(t.strip() for t in sel.css(".tgme_page_title ::text").getall() if t.strip())
        if title:
            return check.observation(
                "unsupported",
                error=(
                    f"telegram @{handle} ({title}) has no public preview: it is a private channel, a group "
                    "or a person's account, and pantau can read only public channels; make the channel "
                    f"public, or {ATTEST_HINT}"
                ),
            )
        if sel.css(".tgme_page") or "you can contact" in html or redirected_away:
            raise account_not_found(
                f"t.me/{handle} does not exist (Telegram shows its generic contact page)", response.status
            )
        raise CheckFailed("error", f"{response.url} is not a Telegram channel preview", response.status)
