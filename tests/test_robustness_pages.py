"""A robustness run: ~300 malformed and odd pages and feeds, served on loopback, checked at once.

Every account must end with exactly one observation — a valid result or an error that says
what happened — and the whole pass must end in seconds: bad encodings, truncated XML, tag
soup, a 2 MB attribute, deep nesting, gzip bombs, endless redirects and redirects to other
schemes, slow drips, empty and binary bodies, wrong content types, future-dated and 5,000-item
feeds, and HTTP that is not quite HTTP. The cases are generated; each says what it expects.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from pantau.config.registry import validate_row
from pantau.crawler import reactor
from pantau.crawler.items import OUTCOMES
from pantau.crawler.runner import crawl, request_stop
from pantau.monitor.demo.server import Route, Site, silent_server
from pantau.storage.accounts import import_accounts, select_accounts
from pantau.storage.timefmt import from_iso
from tests.conftest import format_ago

NOW = datetime.now(UTC)
TIMEOUT_S = 8
MAX_BYTES = 5_000_000
# A hung run fails the test here instead of hanging it.
RUN_LIMIT_S = 60


@dataclass
class Case:
    name: str
    platform: str  # "website" or "feed"
    path: str  # the account's address on its site
    expect: str  # "activity", "no_activity", "ok", "clear", "error:<text>", "not_found"
    account_id: int = 0
    site: Site | None = None


# --- bodies -------------------------------------------------------------------------------


def rfc822(days: float) -> str:
    return format_datetime(NOW - timedelta(days=days))


def rss(
    items: list[tuple[str, str, str]], *, declaration: str = '<?xml version="1.0" encoding="utf-8"?>', extra: str = ""
) -> str:
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate>{extra}</item>\n" for t, link, d in items
    )
    return (
        f'{declaration}\n<rss version="2.0"><channel><title>Dinas Pariwisata – Kab. OKI</title>'
        f"<link>https://disparbud.okikab.go.id/</link>\n{body}</channel></rss>\n"
    )


def atom(items: list[tuple[str, str, str]], *, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    body = "".join(
        f'<entry><title>{t}</title><link href="{link}"/><id>{link}</id>'
        f"<published>{d}</published><updated>{d}</updated></entry>\n"
        for t, link, d in items
    )
    return (
        f'{declaration}\n<feed xmlns="http://www.w3.org/2005/Atom"><title>BPBD Sumsel</title>'
        f"<id>urn:bpbd</id><updated>{NOW.isoformat()}</updated>\n{body}</feed>\n"
    )


def json_feed(items: list[tuple[str, str, str]]) -> str:
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Humas",
            "items": [{"id": link, "url": link, "title": t, "date_published": d} for t, link, d in items],
        }
    )


TITLES = [
    "Festival Budaya Sriwijaya – “Pesona Danau” dibuka Bupati",
    "Café literasi: pelatihan jurnalistik bagi OPD",
    "Rapat koordinasi PPID, Jum’at pagi",
    "Sosialisasi Keamanan Informasi — seluruh perangkat daerah",
    "Peringatan Dini Cuaca Ekstrem Wilayah Sumatera Selatan",
]


def items(base: str, n: int = 5, first_days: float = 2.0, iso: bool = False) -> list[tuple[str, str, str]]:
    out = []
    for i in range(n):
        days = first_days + i * 3
        date = (NOW - timedelta(days=days)).isoformat() if iso else rfc822(days)
        out.append((TITLES[i % len(TITLES)], f"{base}/berita/{i}", date))
    return out


def home(
    base: str, *, feed: str | None = None, dated: bool = True, head: str = "", body: str = "", charset: str = "utf-8"
) -> str:
    link = f'<link rel="alternate" type="application/rss+xml" title="Feed" href="{feed}">' if feed else ""
    article = (
        (
            f'<article class="post"><h2><a href="{base}/berita/festival-budaya">{TITLES[0]}</a></h2>'
            f'<span class="tanggal">{format_ago(4, "id", NOW)}</span></article>'
        )
        if dated
        else ""
    )
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="{charset}"><title>Dinas Pariwisata – OKI</title>'
        f"{link}{head}</head><body><main>{article}{body}</main>"
        "<footer>© Pemerintah Kabupaten Ogan Komering Ilir</footer></body></html>"
    )


def png(width: int = 4, height: int = 4) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def bomb(size: int = 4 * MAX_BYTES) -> bytes:
    """A gzip body of a few kB that inflates past the download cap."""
    return gzip.compress(b"<p>" + b"\x00" * size, compresslevel=9)


def deflate_bomb(size: int = 4 * MAX_BYTES) -> bytes:
    return zlib.compress(b" " * size, 9)


# --- misbehaving handlers (bounded: each gives up by itself) --------------------------------


def drip_body(ctype: str) -> Callable[[BaseHTTPRequestHandler], None]:
    """Headers at once, then one byte a second: only the download timeout ends it."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        h.send_response(200)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        _drip(h, b"<" * 30)

    return handle


def drip_headers(h: BaseHTTPRequestHandler) -> None:
    h.close_connection = True
    _drip(h, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"a" * 30)


def _drip(h: BaseHTTPRequestHandler, data: bytes) -> None:
    try:
        for i in range(len(data)):
            h.wfile.write(data[i : i + 1])
            h.wfile.flush()
            time.sleep(1)
    except OSError:
        pass  # the client gave up, as it should


def raw(data: bytes) -> Callable[[BaseHTTPRequestHandler], None]:
    """Write these bytes as the whole answer, then close."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        try:
            h.wfile.write(data)
        except OSError:
            pass

    return handle


def close_at_once(h: BaseHTTPRequestHandler) -> None:
    h.close_connection = True


# --- the cases ----------------------------------------------------------------------------


class Plan:
    """Cases spread over a few sites (one per loopback address), each with its own routes."""

    def __init__(self, sites: list[Site]):
        self.sites = sites
        self.cases: list[Case] = []
        self._next = 0

    def site(self) -> Site:
        site = self.sites[self._next % len(self.sites)]
        self._next += 1
        return site

    def feed(self, name: str, route: Route, expect: str, *, site: Site | None = None) -> Case:
        site = site or self.site()
        path = f"/f/{name}.xml"
        site.routes[path] = route
        case = Case(name, "feed", path, expect, site=site)
        self.cases.append(case)
        return case

    def website(
        self,
        name: str,
        route: Route | Callable[[str], Route],
        expect: str,
        *,
        extra: dict[str, Route] | None = None,
        site: Site | None = None,
    ) -> Case:
        """A home page at /w/NAME/; ``route`` may be built from the page's base URL."""
        site = site or self.site()
        path = f"/w/{name}/"
        base = f"{site.url}/w/{name}"
        site.routes[path] = route(base) if callable(route) else route
        for sub, r in (extra or {}).items():
            site.routes[f"/w/{name}/{sub}"] = r
        case = Case(name, "website", path, expect, site=site)
        self.cases.append(case)
        return case


XML = "application/rss+xml; charset=utf-8"
HTML = "text/html; charset=utf-8"


def encodings(plan: Plan) -> None:
    """Bodies in one encoding, declared (header and document) as another — or not at all."""
    variants = [
        ("latin1-as-utf8", "latin-1", "utf-8"),
        ("cp1252-as-utf8", "cp1252", "utf-8"),
        ("cp1252-as-latin1", "cp1252", "iso-8859-1"),
        ("latin1-undeclared", "latin-1", None),
        ("utf16le-nobom-as-utf8", "utf-16-le", "utf-8"),
        ("utf16be-nobom-as-utf8", "utf-16-be", "utf-8"),
        ("utf16le-nobom-undeclared", "utf-16-le", None),
        ("utf32-as-utf8", "utf-32-le", "utf-8"),
        ("utf8-as-latin1", "utf-8", "iso-8859-1"),
        ("utf8-bogus-charset", "utf-8", "x-bogus-charset"),
        ("invalid-bytes", "invalid", "utf-8"),
    ]
    for name, actual, declared in variants:

        def encode(text: str, actual: str = actual) -> bytes:
            if actual == "invalid":
                data = text.encode("utf-8")
                cut = len(data) // 2
                return data[:cut] + b"\xff\xfe\xc0\x80\xed\xa0\x80" + data[cut:]
            return text.encode(actual, errors="replace")

        ctype_xml = f"application/rss+xml; charset={declared}" if declared else "application/rss+xml"
        ctype_html = f"text/html; charset={declared}" if declared else "text/html"
        decl = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
        # Dates and links are ASCII: a reader that survives the wrong encoding still finds them
        # (even UTF-16 without its BOM: feedparser sniffs it, and the HTML reader drops the NULs).
        want = "activity"
        plan.feed(
            f"enc-rss-{name}",
            Route(encode(rss(items("https://disparbud.okikab.go.id"), declaration=decl)), content_type=ctype_xml),
            want,
        )
        plan.feed(
            f"enc-atom-{name}",
            Route(
                encode(atom(items("https://bpbd.sumselprov.go.id", iso=True), declaration=decl)), content_type=ctype_xml
            ),
            want,
        )
        plan.website(
            f"enc-home-{name}",
            lambda base, e=encode, c=ctype_html, d=declared: Route(e(home(base, charset=d or "utf-8")), content_type=c),
            want,
        )
        plan.website(
            f"enc-homefeed-{name}",
            lambda base: Route(home(base, feed=f"{base}/feed.xml", dated=False)),
            want,
            extra={"feed.xml": Route(encode(rss(items("https://x.go.id"), declaration=decl)), content_type=ctype_xml)},
        )


def truncated(plan: Plan) -> None:
    """Feeds cut off anywhere: before the root, inside an item, inside a tag, inside an entity."""
    full_rss = rss(items("https://disparbud.okikab.go.id", n=10)).encode()
    full_atom = atom(items("https://bpbd.sumselprov.go.id", n=10, iso=True)).encode()
    for i in range(1, 20):
        for kind, full in (("rss", full_rss), ("atom", full_atom)):
            cut = full[: len(full) * i // 20]
            # Whole entries before the cut are posts; a cut before the first is not a feed.
            plan.feed(f"trunc-{kind}-{i:02d}", Route(cut, content_type=XML), "error:not a readable feed|ok")
    for i in range(1, 6):
        body = home("https://x.go.id").encode()
        plan.website(f"trunc-home-{i}", Route(body[: len(body) * i // 6], content_type=HTML), "ok")


def soup(plan: Plan) -> None:
    """Generated tag soup: unclosed and misnested tags, stray brackets, broken comments and scripts."""
    fragments = [
        "<div>",
        "</div>",
        "<p>",
        "</span>",
        "<table><tr><td>",
        "</td></table>",
        "<a href=/berita/1>",
        "</a>",
        "<",
        ">",
        "<<>>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<?php echo 1 ?>",
        "<script>",
        "</script>",
        "<style>",
        "</style>",
        "&",
        "&amp",
        "&#x110000;",
        "&#0;",
        "&nbsp",
        "<b><i>",
        "</b></i>",
        "<br/>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">',
        "<html>",
        "<body>",
        "<head>",
        "<meta charset=utf-8>",
        "<meta charset=bogus>",
        "<base href='::::'>",
        "<time>",
        '<time datetime="2024-13-45T99:99">',
        '<time datetime="{d}">{t}</time>',
        "Senin, 31 Februari 2024",
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": ',
        '<script type="application/ld+json">[[[[[[',
        '<meta property="article:published_time" content="{d}">',
        '<link rel="alternate" type="application/rss+xml" href="::/::">',
        "\x00",
        "\x1b[31m",
        "\ufeff",
        "<svg><foreignObject><div>",
        "<math><mi>",
        "<select><option>",
        "<noscript>",
        "<textarea>",
        '<a href="/berita/{n}">{t}</a> <span>{t}</span>',
        "3 hari yang lalu",
        "© 2024",
        "<frameset>",
    ]
    rng = random.Random(20241122)
    for n in range(70):
        parts = []
        for _ in range(rng.randint(5, 400)):
            frag = rng.choice(fragments)
            when = (NOW - timedelta(days=rng.randint(-30, 3000))).isoformat()
            parts.append(
                frag.replace("{d}", when).replace("{t}", rng.choice(TITLES)).replace("{n}", str(rng.randint(1, 9)))
            )
        plan.website(f"soup-{n:02d}", Route("".join(parts), content_type=HTML), "ok")


def huge(plan: Plan) -> None:
    """A 2 MB attribute value (and its relatives), within the download cap."""
    big = "A" * 2_000_000
    plan.website("huge-attr-div", lambda base: Route(home(base, body=f'<div data-x="{big}">x</div>')), "activity")
    plan.website("huge-attr-href", lambda base: Route(home(base, body=f'<a href="/{big}">baca</a>')), "activity")
    plan.website(
        "huge-attr-meta", lambda base: Route(home(base, head=f'<meta name="description" content="{big}">')), "activity"
    )
    plan.website(
        "huge-attr-feedlink",
        lambda base: Route(home(base, head=f'<link rel="alternate" type="application/rss+xml" href="/{big}">')),
        "ok",
    )
    plan.website("huge-attr-unquoted", lambda base: Route(home(base, body=f"<div class={big}>x</div>")), "ok")
    plan.website("huge-text-title", lambda base: Route(home(base, head=f"<title>{big}</title>")), "ok")
    one = items("https://x.go.id", n=1)
    plan.feed("huge-attr-enclosure", Route(rss(one, extra=f'<enclosure url="{big}"/>'), content_type=XML), "activity")
    plan.feed("huge-title", Route(rss([(big, "https://x.go.id/1", rfc822(3))]), content_type=XML), "activity")
    plan.feed(
        "huge-cdata",
        Route(rss(one, extra=f"<description><![CDATA[{big}]]></description>"), content_type=XML),
        "activity",
    )


def nesting(plan: Plan) -> None:
    """Tags nested far deeper than any real page: parsers must not recurse into a crash."""
    for depth in (1_000, 10_000, 100_000):
        plan.website(f"deep-div-{depth}", lambda base, d=depth: Route(home(base, body="<div>" * d + "x")), "ok")
        plan.website(
            f"deep-closed-{depth}", lambda base, d=depth: Route(home(base, body="<span>" * d + "</span>" * d)), "ok"
        )
        # Read, however deep (feedparser does not recurse); past 250,000 elements a feed is
        # refused unread instead — see flood-of-tags.
        plan.feed(
            f"deep-rss-{depth}",
            Route(rss(items("https://x.go.id", n=1), extra="<x>" * depth + "</x>" * depth), content_type=XML),
            "activity",
        )
        plan.feed(
            f"deep-rss-unclosed-{depth}",
            Route(rss(items("https://x.go.id", n=1), extra="<x>" * depth), content_type=XML),
            "activity",
        )
        nested_json = "[" * depth + "]" * depth
        plan.feed(
            f"deep-json-{depth}",
            Route(
                '{"version": "https://jsonfeed.org/version/1.1", "items": ' + nested_json + "}",
                content_type="application/feed+json",
            ),
            "error:not a readable feed",
        )
        plan.website(
            f"deep-jsonld-{depth}",
            lambda base, j=nested_json: Route(home(base, head=f'<script type="application/ld+json">{j}</script>')),
            "activity",
        )
    plan.feed(
        "deep-rss-50",
        Route(rss(items("https://x.go.id"), extra="<x>" * 50 + "</x>" * 50), content_type=XML),
        "activity",
    )
    # Nothing but tags up to the size cap: pure-Python feed parsing would take half a minute.
    plan.feed(
        "flood-of-tags",
        Route(rss(items("https://x.go.id", n=1), extra="<x/>" * 300_000), content_type=XML),
        "error:too many XML elements",
    )
    # An entity that expands a billion times (the XML cousin of a gzip bomb).
    entities = '<!ENTITY l0 "ha">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    laughs = rss(items("https://x.go.id"), declaration=f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]>')
    plan.feed(
        "billion-laughs",
        Route(laughs.replace("<title>Dinas", "<title>&l9; Dinas", 1), content_type=XML),
        "activity|error:not a readable feed",
    )
    plan.website(
        "deep-wpapi",
        lambda base: Route(home(base, dated=False, head=f'<link rel="https://api.w.org/" href="{base}/wp-json/">')),
        "ok",
        extra={"wp-json/wp/v2/posts": Route("[" * 100_000 + "]" * 100_000, content_type="application/json")},
    )


def bombs(plan: Plan) -> None:
    """Small bodies that inflate past the cap, and encodings that do not decode."""
    gz = {"Content-Encoding": "gzip"}
    plan.feed("bomb-gzip-feed", Route(bomb(), content_type=XML, headers=gz), "error:larger than the 5,000,000 bytes")
    plan.website("bomb-gzip-home", Route(bomb(), content_type=HTML, headers=gz), "error:larger than the 5,000,000")
    plan.website(
        "bomb-gzip-discovered-feed",
        lambda base: Route(home(base, feed=f"{base}/feed.xml")),
        "activity",
        extra={"feed.xml": Route(bomb(), content_type=XML, headers=gz)},
    )
    plan.feed(
        "bomb-deflate-feed",
        Route(deflate_bomb(), content_type=XML, headers={"Content-Encoding": "deflate"}),
        "error:larger than",
    )
    plan.feed(
        "bomb-gzip-twice",
        Route(gzip.compress(bomb()), content_type=XML, headers={"Content-Encoding": "gzip, gzip"}),
        "error:larger than",
    )
    plan.feed("bomb-xml-gz-body", Route(bomb(), content_type="application/x-gzip"), "error:not a readable feed")
    plan.feed(
        "gzip-corrupt",
        Route(b"\x1f\x8b\x08\x00garbage-not-gzip" * 10, content_type=XML, headers=gz),
        "error:does not decompress",
    )
    plan.feed(
        "gzip-not-gzip", Route(rss(items("https://x.go.id")), content_type=XML, headers=gz), "error:does not decompress"
    )
    plan.website("gzip-not-gzip", lambda base: Route(home(base), headers=gz), "error:does not decompress")
    # An encoding nobody knows: the body is passed on as it is, and here it is a good feed.
    plan.feed(
        "encoding-unknown",
        Route(rss(items("https://x.go.id")), content_type=XML, headers={"Content-Encoding": "x-pantau-unknown"}),
        "activity",
    )
    plan.feed(
        "gzip-small-ok",
        Route(gzip.compress(rss(items("https://x.go.id")).encode()), content_type=XML, headers=gz),
        "activity",
    )


def redirects(plan: Plan) -> None:
    """Endless redirects, and redirects to places that are not web pages."""
    targets = {
        "ftp": "ftp://disparbud.okikab.go.id/feed.xml",
        "file": "file:///etc/passwd",
        "javascript": "javascript:alert(document.cookie)",
        "mailto": "mailto:humas@okikab.go.id",
        "data": "data:text/html,<h1>Senin, 18 November 2024</h1>",
        "gopher": "gopher://127.0.0.1:70/",
        "s3": "s3://bucket/feed.xml",
    }
    for label, location in targets.items():
        plan.feed(f"redir-{label}", Route(status=302, redirect=location), "error:not followed")
        plan.website(f"redir-{label}", Route(status=301, redirect=location), "error:not followed")
    # Locations that are http but not a usable address: whatever comes of them must be said.
    for label, location in (
        ("bad-ipv6", "http://[::1"),
        ("no-host", "http:///feed.xml"),
        ("bad-port", "http://127.0.0.1:99999/"),
        ("spaces", "http://exa mple.go.id/"),
    ):
        plan.feed(f"redir-{label}", Route(status=302, redirect=location), "error:invalid address|clear")
        plan.website(f"redir-{label}", Route(status=301, redirect=location), "error:invalid address|clear")
    for kind in ("feed", "website"):
        add = plan.feed if kind == "feed" else plan.website
        site = plan.site()
        prefix = "/f/" if kind == "feed" else "/w/"
        suffix = ".xml" if kind == "feed" else "/"
        loop = f"{prefix}redir-loop-{kind}{suffix}"
        add(f"redir-loop-{kind}", Route(status=302, redirect=loop), "error:too many redirects", site=site)
        ping, pong = f"{prefix}redir-ping-{kind}{suffix}", f"/pong-{kind}"
        site.routes[pong] = Route(status=307, redirect=ping)
        add(f"redir-ping-{kind}", Route(status=302, redirect=pong), "error:too many redirects", site=site)
        for n in range(8):
            site.routes[f"/chain-{kind}/{n}"] = Route(status=301, redirect=f"/chain-{kind}/{n + 1}")
        site.routes[f"/chain-{kind}/8"] = Route(rss(items("https://x.go.id")), content_type=XML)
        add(
            f"redir-long-chain-{kind}",
            Route(status=302, redirect=f"/chain-{kind}/0"),
            "error:too many redirects",
            site=site,
        )
        add(
            f"redir-short-chain-{kind}",
            Route(status=302, redirect=f"/chain-{kind}/6"),
            "activity" if kind == "feed" else "ok",
            site=site,
        )
        add(f"redir-no-location-{kind}", Route(status=302, body=b""), "error:without a Location", site=site)
        # An empty Location is this same address again: a loop.
        add(
            f"redir-empty-location-{kind}",
            Route(status=302, headers={"Location": ""}),
            "error:too many redirects|error:without a Location",
            site=site,
        )
    plan.website(
        "meta-refresh-loop",
        lambda base: Route(
            f'<html><head><meta http-equiv="refresh" content="0; url={base}/"></head><body>tunggu…</body></html>'
        ),
        "error:too many redirects",
    )


def slow(plan: Plan, hung_port: int) -> None:
    """Servers that answer too slowly, or never: the timeout must end each check."""
    plan.feed("slow-drip-feed", Route(handler=drip_body(XML)), "error:timed out")
    plan.website("slow-drip-home", Route(handler=drip_body(HTML)), "error:timed out")
    plan.website(
        "slow-drip-discovered-feed",
        lambda base: Route(home(base, feed=f"{base}/feed.xml")),
        "activity",
        extra={"feed.xml": Route(handler=drip_body(XML))},
    )
    plan.feed("slow-drip-headers", Route(handler=drip_headers), "error:timed out")
    plan.website("slow-delay-home", Route(home("https://x.go.id"), delay=TIMEOUT_S + 3), "error:timed out")
    plan.feed(
        "slow-delay-feed",
        Route(rss(items("https://x.go.id")), content_type=XML, delay=TIMEOUT_S + 3),
        "error:timed out",
    )
    plan.feed(
        "slow-but-in-time", Route(rss(items("https://x.go.id")), content_type=XML, delay=TIMEOUT_S / 3), "activity"
    )
    hung = Case("silent-server", "feed", "", "error:timed out")
    hung.path = f"http://127.0.0.1:{hung_port}/feed.xml"
    plan.cases.append(hung)


def empty(plan: Plan) -> None:
    plan.feed("empty-200", Route(b"", content_type=XML), "error:empty")
    plan.feed("empty-whitespace", Route(b" \r\n\t \n", content_type=XML), "error:empty")
    plan.feed("empty-bom", Route(b"\xef\xbb\xbf", content_type=XML), "error:not a readable feed")
    plan.feed("empty-204", Route(b"", status=204, content_type=XML), "error")
    plan.website("empty-200", Route(b"", content_type=HTML), "no_activity")
    plan.website("empty-whitespace", Route(b"\n\n  \n", content_type=HTML), "no_activity")
    plan.website("empty-204", Route(b"", status=204), "ok")
    plan.feed("empty-rss-no-items", Route(rss([]), content_type=XML), "no_activity")


def lone_surrogates(plan: Plan) -> None:
    """JSON may escape half a character ("\\ud800"); such text cannot be stored as UTF-8."""
    half = "\\ud800 Rapat \\udfff"
    gmt = (NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
    plan.feed(
        "surrogate-jsonfeed",
        Route(
            '{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", '
            f'"url": "https://x.go.id/{half}", "title": "{half}", '
            f'"date_published": "{(NOW - timedelta(days=2)).isoformat()}"}}]}}',
            content_type="application/feed+json",
        ),
        "activity",
    )
    plan.website(
        "surrogate-jsonld",
        lambda base: Route(
            home(
                base,
                dated=False,
                head=(
                    '<script type="application/ld+json">{"@type": "NewsArticle", '
                    f'"headline": "{half}", "url": "{base}/berita/{half}", '
                    f'"datePublished": "{(NOW - timedelta(days=2)).isoformat()}"}}</script>'
                ),
            )
        ),
        "activity",
    )
    plan.website(
        "surrogate-wpapi",
        lambda base: Route(home(base, dated=False, head=(f'<link rel="https://api.w.org/" href="{base}/wp-json/">'))),
        "activity",
        extra={
            "wp-json/wp/v2/posts": Route(
                f'[{{"date_gmt": "{gmt}", "link": "https://x.go.id/{half}", "title": {{"rendered": "{half}"}}}}]',
                content_type="application/json",
            )
        },
    )


def content_types(plan: Plan) -> None:
    feed_body = rss(items("https://x.go.id"))
    for i, ctype in enumerate(
        (
            "text/html",
            "image/png",
            "application/octet-stream",
            "text/plain; charset=utf-8",
            "application/json",
            "???",
            "text/html; charset=",
            "application/xml; charset=utf-7",
        )
    ):
        plan.feed(f"ctype-feed-{i}", Route(feed_body, content_type=ctype), "activity")
    plan.feed("ctype-feed-missing", Route(feed_body, content_type=""), "activity")
    plan.feed(
        "ctype-jsonfeed-as-html",
        Route(json_feed(items("https://x.go.id", iso=True)), content_type="text/html"),
        "activity",
    )
    for i, ctype in enumerate(
        ("application/rss+xml", "application/json", "image/jpeg", "text/plain", "", "application/pdf")
    ):
        plan.website(f"ctype-home-{i}", lambda base, c=ctype: Route(home(base), content_type=c), "activity")
    # Declared UTF-16 without a BOM: a browser shows garbage too; a result, not a crash.
    plan.website(
        "ctype-home-utf16-declared", lambda base: Route(home(base), content_type="text/html; charset=utf-16"), "ok"
    )
    plan.website("ctype-feed-served-as-home", lambda base: Route(rss(items(base)), content_type=XML), "ok")


def binaries(plan: Plan) -> None:
    rng = random.Random(7)
    noise = bytes(rng.getrandbits(8) for _ in range(50_000))
    bodies = {
        "png": (png(), "image/png"),
        "png-as-html": (png(), "text/html"),
        "png-as-xml": (png(64, 64), XML),
        "noise": (noise, "application/octet-stream"),
        "noise-as-html": (noise, HTML),
        "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + noise[:2000], "application/pdf"),
        "zip": (b"PK\x03\x04" + noise[:5000], "application/zip"),
    }
    for name, (body, ctype) in bodies.items():
        plan.feed(f"bin-{name}", Route(body, content_type=ctype), "error:not a readable feed")
        plan.website(f"bin-{name}", Route(body, content_type=ctype), "no_activity")


def dates(plan: Plan) -> None:
    """Every date in the future (an agenda), and a feed of 5,000 items whose newest is in the middle."""
    future = [(t, f"https://x.go.id/agenda/{i}", rfc822(-10 - 30 * i)) for i, t in enumerate(TITLES)]
    plan.feed("future-rss", Route(rss(future), content_type=XML), "no_activity")
    plan.feed(
        "future-atom",
        Route(
            atom([(t, u, (NOW + timedelta(days=10 + i)).isoformat()) for i, (t, u, _) in enumerate(future)]),
            content_type=XML,
        ),
        "no_activity",
    )
    plan.feed(
        "future-json",
        Route(
            json_feed([(t, u, (NOW + timedelta(days=3 + i)).isoformat()) for i, (t, u, _) in enumerate(future)]),
            content_type="application/feed+json",
        ),
        "no_activity",
    )
    plan.website(
        "future-agenda",
        lambda base: Route(
            home(
                base,
                dated=False,
                body="".join(
                    f'<article><a href="{base}/agenda/{i}">Agenda {i}</a><time datetime="'
                    f'{(NOW + timedelta(days=5 + i)).isoformat()}">{format_ago(-5 - i, "id", NOW)}</time></article>'
                    for i in range(5)
                ),
            )
        ),
        "no_activity",
    )
    for kind, make in (("rss", rss), ("atom", atom), ("json", json_feed)):
        many = [
            (
                f"Berita nomor {i}",
                f"https://x.go.id/berita/{i}",
                (NOW - timedelta(days=20 + (i % 97), minutes=i)).isoformat()
                if kind != "rss"
                else rfc822(20 + (i % 97) + i / 1440),
            )
            for i in range(5000)
        ]
        newest = (
            f"Berita terbaru {kind}",
            f"https://x.go.id/berita/terbaru-{kind}",
            (NOW - timedelta(days=1)).isoformat() if kind != "rss" else rfc822(1),
        )
        many.insert(2500, newest)
        case = plan.feed(f"many-{kind}", Route(make(many), content_type=XML), "activity")
        NEWEST[case.name] = newest[0]
    plan.website(
        "many-discovered",
        lambda base: Route(home(base, feed=f"{base}/feed.xml", dated=False)),
        "activity",
        extra={
            "feed.xml": Route(
                rss([(f"Berita {i}", f"https://x.go.id/{i}", rfc822(3 + i / 100)) for i in range(5000)]),
                content_type=XML,
            )
        },
    )


NEWEST: dict[str, str] = {}


def http_oddities(plan: Plan) -> None:
    for status in (500, 502, 503, 403, 429, 451, 999):
        plan.feed(f"status-{status}", Route(b"<h1>galat</h1>", status=status), f"error:HTTP {status}")
        plan.website(f"status-{status}", Route(b"<h1>galat</h1>", status=status), f"error:HTTP {status}")
    plan.feed("status-404", Route(b"<h1>404</h1>", status=404), "not_found")
    plan.feed("status-410", Route(b"", status=410), "not_found")
    plan.website("status-404", Route(b"<h1>404</h1>", status=404), "error:HTTP 404")
    feed_body = rss(items("https://x.go.id")).encode()
    answers = {
        "garbage-status-line": b"NOT HTTP AT ALL\r\n\r\n",
        "http09": feed_body,
        "close-at-once": None,
        "short-body": b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n"
        + feed_body[:200],
        "bad-chunks": b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"zz\r\nnot a chunk\r\n",
        "two-lengths": b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n"
        + feed_body[:20],
        "bad-header": b"HTTP/1.1 200 OK\r\nContent-Type text/xml\r\n\x00\x01: \xff\r\n\r\n" + feed_body,
        "huge-header": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n" + feed_body,
        "status-only": b"HTTP/1.1 200 OK\r\n",
        "status-huge": b"HTTP/1.1 99999999999999999999 OK\r\nContent-Length: 0\r\n\r\n",
        "status-negative": b"HTTP/1.1 -200 OK\r\nContent-Length: 0\r\n\r\n",
    }
    for name, data in answers.items():
        handler = close_at_once if data is None else raw(data)
        said = "error:not a valid HTTP answer|error:closed the connection|error:connection closed before"
        plan.feed(f"raw-{name}", Route(handler=handler), said)
        plan.website(f"raw-{name}", Route(handler=handler), said)


# --- the run ------------------------------------------------------------------------------


def clear_error(text: str | None) -> bool:
    """An error an operator can act on: said in words, not a traceback or an object's repr."""
    if not text or not text.strip():
        return False
    return not re.search(r"internal error|Traceback|<twisted|Failure instance|object at 0x", text) and len(text) < 600


def judge(case: Case, obs: dict[str, Any]) -> str | None:
    """What is wrong with this observation for this case, or None."""
    outcome, error = obs["outcome"], obs["error"]
    if outcome not in OUTCOMES:
        return f"unknown outcome {outcome!r}"
    if outcome not in ("ok", "not_modified") and not clear_error(error):
        return f"{outcome} without a clear error: {error!r}"
    if error and not clear_error(error):
        return f"unclear error text: {error[:300]!r}"
    if obs["activity_at"] and from_iso(obs["activity_at"]) > NOW + timedelta(days=1):
        return f"activity in the future: {obs['activity_at']}"
    for want in case.expect.split("|"):
        kind, _, text = want.partition(":")
        if kind == "clear" and outcome in ("ok", "error", "not_found"):
            return None
        if kind == "ok" and outcome == "ok":
            return None
        if kind == "activity" and outcome == "ok" and obs["activity_at"]:
            return None
        if kind == "no_activity" and outcome == "ok" and not obs["activity_at"]:
            return None
        if kind == "not_found" and outcome == "not_found":
            return None
        if kind == "error" and outcome == "error" and text.lower() in (error or "").lower():
            return None
    return f"expected {case.expect}, got {outcome} (activity {obs['activity_at']}): {error}"


def build_plan(sites: Any, hung_port: int) -> Plan:
    plan = Plan([sites.serve({}, host=f"127.0.0.{n}") for n in (1, 2, 3, 4)])
    for family in (
        encodings,
        truncated,
        soup,
        huge,
        nesting,
        bombs,
        redirects,
        empty,
        content_types,
        binaries,
        dates,
        http_oddities,
        lone_surrogates,
    ):
        family(plan)
    slow(plan, hung_port)
    return plan


def register(w: Any, plan: Plan) -> None:
    rows = []
    for case in plan.cases:
        url = case.path if case.path.startswith("http") else f"{case.site.url}{case.path}"
        rows.append(
            validate_row(
                2,
                {
                    "institution": f"Uji {case.name}",
                    "region": "16.02",
                    "platform": case.platform,
                    "url": url,
                    "note": case.name,
                },
            ).as_record()
        )
    import_accounts(w.db, rows, NOW)
    by_note = {(a["platform"], a["note"]): a["id"] for a in select_accounts(w.db)}
    for case in plan.cases:
        case.account_id = by_note[(case.platform, case.name)]


def test_three_hundred_odd_pages_and_feeds_each_end_with_one_clear_observation(sites, watch):
    hung, hung_port = silent_server()
    try:
        plan = build_plan(sites, hung_port)
        w = watch(
            crawler={"timeout_s": TIMEOUT_S, "max_bytes": MAX_BYTES, "retries": 0, "concurrency": 64, "per_host": 16}
        )
        register(w, plan)
        accounts = select_accounts(w.db)
        assert len(accounts) == len(plan.cases) >= 300

        started = time.monotonic()
        running = reactor.submit(crawl, w.cfg, accounts)
        try:
            summary = running.result(timeout=RUN_LIMIT_S)
        finally:
            if not running.done():
                request_stop()
        elapsed = time.monotonic() - started
    finally:
        hung.close()

    # It should finish the whole pass well inside a minute: nothing waits past its timeout
    assert elapsed < 45, f"the run took {elapsed:.1f}s"

    problems = []
    for case in plan.cases:
        observations = w.observations(case.account_id)
        if len(observations) != 1:
            problems.append(f"{case.platform} {case.name}: {len(observations)} observations")
            continue
        obs = observations[0]
        wrong = judge(case, obs)
        if wrong:
            problems.append(f"{case.platform} {case.name}: {wrong}")
        elif case.name in NEWEST and obs["activity_title"] != NEWEST[case.name]:
            problems.append(f"{case.name}: newest is {obs['activity_title']!r}, not {NEWEST[case.name]!r}")
    # It should record exactly one observation per account, each a valid result or a clear error
    assert not problems, f"{len(problems)} of {len(plan.cases)} accounts went wrong:\n" + "\n".join(problems)
    assert summary.accounts == len(plan.cases)
