"""The date of one post, read on the post's own page: every candidate, where it sat, and why it
was taken or refused.

A listing (a home page, a sitemap without lastmod) says which post is newest; the post's own page
says when it appeared. Real pages hold many dates that are not that one: today's date in the top
bar, the dates of other posts in a "popular" sidebar (often as "11 jam lalu" read against today's
clock), reader comments, an embedded Twitter or Instagram timeline, dated links to other sites,
events named in the article text, the copyright year, calendars. So the page is read in two steps:

1. Zones that never hold the post's own date are found by tag, class, id and role (comments,
   sidebars and related posts, social embeds, blogrolls, footers, navigation, calendars, clocks)
   and cut from a copy of the page. Their dates are kept as *refused* candidates, with the reason,
   so ``pantau explain`` can show them.
2. What is left is read from the strongest evidence to the weakest: the page's own metadata
   (JSON-LD ``datePublished`` of an article or web page, ``article:published_time``,
   ``<meta name="date">``, ``DC.date.issued``, ``itemprop="datePublished"``), the byline
   (``<time datetime>``, ``abbr title``, "Diposting pada 12 Maret 2024", "Posted on …",
   "Veröffentlicht am …"), htmldate (a maintained library for exactly this, given the cleaned
   page), and a date in the post's URL. The first of these that holds a credible date wins.

A relative phrase ("3 hari yang lalu", "1 day ago") is only the post's date when it is the byline
and nothing absolute sits next to it: a ``title``/``datetime`` beside it always wins, and in any
other place it is refused. Dates after ``now`` (plus a day of slack) are never activity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from pantau.crawler.dates import JAKARTA, NEWS_ARTICLE_TYPES, find_dates, is_credible, parse_date

__all__ = ["Considered", "PostDate", "post_date"]

# ------------------------------------------------------------------------------ the record


# A post page's own date may sit on any of these JSON-LD types (a page about one thing); the
# news core is shared with the listing reader (crawler/dates.py).
_JSONLD_TYPES = NEWS_ARTICLE_TYPES | {
    "socialmediaposting",
    "discussionforumposting",
    "report",
    "scholarlyarticle",
    "techarticle",
    "pressrelease",
    "webpage",
    "itempage",
    "videoobject",
    "creativework",
    "review",
    "recipe",
    "medicalwebpage",
    "posting",
}


@dataclass
class Considered:
    """One dated candidate a check looked at, as ``pantau explain`` shows it."""

    at: datetime  # aware, UTC
    url: str | None
    title: str | None
    source: str  # as in evidence: "feed", "wp-api", "sitemap", "page-date", "api"
    where: str  # where on the page/feed it was found, e.g. "meta article:published_time"
    accepted: bool
    why: str

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["at"] = self.at.isoformat()
        return out


@dataclass
class PostDate:
    """What a post's own page says about when it appeared."""

    url: str
    title: str | None = None
    winner: Considered | None = None
    candidates: list[Considered] = field(default_factory=list)


# ------------------------------------------------------------------------------ the zones

# Class/id words that mark a zone, matched at the start of a class or id token (so "comment"
# matches "comment-list" and "commentlist", while "post-comments-count" is still a comment zone).
_ZONES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "a comment",
        re.compile(
            r"(?:^|[\s_-])(?:comment|komentar|tanggapan|disqus|respond|reply|replies"
            r"|discussion|diskusi|fb-comments)"
        ),
    ),
    # Not after a BEM "--" modifier: "content__meta-container--twitter" is the post's own meta bar.
    (
        "an embedded social timeline",
        re.compile(
            r"(?:^|\s|(?<!_)_|(?<!-)-)(?:twitter|tweet|instagram|insta-?feed|sb_instagram|fb-page|fb-post|facebook|tiktok"
            r"|social-?feed|elfsight|juicer|socialwall|youtube-?feed)"
        ),
    ),
    (
        "a sidebar or list of other posts",
        re.compile(
            r"(?:^|[\s_-])(?:sidebar|side-?bar|aside|widget|related|terkait|populer|popular|terpopuler"
            r"|trending|recent|terbaru|terkini|lainnya|more-?stories|also-?read|baca-?juga|recommend"
            r"|rekomendasi|most-?read|most-?popular|read-?more|readmore|teaser|outbrain|taboola|newsfeed"
            r"|news-?list|latest|headline-?list|berita-?lain|rail)"
        ),
    ),
    ("a blogroll or links to other sites", re.compile(r"(?:^|[\s_-])(?:blogroll|link-?list|partner|tautan|links)")),
    (
        "a calendar, clock or today's date",
        re.compile(
            r"(?:^|[\s_-])(?:calendar|kalender|datepicker|clock|jam|tanggal-?hari-?ini|date-?today|today-?date"
            r"|current-?date|top-?bar|topbar|weather|cuaca)"
        ),
    ),
    ("an agenda of coming events", re.compile(r"(?:^|[\s_-])(?:agenda|events?|jadwal|upcoming)(?:$|[\s_-])")),
    ("an image caption or credit", re.compile(r"(?:^|[\s_-])(?:caption|figcaption|wp-caption|credit|photo-?credit)")),
    # The page's footer ("footer", "site-footer", "footer-bawah"), not a post's "asset-footer".
    (
        "the footer or copyright line",
        re.compile(
            r"(?:^|\s)(?:(?:site|page|main|global|top|bottom)[-_]?)?footer|(?:^|[\s_-])(?:copyright|site-?info|colophon)"
        ),
    ),
    ("navigation", re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|masthead)")),
)
_TAG_ZONES = {
    "figcaption": "an image caption or credit",
    "aside": "a sidebar or list of other posts",
    "nav": "navigation",
    "footer": "the footer or copyright line",
    "iframe": "an embedded social timeline",
}
_ROLE_ZONES = {
    "complementary": "a sidebar or list of other posts",
    "navigation": "navigation",
    "contentinfo": "the footer or copyright line",
    "banner": "navigation",
}
# Class/id words of a post's own parts: a zone word beside one of these ("entry-footer" holding
# "Posted on", "post-meta", "article-header") is the post's own, not a trap.
_OWN_PART_RE = re.compile(
    r"(?:^|[\s_-])(?:entry|post|article|artikel|byline|hentry|single|meta|dateline)"
    r"(?:$|[\s_-])"
)
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "select", "option", "textarea"})

# Metadata of the page itself, strongest first; values are read as the page writes them.
_META_PUBLISHED = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "date",
    "dc.date.issued",
    "dc.date.created",
    "dc.date",
    "dcterms.issued",
    "dcterms.created",
    "dcterms.date",
    "citation_publication_date",
    "citation_date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "published-date",
    "publication_date",
    "sailthru.date",
    "parsely-pub-date",
    "article.published",
    "article_date_original",
    "original-publish-date",
    "cxenseparse:recs:publishtime",
    "dc.date.published",
    "content_create_date",
    "bt:pubdate",
    "pub_date",
    "release_date",
    "date_published",
    "created",
    "last-modified-original",
)
_META_MODIFIED = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "lastmod",
    "last-modified",
    "modified",
    "updated",
)
# Words that introduce a post's own date in a byline, in the languages regional sites print.
_BYLINE_RE = re.compile(
    r"(?:diposting|dipos|diposkan|dipublikasikan|diterbitkan|dibuat|ditulis|terbit|tanggal|tgl"
    r"|posted|published|updated\s+on|created|written|publié|publie|mis\s+à\s+jour|veröffentlicht"
    r"|gepubliceerd|geplaatst|publicado|pubblicato)\b\s*(?:pada|on|le|am|op|:)?",
    re.IGNORECASE,
)
_BYLINE_WORD_RE = re.compile(r"(?:^|[\s_-])(?:date|time|tanggal|tgl|byline|dateline|timestamp|posted|published)")
_BYLINE_CLASS_RE = re.compile(
    r"date|time|tanggal|tgl|posted|publish|byline|dateline|timestamp|meta|waktu"
    r"|entry-?date|post-?date|datum|fecha"
)
_URL_DATE_RE = re.compile(r"/((?:19|20)\d{2})[/_-]?(0[1-9]|1[0-2])[/_-]?(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)")
_RELATIVE_WORD_RE = re.compile(
    r"\b(?:lalu|ago|silam|yll|kemarin|yesterday|hari ini|today|baru saja|just now)\b", re.IGNORECASE
)
_PROSE_MIN = 160  # characters of a paragraph: beyond this a date in it is the article's subject
_RENDER_WINDOW = timedelta(hours=1)  # a metadata stamp this close to now is the render time
_MAX_REFUSED = 40  # refused candidates kept for explain; a page may hold hundreds
_MAX_TITLE = 300
_SPACES_RE = re.compile(r"\s+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str | None) -> str:
    return _SPACES_RE.sub(" ", text or "").strip()


# ------------------------------------------------------------------------------ the reading


def post_date(
    body: bytes | str, url: str, now: datetime, *, encoding: str | None = None, use_htmldate: bool = True
) -> PostDate:
    """Read when the post at ``url`` appeared from its own page. Never raises on junk."""
    out = PostDate(url=url)
    try:
        _read(out, body, url, now, encoding, use_htmldate)
    except (ValueError, TypeError, LookupError, UnicodeError, RecursionError, etree.LxmlError):
        pass
    return out


def _decode(body: bytes | str, encoding: str | None) -> str:
    if isinstance(body, str):
        return body
    if encoding:
        try:
            return bytes(body).decode(encoding, errors="replace")
        except LookupError:
            pass
    from w3lib.encoding import html_to_unicode

    return html_to_unicode(None, bytes(body))[1]


class _Collector:
    def __init__(self, out: PostDate, now: datetime) -> None:
        self.out = out
        self.now = now
        self.refused = 0
        self.seen: set[tuple[datetime, str]] = set()

    def add(self, at: datetime | None, where: str, why_ok: str, *, relative: bool = False) -> bool:
        """Record a candidate of the page's own date; True when it can be the winner."""
        if at is None:
            return False
        key = (at, where)
        if key in self.seen:
            return False
        self.seen.add(key)
        if not is_credible(at, self.now):
            future = at > self.now
            self.refuse(at, where, "in the future: not activity yet" if future else "before 1995: a parsing accident")
            return False
        cand = Considered(at, self.out.url, self.out.title, "page-date", where, True, why_ok)
        if relative:
            cand.why = why_ok + " (relative phrase, nothing absolute beside it)"
        self.out.candidates.append(cand)
        return True

    def refuse(self, at: datetime, where: str, why: str) -> None:
        if self.refused >= _MAX_REFUSED:
            return
        self.refused += 1
        self.out.candidates.append(Considered(at, self.out.url, self.out.title, "page-date", where, False, why))


def _read(out: PostDate, body: bytes | str, url: str, now: datetime, encoding: str | None, use_htmldate: bool) -> None:
    text = _CONTROL_RE.sub("", _decode(body, encoding))
    if not text.strip():
        return
    root = lxml.html.document_fromstring(
        text.encode("utf-8", "replace"),
        parser=lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True),
    )
    out.title = _title(root)
    col = _Collector(out, now)

    _metadata(root, url, now, col)
    _cut_zones(root, now, col)
    _microdata(root, now, col)
    bylines, relatives = _bylines(root, url, now, col)
    from_url = _url_date(url)

    # Accepted candidates in order of strength: metadata, byline, htmldate, the URL.
    ordered = [c for c in out.candidates if c.accepted]
    winner: Considered | None = None
    for c in ordered:
        if c.where.startswith(("jsonld", "meta", "itemprop")) and c.why.startswith("published"):
            if abs(now - c.at) <= _RENDER_WINDOW and any(b.at < now - _RENDER_WINDOW for b in bylines):
                # A CMS that stamps the page with the moment it rendered it: the byline says
                # when the post appeared.
                c.why = "published date of the page's metadata equal to now: the render time, not the post's"
                continue
            winner = c
            break
    if winner is None and bylines:
        winner = bylines[0]  # absolute bylines only: relative phrases come last, below
    if winner is None:
        hd = _htmldate(root, url, now) if use_htmldate else None
        if hd is not None:
            if col.add(hd, "htmldate (cleaned page)", "htmldate's reading of the page without the zones above"):
                winner = out.candidates[-1]
    if winner is None:
        # A modified date is the post's too when nothing says when it first appeared.
        winner = next((c for c in ordered if c.where.startswith(("jsonld", "meta", "itemprop"))), None)
    if winner is None and from_url is not None:
        if col.add(from_url, "the post's URL", "date in the post's address"):
            winner = out.candidates[-1]
    elif from_url is not None:
        col.add(from_url, "the post's URL", "date in the post's address")
    if winner is None and relatives:
        # Last of all: a relative phrase is read against today's clock, so it may only stand
        # when nothing absolute (metadata, byline, htmldate, the URL) dates the post.
        winner = relatives[0]
    for rel in relatives:
        if rel is not winner:
            rel.why = "relative phrase: an absolute date of the post is known"
    # Everything accepted but not chosen stays in the list as a refusal with its reason.
    for c in out.candidates:
        if c.accepted and c is not winner:
            c.accepted = False
            c.why = f"{c.why}; not chosen: {winner.where} is stronger evidence" if winner else c.why
    if winner is not None:
        winner.why = f"{winner.why}; chosen" if "chosen" not in winner.why else winner.why
    out.winner = winner


def _title(root: Any) -> str | None:
    for el in root.iter("meta"):
        if (el.get("property") or "").lower() == "og:title" and _clean(el.get("content")):
            return _clean(el.get("content"))[:_MAX_TITLE]
    for el in root.iter("title"):
        title = _clean(el.text_content())
        if title:
            return title[:_MAX_TITLE]
    return None


# ---- metadata


def _metadata(root: Any, url: str, now: datetime, col: _Collector) -> int:
    found = 0
    # JSON-LD first: it names its own type, so a WebSite/Organization date is not taken for a post.
    for script in root.iter("script"):
        if (script.get("type") or "").split(";")[0].strip().lower() != "application/ld+json":
            continue
        data = _loads(script.text or "")
        for item in _walk(data):
            types = item.get("@type")
            names = [t.lower() for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]
            if not any(t in _JSONLD_TYPES for t in names):
                continue
            own = _jsonld_is_this_page(item, url)
            label = f"jsonld {names[0] if names else '?'}"
            for key, why in (
                ("datePublished", "published date of the page's own metadata"),
                ("dateCreated", "published date (created) of the page's own metadata"),
                ("uploadDate", "published date (upload) of the page's own metadata"),
                ("dateModified", "modified date of the page's own metadata"),
            ):
                value = item.get(key)
                if not isinstance(value, str):
                    continue
                at = parse_date(value, now, default_tz=UTC)
                if at is None:
                    continue
                if not own:
                    col.refuse(at, f"{label} {key}", "JSON-LD of another page (its url is not this post's)")
                    continue
                if col.add(at, f"{label} {key}", why):
                    found += 1
    # <meta> by property/name/itemprop.
    metas: list[tuple[int, str, str]] = []
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "").strip().lower()
        # Some renderers (react-helmet) write the value in `value` instead of `content`.
        value = el.get("content") or el.get("value") or ""
        if not key or not value.strip():
            continue
        if key in _META_PUBLISHED:
            metas.append((_META_PUBLISHED.index(key), key, value))
        elif key in _META_MODIFIED:
            metas.append((100 + _META_MODIFIED.index(key), key, value))
    for rank, key, value in sorted(metas):
        at = _meta_value(value, now)
        why = "published date of the page's own metadata" if rank < 100 else "modified date of the page's own metadata"
        if col.add(at, f"meta {key}", why):
            found += 1
    return found


def _in_other_post(el: Any, has_h1: bool = True) -> bool:
    """Inside an <article> that does not hold the page's title, while the title is elsewhere:
    a teaser of another post (a "more news" row), not this post."""
    if not has_h1:
        return False
    article = next((a for a in el.iterancestors("article")), None)
    return article is not None and not article.xpath(".//h1")


def _inside_other_item(el: Any) -> bool:
    """Microdata of a comment or review inside the page is not the page's own date."""
    for parent in el.iterancestors():
        kind = (parent.get("itemtype") or "").lower()
        if kind and any(w in kind for w in ("comment", "review", "answer", "question")):
            return True
    return False


_CJK_RE = re.compile(r"((?:19|20)\d{2})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]")


def _cjk_dates(text: str) -> list[datetime]:
    """Japanese/Chinese/Korean dates ("2019年4月21日", "2019년 4월 21일"): Asian-language pages of the
    same themes print them."""
    out = []
    for m in _CJK_RE.finditer(text or ""):
        try:
            out.append(datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=JAKARTA).astimezone(UTC))
        except ValueError:
            continue
    return out


def _microdata(root: Any, now: datetime, col: _Collector) -> int:
    """itemprop="datePublished" on any element (microdata): its attribute, else its text. Read
    after the zones are cut, so a related-posts list's microdata is already gone."""
    found = 0
    has_h1 = bool(root.xpath("//h1"))
    for el in root.xpath('//*[@itemprop="datePublished" or @itemprop="dateCreated" or @itemprop="dateModified"]'):
        if el.tag == "meta":
            continue
        if _in_other_post(el, has_h1):
            other = parse_date(el.get("datetime") or el.get("content") or "", now)
            if other is not None:
                col.refuse(
                    other,
                    f"itemprop {el.get('itemprop')} <{el.tag}> in another <article>",
                    "another post listed on the page: not this post's date",
                )
            continue
        if _inside_other_item(el):
            raw = el.get("datetime") or el.get("content") or _clean(el.text_content())
            other = parse_date(raw, now) if raw else None
            if other is not None:
                col.refuse(
                    other,
                    f"itemprop {el.get('itemprop')} <{el.tag}> inside a comment or review",
                    "a comment: not the post's own date",
                )
            continue
        value = el.get("datetime") or el.get("content") or el.get("title")
        if not value:
            value = _clean(el.text_content())
            if not _has_year(value):
                continue  # "12 Mar" would be given this year
        at = parse_date(value, now) if value else None
        if at is None and value:
            at = _any_language(value, now) or next(iter(_cjk_dates(value)), None)
        prop = el.get("itemprop")
        why = (
            "modified date of the page's own metadata"
            if prop == "dateModified"
            else "published date of the page's own metadata"
        )
        if col.add(at, f"itemprop {prop} <{el.tag}>", why):
            found += 1
    return found


def _meta_value(value: str, now: datetime) -> datetime | None:
    value = value.strip()
    # "20240312", and epoch seconds/milliseconds some CMSs write.
    if re.fullmatch(r"(?:19|20)\d{6}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    elif re.fullmatch(r"1\d{9}(?:\d{3})?", value):
        try:
            return datetime.fromtimestamp(int(value[:10]), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif re.fullmatch(r"(0?[1-9]|1[0-2])-(0?[1-9]|[12]\d|3[01])-((?:19|20)\d{2})", value):
        # US month-day-year in a meta tag ("12-15-2016"): day-first reading would be impossible.
        m, d, y = value.split("-")
        value = f"{y}-{int(m):02d}-{int(d):02d}"
    at = parse_date(value, now, default_tz=UTC) if re.match(r"\d{4}-\d", value) else parse_date(value, now)
    return at if at is not None else _any_language(value, now)


def _jsonld_is_this_page(item: dict[str, Any], url: str) -> bool:
    """A JSON-LD item describes this page unless it names a page of another site.

    Canonical URLs differ from the fetched one in many harmless ways (redirects, AMP and mobile
    hosts, tracking queries, a template naming the home page), so a different path on the same
    site still counts; posts *inside* the page (hasPart, itemListElement) are never walked."""
    target = None
    for key in ("url", "mainEntityOfPage", "@id"):
        value = item.get(key)
        if isinstance(value, dict):
            value = value.get("@id") or value.get("url")
        if isinstance(value, str) and value.strip() and not value.strip().startswith("#"):
            target = value.strip()
            break
    if not target or not url:
        return True
    a, b = _url_key(urljoin(url, target)), _url_key(url)
    ha, hb = a[0].removeprefix("m."), b[0].removeprefix("m.")
    return ha == hb or ha.endswith("." + hb) or hb.endswith("." + ha) or ha.split(".", 1)[-1] == hb.split(".", 1)[-1]


def _url_key(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (parts.hostname or "").removeprefix("www."), parts.path or "/"


def _loads(raw: str) -> Any:
    import json

    raw = raw.strip().removeprefix("<!--").removesuffix("-->").replace("<![CDATA[", "").replace("]]>", "").strip()
    if not raw:
        return None
    for attempt in (raw, re.sub(r",\s*([\]}])", r"\1", raw)):
        try:
            return json.loads(attempt, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _walk(data: Any, depth: int = 0) -> Iterable[dict[str, Any]]:
    if depth > 10:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key, value in data.items():
            # A page's "hasPart"/"itemListElement" are other posts (a listing inside the page).
            if key in ("itemListElement", "hasPart", "relatedLink", "significantLink", "comment", "review"):
                continue
            if isinstance(value, (dict, list)):
                yield from _walk(value, depth + 1)


# ---- zones


def _zone_of(el: Any, in_article: bool = False) -> str | None:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag in ("body", "html", "main", "article", "h1"):
        return None
    words = f"{el.get('class') or ''} {el.get('id') or ''}".lower().strip()
    role = (el.get("role") or "").lower()
    if tag == "blockquote" and re.search(r"twitter|instagram|tiktok|facebook", words):
        return "an embedded social timeline"
    if role in _ROLE_ZONES:
        return _ROLE_ZONES[role]
    own_part = bool(words) and _OWN_PART_RE.search(words) is not None
    # An <aside> inside the article is often its own meta column (date, reading time); only
    # its class says whether it lists other posts.
    if tag in _TAG_ZONES and not own_part and not (tag == "aside" and in_article):
        # A byline bar marked up as <nav> (it links the author) that carries the page's own
        # microdata date is the post's, not navigation.
        if tag == "nav" and el.xpath(".//*[@itemprop='datePublished' or @itemprop='dateModified']"):
            return None
        return _TAG_ZONES[tag]
    if tag == "header" and not own_part:
        return "the page header"
    if not words:
        return None
    for why, pattern in _ZONES:
        # "date-and-comments", "meta-comments-count": the post's own date beside its comment count.
        if why == "a comment" and _BYLINE_WORD_RE.search(words):
            continue
        if pattern.search(words) and not (
            own_part
            and why
            in (
                "the footer or copyright line",
                "navigation",
                "a sidebar or list of other posts",
                "an embedded social timeline",
            )
        ):
            return why
    return None


def _cut_zones(root: Any, now: datetime, col: _Collector) -> int:
    """Cut every trap zone from the tree, keeping its dates as refused candidates."""
    keep: set[Any] = set()
    # Never cut what holds the post itself: themes put "has-sidebar" or "widget-area" on the
    # element that wraps everything.
    for anchor in root.xpath("//h1|//article|//*[@itemprop='articleBody']"):
        keep.update(anchor.iterancestors())
        keep.add(anchor)
    cut = 0
    stack = [(root, False)]
    to_cut: list[tuple[Any, str]] = []
    while stack:
        el, in_article = stack.pop()
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag.lower() in _SKIP:
                continue
            zone = None if child in keep else _zone_of(child, in_article)
            if zone:
                to_cut.append((child, zone))
            else:
                stack.append((child, in_article or child.tag.lower() == "article"))
    for el, zone in to_cut:
        for at, where in _dates_under(el, now):
            col.refuse(at, f"{where} in {_describe(el)}", f"{zone}: not the post's own date")
        parent = el.getparent()
        if parent is not None:
            _drop(el)
            cut += 1
    return cut


def _drop(el: Any) -> None:
    # Keep the tail text: it belongs to the parent ("<aside>…</aside> Diposting 12 Maret 2024").
    parent = el.getparent()
    tail = el.tail
    prev = el.getprevious()
    parent.remove(el)
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _describe(el: Any) -> str:
    parts = [f"<{el.tag}"]
    if el.get("id"):
        parts.append(f' id="{_clean(el.get("id"))[:40]}"')
    if el.get("class"):
        parts.append(f' class="{_clean(el.get("class"))[:60]}"')
    return "".join(parts) + ">"


def _dates_under(el: Any, now: datetime) -> Iterable[tuple[datetime, str]]:
    for node in el.iter():
        if not isinstance(node.tag, str) or node.tag.lower() in _SKIP:
            continue
        absolute = node.get("datetime") or (node.get("title") if node.tag in ("time", "abbr", "span") else None)
        if absolute:
            at = parse_date(absolute, now)
            if at is not None:
                yield at, f"<{node.tag}> attribute"
                continue
        for piece in (node.text, node.tail):
            if piece and len(piece) >= 6:
                for at in find_dates(piece, now):
                    yield at, "text"


# ---- byline


def _bylines(root: Any, url: str, now: datetime, col: _Collector) -> tuple[list[Considered], list[Considered]]:
    """The post's own date printed near its title: <time>, abbr title, "Diposting pada …"."""
    found: list[Considered] = []
    scope = _main(root)
    has_h1 = bool(root.xpath("//h1"))
    relatives: list[tuple[datetime, str]] = []

    def take(at: datetime | None, where: str, why: str) -> None:
        if at is not None and col.add(at, where, why):
            found.append(col.out.candidates[-1])

    for el in scope.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in _SKIP:
            continue
        if tag in ("time", "abbr", "span") and _in_other_post(el, has_h1):
            continue
        if tag == "time" or (
            tag in ("abbr", "span")
            and el.get("title")
            and _looks_dated(el.get("title"))
            and (_dateish_element(el) or _looks_dated(el.text_content()))
        ):
            raw = el.get("datetime") or el.get("title") or el.get("content")
            at = parse_date(raw, now) if raw else None
            if at is None and raw:
                at = _any_language(raw, now)
            shown = _clean(el.text_content())
            if at is not None:
                label = "publish" if _published_ish(el) else ("updated" if _updated_ish(el) else "byline")
                take(
                    at,
                    f"<{tag}> {'datetime' if el.get('datetime') else 'title'} ({label})",
                    "the post's own date printed beside its title (an absolute value)",
                )
                if _RELATIVE_WORD_RE.search(shown):
                    rel = parse_date(shown, now)
                    if rel is not None:
                        col.refuse(
                            rel, f"<{tag}> text {shown[:40]!r}", "relative phrase: the absolute value beside it wins"
                        )
                continue
            if shown:
                rel = parse_date(shown, now) or _any_language(shown, now)
                # A text without a year ("12 Mar", "Monday 10:30") would be given this year.
                if rel is not None and (_has_year(shown) or _RELATIVE_WORD_RE.search(shown)):
                    if _RELATIVE_WORD_RE.search(shown):
                        relatives.append((rel, f"<{tag}> text {shown[:40]!r}"))
                    else:
                        take(rel, f"<{tag}> text", "the post's own date printed beside its title")
                continue
        if tag == "a" and url and el.get("href") and _is_permalink(el.get("href"), url):
            # "Posted on <a href=permalink>12 Maret 2024</a>", Medium's "Oct 15, 2015": a date
            # printed on a link to the post itself is its byline.
            shown = _clean(el.text_content())
            if 6 <= len(shown) <= 60 and _has_year(shown) and not _RELATIVE_WORD_RE.search(shown):
                at = parse_date(shown, now) or _any_language(shown, now)
                if at is not None:
                    take(at, "permalink <a> text", "the date printed on the post's own permalink")
                    continue
        if tag == "p" and len(_clean(el.text_content())) >= _PROSE_MIN:
            # Dates in the article's running text are its subject (an event, a deadline), not
            # when it was written.
            for piece in (el.text, *(c.tail for c in el)):
                for at in find_dates(piece or "", now)[:3]:
                    col.refuse(at, "article text <p>", "a date in the article's prose, not its byline")
            continue
        own = _clean(el.text or "")
        words = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        if not own and not words:
            continue
        classed = bool(words) and _BYLINE_CLASS_RE.search(words) is not None
        texts = [own] if own else []
        if classed and len(_clean(el.text_content())) < 120:
            texts = [_clean(el.text_content())]
        for piece in texts:
            if len(piece) < 6 or len(piece) > 200:
                continue
            lead = _BYLINE_RE.search(piece)
            if not classed and not (lead and lead.start() < 40) and not (len(piece) <= 40 and _CJK_RE.search(piece)):
                continue
            if not _has_year(piece) and not _RELATIVE_WORD_RE.search(piece):
                continue
            published = _PUBLISHED_WORD_RE.search(piece)
            updated = _UPDATED_RE.search(piece)
            if published and updated and updated.start() < published.start():
                # "Diperbarui: 20 Nov … Diterbitkan: 5 Mar": the date after the published word.
                piece = piece[published.start() :]
            dates = find_dates(piece, now) or _cjk_dates(piece)
            absolute = [d for d in dates if not _is_relative_text(piece)]
            edited = bool(updated) and not published
            if absolute and _looks_like_todays_header(piece, absolute[0], now):
                col.refuse(
                    absolute[0],
                    f"text {_describe(el)}",
                    "today's date with its day name and no time: the page's date header, not the post's",
                )
            elif absolute:
                take(
                    absolute[0],
                    f"byline text {_describe(el)}" + (" (updated)" if edited else ""),
                    "the post's own date printed beside its title",
                )
            else:
                at = _any_language(piece[lead.end() :] if lead else piece, now)
                if at is not None and not _RELATIVE_WORD_RE.search(piece):
                    take(at, f"byline text {_describe(el)}", "the post's own date printed beside its title")
                elif dates:
                    relatives.append((dates[0], f"byline text {_describe(el)}"))
                elif at is not None:
                    relatives.append((at, f"byline text {_describe(el)}"))
        if len(found) >= 3:
            break
    # A published stamp before a plain one, an "updated" stamp last (document order otherwise).
    found.sort(key=lambda c: 0 if "(publish)" in c.where else 2 if "(updated)" in c.where else 1)
    relative_found: list[Considered] = []
    for at, where in relatives:
        if found:
            col.refuse(at, where, "relative phrase: an absolute date of the post is on the page")
        elif at is not None and col.add(at, where, "the post's own date as a relative phrase", relative=True):
            relative_found.append(col.out.candidates[-1])
    return found, relative_found


def _is_permalink(href: str, url: str) -> bool:
    try:
        target = urljoin(url, href.strip())
    except ValueError:
        return False
    a, b = _url_key(target), _url_key(url)
    return a[0] == b[0] and a[1].rstrip("/") == b[1].rstrip("/") and a[1].strip("/") != ""


def _main(root: Any) -> Any:
    """The element that holds the post: its <article>, main or the h1's container, else body."""
    for xp in ("//article[.//h1]", "//*[@itemprop='articleBody']/..", "//main", "//article"):
        hits = root.xpath(xp)
        if hits:
            return hits[0]
    h1 = root.xpath("//h1")
    if h1:
        node = h1[0]
        for _ in range(3):
            parent = node.getparent()
            if parent is None or parent.tag in ("body", "html"):
                break
            node = parent
        return node
    body = root.find("body")
    return body if body is not None else root


def _updated_ish(el: Any) -> bool:
    words = f"{el.get('class') or ''} {el.get('itemprop') or ''}".lower()
    return "updated" in words or "modified" in words


def _published_ish(el: Any) -> bool:
    words = f"{el.get('class') or ''} {el.get('itemprop') or ''} {el.get('pubdate') or ''}".lower()
    return "publish" in words or "entry-date" in words or el.get("pubdate") is not None


_DATEISH_RE = re.compile(r"(?:19|20)\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2}")


_YEAR_TOKEN_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)|\d{1,2}[/.-]\d{1,2}[/.-]\d{2}(?!\d)|[年년]")
_PUBLISHED_WORD_RE = re.compile(
    r"publi|posted|diposting|dipublikasikan|diterbitkan|terbit|veröffentlicht|geplaatst"
    r"|gepubliceerd",
    re.IGNORECASE,
)
_UPDATED_RE = re.compile(
    r"updated|diperbarui|diperbaharui|aktualisiert|mis\s+à\s+jour|bijgewerkt|modified|edited", re.IGNORECASE
)


_DAY_NAME_RE = re.compile(
    r"\b(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
_CLOCK_RE = re.compile(r"\b\d{1,2}[:.]\d{2}\b")


def _looks_like_todays_header(piece: str, at: datetime, now: datetime) -> bool:
    """ "Jumat, 22 November 2024" on the day it is read, with no time: portals print today's date
    at the top of every page. A post of today carries its hour ("09.30 WIB") or a phrase."""
    same_day = at.astimezone(JAKARTA).date() == now.astimezone(JAKARTA).date()
    return same_day and bool(_DAY_NAME_RE.search(piece)) and not _CLOCK_RE.search(piece) and len(piece) <= 60


def _has_year(text: str) -> bool:
    return bool(_YEAR_TOKEN_RE.search(text or ""))


def _dateish_element(el: Any) -> bool:
    words = f"{el.get('class') or ''} {el.get('id') or ''} {el.get('itemprop') or ''}".lower()
    return bool(words.strip()) and _BYLINE_CLASS_RE.search(words) is not None


def _looks_dated(value: str) -> bool:
    return bool(_DATEISH_RE.search(value or ""))


def _is_relative_text(piece: str) -> bool:
    return bool(_RELATIVE_WORD_RE.search(piece)) and not re.search(r"(?:19|20)\d{2}", piece)


# The languages of regional sites and of the themes they use; naming them keeps dateparser at about
# a millisecond a call (its language detection costs forty).
_LANGUAGES = ["id", "en", "de", "fr", "nl", "ms", "es", "it", "pt"]


def _any_language(text: str, now: datetime, default_tz: tzinfo = JAKARTA) -> datetime | None:
    """A short date in any language dateparser knows (German, French, Dutch months, 2-digit
    years): only for values already known to be a date (an attribute, a byline)."""
    text = _clean(text)
    if not text or len(text) > 60 or not any(ch.isdigit() for ch in text):
        return None
    if _RELATIVE_WORD_RE.search(text):
        return None
    import dateparser

    try:
        parsed = dateparser.parse(
            text,
            languages=_LANGUAGES,
            settings={
                "PREFER_DATES_FROM": "past",
                "PREFER_DAY_OF_MONTH": "first",
                "DATE_ORDER": "DMY",
                "RELATIVE_BASE": now.astimezone(default_tz).replace(tzinfo=None),
                "REQUIRE_PARTS": ["day", "month", "year"],
            },
        )
    except Exception:  # noqa: BLE001 - dateparser raises assorted internals on junk
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed.astimezone(UTC)


# ---- htmldate and the URL


def _htmldate(root: Any, url: str, now: datetime) -> datetime | None:
    from htmldate import find_date

    try:
        found = find_date(
            root,
            url=url or None,
            original_date=True,
            extensive_search=True,
            outputformat="%Y-%m-%d",
            max_date=now.astimezone(JAKARTA).strftime("%Y-%m-%d"),
        )
    except Exception:  # noqa: BLE001 - a library's internals must not end a check
        return None
    if not found:
        return None
    try:
        day = datetime.strptime(found, "%Y-%m-%d")
    except ValueError:
        return None
    return day.replace(tzinfo=JAKARTA).astimezone(UTC)


def _url_date(url: str) -> datetime | None:
    path = urlsplit(url or "").path
    m = _URL_DATE_RE.search(path)
    if m is None:
        return None
    try:
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=JAKARTA).astimezone(UTC)
    except ValueError:
        return None
