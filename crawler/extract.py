"""Evidence extraction from fetched bodies: HTML pages, feeds, the WordPress REST API, sitemaps.

Pure functions over bytes/str: no network, no Scrapy. Each returns `Candidate`s (a date tied to
the post that proves it) and never raises on junk input — a broken site is an observation, not a
crash. The hard part is `parse_page`: Indonesian portals are full of dates that are *not*
activity (today's date in the header, agenda dates, calendars, copyright years), so a page date
only counts when it sits next to a link to an article.
"""

from __future__ import annotations

import html
import io
import json
import re
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import feedparser
from lxml import etree
from w3lib.encoding import html_to_unicode

from pantau.crawler.datecheck import consistent
from pantau.crawler.dates import ARTICLE_TYPES, JAKARTA, Candidate, find_dates, is_credible, parse_date

__all__ = [
    "PageInfo",
    "parse_feed",
    "parse_page",
    "parse_sitemap",
    "parse_wp_posts",
    "sitemaps_from_robots",
]

_FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/rdf+xml",
    }
)
_META_DATE_KEYS = ("article:published_time", "article:modified_time", "og:updated_time")

# Elements whose text is never page content.
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "select", "option", "textarea", "iframe"})
# Zones where portals print dates that are not posts: the rendered-today date in the top bar,
# clocks, calendar widgets, copyright lines. Matched against class and id.
_TRAP_ZONE_RE = re.compile(
    r"top[-_]?bar|tanggal[-_]?hari[-_]?ini|date[-_]?today|today[-_]?date|current[-_]?date"
    r"|clock|calendar|kalender|datepicker|copyright|masthead|(?<![a-z])jam(?![a-z])"
)
# Page header and footer, by tag or by class/id. HTML5 scopes <header>/<footer> to their nearest
# sectioning element, and themes reuse the words for a post's own parts (entry-header,
# card-footer, Twenty Fifteen's entry-footer holding "Posted on"): those carry the most reliable
# date on the page, so inside an article, or with an article-ish class, they are not traps.
# Only a class/id word that names the page's own header or footer ("header", "site-footer",
# "footer-bawah", "page-header"): Blogger's "date-header" carries the date of the posts under
# it and TypePad's "asset-footer" a post's own line, so a wider match dropped real dates.
_FRAME_ZONE_RE = re.compile(r"(?:^|\s)(?:(?:site|page|main|global|top|bottom|the)[-_]?)?(?:header|footer)")
# Zones whose dates are someone else's activity: reader comments, embedded social timelines
# (an Instagram or Twitter widget in the sidebar is that account's activity, not the
# website's), blogrolls of other sites. Matched at the start of a class/id word.
_NOT_OURS_ZONE_RE = re.compile(
    r"(?:^|[\s_-])(?:comment|komentar|disqus|respond|twitter|tweet|instagram|sb_instagram|fb-page|fb-post"
    r"|facebook|tiktok|social-?feed|elfsight|blogroll|timeago-widget)"
)
_YEARISH_RE = re.compile(r"(?:19|20)\d\d")
_YEAR_IN_TEXT_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_RELATIVE_WORD_RE = re.compile(r"lalu|ago|silam|yll", re.IGNORECASE)
_PROSE_MIN = 200
_ARTICLEISH_RE = re.compile(r"entry|post|article|artikel|card")
_ARTICLE_CLASSES = frozenset({"hentry", "post", "entry", "type-post", "article", "artikel"})
_AGENDA_RE = re.compile(r"agenda|event|jadwal|kegiatan")

# Links that lead to listings, navigation or other sites, not to a post of this institution.
_NAV_SEGMENTS = frozenset(
    {
        "category",
        "categories",
        "kategori",
        "tag",
        "tags",
        "label",
        "author",
        "penulis",
        "search",
        "cari",
        "pencarian",
        "login",
        "masuk",
        "logout",
        "register",
        "daftar",
        "wp-login.php",
        "wp-admin",
        "feed",
        "rss",
        "comments",
    }
)
_SOCIAL_HOSTS = frozenset(
    {
        "facebook.com",
        "fb.com",
        "twitter.com",
        "x.com",
        "instagram.com",
        "youtube.com",
        "youtu.be",
        "tiktok.com",
        "wa.me",
        "whatsapp.com",
        "t.me",
        "telegram.me",
        "linkedin.com",
        "pinterest.com",
        "threads.net",
    }
)
_SHARE_RE = re.compile(r"share|sharer|intent/tweet", re.IGNORECASE)
_PAGINATION_RE = re.compile(r"(?:^|/)(?:page|halaman|hal)/\d+/?$", re.IGNORECASE)
_SEARCH_QUERY_RE = re.compile(r"(?:^|&)(?:s|q|search|cari)=", re.IGNORECASE)
# A link that looks like a post: a numeric id, a dated permalink, a multi-word slug, a news path.
_ARTICLE_SEGMENTS = frozenset(
    {
        "berita",
        "artikel",
        "news",
        "post",
        "posts",
        "read",
        "baca",
        "detail",
        "pengumuman",
        "siaran-pers",
        "blog",
        "informasi",
        "kabar",
        "warta",
    }
)
_ARTICLE_QUERY_RE = re.compile(r"(?:^|&)(?:p|id|post|page_id|berita|artikel)=\d", re.IGNORECASE)
_DIGITS_RE = re.compile(r"\d{2,}")

# Cheap gate before the full date regex (and far before dateparser, which the page scan never
# calls): most text nodes of a page have neither a year nor a relative-time word.
_DATE_HINT_RE = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|lalu|ago|silam", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG_RE = re.compile(r"<[^>]*>")
_SPACES_RE = re.compile(r"\s+")

_MAX_WALK_UP = 6  # a post's date and its link share a card/row/list item a few levels up
_MAX_ITEM_LINKS = 3  # more distinct post links than this: a whole list, not one item
_MAX_SITEMAP_BYTES = 10 * 1024 * 1024  # decompressed; a gzip bomb must not exhaust memory
_MAX_TITLE = 300
_MAX_FEED_ELEMENTS = 250_000
_CDATA_OR_COMMENT_RE = re.compile(rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->", re.DOTALL)
_START_TAG_RE = re.compile(rb"<[A-Za-z_]")


@dataclass
class PageInfo:
    """What one HTML page says about where to look and what it shows."""

    feeds: list[str] = field(default_factory=list)
    wp_api: str | None = None
    is_wordpress: bool = False
    candidates: list[Candidate] = field(default_factory=list)
    title: str | None = None
    # The first link that clearly leads to a post, outside navigation, sidebars and widgets: on
    # a listing without dates, the newest post, to be dated on its own page.
    first_post: str | None = None
    # The parsed tree, only when asked for (``keep_root``): the compromise scan reads the same
    # page, and parsing it twice would double the cost of a home page.
    root: Any = None


# --------------------------------------------------------------------------------------- HTML


def parse_page(
    body: bytes | str, url: str, now: datetime, encoding: str | None = None, *, keep_root: bool = False
) -> PageInfo:
    """Discover feeds and the WordPress API on a page and collect dates tied to its articles.

    Only dates that belong to a post become candidates (source "page-date"); dates that cannot be
    activity (future, pre-1995, today's date without an article link, header/footer/calendar
    zones) are left out. Never raises: junk gives an empty PageInfo.
    """
    try:
        return _parse_page(body, url, now, encoding, keep_root)
    except (ValueError, TypeError, LookupError, UnicodeError, RecursionError, etree.LxmlError):
        return PageInfo()


def _parse_page(body: bytes | str, url: str, now: datetime, encoding: str | None, keep_root: bool = False) -> PageInfo:
    text = _decode_html(body, encoding)
    text = _CONTROL_RE.sub("", text)
    if not text.strip():
        return PageInfo()
    # Feed lxml bytes with a fixed encoding: a str with an XML encoding declaration makes it raise.
    # Plain lxml.etree elements: lxml.html's element classes cost a lookup per node visited.
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    root = etree.fromstring(text.encode("utf-8", "replace"), parser=parser)
    if root is None:
        return PageInfo()

    base = url
    for el in root.iter("base"):
        href = (el.get("href") or "").strip()
        if href:
            base = urljoin(url, href)
        break

    info = PageInfo(root=root if keep_root else None)
    info.title = _page_title(root)
    info.feeds, info.wp_api, generator = _head_links(root, base)
    info.is_wordpress = bool(info.wp_api or "/wp-content/" in text or generator.lower().startswith("wordpress"))

    found: list[Candidate] = []
    found.extend(_jsonld_candidates(root, base, url, now))
    found.extend(_meta_candidates(root, url, info.title, now))
    body_cands, info.first_post = _body_candidates(root, base, url, now)
    found.extend(body_cands)

    seen: set[tuple[datetime, str | None]] = set()
    for cand in found:
        key = (cand.at, cand.url)
        if key in seen or not is_credible(cand.at, now):
            continue
        seen.add(key)
        info.candidates.append(cand)
    return info


def _decode_html(body: bytes | str, encoding: str | None) -> str:
    if isinstance(body, str):
        return body
    if not isinstance(body, (bytes, bytearray)):
        raise TypeError("body must be bytes or str")
    if encoding:
        try:
            return bytes(body).decode(encoding, errors="replace")
        except LookupError:
            pass  # a bogus charset header: sniff instead
    # w3lib looks at the BOM and <meta charset>, then falls back sensibly; it is what Scrapy uses.
    _, text = html_to_unicode(None, bytes(body))
    return text


def _clean(text: str | None) -> str:
    return _SPACES_RE.sub(" ", text or "").strip()


def _strip_html(text: str | None) -> str:
    return _clean(html.unescape(_TAG_RE.sub(" ", text or "")))


def _page_title(root: Any) -> str | None:
    for el in root.iter("title"):
        title = _clean("".join(el.itertext()))
        if title:
            return title[:_MAX_TITLE]
    for el in root.iter("meta"):
        if (el.get("property") or "").lower() == "og:title":
            title = _clean(el.get("content"))
            if title:
                return title[:_MAX_TITLE]
    return None


def _head_links(root: Any, base: str) -> tuple[list[str], str | None, str]:
    feeds: list[str] = []
    wp_api: str | None = None
    for el in root.iter("link"):
        rel = (el.get("rel") or "").strip().lower()
        href = (el.get("href") or "").strip()
        if not href:
            continue
        if rel == "https://api.w.org/":
            if wp_api is None:
                wp_api = _absolute(base, href)
            continue
        kind = (el.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rel.split() and kind in _FEED_TYPES:
            absolute = _absolute(base, href)
            if absolute and absolute not in feeds:
                feeds.append(absolute)
    generator = ""
    for el in root.iter("meta"):
        if (el.get("name") or "").lower() == "generator":
            generator = el.get("content") or ""
            break
    return feeds, wp_api, generator


def _absolute(base: str, href: str) -> str | None:
    try:
        absolute = urljoin(base, href.strip())
    except ValueError:
        return None
    if urlsplit(absolute).scheme not in ("http", "https"):
        return None
    return absolute


# ---- JSON-LD


def _jsonld_candidates(root: Any, base: str, page_url: str, now: datetime) -> list[Candidate]:
    out: list[Candidate] = []
    for script in root.iter("script"):
        if (script.get("type") or "").split(";")[0].strip().lower() != "application/ld+json":
            continue
        data = _loads_lenient(script.text or "")
        if data is None:
            continue
        for item in _walk_jsonld(data):
            types = item.get("@type")
            names = types if isinstance(types, list) else [types]
            # WebPage/WebSite/Organization dates describe the page render or the site, not a post.
            if not any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in names):
                continue
            link = _jsonld_url(item, base) or page_url
            title = item.get("headline") or item.get("name")
            title = _strip_html(title)[:_MAX_TITLE] if isinstance(title, str) else None
            for key in ("datePublished", "dateModified"):
                value = item.get(key)
                if isinstance(value, str):
                    at = parse_date(value, now)
                    if at is not None:
                        out.append(Candidate(at, link, title or None, "page-date", "jsonld"))
    return out


def _loads_lenient(raw: str) -> Any:
    raw = raw.strip()
    raw = raw.removeprefix("<!--")
    raw = raw.removesuffix("-->")
    raw = raw.replace("<![CDATA[", "").replace("]]>", "").strip()
    if not raw:
        return None
    # RecursionError: json nests by recursion, and one absurdly deep block must not cost the
    # rest of the page (parse_page would give up on the whole page).
    try:
        return json.loads(raw, strict=False)
    except (ValueError, RecursionError):
        pass
    # Hand-written JSON-LD in CMS templates often has trailing commas.
    try:
        return json.loads(re.sub(r",\s*([\]}])", r"\1", raw), strict=False)
    except (ValueError, RecursionError):
        return None


def _walk_jsonld(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    if depth > 12:
        return []
    out: list[dict[str, Any]] = []
    if isinstance(data, list):
        for item in data:
            out.extend(_walk_jsonld(item, depth + 1))
    elif isinstance(data, dict):
        out.append(data)
        for value in data.values():
            if isinstance(value, (dict, list)):
                out.extend(_walk_jsonld(value, depth + 1))
    return out


def _jsonld_url(item: dict[str, Any], base: str) -> str | None:
    for key in ("url", "mainEntityOfPage", "@id"):
        value = item.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, list) and value and isinstance(value[0], str):
            value = value[0]
        if isinstance(value, str) and value.strip() and not value.strip().startswith("#"):
            absolute = _absolute(base, value)
            if absolute:
                return absolute
    return None


# ---- <meta>


def _meta_candidates(root: Any, page_url: str, title: str | None, now: datetime) -> list[Candidate]:
    out: list[Candidate] = []
    og_title: str | None = None
    dates: list[str] = []
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or "").strip().lower()
        if key == "og:title":
            og_title = _clean(el.get("content")) or None
        elif key in _META_DATE_KEYS:
            dates.append(el.get("content") or "")
    for value in dates:
        at = parse_date(value, now)
        if at is not None:
            out.append(Candidate(at, page_url, og_title or title, "page-date", "meta"))
    return out


# ---- <time> and date text tied to article links


@dataclass
class _Link:
    url: str
    strong: bool  # looks like a post (id, dated permalink, long slug), not a menu page
    element: Any
    foreign: bool = False  # leads to another site: a date beside it is that site's activity


class _Links:
    """The anchors outside trap zones, classified lazily: most are never next to a date."""

    def __init__(self, base: str, page_url: str) -> None:
        self.base = base
        self.page_key = _strip_fragment(page_url)
        self.anchors: dict[Any, str] = {}
        self._by_href: dict[str, tuple[str, bool, bool] | None] = {}
        self._by_anchor: dict[Any, _Link | None] = {}

    def get(self, a: Any) -> _Link | None:
        if a in self._by_anchor:
            return self._by_anchor[a]
        link: _Link | None = None
        href = self.anchors.get(a)
        if href is not None:
            if href not in self._by_href:
                self._by_href[href] = _content_link(href, self.base, self.page_key)
            found = self._by_href[href]
            link = _Link(found[0], found[1], a, found[2]) if found else None
        self._by_anchor[a] = link
        return link


@dataclass
class _Hit:
    at: datetime
    owner: Any  # the element whose own text (or child <time>) carried the date
    how: str
    agenda: bool


def _body_candidates(root: Any, base: str, page_url: str, now: datetime) -> tuple[list[Candidate], str | None]:
    links, hits = _scan(root, base, page_url, now)
    first_post = next(
        (link.url for a in links.anchors if (link := links.get(a)) is not None and link.strong and not link.foreign),
        None,
    )
    if not hits:
        return [], first_post
    today = now.astimezone(JAKARTA).date()
    title_cache: dict[Any, str] = {}
    out: list[Candidate] = []
    for hit in hits:
        link = _tie(hit.owner, links, title_cache)
        if link is None:
            continue  # a date with no article next to it is not evidence of anything
        local_day = hit.at.astimezone(JAKARTA).date()
        # Portals print the render date ("Jumat, 22 November 2024") beside menu links; today's date
        # only counts when it sits next to something that is clearly a post.
        if local_day == today and not link.strong:
            continue
        # An agenda lists what will happen; only what has already happened is activity.
        if hit.agenda and local_day > today:
            continue
        title = title_cache.get(link.element) or None
        out.append(Candidate(hit.at, link.url, title, "page-date", hit.how))
    # A relative phrase ("3 hari yang lalu") is only a post's date when nothing absolute about
    # the same post is on the page: an absolute value beside it always wins.
    dated = {c.url for c in out if c.how != "relative"}
    out = [c for c in out if c.how != "relative" or c.url not in dated]
    return out, first_post


def _scan(root: Any, base: str, page_url: str, now: datetime) -> tuple[_Links, list[_Hit]]:
    """Walk the body once, skipping trap zones; collect anchors and dated text nodes."""
    links = _Links(base, page_url)
    hits: list[_Hit] = []
    body = root.find("body")
    start = body if body is not None else root
    # (element, inside an <article>, inside an agenda block, inside a dated <time>)
    stack: list[tuple[Any, bool, bool, bool]] = [(start, False, False, False)]
    while stack:
        el, in_article, in_agenda, in_time = stack.pop()
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag == "a":
            href = el.get("href")
            if href:
                links.anchors[el] = href
        elif tag in ("time", "abbr") and not in_time:
            # timeago widgets print "11 jam lalu" and keep the real moment in `title`: the
            # absolute value wins, the phrase (read against today's clock) is never used.
            value = el.get("datetime") or el.get("title")
            at = parse_date(value, now) if value and _YEARISH_RE.search(value) else None
            if at is not None:
                hits.append(_Hit(at, el, "time" if tag == "time" else "abbr", in_agenda))
                in_time = True  # its visible text repeats the same date less precisely

        if not in_time:
            for piece in _own_texts(el):
                # A long run of text is prose: its dates are events and deadlines, not posts.
                if len(piece) > _PROSE_MIN:
                    continue
                relative = _is_relative(piece)
                for at in _dates_in(piece, now):
                    hits.append(_Hit(at, el, "relative" if relative else "text", in_agenda))

        children = [child for child in el if isinstance(child.tag, str)]
        for child in reversed(children):
            ctag = child.tag.lower()
            if ctag in _SKIP_TAGS:
                continue
            zone = ((child.get("class") or "") + " " + (child.get("id") or "")).lower()
            child_article = in_article or ctag == "article" or not _ARTICLE_CLASSES.isdisjoint(zone.split())
            if _is_trap_zone(ctag, zone, in_article):
                continue
            child_agenda = in_agenda or bool(_AGENDA_RE.search(zone))
            stack.append((child, child_article, child_agenda, in_time))
    return links, hits


def _is_trap_zone(tag: str, zone: str, in_article: bool) -> bool:
    if tag == "nav":
        return True
    if zone.strip() and (_TRAP_ZONE_RE.search(zone) or _NOT_OURS_ZONE_RE.search(zone)):
        return True
    framed = tag in ("header", "footer") or bool(_FRAME_ZONE_RE.search(zone))
    return framed and not in_article and not _ARTICLEISH_RE.search(zone)


def _own_texts(el: Any) -> list[str]:
    # The text directly in `el` plus the tails of its children: that is the text `el` owns.
    pieces = [el.text] if el.text else []
    for child in el:
        if child.tail:
            pieces.append(child.tail)
    return pieces


def _dates_in(text: str, now: datetime) -> list[datetime]:
    # Every absolute date carries a 19xx/20xx year and every relative one a "lalu"/"ago"; one
    # C-speed search rules out menus, counters and prices before the full date regex runs.
    if len(text) < 6 or _DATE_HINT_RE.search(text) is None:
        return []
    return find_dates(text, now)


def _same_site(host: str, page_host: str) -> bool:
    """One institution's site: the same host, or one a subdomain of the other, or sisters
    under one parent (berita.mubakab.go.id beside www.mubakab.go.id)."""
    a, b = host.removeprefix("www."), page_host.removeprefix("www.")
    if not a or not b or a == b or a.endswith("." + b) or b.endswith("." + a):
        return True
    pa, pb = a.split(".", 1)[-1], b.split(".", 1)[-1]
    return pa == pb and pa.count(".") >= 2


def _is_relative(text: str) -> bool:
    return _RELATIVE_WORD_RE.search(text) is not None and _YEAR_IN_TEXT_RE.search(text) is None


def _strip_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def _content_link(href: str, base: str, page_key: str) -> tuple[str, bool, bool] | None:
    """The absolute URL of a link that can lead to a post, whether it clearly looks like one, and
    whether it leads to another site."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        parts = urlsplit(urljoin(base, href))
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None  # javascript:, mailto:, tel:, whatsapp: …
    host = (parts.hostname or "").lower()
    labels = host.split(".")
    if any(".".join(labels[i:]) in _SOCIAL_HOSTS for i in range(len(labels) - 1)):
        return None
    # A dated link to another site (a blogroll, a press review) is that site's activity.
    foreign = not _same_site(host, (urlsplit(page_key).hostname or "").lower())
    if _SHARE_RE.search(parts.path) or _SEARCH_QUERY_RE.search(parts.query):
        return None
    clean = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
    path = parts.path.strip("/")
    if clean == page_key or (not path and not parts.query):
        return None  # the page itself or a home link
    segments = [s.lower() for s in path.split("/") if s]
    if any(s in _NAV_SEGMENTS for s in segments) or _PAGINATION_RE.search(path):
        return None
    last = segments[-1] if segments else ""
    strong = (
        bool(_DIGITS_RE.search(path))
        or last.count("-") >= 2
        or any(s in _ARTICLE_SEGMENTS for s in segments[:-1])
        or bool(_ARTICLE_QUERY_RE.search(parts.query))
    )
    return clean, strong and not foreign, foreign


def _tie(owner: Any, links: _Links, title_cache: dict[Any, str]) -> _Link | None:
    """The article link a date belongs to: the nearest ancestor holding one to a few post links."""
    node = owner
    steps = 0
    found: dict[str, list[_Link]] = {}
    while node is not None and steps <= _MAX_WALK_UP:
        under = _links_under(node, links)
        if under is None:
            return None  # a list container: the date cannot be pinned to one post
        found = under
        if found:
            break
        if _is_root(node):
            return None
        node, steps = node.getparent(), steps + 1
    if not found or node is None:
        return None
    if all(link.foreign for group in found.values() for link in group):
        return None  # the nearest link leads to another site: the date is that site's
    # The first link reached may be the date's own permalink ("Posted on <a><time>…"); the
    # enclosing card or <article> usually repeats the same URL with the real title. Widen while
    # no other post comes into view.
    while steps < _MAX_WALK_UP and not _is_root(node):
        parent = node.getparent()
        if parent is None:
            break
        wider = _links_under(parent, links)
        if not wider or wider.keys() != found.keys():
            break
        node, found, steps = parent, wider, steps + 1
    return _best_link(found, title_cache)


def _is_root(node: Any) -> bool:
    return isinstance(node.tag, str) and node.tag.lower() in ("body", "html")


def _links_under(node: Any, links: _Links) -> dict[str, list[_Link]] | None:
    """Content links under `node` grouped by URL; None once there are too many to be one item."""
    found: dict[str, list[_Link]] = {}
    for a in node.iter("a"):
        link = links.get(a)
        if link is None:
            continue
        found.setdefault(link.url, []).append(link)
        if len(found) > _MAX_ITEM_LINKS:
            return None
    return found


def _best_link(found: dict[str, list[_Link]], title_cache: dict[Any, str]) -> _Link:
    best: _Link | None = None
    best_key: tuple[bool, bool, int] = (False, False, -1)
    for group in found.values():
        for link in group:
            if link.element not in title_cache:
                title_cache[link.element] = _anchor_text(link.element)
            key = (not link.foreign, link.strong, len(title_cache[link.element]))
            if best is None or key > best_key:
                best, best_key = link, key
    assert best is not None
    return best


def _anchor_text(a: Any) -> str:
    text = _clean("".join(a.itertext()))
    if not text:
        text = _clean(a.get("title"))
    if not text:
        for img in a.iter("img"):
            text = _clean(img.get("alt") or img.get("title"))
            if text:
                break
    return text[:_MAX_TITLE]


# --------------------------------------------------------------------------------------- feeds


def parse_feed(body: bytes, url: str, now: datetime) -> tuple[list[Candidate], str | None]:
    """Entries of an RSS/Atom/RDF (feedparser) or JSON Feed body as candidates (source "feed").

    The second value is an error when the body is not a feed at all (an HTML page, garbage, a
    feed cut off before its first entry); a valid feed with no entries is ([], None).
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, (bytes, bytearray)):
        return [], "not a feed: body is not bytes"
    body = bytes(body)
    if not body.strip():
        return [], "not a feed: empty body"
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        # feedparser 6.0 does not read JSON Feed, and sites announce it with application/feed+json.
        return _parse_json_feed(body, url, now)
    junk = _too_complex(body)
    if junk:
        return [], f"not a feed: {junk}"
    try:
        # A stream, never the bytes themselves: feedparser opens a bytes argument as a *file
        # path* first, so a body such as b"/etc/passwd" would read a local file.
        parsed = feedparser.parse(
            io.BytesIO(body),
            response_headers={"content-location": url, "content-type": "application/xml"},
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except Exception as exc:  # noqa: BLE001 - feedparser's internals raise anything on junk
        return [], f"not a feed: parser failed ({type(exc).__name__}: {exc})"

    entries = parsed.get("entries") or []
    feed_link = (parsed.get("feed") or {}).get("link") or url
    out: list[Candidate] = []
    for entry in entries:
        at = _entry_date(entry, now)
        if at is None:
            continue
        link = entry.get("link")
        link = _absolute(feed_link, link) if isinstance(link, str) and link.strip() else None
        title = _strip_html(entry.get("title"))[:_MAX_TITLE] or None
        out.append(Candidate(at, link, title, "feed"))

    if entries:
        return out, None  # feedparser recovered entries from a damaged feed: they are still posts
    version = parsed.get("version") or ""
    fatal = parsed.get("bozo") and not isinstance(
        parsed.get("bozo_exception"),
        (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType),
    )
    if not version:
        return [], "not a feed: no RSS/Atom/RDF root element (an HTML page or garbage?)"
    if fatal:
        return [], f"broken feed with no readable entries: {parsed.get('bozo_exception')}"
    return [], None


def _too_complex(body: bytes) -> str | None:
    """Why a body is not worth feedparser's time, if it is not.

    feedparser is pure Python, about 20 µs an element: a body near the size cap made of
    nothing but tags (or tags nested 100,000 deep) costs it tens of seconds of CPU. The tags
    are counted first at C speed, outside CDATA and comments (HTML quoted there is text);
    a real feed, even of thousands of posts, holds far fewer. Nesting is not judged: lxml
    gives up at a depth feedparser reads fine, and a broken feed's unclosed <br>s nest deep.
    """
    tags = len(_START_TAG_RE.findall(_CDATA_OR_COMMENT_RE.sub(b"", body)))
    if tags > _MAX_FEED_ELEMENTS:
        return f"too many XML elements to read ({tags:,}; the limit is {_MAX_FEED_ELEMENTS:,})"
    return None


def _entry_date(entry: Any, now: datetime) -> datetime | None:
    # Published first: an "updated" stamp moves with trivial edits (YouTube bumps it with view
    # counts), while the publication date is the post itself.
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        # The raw string first: feedparser reads a date without an offset as UTC, but an
        # Indonesian feed without an offset means Jakarta time; and it cannot read "13 Nopember".
        if isinstance(raw, str) and raw.strip():
            at = parse_date(raw, now)
            if at is not None:
                return at
        parsed = entry.get(key + "_parsed")
        if parsed:
            try:
                at = datetime(*parsed[:6]).replace(tzinfo=UTC)
            except (TypeError, ValueError):
                continue
            # feedparser rolls 2024-02-30 over to 1 March: an invalid date is no date.
            if not isinstance(raw, str) or consistent(raw, at):
                return at
    return None


def _parse_json_feed(body: bytes, url: str, now: datetime) -> tuple[list[Candidate], str | None]:
    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError) as exc:  # RecursionError: arrays nested past Python's stack
        return [], f"not a feed: invalid JSON ({exc})"
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        return [], "not a feed: JSON without a JSON Feed 'items' list"
    out: list[Candidate] = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        raw = item.get("date_published") or item.get("date_modified")
        at = parse_date(raw, now) if isinstance(raw, str) else None
        if at is None:
            continue
        link = item.get("url") or item.get("external_url")
        link = _absolute(url, link) if isinstance(link, str) else None
        title = item.get("title")
        title = _strip_html(title)[:_MAX_TITLE] if isinstance(title, str) else None
        out.append(Candidate(at, link, title or None, "feed"))
    return out, None


# ------------------------------------------------------------------------- WordPress REST API


def parse_wp_posts(body: bytes, url: str, now: datetime) -> tuple[list[Candidate], str | None]:
    """Posts from /wp-json/wp/v2/posts as candidates (source "wp-api")."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        text = bytes(body).decode("utf-8-sig", errors="replace")
    except TypeError:
        return [], "WordPress API: body is not bytes"
    data: Any = None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: arrays nested past Python's stack
        # PHP notices printed before the JSON ("<b>Warning</b>: … [{") are common on regency
        # servers; the posts after them are still good.
        start = text.find("[{")
        if start > 0:
            try:
                data = json.loads(text[start:])
            except (ValueError, RecursionError):
                data = None
        if data is None:
            return [], f"WordPress API: not JSON ({exc})"
    if isinstance(data, dict):
        code = data.get("code") or data.get("message") or "an object"
        return [], f"WordPress API: expected a list of posts, got {code}"
    if not isinstance(data, list):
        return [], "WordPress API: expected a list of posts"
    out: list[Candidate] = []
    for post in data:
        if not isinstance(post, dict):
            continue
        at = None
        date_gmt = post.get("date_gmt")
        if isinstance(date_gmt, str) and date_gmt.strip():
            at = parse_date(date_gmt, now, default_tz=UTC)
        if at is None and isinstance(post.get("date"), str):
            # `date` is in the site's own zone, which WordPress does not state; Jakarta is the
            # likeliest and at worst two hours off (WIT).
            at = parse_date(post["date"], now, default_tz=JAKARTA)
        if at is None:
            continue
        link = post.get("link")
        link = _absolute(url, link) if isinstance(link, str) and link.strip() else None
        title_obj = post.get("title")
        raw_title = title_obj.get("rendered") if isinstance(title_obj, dict) else title_obj
        title = _strip_html(raw_title)[:_MAX_TITLE] if isinstance(raw_title, str) else None
        out.append(Candidate(at, link, title or None, "wp-api"))
    return out, None


# --------------------------------------------------------------------------------------- sitemaps


def parse_sitemap(body: bytes, url: str, now: datetime) -> tuple[list[Candidate], list[str], str | None]:
    """A sitemap urlset → (candidates, [], None); a sitemap index → ([], children newest first, None).

    An index's own lastmod values only order its children: they are not posts. Gzip bodies are
    inflated up to 10 MB. On anything else → ([], [], error).
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, (bytes, bytearray)):
        return [], [], "sitemap: body is not bytes"
    body = bytes(body)
    if body[:2] == b"\x1f\x8b":
        try:
            body = _gunzip_capped(body, _MAX_SITEMAP_BYTES)
        except _TooLarge:
            return [], [], "sitemap: larger than 10 MB when decompressed; not read"
        except (zlib.error, EOFError) as exc:
            return [], [], f"sitemap: corrupt gzip ({exc})"
    if not body.strip():
        return [], [], "sitemap: empty body"
    parser = etree.XMLParser(
        recover=True,
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        huge_tree=False,
    )
    try:
        root = etree.fromstring(body.lstrip(b"\xef\xbb\xbf \t\r\n"), parser=parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return [], [], f"sitemap: not XML ({exc})"
    if root is None or not isinstance(root.tag, str):
        return [], [], "sitemap: not XML"
    kind = etree.QName(root).localname.lower()

    if kind == "urlset":
        out: list[Candidate] = []
        for entry in root:
            if not isinstance(entry.tag, str) or etree.QName(entry).localname != "url":
                continue
            fields = _sitemap_fields(entry)
            loc = fields.get("loc")
            link = _absolute(url, loc) if loc else None
            if link is None:
                continue
            # news:publication_date is the article's own date; lastmod may be a later edit or the
            # generator's clock, so the publication date wins when both are given.
            raw = fields.get("publication_date") or fields.get("lastmod")
            at = parse_date(raw, now, default_tz=UTC) if raw else None
            if at is None:
                continue
            out.append(Candidate(at, link, fields.get("title") or None, "sitemap"))
        return out, [], None

    if kind == "sitemapindex":
        children: list[tuple[datetime | None, int, str]] = []
        # A set, not a scan of the list: an index may legally name 50,000 children.
        seen: set[str] = set()
        for index, entry in enumerate(root):
            if not isinstance(entry.tag, str) or etree.QName(entry).localname != "sitemap":
                continue
            fields = _sitemap_fields(entry)
            loc = fields.get("loc")
            link = _absolute(url, loc) if loc else None
            if link is None or link in seen:
                continue
            seen.add(link)
            raw = fields.get("lastmod")
            at = parse_date(raw, now, default_tz=UTC) if raw else None
            children.append((at, index, link))
        floor = datetime.min.replace(tzinfo=UTC)
        children.sort(key=lambda c: (-(c[0] or floor).timestamp(), c[1]))
        return [], [c[2] for c in children], None

    return [], [], f"sitemap: root element is <{kind}>, not <urlset> or <sitemapindex>"


def _sitemap_fields(entry: Any) -> dict[str, str]:
    fields: dict[str, str] = {}
    # <loc> and <lastmod> are direct children; an <image:loc> nested deeper is not the page.
    for el in entry:
        if isinstance(el.tag, str):
            name = etree.QName(el).localname.lower()
            if name in ("loc", "lastmod") and name not in fields and _clean(el.text):
                fields[name] = _clean(el.text)
    for el in entry.iter():
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el).localname.lower()
        parent = el.getparent()
        in_news = parent is not None and etree.QName(parent).localname.lower() == "news"
        wanted = name == "publication_date" or (name == "title" and in_news)
        if wanted and name not in fields and _clean(el.text):
            fields[name] = _clean(el.text)
    return fields


class _TooLarge(Exception):
    pass


def _gunzip_capped(body: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(body, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        raise _TooLarge
    return out


def sitemaps_from_robots(body: bytes | str, base_url: str) -> list[str]:
    """Absolute sitemap URLs named by `Sitemap:` lines of a robots.txt, in order, deduplicated."""
    if isinstance(body, (bytes, bytearray)):
        text = bytes(body).decode("utf-8-sig", errors="replace")
    elif isinstance(body, str):
        text = body
    else:
        return []
    out: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        key, sep, value = line.partition(":")
        if not sep or key.strip().lower() != "sitemap":
            continue
        absolute = _absolute(base_url, value.strip()) if value.strip() else None
        if absolute and absolute not in out:
            out.append(absolute)
    return out


_PATH_DATE_RE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])(?:[/-](0[1-9]|[12]\d|3[01]))?(?=/|-|$)")
_POST_NUMBER_RE = re.compile(r"(?<![\d.])(\d{2,9})(?![\d.])")


def newest_undated_post(body: bytes, url: str) -> str | None:
    """In a sitemap whose ``<url>``s carry no date, the address that looks newest: the latest date
    in its path (``/2024/03/12/…``), else the highest post number (``/berita/2481/…``,
    ``?id=2481``). None when nothing tells them apart; the caller reads that post's own page."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not isinstance(body, (bytes, bytearray)):
        return None
    body = bytes(body)
    if body[:2] == b"\x1f\x8b":
        try:
            body = _gunzip_capped(body, _MAX_SITEMAP_BYTES)
        except (_TooLarge, zlib.error, EOFError):
            return None
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body.lstrip(b"\xef\xbb\xbf \t\r\n"), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None or not isinstance(root.tag, str) or etree.QName(root).localname.lower() != "urlset":
        return None
    best: tuple[tuple[int, ...], str] | None = None
    for entry in root:
        if not isinstance(entry.tag, str) or etree.QName(entry).localname != "url":
            continue
        loc = _sitemap_fields(entry).get("loc")
        link = _absolute(url, loc) if loc else None
        if link is None:
            continue
        parts = urlsplit(link)
        dated = _PATH_DATE_RE.search(parts.path)
        if dated:
            key: tuple[int, ...] = (2, int(dated.group(1)), int(dated.group(2)), int(dated.group(3) or 0))
        else:
            numbers = [int(n) for n in _POST_NUMBER_RE.findall(parts.path + "?" + parts.query)]
            # A year-like number alone is an archive or a slug's year, not a post number.
            numbers = [n for n in numbers if not 1990 <= n <= 2100]
            if not numbers:
                continue
            key = (1, max(numbers))
        if best is None or key > best[0]:
            best = (key, link)
    return best[1] if best else None
