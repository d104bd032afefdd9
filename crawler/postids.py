"""The time a post was made, read from its own link, for platforms whose post ids encode it.

An office that answers "we are active, here is our latest post" gives a link; for X, TikTok,
Instagram and Threads the id in that link is itself a timestamp, so pantau can record the
post's time as evidence without a token and without taking anyone's word for the date.

- X (Twitter) status ids are Snowflakes: milliseconds since 2010-11-04T01:42:54.657Z in the
  bits above the lowest 22.
- TikTok video (and photo) ids carry Unix seconds in the bits above the lowest 32.
- Instagram and Threads shortcodes are the media id written in a base64 alphabet
  (``A–Z a–z 0–9 - _``); the media id carries milliseconds since Instagram's epoch
  (2011-08-24T21:07:01.721Z) in the bits above the lowest 23. The id is made when the media
  is uploaded, so it may precede the publication by a few minutes.

Each formula is checked in ``tests/test_attest_url.py`` against real posts whose times were
published by their platforms' own APIs (the sources are named there and in docs/answers.md).
Post ids made before a platform used these schemes (tweets before November 2010) do not
encode a time; those are refused rather than given a wrong date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from pantau.config.platforms import SOCIAL_HOSTS

TWITTER_EPOCH_MS = 1288834974657
INSTAGRAM_EPOCH_MS = 1314220021721
_SHORTCODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Regular shortcodes are 11 characters; longer ones (private accounts' links) carry more
# after the first 11, which alone are the media id.
_SHORTCODE_LEN = 11
# Snowflakes began with ids of this size (late 2010); smaller ids are sequential numbers.
_FIRST_SNOWFLAKE = 1 << 40

DATED_PLATFORMS = ("x", "tiktok", "instagram", "threads")


class PostLinkError(ValueError):
    """The link cannot date a post of this account; the message says why and what to do."""


@dataclass(frozen=True)
class PostLink:
    platform: str
    handle: str | None  # as written in the link, None when the link does not name the account
    post_id: str
    at: datetime


def snowflake_time(post_id: int) -> datetime:
    return datetime.fromtimestamp(((post_id >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def tiktok_time(video_id: int) -> datetime:
    return datetime.fromtimestamp(video_id >> 32, UTC)


def shortcode_media_id(shortcode: str) -> int:
    n = 0
    for ch in shortcode[:_SHORTCODE_LEN]:
        i = _SHORTCODE_ALPHABET.find(ch)
        if i < 0:
            raise PostLinkError(f'"{shortcode}" is not an Instagram/Threads post code')
        n = n * 64 + i
    return n


def instagram_time(media_id: int) -> datetime:
    return datetime.fromtimestamp(((media_id >> 23) + INSTAGRAM_EPOCH_MS) / 1000, UTC)


def _host_platform(host: str) -> str | None:
    host = host.lower().removeprefix("www.").removeprefix("m.")
    for platform, (_, hosts) in SOCIAL_HOSTS.items():
        if host in hosts or "m." + host in hosts:
            return platform
    return None


def parse_post_link(url: str) -> PostLink:
    """Read platform, account handle, post id and creation time from a post's link."""
    text = (url or "").strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    platform = _host_platform(parts.hostname or "")
    segs = [s for s in parts.path.split("/") if s]
    if platform == "x":
        # x.com/<handle>/status/<id>[/photo/1]; /i/web/status/<id> names no account.
        if len(segs) >= 3 and segs[1] in ("status", "statuses") and segs[2].isdigit():
            handle = None if segs[0] == "i" else segs[0]
            post_id = int(segs[2])
            if post_id < _FIRST_SNOWFLAKE:
                raise PostLinkError(f"post {post_id} is older than X's time-stamped ids (2010); give --date")
            return PostLink("x", handle, segs[2], snowflake_time(post_id))
    elif platform == "tiktok":
        # tiktok.com/@<handle>/video/<id> (or /photo/<id> for photo posts).
        if len(segs) >= 3 and segs[0].startswith("@") and segs[1] in ("video", "photo") and segs[2].isdigit():
            return PostLink("tiktok", segs[0][1:], segs[2], tiktok_time(int(segs[2])))
    elif platform == "instagram":
        # instagram.com/<handle>/p/<code>/ names the account; instagram.com/p/<code>/ does not.
        kinds = ("p", "reel", "reels", "tv")
        if len(segs) >= 2 and segs[0] in kinds:
            return PostLink("instagram", None, segs[1], instagram_time(shortcode_media_id(segs[1])))
        if len(segs) >= 3 and segs[1] in kinds:
            return PostLink("instagram", segs[0], segs[2], instagram_time(shortcode_media_id(segs[2])))
    elif platform == "threads":
        # threads.net/@<handle>/post/<code>; threads.net/t/<code> names no account.
        if len(segs) >= 3 and segs[0].startswith("@") and segs[1] == "post":
            return PostLink("threads", segs[0][1:], segs[2], instagram_time(shortcode_media_id(segs[2])))
        if len(segs) >= 2 and segs[0] == "t":
            return PostLink("threads", None, segs[1], instagram_time(shortcode_media_id(segs[1])))
    if platform in DATED_PLATFORMS:
        raise PostLinkError(f"{url} is not the link of a single {platform} post; copy the post's own link")
    where = platform or (parts.hostname or "this site")
    raise PostLinkError(
        f"the time of a post cannot be read from a {where} link (only X, TikTok, Instagram and Threads "
        "post ids carry it); give --date"
    )


def _norm_handle(handle: str | None) -> str:
    return (handle or "").strip().lstrip("@").lower()


def post_of_account(url: str, account: dict) -> PostLink:
    """The dated post behind ``url``, once it is sure the post is the registered account's.

    Raises :class:`PostLinkError` when the link is of another platform, does not name an
    account, or names another account than the one registered.
    """
    post = parse_post_link(url)
    if post.platform != account["platform"]:
        raise PostLinkError(f"{url} is a {post.platform} post, but account {account['id']} is on {account['platform']}")
    if post.handle is None:
        example = {
            "x": "https://x.com/<handle>/status/<id>",
            "instagram": "https://www.instagram.com/<handle>/p/<code>/",
            "threads": "https://www.threads.net/@<handle>/post/<code>",
        }.get(post.platform, "the post's own link")
        raise PostLinkError(f"{url} does not show which account posted it; use the form {example}")
    registered = _norm_handle(account.get("handle")) or _registered_handle(account)
    if _norm_handle(post.handle) != registered:
        raise PostLinkError(
            f"{url} is a post of @{_norm_handle(post.handle)}, not of the registered account "
            f"@{registered or '?'} ({account['url']})"
        )
    return post


def _registered_handle(account: dict) -> str:
    segs = [s for s in urlsplit(account.get("url") or "").path.split("/") if s]
    return _norm_handle(re.sub(r"^@", "", segs[0])) if segs else ""
