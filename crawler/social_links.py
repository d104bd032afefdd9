"""Links to official social accounts on an institution's own pages (for ``pantau discover``).

An official website's footer icons and its contact or "media sosial" page are the best evidence
of which accounts are the institution's own. The same pages also carry links that name an
account without being one of the institution's: share buttons and intent links
(``twitter.com/intent/tweet``, ``facebook.com/sharer``), embedded timelines and posts of other
accounts (a "Tweets by BMKG" widget, a quoted Instagram post), the platforms' own pages
(``instagram.com/``, ``facebook.com/help``), chat and mail links (``wa.me``, ``mailto:``).
Only the first kind is kept, normalised by the registry's own identity rules so a found account
compares equal to a registered one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from pantau.config.platforms import SOCIAL_HOSTS, IdentityError, normalise_account, normalise_web_url


@dataclass(frozen=True)
class SocialLink:
    """An account an institution's page links to."""

    platform: str
    url: str  # normalised as the registry stores it
    handle: str
    page: str  # the page that links it
    website_id: int | None = None


@dataclass(frozen=True)
class PageProblem:
    """A page of a website that could not be read while looking for its accounts."""

    website_id: int
    url: str
    error: str


# First path segments that are the platform's own pages (help, policies, log-in, apps, …),
# never an institution's account; the registry's rules already refuse posts and intents.
_PLATFORM_PAGES = {
    "instagram": {
        "about",
        "legal",
        "privacy",
        "terms",
        "developer",
        "accounts",
        "web",
        "directory",
        "stories",
        "challenge",
        "emails",
        "download",
        "help",
        "explore",
    },
    "facebook": {
        "help",
        "about",
        "policies",
        "policy.php",
        "privacy",
        "legal",
        "terms",
        "login",
        "login.php",
        "signup",
        "r.php",
        "business",
        "ads",
        "pages",
        "groups",
        "dialog",
        "plugins",
        "tr",
        "l.php",
        "sharer",
        "sharer.php",
        "share.php",
        "home.php",
        "settings",
        "notes",
        "media",
        "photo",
        "photos",
        "video.php",
        "watch",
        "gaming",
        "fundraisers",
        "careers",
        "privacy_policy",
    },
    "x": {
        "tos",
        "privacy",
        "about",
        "login",
        "signup",
        "i",
        "intent",
        "share",
        "home",
        "search",
        "settings",
        "explore",
        "notifications",
        "messages",
        "compose",
        "hashtag",
        "download",
        "en",
        "rules",
    },
    "tiktok": {
        "about",
        "legal",
        "login",
        "signup",
        "foryou",
        "following",
        "explore",
        "live",
        "upload",
        "embed",
        "share",
        "discover",
        "tag",
        "music",
        "video",
        "t",
        "business",
        "creators",
        "download",
    },
    "youtube": {
        "about",
        "t",
        "howyoutubeworks",
        "premium",
        "kids",
        "music",
        "creators",
        "ads",
        "yt",
        "account",
        "signin",
        "upload",
        "embed",
        "watch",
        "shorts",
        "playlist",
        "results",
        "feed",
        "live",
        "hashtag",
        "redirect",
        "subscription_center",
        "intl",
        "gaming",
    },
    "telegram": {
        "share",
        "joinchat",
        "addstickers",
        "proxy",
        "socks",
        "iv",
        "c",
        "apps",
        "faq",
        "blog",
        "privacy",
        "tos",
        "login",
        "addtheme",
        "setlanguage",
        "contact",
        "bots",
        "dl",
    },
    "threads": {"about", "login", "search", "t", "privacy", "terms", "legal", "intent"},
    "mastodon": set(),
}

# YouTube channel tabs ("/@kominfomuba/videos") still name the channel; on every other platform
# a second path segment is a post ("/kominfomuba/status/123") or a tab of someone's post.
_YOUTUBE_TABS = {
    "videos",
    "featured",
    "streams",
    "shorts",
    "about",
    "playlists",
    "community",
    "live",
    "podcasts",
    "releases",
    "channels",
}

# Containers of embedded content: a timeline, a quoted post or a widget shows someone's
# account, often not the institution's own (a "Tweets by BMKG" timeline on a regency portal).
# Whole class names, never substrings: WordPress puts "wp-embed-responsive" on every <body>.
_EMBED_CLASSES = {
    "twitter-timeline",
    "twitter-tweet",
    "twitter-follow-button",
    "instagram-media",
    "tiktok-embed",
    "fb-page",
    "fb-post",
    "fb-video",
    "fb-xfbml-parse-ignore",
    "fb-comments",
    "embedly-card",
    "wp-block-embed",
    "wp-embedded-content",
}
_EMBED_TAGS = ("blockquote", "iframe", "object", "embed", "noscript", "template")

# Hosts known to run Mastodon; elsewhere a "/@name" link counts only with rel="me" (the
# fediverse's own "this is my profile" mark), so medium.com/@x is not read as Mastodon.
_MASTODON_HOSTS = {
    "mastodon.social",
    "mastodon.online",
    "mas.to",
    "mstdn.social",
    "mastodon.world",
    "kolektiva.social",
    "mastodon.id",
    "mstdn.id",
    "sunda.social",
}
_MASTODON_PATH = re.compile(r"^/@([A-Za-z0-9_]{1,30})/?$")

_HOST_PLATFORM = {host: platform for platform, (_, hosts) in SOCIAL_HOSTS.items() for host in hosts}

# Same-site pages worth reading for accounts: contact, about, "media sosial" pages.
_CONTACT_WORDS = re.compile(
    r"kontak|contact|hubungi|tentang[\s_-]*kami|about|media[\s_-]*sosial|sosial[\s_-]*media|social[\s_-]*media"
    r"|sosmed|medsos|akun[\s_-]*resmi|ikuti[\s_-]*kami|follow[\s_-]*us",
    re.IGNORECASE,
)
MAX_CONTACT_PAGES = 4


def _in_embed(anchor: Selector) -> bool:
    if anchor.xpath(" or ".join(f"ancestor::{t}" for t in _EMBED_TAGS)).get() == "1":
        return True
    classes = " ".join(anchor.xpath("ancestor-or-self::*/@class").getall()).lower().split()
    return not _EMBED_CLASSES.isdisjoint(classes)


def classify(href: str, rel: str = "") -> tuple[str, str, str] | None:
    """(platform, normalised url, handle) when ``href`` is a link to an account, else None."""
    href = (href or "").strip()
    if not href.lower().startswith(("http://", "https://", "//")):
        return None  # mailto:, tel:, javascript:, relative links of the site itself
    if href.startswith("//"):
        href = "https:" + href
    parts = urlsplit(href)
    host = (parts.hostname or "").lower().removeprefix("www.")
    segs = [s for s in parts.path.split("/") if s]
    platform = _HOST_PLATFORM.get(host)
    if platform is None:
        m = _MASTODON_PATH.match(parts.path)
        if m and (host in _MASTODON_HOSTS or "me" in rel.lower().split()) and not parts.query:
            platform = "mastodon"
        else:
            return None
    if not segs:
        return None  # the platform's home page
    first = segs[0].lower()
    if platform == "telegram" and first == "s" and len(segs) > 1:
        segs, first = segs[1:], segs[1].lower()
    if first in _PLATFORM_PAGES.get(platform, set()) and not (platform == "facebook" and _facebook_page(segs)):
        return None
    if platform == "youtube":
        depth = 2 if first in ("channel", "c", "user") else 1
        if len(segs) > depth and not (len(segs) == depth + 1 and segs[-1].lower() in _YOUTUBE_TABS):
            return None
    elif platform == "facebook" and _facebook_page(segs):
        pass
    elif len(segs) > 1:
        return None  # a post, a photo, a status: someone's content, not an account
    if platform == "facebook" and first == "profile.php" and "id=" not in parts.query:
        return None
    try:
        url, handle = normalise_account(platform, href)
    except IdentityError:
        return None
    return platform, url, handle


def _facebook_page(segs: list[str]) -> bool:
    # facebook.com/pages/Diskominfo-Muba/123456789 is the old form of a page's address.
    return len(segs) >= 3 and segs[0].lower() == "pages" and segs[-1].isdigit()


def social_links(html: str | bytes, page_url: str) -> list[SocialLink]:
    """Every account the page links to, once each, in page order (embeds and shares left out)."""
    sel = Selector(text=html.decode("utf-8", "replace") if isinstance(html, bytes) else html)
    out: dict[tuple[str, str], SocialLink] = {}
    for a in sel.xpath("//a[@href]"):
        if _in_embed(a):
            continue
        href = urljoin(page_url, a.attrib.get("href", ""))
        found = classify(href, a.attrib.get("rel", ""))
        if found:
            platform, url, handle = found
            out.setdefault((platform, url), SocialLink(platform, url, handle, page_url))
    return list(out.values())


def _same_site(url: str, home: str) -> bool:
    a, b = urlsplit(url), urlsplit(home)
    ha = (a.hostname or "").removeprefix("www.")
    hb = (b.hostname or "").removeprefix("www.")
    return ha == hb and a.port == b.port


def contact_pages(html: str | bytes, page_url: str, limit: int = MAX_CONTACT_PAGES) -> list[str]:
    """Pages of the same site that the page links as contact, about or social-media pages."""
    sel = Selector(text=html.decode("utf-8", "replace") if isinstance(html, bytes) else html)
    own = _without_fragment(page_url)
    out: list[str] = []
    for a in sel.xpath("//a[@href]"):
        href = a.attrib.get("href", "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = _without_fragment(urljoin(page_url, href))
        if not url.startswith(("http://", "https://")) or not _same_site(url, page_url) or url == own:
            continue
        text = " ".join(a.xpath(".//text()").getall()) + " " + (a.attrib.get("title") or "")
        if not (_CONTACT_WORDS.search(text) or _CONTACT_WORDS.search(urlsplit(url).path)):
            continue
        if url not in out:
            out.append(url)
        if len(out) >= limit:
            break
    return out


def _without_fragment(url: str) -> str:
    try:
        return normalise_web_url(url.split("#", 1)[0])
    except IdentityError:
        return url
