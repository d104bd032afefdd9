"""HTML mail escapes everything that came from the web or the registry.

Institution names come from registry files; post titles, post URLs and failure messages come
from the crawled web and from APIs — all of it text someone else wrote. The digest and the
weekly report are HTML read in the mail client of a head of office, who trusts a link because
pantau sent it. So every such value must arrive as text: no live ``<script>``, no event
handler, no attribute broken out of by a quote, no ``javascript:`` link.

The hostile values travel the real way: an institution name through ``pantau registry
import``; titles and permalinks through ``pantau check`` against a fake Graph API (an API
title is not stripped of markup the way a feed's is, and a permalink is taken as given); a
failure reason from a fake RSSHub whose error message is markup. Then ``pantau alerts send``
and ``pantau report weekly --send --out`` deliver to a real SMTP server, and the HTML parts
of what it received — and the report file on disk — are parsed like a mail client would.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest

from pantau.monitor.demo.server import Route

pytest_plugins = ["tests.smtp_server"]

KADIS = "kadis@kominfo.mubakab.go.id"
KOMDIGI = "pantau@komdigi.go.id"
HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"

INSTITUTION_SCRIPT = "Dinas Kominfo <script>alert('institusi')</script>"
INSTITUTION_QUOTES = "Dinas Kesehatan \"><img src=x onerror=alert('institusi')>"
INSTITUTION_SVG = "Bagian Humas <svg onload=alert('humas')>"
TITLE_SCRIPT = "<script>alert('judul')</script><img src=x onerror=alert('judul')>"
TITLE_QUOTES = "Rapat \" onmouseover=\"alert('judul')\" x=\"' onfocus='alert(1)"
URL_JAVASCRIPT = "javascript:alert(document.cookie)//"
URL_QUOTES = "https://www.facebook.com/dinkesmuba/posts/1?x=\"><script>alert('url')</script>&y=' onfocus='alert(2)"
REASON_MARKUP = (
    "<script>alert('alasan')</script><img src=x onerror=alert('alasan')> <a href=\"javascript:alert(3)\">x</a>"
)

# Every tag the digest and weekly templates write; anything else in a received mail was injected.
TEMPLATE_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "body",
    "p",
    "h1",
    "h2",
    "strong",
    "em",
    "table",
    "tr",
    "th",
    "td",
    "br",
    "span",
    "a",
    "svg",
    "line",
    "text",
    "rect",
}


class Markup(HTMLParser):
    """What a mail client sees: the elements with their attributes, and the text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)


def assert_inert(html: str, where: str) -> Markup:
    """No element, attribute or link in ``html`` that a web page or registry row put there."""
    page = Markup(html)
    tags = {tag for tag, _ in page.elements}
    assert tags <= TEMPLATE_TAGS, f"{where}: injected elements {tags - TEMPLATE_TAGS}"
    for tag, attrs in page.elements:
        names = [name for name, _ in attrs]
        assert not [n for n in names if n.startswith("on")], f"{where}: event handler on <{tag} {attrs}>"
        for name, value in attrs:
            assert not (value or "").strip().lower().startswith(("javascript:", "data:", "vbscript:")), (
                f"{where}: <{tag} {name}={value!r}>"
            )
        if tag == "a":
            assert names == ["href"], f"{where}: a link with extra attributes {attrs}"
            assert urlsplit(attrs[0][1] or "").scheme in ("http", "https"), f"{where}: link {attrs}"
    return page


def html_part(msg: Any) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


def graph_posts(message: str, permalink: str) -> Route:
    created = (datetime.now(UTC) - timedelta(days=45)).isoformat(timespec="seconds")
    body = {"data": [{"id": "1_1", "created_time": created, "permalink_url": permalink, "message": message}]}
    return Route(json.dumps(body), content_type="application/json; charset=utf-8")


@pytest.fixture
def hostile(sites, smtp_server, new_project, tmp_path, monkeypatch):
    """Three accounts checked for real: two Facebook pages whose newest posts (45 days old,
    so dormant) carry hostile titles and permalinks, and an Instagram account whose RSSHub
    answers an error made of markup (unreachable after one failure)."""
    monkeypatch.setenv("PANTAU_TEST_FB_TOKEN", "EAAGKominfoMubaTokenUji2024")
    web = sites.serve(
        {
            "/graph/kominfomuba/posts": graph_posts(TITLE_SCRIPT, URL_JAVASCRIPT),
            "/graph/dinkesmuba/posts": graph_posts(TITLE_QUOTES, URL_QUOTES),
            "/instagram/user/humasmuba": Route(
                json.dumps({"error": {"message": REASON_MARKUP}}),
                status=503,
                content_type="application/json; charset=utf-8",
            ),
        }
    )
    p = new_project(
        tmp_path / "kominfo",
        f"""
[crawler]
allow_private_addresses = true
obey_robots = false
timeout_s = 5
retries = 0

[policy]
unreachable_after_failures = 1

[platforms.facebook]
token_env = "PANTAU_TEST_FB_TOKEN"
api_url = "{web.url}/graph"

[bridges]
rsshub = "{web.url}"

[smtp]
host = "{smtp_server.host}"
port = {smtp_server.port}
sender = "pantau@kominfo.example.go.id"
timeout_s = 5

[[recipients]]
name = "Kepala Dinas Kominfo Kab. Musi Banyuasin"
email = "{KADIS}"
regions = ["16.06"]

[[recipients]]
name = "Komdigi"
email = "{KOMDIGI}"
regions = ["*"]
language = "en"
""",
    )
    rows = [
        (INSTITUTION_SCRIPT, "facebook", "kominfomuba", "https://www.facebook.com/kominfomuba"),
        (INSTITUTION_QUOTES, "facebook", "dinkesmuba", "https://www.facebook.com/dinkesmuba"),
        (INSTITUTION_SVG, "instagram", "humasmuba", "https://www.instagram.com/humasmuba/"),
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(
        (name, "16.06", platform, handle, url, "", "", "", "") for name, platform, handle, url in rows
    )
    p.write("registry.csv", HEADER + buf.getvalue())
    imported = p.run("registry", "import", "registry.csv")
    assert imported.returncode == 0, imported.stderr
    checked = p.run("check", "--all")
    assert checked.returncode == 0, checked.stderr
    status = {r["institution"]: r for r in json.loads(p.run("status", "--format", "json").stdout)}
    # Precondition: the hostile values really are in pantau's data, as the web gave them.
    assert status[INSTITUTION_SCRIPT]["last_activity_url"] == URL_JAVASCRIPT
    assert status[INSTITUTION_SCRIPT]["status"] == status[INSTITUTION_QUOTES]["status"] == "dormant"
    assert status[INSTITUTION_QUOTES]["last_activity_url"] == URL_QUOTES
    assert status[INSTITUTION_SVG]["status"] == "unreachable"
    assert REASON_MARKUP in status[INSTITUTION_SVG]["reason"]
    p.smtp = smtp_server
    return p


def test_the_digest_shows_hostile_names_titles_urls_and_reasons_as_text(hostile):
    sent = hostile.run("alerts", "send")

    assert sent.returncode == 0, sent.stderr
    received = {r.rcpt_tos[0]: r.message for r in hostile.smtp.received}
    assert set(received) == {KADIS, KOMDIGI}
    for email, msg in received.items():
        # It should deliver HTML with no injected element, handler, or javascript: link
        page = assert_inert(html_part(msg), f"the digest to {email}")
        # It should still show every hostile value, as the text it is
        for value in (
            INSTITUTION_SCRIPT,
            INSTITUTION_QUOTES,
            INSTITUTION_SVG,
            TITLE_SCRIPT,
            TITLE_QUOTES,
            REASON_MARKUP,
        ):
            assert value in page.text, (email, value)
        # It should keep a quote-breaking URL whole inside its href, and make no link of javascript:
        links = [dict(attrs)["href"] for tag, attrs in page.elements if tag == "a"]
        assert URL_QUOTES in links and URL_JAVASCRIPT not in links
        assert "https://facebook.com/kominfomuba" in links


def test_the_weekly_report_shows_hostile_values_as_text_in_the_mail_and_the_file(hostile):
    report = hostile.run("report", "weekly", "--send", "--out", "laporan")

    assert report.returncode == 0, report.stderr
    files = sorted((hostile.root / "laporan").glob("*.html"))
    assert len(files) == 2
    received = {r.rcpt_tos[0]: r.message for r in hostile.smtp.received}
    assert set(received) == {KADIS, KOMDIGI}
    pages = {f"the report mailed to {email}": html_part(msg) for email, msg in received.items()}
    pages |= {f"the report file {f.name}": f.read_text(encoding="utf-8") for f in files}
    for where, html in pages.items():
        # It should write HTML with no injected element, handler, or javascript: link
        page = assert_inert(html, where)
        # It should still show the hostile values as text (dormant titles, the unreachable reason)
        for value in (INSTITUTION_SCRIPT, INSTITUTION_QUOTES, INSTITUTION_SVG, TITLE_SCRIPT, REASON_MARKUP):
            assert value in page.text, (where, value)
        links = [dict(attrs)["href"] for tag, attrs in page.elements if tag == "a"]
        assert URL_QUOTES in links and URL_JAVASCRIPT not in links
