"""The compromise scan finds gambling injection and defacement by its pattern, not its words.

Offline, on stored pages (``tests/fixtures/compromise/``) shaped like the injections found
on Indonesian government sites — hidden link blocks, off-screen sponsor lists, footer link
farms, spam titles, bot-conditional redirect scripts, "hacked by" pages, spam pages in
sitemaps and feeds — and on legitimate pages that write about fighting online gambling.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantau.crawler.compromise import (
    CLOAKING,
    DEFACEMENT,
    GAMBLING,
    HomeScan,
    compare_cloaked,
    judge,
    scan_entries,
    scan_page,
    scan_sitemap,
)

FIX = Path(__file__).parent / "fixtures" / "compromise"
HOME = "https://dinas.example.go.id/"


def scan(name: str, url: str = HOME) -> HomeScan:
    return scan_page((FIX / name).read_bytes(), url)


def places(result: HomeScan) -> set[tuple[str, str]]:
    return {(f.kind, f.place) for f in result.findings}


@pytest.mark.parametrize(
    ("fixture", "kind", "place"),
    [
        ("hidden_links_home.html", GAMBLING, "hidden_block"),
        ("offscreen_links_home.html", GAMBLING, "hidden_block"),
        ("footer_links_home.html", GAMBLING, "footer_links"),
        ("spam_title_home.html", GAMBLING, "title"),
        ("spam_title_home.html", GAMBLING, "meta_description"),
        ("script_redirect_home.html", GAMBLING, "script"),
        ("keyword_stuffing_home.html", GAMBLING, "page_text"),
        ("hacked_by_home.html", DEFACEMENT, "defaced_page"),
    ],
)
def test_it_finds_each_injection_where_it_is_planted(fixture, kind, place):
    result = scan(fixture)
    # It should name the kind of compromise and where on the page it was seen.
    assert (kind, place) in places(result), result.findings


@pytest.mark.parametrize(
    "fixture",
    [
        "clean_portal_home.html",
        "news_fighting_gambling_home.html",
    ],
)
def test_it_does_not_flag_a_legitimate_page(fixture):
    # It should find nothing on a page that only writes about fighting online gambling,
    # hides its dropdown menu with CSS, or redirects phones to its mobile site.
    assert scan(fixture).findings == []


def test_a_finding_carries_its_evidence():
    body = (FIX / "hidden_links_home.html").read_bytes()
    finding = scan_page(body, HOME).findings[0]
    assert finding.url == HOME
    # It should quote the injected links and hash the response it saw them in.
    assert "slot gacor <https://gacor-hari-ini.example/>" in finding.excerpt
    import hashlib

    assert finding.sha256 == hashlib.sha256(body).hexdigest()


def test_off_screen_blocks_are_hidden_whether_by_class_rule_or_inline_style():
    result = scan("offscreen_links_home.html")
    excerpt = next(f.excerpt for f in result.findings if f.place == "hidden_block")
    # It should see both the .sponsor-x rule's block and the top:-1200px paragraph.
    assert "Dewatogel" in excerpt and "sbobet88" in excerpt


@pytest.mark.parametrize(
    "text",
    [
        "Pemkab Sosialisasi Bahaya Judi Online",
        "Satgas Pemberantasan Judi Online",
        "Bupati Imbau Warga Jauhi Judi Online",
        "Polres Ringkus Bandar Togel di Kayuagung",
        "Kominfo Blokir 800 Ribu Situs Slot Gacor",
        "Waspada modus deposit pulsa dan bonus new member",
        "Slot pendaftaran vaksinasi dibuka di Bandar Lampung",
        "Judi online diancam pidana Pasal 303 KUHP",
        "Layanan Office 365 untuk ASN",
    ],
)
def test_words_about_fighting_gambling_are_not_spam(text):
    # It should need the spam pattern, not just the word.
    assert not judge(text).gambling


@pytest.mark.parametrize(
    "text",
    [
        "Slot Gacor Hari Ini Gampang Maxwin",
        "situs toto macau 4d",
        "Dewatogel",
        "link alternatif sbobet88",
        "RTP Live Pragmatic Play",
        "judi slot",
    ],
)
def test_spam_vocabulary_and_brand_tokens_are_spam(text):
    # It should call promotional words and brand tokens spam without any other sign.
    assert judge(text).gambling


def test_it_finds_spam_pages_listed_in_a_sitemap():
    body = (FIX / "spam_sitemap.xml").read_text().replace("{{base}}", "https://dinas.example.go.id")
    body = body.replace("{{ago:400:iso}}", "2023-01-01").replace("{{ago:420:iso}}", "2023-01-01")
    body = body.replace("{{ago:3:iso}}", "2024-11-19").replace("{{ago:2:iso}}", "2024-11-20")
    found = scan_sitemap(body.encode(), "https://dinas.example.go.id/sitemap.xml")
    assert found is not None and found.kind == GAMBLING and found.place == "sitemap_entry"
    # It should count the spam entries and point at the first spam page.
    assert found.excerpt.startswith("3/5 sitemap https://dinas.example.go.id/sitemap.xml: ")
    assert found.url == "https://dinas.example.go.id/wp-content/uploads/slot-gacor-hari-ini/"


def test_a_sitemap_of_news_about_fighting_gambling_is_clean():
    body = (FIX / "clean_news_sitemap.xml").read_bytes()
    # It should leave slugs about fighting gambling (and 'slot pendaftaran') alone.
    assert scan_sitemap(body, "https://dinas.example.go.id/sitemap.xml") is None


def test_it_finds_gambling_posts_in_a_feed_but_not_news_against_gambling():
    spam = [
        (
            "https://d.example.go.id/2024/11/slot-gacor-hari-ini-gampang-maxwin/",
            "Slot Gacor Hari Ini Gampang Maxwin Bersama Situs Slot88 Resmi",
        ),
        ("https://d.example.go.id/2023/06/ppdb-2023/", "Penerimaan Peserta Didik Baru"),
    ]
    news = [
        (
            "https://d.example.go.id/2024/11/imbau-asn-jauhi-judi-online/",
            "Wali Kota Imbau ASN Jauhi Judi Online dan Slot Gacor",
        ),
        (
            "https://d.example.go.id/2024/11/polrestabes-tangkap-admin-togel/",
            "Polrestabes Tangkap Admin Situs Togel Online",
        ),
    ]
    found = scan_entries(spam, "https://d.example.go.id/feed/", b"<rss/>")
    assert found is not None and found.place == "feed_item"
    # It should flag the spam post and leave the news about fighting gambling alone.
    assert scan_entries(news, "https://d.example.go.id/feed/", b"<rss/>") is None


def test_gambling_served_only_to_the_crawler_is_cloaking():
    normal = scan("clean_portal_home.html")
    crawler = scan("cloaked_for_googlebot.html")
    found = compare_cloaked(normal, crawler, HOME, HOME)
    assert found is not None
    # It should call it cloaking, with the crawler's response as evidence.
    assert (found.kind, found.place, found.sha256) == (CLOAKING, "cloaked_response", crawler.sha256)


def test_gambling_served_to_everyone_is_injection_not_cloaking():
    both = scan("spam_title_home.html")
    # It should not call it cloaking when visitors get the spam too.
    assert compare_cloaked(both, both, HOME, HOME) is None


def test_a_redirect_of_the_crawler_to_a_gambling_host_is_cloaking():
    normal = scan("clean_portal_home.html")
    found = compare_cloaked(normal, HomeScan("x"), "https://slot-gacor.example/", HOME)
    # It should see where the crawler was sent, not only what it read.
    assert found is not None and found.kind == CLOAKING


def test_a_meta_refresh_to_a_gambling_site_is_found():
    page = b'<html><head><meta http-equiv="refresh" content="0;url=https://situs-slot.example/maxwin"></head></html>'
    # It should treat a refresh to a gambling address like a redirect script.
    assert (GAMBLING, "script") in places(scan_page(page, HOME))


def test_a_script_or_iframe_loaded_from_a_gambling_host_is_found():
    page = (
        b'<html><body><p>Portal</p><script src="https://cdn.slotgacor88.example/pop.js"></script>'
        b'<iframe src="https://situs-toto.example/" width="0" height="0" style="width:0;height:0"></iframe>'
        b"</body></html>"
    )
    found = places(scan_page(page, HOME))
    # It should see both: the script as a script, the zero-size iframe as a hidden block.
    assert (GAMBLING, "script") in found and (GAMBLING, "hidden_block") in found


def test_a_redirect_hidden_in_base64_or_char_codes_is_found():
    import base64

    target = base64.b64encode(b"https://situs-slot-gacor.example/").decode()
    page = f"""<html><head><script>var u = atob("{target}");
    if (document.referrer.indexOf("google") > -1) {{ window.location = u; }}</script></head>
    <body>Portal</body></html>""".encode()
    assert (GAMBLING, "script") in places(scan_page(page, HOME))
    codes = ",".join(str(ord(c)) for c in "https://toto88.example/")
    page = f"""<html><head><script>var u = String.fromCharCode({codes});
    if (navigator.userAgent.match(/bot/i)) {{ document.location.href = u; }}</script></head>
    <body>Portal</body></html>""".encode()
    # It should decode the literal and see where the visitor is sent.
    assert (GAMBLING, "script") in places(scan_page(page, HOME))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000) | st.text(max_size=3000).map(lambda t: ("<html><body><a href='x'>slot " + t).encode()))
def test_the_scan_never_raises_on_arbitrary_bytes(body):
    # It should answer for any body a broken or hostile site sends.
    assert isinstance(scan_page(body, HOME), HomeScan)
    assert scan_sitemap(body, HOME + "sitemap.xml") is None or scan_sitemap(body, HOME).kind == GAMBLING


def test_a_redirect_for_phones_or_an_analytics_snippet_is_not_a_cloaking_script():
    page = b"""<html><head><script>
    var ref = document.referrer; ga('set', 'referrer', ref);
    if (/Android|iPhone/i.test(navigator.userAgent)) { window.location.href = "https://m.example.go.id/"; }
    </script></head><body>Portal resmi</body></html>"""
    # It should need a bot or search-engine condition, not any user-agent test.
    assert scan_page(page, HOME).findings == []


def test_a_big_portal_with_news_about_a_hack_is_not_a_defacement():
    news = "".join(f"<li><a href='/b/{i}'>Berita {i}</a></li>" for i in range(40))
    page = (
        f"<html><head><title>Portal Kota</title></head><body><ul>{news}</ul>"
        "<h2>Situs pemda hacked by kelompok asing, Diskominfo imbau waspada</h2></body></html>"
    )
    # It should take a 'hacked by' heading as defacement only on a short page.
    assert scan_page(page.encode(), HOME).findings == []


def test_a_broken_address_on_the_page_does_not_hide_the_injection():
    page = (FIX / "hidden_links_home.html").read_bytes().replace(b"<main>", b"<main><a href='http://[::1'>x</a>")
    # It should keep scanning past an address urljoin cannot read.
    assert (GAMBLING, "hidden_block") in places(scan_page(page, HOME))


def test_junk_and_empty_bodies_give_no_finding():
    for body in (b"", b"\x00\xff" * 100, b"<html><body>slot", b"judi" * 10, b"<a href='http://[::1'>slot</a>"):
        # It should never raise on what a broken site sends.
        assert scan_page(body, HOME).findings == []
