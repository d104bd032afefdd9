"""Dates on a listing (home page) that are someone else's activity, or no date at all: a timeago
sidebar, an Instagram widget, reader comments, news from other sites, excerpt prose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pantau.crawler.dates import JAKARTA
from pantau.crawler.extract import PageInfo, parse_page

PAGES = Path(__file__).parent / "fixtures" / "pages"
# Friday 22 November 2024, 10:00 in Jakarta. Never the real clock.
NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)
HOME = "https://disparbud.okukab.go.id/"


@pytest.fixture(scope="module")
def home() -> PageInfo:
    return parse_page((PAGES / "portal_traps_home.html").read_bytes(), HOME, NOW)


def test_the_newest_post_is_the_sites_own_dated_post(home: PageInfo) -> None:
    newest = max(home.candidates, key=lambda c: c.at)
    # It should date the site by its 20 August festival post, nothing from the traps
    assert newest.url == "https://disparbud.okukab.go.id/berita/311/festival-danau-ranau-2024"
    assert newest.at.astimezone(JAKARTA).date().isoformat() == "2024-08-20"


def test_nothing_on_the_page_makes_it_look_active(home: PageInfo) -> None:
    recent = [c for c in home.candidates if c.at > NOW - timedelta(days=14)]
    # It should not read "11 jam lalu", "1 day ago", a comment or another site's news as activity
    assert recent == []


def test_a_timeago_phrase_gives_way_to_its_title(home: PageInfo) -> None:
    goa = [c for c in home.candidates if c.url.endswith("/wisata-goa-putri")]
    # It should keep the absolute 2020-05-03 of the title (a sidebar of the site's own posts)
    assert [c.at.year for c in goa] == [2020]


def test_a_relative_phrase_beside_an_absolute_value_is_not_used(home: PageInfo) -> None:
    festival = [c for c in home.candidates if c.url.endswith("/festival-danau-ranau-2024")]
    # It should keep only the <time datetime>, not "3 bulan yang lalu" read against today
    assert [c.how for c in festival] == ["time"]


def test_dates_in_an_excerpts_prose_are_not_the_posts(home: PageInfo) -> None:
    perahu = [c for c in home.candidates if c.url.endswith("/lomba-perahu-hias")]
    # It should date the post 17 August, not by the deadlines its excerpt mentions
    assert [c.at.astimezone(JAKARTA).date().isoformat() for c in perahu] == ["2024-08-17"]


def test_a_listing_without_dates_names_its_first_post_to_read(home: PageInfo) -> None:
    bare = parse_page(
        b'<html><body><nav><a href="/profil/visi-misi-dinas">Visi Misi</a></nav>'
        b'<div class="berita"><a href="/berita/77/rapat-koordinasi-opd">Rapat Koordinasi OPD</a>'
        b'<a href="/berita/76/sosialisasi-spbe">Sosialisasi SPBE</a></div></body></html>',
        HOME,
        NOW,
    )
    # It should offer the first post link (outside the navigation) for its own page to be read
    assert bare.candidates == []
    assert bare.first_post == "https://disparbud.okukab.go.id/berita/77/rapat-koordinasi-opd"


def test_a_blogger_date_header_and_an_asset_footer_are_post_dates_not_page_frames() -> None:
    info = parse_page((PAGES / "blogger_home.html").read_bytes(), "https://balaiagung.blogspot.com/", NOW)
    days = {c.url.rsplit("/", 1)[-1]: c.at.astimezone(JAKARTA).date().isoformat() for c in info.candidates}
    # It should read h2.date-header and div.asset-footer, while the page's #footer stays a trap
    assert days == {
        "posyandu-balita-bulan-maret.html": "2024-03-12",
        "kerja-bakti-lingkungan.html": "2024-02-05",
        "musyawarah-kelurahan-2024.html": "2024-01-20",
    }


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("March 5th, 2024", "2024-03-05"),
        ("12. März 2024", "2024-03-12"),
        ("3 mars 2024", "2024-03-03"),
        ("7 maart 2024", "2024-03-07"),
        ("15 décembre 2023", "2023-12-15"),
    ],
)
def test_a_listing_in_a_european_theme_is_dated(printed: str, expected: str) -> None:
    body = (
        f'<html><body><div class="post"><a href="/news/2024/kabar-desa-wisata">Kabar Desa Wisata</a>'
        f'<span class="date">{printed}</span></div></body></html>'
    )
    info = parse_page(body, "https://desawisata.okukab.go.id/", NOW)
    # It should read the English, German, French or Dutch month name
    assert [c.at.astimezone(JAKARTA).date().isoformat() for c in info.candidates] == [expected]


def test_an_undated_sitemap_names_the_address_that_looks_newest() -> None:
    from pantau.crawler.extract import newest_undated_post

    def urlset(*locs: str) -> bytes:
        rows = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
        return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>'.encode()

    base = "https://dinkes.musirawaskab.go.id"
    # It should prefer the latest date in a path, then the highest post number, and never guess
    assert (
        newest_undated_post(
            urlset(f"{base}/2024/03/12/a/", f"{base}/2024/11/02/b/", f"{base}/2023/12/30/c/"), base + "/sitemap.xml"
        )
        == f"{base}/2024/11/02/b/"
    )
    assert (
        newest_undated_post(
            urlset(f"{base}/index.php?id=88", f"{base}/index.php?id=912", f"{base}/profil-2024"), base + "/sitemap.xml"
        )
        == f"{base}/index.php?id=912"
    )
    assert newest_undated_post(urlset(f"{base}/profil", f"{base}/kontak"), base + "/sitemap.xml") is None
    assert newest_undated_post(b"not xml", base + "/sitemap.xml") is None
