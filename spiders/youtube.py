"""YouTube channels: the channel feed (or the Data API), with the channel id resolved once.

The channel feed is public, free and needs no key, but it is addressed by channel id
(``UC…``) while registries hold ``@handle`` or custom URLs. The id is read from the channel
page the first time and kept in ``accounts.resolved_id``; later checks go straight to the feed.

With ``[platforms.youtube] api_key_env`` set, the Data API's uploads playlist is read
instead (1 quota unit per check, where ``search`` costs 100 of the default 10,000 a day); when
the API fails (quota, key) the feed is read in the same check.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from scrapy.http import Response

from pantau.crawler.dates import Candidate
from pantau.crawler.items import Observation
from pantau.spiders.base import Check, CheckFailed
from pantau.spiders.feed import read_feed
from pantau.spiders.social import (
    PlatformSpider,
    account_not_found,
    json_body,
    post_title,
    when,
)

CHANNEL_ID = r"UC[0-9A-Za-z_-]{22}"
_CHANNEL_ID_RE = re.compile(rf"^{CHANNEL_ID}$")
# Most specific first: the page's own metadata names its channel; inline JSON also names the
# channels of recommended videos, so "channelId" comes last.
_ID_PATTERNS = [
    re.compile(rf'<meta[^>]+itemprop="(?:channelId|identifier)"[^>]+content="({CHANNEL_ID})"'),
    re.compile(rf'<meta[^>]+content="({CHANNEL_ID})"[^>]+itemprop="(?:channelId|identifier)"'),
    re.compile(rf'<link[^>]+rel="canonical"[^>]+href="[^"]*/channel/({CHANNEL_ID})"'),
    re.compile(rf'<link[^>]+href="[^"]*/channel/({CHANNEL_ID})"[^>]+rel="canonical"'),
    re.compile(rf'<meta[^>]+property="og:url"[^>]+content="[^"]*/channel/({CHANNEL_ID})"'),
    re.compile(rf'"externalId"\s*:\s*"({CHANNEL_ID})"'),
    re.compile(rf'"channelId"\s*:\s*"({CHANNEL_ID})"'),
]
# A 200 page that says the channel is not there (YouTube's error page, in English or Indonesian).
_GONE_RE = re.compile(
    r"(?i)this channel (?:does not|doesn't) exist|channel ini tidak ada|"
    r"this account has been terminated|akun ini telah dihentikan"
)


def known_channel_id(account: dict[str, Any]) -> str | None:
    """The channel id from a ``/channel/UC…`` URL, or the one resolved by an earlier check."""
    segs = [s for s in urlsplit(account.get("url") or "").path.split("/") if s]
    if len(segs) >= 2 and segs[0] == "channel" and _CHANNEL_ID_RE.match(segs[1]):
        return segs[1]
    resolved = (account.get("resolved_id") or "").strip()
    return resolved if _CHANNEL_ID_RE.match(resolved) else None


def channel_id_in(html: str) -> str | None:
    for pattern in _ID_PATTERNS:
        m = pattern.search(html)
        if m:
            return m.group(1)
    return None


class YouTubeSpider(PlatformSpider):
    name = "youtube"
    platforms = ("youtube",)

    # --- where things are ----------------------------------------------------------------
    @property
    def conf(self) -> dict[str, Any]:
        return self.cfg.platform("youtube")

    def api_key(self) -> str | None:
        return self.cfg.secret(self.conf.get("api_key_env") or "")

    def page_url(self, account: dict[str, Any]) -> str:
        """The channel page on the configured site: the registry URL's path, e.g. ``/@kominfomuba``."""
        parts = urlsplit(account["url"])
        path = parts.path or "/"
        if path == "/" and account.get("handle"):
            path = "/@" + account["handle"].lstrip("@")
        return self.conf["site_url"].rstrip("/") + quote(path, safe="/@")

    def feed_url(self, channel_id: str) -> str:
        return self.conf["feed_url"].format(channel_id=channel_id)

    def api_url(self, channel_id: str) -> str:
        # Every channel's uploads playlist is its id with "UC" turned into "UU".
        return (
            self.conf["api_url"].rstrip("/") + "/playlistItems?part=snippet,contentDetails"
            f"&maxResults=5&playlistId=UU{channel_id[2:]}"
        )

    def api_headers(self) -> dict[str, str]:
        # Google APIs take the key in this header, which keeps it out of URLs and so out of logs.
        return {"X-goog-api-key": self.api_key() or "", "Accept": "application/json"}

    # --- the check -----------------------------------------------------------------------
    def first_url(self, account: dict[str, Any]) -> str | None:
        if self.own_feed(account):
            return self.own_feed(account)
        cid = known_channel_id(account)
        if cid is None:
            return self.page_url(account)
        return self.api_url(cid) if self.api_key() else self.feed_url(cid)

    def first_request_options(self, account: dict[str, Any]) -> dict[str, Any]:
        cid = known_channel_id(account)
        if self.own_feed(account):
            return {"conditional": True, "robots": False, "headers": None}
        if cid and not self.api_key():
            # YouTube's robots.txt disallows /feeds/videos.xml for every agent: whether pantau
            # reads it as a feed reader for a registered channel is the operator's documented
            # choice, [platforms.youtube] obey_robots (docs/platforms.md), never a silent one.
            return {"conditional": True, "robots": True, "headers": None}
        if cid:
            return {"conditional": False, "robots": False, "headers": self.api_headers()}
        # The channel page is a web page: it obeys robots.txt like any other.
        return {"conditional": False, "robots": True, "headers": None}

    async def observe(self, check: Check, response: Response) -> Observation:
        account = check.account
        if self.own_feed(account):
            return await self.read_own_feed(check, response)
        cid = known_channel_id(account)
        # The response in hand while it can still be read as this check's answer (None: fetch one).
        current: Response | None = response
        if cid is None:
            cid = self.resolve(response)
            check.resolved_id = cid
            current = None
        note = None
        if self.api_key():
            if current is None:
                current = await check.fetch(self.api_url(cid), headers=self.api_headers(), robots=False)
            try:
                return check.observation("ok", self.read_api(check, current))
            except CheckFailed as exc:
                # Quota spent or key refused: the feed still answers, and costs no quota.
                note = f"YouTube Data API failed ({exc}); read the channel feed instead"
            current = None
        if current is None:
            current = await check.fetch(self.feed_url(cid), conditional=True, robots=True)
        if current.status in (404, 410) or current.status >= 500:
            await self.confirm_gone(check, cid, current.status, api=bool(self.api_key()))
        best = await read_feed(self, check, current, label="YouTube channel feed")
        return check.observation("ok", best, error=note)

    def resolve(self, response: Response) -> str:
        """The channel id on a channel page; raises ``not_found`` when the channel does not exist."""
        if response.status in (404, 410):
            raise account_not_found(
                f"YouTube has no channel at {response.url} (HTTP {response.status})", response.status
            )
        if response.status >= 400:
            raise CheckFailed(
                "error", f"HTTP {response.status} from YouTube channel page {response.url}", response.status
            )
        html = response.body.decode("utf-8", "replace")
        cid = channel_id_in(html)
        if cid:
            return cid
        if _GONE_RE.search(html):
            raise account_not_found(f"YouTube says the channel at {response.url} does not exist", response.status)
        host = urlsplit(response.url).hostname or ""
        why = " (YouTube served a consent page)" if host.startswith("consent.") else ""
        raise CheckFailed(
            "error",
            f"no channel id found on {response.url}{why}; put the channel's "
            "https://www.youtube.com/channel/UC… address in the registry instead",
            response.status,
        )

    async def confirm_gone(self, check: Check, cid: str, status: int, *, api: bool = False) -> None:
        """A failing feed is only a missing channel if the channel itself is missing too.

        YouTube's feed endpoint has answered 404 and 500 for live channels for hours or days at
        a time; three such answers in a row would otherwise report a running channel as gone.
        The channel is asked for on the Data API when a key is set (1 quota unit), else on its
        page at ``[platforms.youtube] site_url``. A channel seen alive makes the failure
        YouTube's (``platform_fault``), which never counts towards `unreachable`.
        """
        if api:
            # The key's quota may be spent (that is often why the feed is being read): an
            # API that cannot answer leaves the question to the channel page.
            try:
                answer = await check.fetch(
                    self.conf["api_url"].rstrip("/") + f"/channels?part=id&id={cid}",
                    headers=self.api_headers(),
                    robots=False,
                )
                doc = json_body(answer, "YouTube Data API") if answer.status < 400 else None
            except CheckFailed:
                doc = None
            if isinstance(doc, dict) and "error" not in doc:
                if not doc.get("items") and status in (404, 410):
                    raise account_not_found(
                        f"YouTube channel {cid} does not exist (its feed answers "
                        f"HTTP {status} and the Data API does not know it)",
                        status,
                    )
                if doc.get("items"):
                    self.blame_youtube(check, cid, status, "the Data API knows the channel")
        page = await check.fetch(self.conf["site_url"].rstrip("/") + f"/channel/{cid}", robots=True)
        if page.status in (404, 410):
            raise account_not_found(
                f"YouTube channel {cid} does not exist (its feed and its page answer HTTP {page.status})", status
            )
        if page.status < 400 and not _GONE_RE.search(page.body.decode("utf-8", "replace")):
            self.blame_youtube(check, cid, status, "the channel page is there")
        raise CheckFailed(
            "error",
            f"YouTube's feed for channel {cid} answered HTTP {status} and its channel page HTTP {page.status}",
            status,
        )

    @staticmethod
    def blame_youtube(check: Check, cid: str, status: int, seen: str) -> None:
        check.platform_fault = "youtube"
        raise CheckFailed(
            "error",
            f"YouTube's feed for channel {cid} answered HTTP {status} although {seen} "
            "(a fault of YouTube's feeds, not of the channel); the next check will try again",
            status,
        )

    def read_api(self, check: Check, response: Response) -> Candidate | None:
        doc = json_body(response, "YouTube Data API")
        if response.status >= 400 or not isinstance(doc, dict) or "error" in doc:
            err = doc.get("error") if isinstance(doc, dict) else None
            message = err.get("message") if isinstance(err, dict) else None
            # Google wraps words of its messages in links ("exceeded your <a …>quota</a>").
            message = re.sub(r"<[^>]+>", "", str(message or "no details"))
            raise CheckFailed("error", f"HTTP {response.status}: {message}", response.status)
        cands = []
        for item in doc.get("items") or []:
            if not isinstance(item, dict):
                continue
            snippet = item.get("snippet") or {}
            details = item.get("contentDetails") or {}
            # videoPublishedAt is when the video went public; snippet.publishedAt is when it joined
            # the playlist, which differs for scheduled premieres and re-uploads.
            at = when(details.get("videoPublishedAt") or snippet.get("publishedAt"), check.now)
            video = details.get("videoId") or (snippet.get("resourceId") or {}).get("videoId")
            if at and video:
                cands.append(
                    Candidate(
                        at,
                        f"https://www.youtube.com/watch?v={video}",
                        post_title(snippet.get("title")),
                        "api",
                        "youtube-api",
                    )
                )
        return check.consider(cands, "YouTube Data API upload")
