"""Behaviour of crawler.extract: evidence of activity from pages, feeds, the WP API and sitemaps."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pantau.crawler.dates as dates_module
from pantau.crawler.dates import JAKARTA, Candidate
from pantau.crawler.extract import (
    PageInfo,
    parse_feed,
    parse_page,
    parse_sitemap,
    parse_wp_posts,
    sitemaps_from_robots,
)

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
# Friday 22 November 2024, 10:00 in Jakarta. Never the real clock.
NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)
TODAY = NOW.astimezone(JAKARTA).date()

MUBA = "https://www.mubakab.go.id/"
PALEMBANG = "https://diskominfo.palembang.go.id/"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def page(name: str, url: str) -> PageInfo:
    return parse_page(fixture(name), url, NOW)


def by_url(cands: list[Candidate], url: str) -> list[Candidate]:
    return [c for c in cands if c.url == url]


@pytest.fixture(scope="module")
def muba() -> PageInfo:
    return page("portal_muba_home.html", MUBA)


@pytest.fixture(scope="module")
def wp_home() -> PageInfo:
    return page("wp_theme_home.html", PALEMBANG)


# --------------------------------------------------------------------- regency portal home page


def test_it_ties_dated_news_items_to_their_links_and_titles(muba: PageInfo) -> None:
    rakor = by_url(muba.candidates, MUBA + "berita/1234-bupati-muba-buka-rakor-kominfo")
    # It should date the card by its "Rabu, 13 November 2024" and name it by its headline
    assert [(c.at, c.title, c.source, c.how) for c in rakor] == [
        (utc(2024, 11, 12, 17, 0), "Bupati Muba Buka Rakor Kominfo Se-Kabupaten", "page-date", "text")
    ]


def test_it_reads_list_items_with_numeric_dates_and_zones(muba: PageInfo) -> None:
    musrenbang = by_url(muba.candidates, MUBA + "berita/1230-musrenbang-kecamatan-sekayu-2025")
    # It should read "12/11/2024 09:30 WIB" day-first, in WIB
    assert [c.at for c in musrenbang] == [utc(2024, 11, 12, 2, 30)]
    bantuan = by_url(muba.candidates, MUBA + "berita/1225-penyaluran-bantuan-pangan-tahap-iii")
    assert [c.at for c in bantuan] == [utc(2024, 11, 7, 17, 0)]


def test_it_ignores_todays_date_in_the_portal_header(muba: PageInfo) -> None:
    # It should not take the render date printed in <header> for activity, though a link is beside it
    assert by_url(muba.candidates, MUBA + "profil/visi-dan-misi-kabupaten") == []


def test_it_ignores_todays_date_in_the_top_bar(muba: PageInfo) -> None:
    # It should not take the date in the .top-bar strip for activity
    assert by_url(muba.candidates, MUBA + "layanan/pengaduan-masyarakat-online") == []


def test_it_ignores_todays_date_next_to_a_menu_link(muba: PageInfo) -> None:
    # It should demand an article link before believing a date equal to today
    assert by_url(muba.candidates, MUBA + "profil/sambutan") == []


def test_it_keeps_todays_date_when_it_is_tied_to_an_article(muba: PageInfo) -> None:
    banjir = by_url(muba.candidates, MUBA + "berita/1240-pj-bupati-tinjau-posko-banjir-sungai-lilin")
    # It should accept a post published this morning
    assert [c.at for c in banjir] == [utc(2024, 11, 22, 1, 15)]
    today = [c for c in muba.candidates if c.at.astimezone(JAKARTA).date() == TODAY]
    # It should have no other candidate on today's date
    assert today == banjir


def test_it_drops_future_agenda_dates(muba: PageInfo) -> None:
    # It should not take "Agenda: Senin, 1 Desember 2025" for activity
    assert by_url(muba.candidates, MUBA + "agenda/rapat-paripurna-dprd-muba") == []


def test_it_drops_dates_after_now_plus_one_day(muba: PageInfo) -> None:
    # It should not take a deadline in 2025 printed beside an announcement for activity
    assert by_url(muba.candidates, MUBA + "pengumuman/1242-seleksi-terbuka-jpt-pratama") == []


def test_it_drops_tomorrows_agenda_date_despite_the_one_day_slack(muba: PageInfo) -> None:
    # It should treat an agenda date after today as a plan, not as a post
    assert by_url(muba.candidates, MUBA + "agenda/upacara-hari-guru-nasional-2024") == []


def test_it_keeps_past_agenda_dates(muba: PageInfo) -> None:
    past = by_url(muba.candidates, MUBA + "agenda/rapat-koordinasi-camat-se-muba")
    # It should keep an agenda item that has already happened
    assert [c.at for c in past] == [utc(2024, 11, 17, 17, 0)]


def test_it_ignores_calendar_widgets(muba: PageInfo) -> None:
    # It should not read the calendar caption as the date of the day link under it
    assert by_url(muba.candidates, MUBA + "agenda/2024-11-20") == []


def test_it_ignores_dates_in_the_footer(muba: PageInfo) -> None:
    # It should not take "Terakhir diperbarui: Kamis, 21 November 2024" in <footer> for a post
    assert by_url(muba.candidates, MUBA + "kebijakan-privasi-dan-keamanan") == []


def test_it_ignores_dates_in_the_navigation_menu(muba: PageInfo) -> None:
    # It should not read a badge inside <nav> as a post date
    assert by_url(muba.candidates, MUBA + "ppid/daftar-informasi-publik-2024") == []


def test_it_never_reads_dates_from_scripts_styles_or_comments(muba: PageInfo) -> None:
    # It should find no date for a card whose only dates sit in a <script> and a comment
    assert by_url(muba.candidates, MUBA + "berita/1229-launching-aplikasi-sipandu-muba") == []
    # It should not read the header <style> or <script> either (18 November only in <style>)
    assert all(c.at != utc(2024, 11, 17, 17, 0) or "agenda" in (c.url or "") for c in muba.candidates)


def test_it_ignores_copyright_years(muba: PageInfo) -> None:
    # It should not turn "Hak Cipta © 2024" into a date for the link beside it
    assert by_url(muba.candidates, MUBA + "redaksi-dan-pengelola-situs") == []


def test_it_lists_announced_feeds_once_in_page_order(muba: PageInfo) -> None:
    # It should resolve the relative feed link and drop the absolute duplicate
    assert muba.feeds == [MUBA + "rss/berita.xml"]
    assert muba.wp_api is None and muba.is_wordpress is False
    assert muba.title == "Pemerintah Kabupaten Musi Banyuasin - Portal Resmi"


def test_it_finds_nothing_on_a_page_whose_only_dates_are_header_and_copyright() -> None:
    info = page("portal_only_header_date.html", "https://distan.okikab.go.id/")
    # It should report no page-date evidence at all
    assert info.candidates == []
    assert info.title == "Dinas Pertanian Kabupaten Ogan Komering Ilir"


def test_it_reads_a_page_in_a_windows_1252_encoding() -> None:
    info = page("portal_windows1252.html", "https://sekayu.mubakab.go.id/")
    # It should decode Jum’at and the curly quotes of the title correctly
    assert [(c.at, c.title) for c in info.candidates] == [
        (utc(2024, 11, 14, 17, 0), "Pelayanan KTP-el Keliling \u201cJemput Bola\u201d")
    ]


def test_it_treats_header_and_footer_classes_like_the_elements() -> None:
    body = """<html><body>
      <div id="header"><span>Kamis, 21 November 2024</span>
        <a href="/berita/1-pengumuman-penting-hari-ini">Pengumuman penting</a></div>
      <div class="main"><div class="post"><a href="/berita/2-rapat-kerja-daerah">Rapat Kerja</a>
        <span>Rabu, 20 November 2024</span></div></div>
      <div class="footer-bawah"><span>Diperbarui 21 November 2024</span>
        <a href="/kebijakan-privasi-dan-keamanan">Kebijakan Privasi</a></div>
    </body></html>"""
    info = parse_page(body, MUBA, NOW)
    # It should keep only the post in the main area, not the div-based header or footer
    assert [c.url for c in info.candidates] == [MUBA + "berita/2-rapat-kerja-daerah"]


def test_it_reads_relative_dates_and_table_rows_next_to_articles() -> None:
    body = """<html><body><main>
      <div class="card"><a href="/berita/77-vaksinasi-massal-di-puskesmas">Vaksinasi Massal</a>
        <small>2 jam yang lalu</small></div>
      <table class="dokumen"><tr><td>1</td>
        <td><a href="/unduh/perbup-nomor-12-tahun-2024.pdf">Perbup Nomor 12 Tahun 2024</a></td>
        <td>19/11/2024</td></tr></table>
    </main></body></html>"""
    info = parse_page(body, MUBA, NOW)
    # It should date the card from "2 jam yang lalu" and the document row from its date cell
    assert [(c.url, c.at) for c in info.candidates] == [
        (MUBA + "berita/77-vaksinasi-massal-di-puskesmas", utc(2024, 11, 22, 1, 0)),
        (MUBA + "unduh/perbup-nomor-12-tahun-2024.pdf", utc(2024, 11, 18, 17, 0)),
    ]


def test_it_does_not_pin_a_date_over_a_whole_list_to_one_post() -> None:
    items = "".join(
        f'<li><a href="/berita/{n}-judul-berita-nomor-{n}">Judul berita nomor {n}</a></li>' for n in range(1, 6)
    )
    body = f"<html><body><section><h2>Kamis, 21 November 2024</h2><ul>{items}</ul></section></body></html>"
    # It should not guess which of five posts a list heading's date belongs to
    assert parse_page(body, MUBA, NOW).candidates == []


def test_it_ignores_share_category_and_pagination_links_when_tying() -> None:
    body = """<html><body><div class="item">
      <span>Kamis, 21 November 2024</span>
      <a href="/kategori/berita-daerah">Berita Daerah</a>
      <a href="/page/2">Berikutnya</a>
      <a href="https://www.facebook.com/sharer/sharer.php?u=x">Bagikan ke Facebook sekarang juga</a>
      <a href="javascript:void(0)">Cetak halaman ini sekarang</a>
      <a href="#komentar">Komentar</a>
    </div></body></html>"""
    # It should find no article link here, so no candidate
    assert parse_page(body, MUBA, NOW).candidates == []


# ----------------------------------------------------------------------- WordPress theme home


def test_it_discovers_wordpress_feeds_and_rest_api(wp_home: PageInfo) -> None:
    # It should list the post feed and the comment feed in page order, and the REST API root
    assert wp_home.feeds == [PALEMBANG + "feed/", PALEMBANG + "comments/feed/"]
    assert wp_home.wp_api == PALEMBANG + "wp-json/"
    assert wp_home.is_wordpress


def test_it_ties_time_elements_to_the_post_headline(wp_home: PageInfo) -> None:
    post = PALEMBANG + "2024/11/20/sosialisasi-keterbukaan-informasi-publik/"
    times = [c for c in by_url(wp_home.candidates, post) if c.how == "time"]
    # It should read both <time datetime> stamps (published, updated) precisely
    assert sorted(c.at for c in times) == [utc(2024, 11, 20, 2, 15), utc(2024, 11, 20, 4, 2, 31)]
    # It should title them with the headline, not the "Posted on" date link text
    assert {c.title for c in times} == {"Sosialisasi Keterbukaan Informasi Publik bagi Badan Publik"}


def test_it_keeps_dates_in_an_articles_own_header_and_footer(wp_home: PageInfo) -> None:
    post = PALEMBANG + "2024/11/15/pelatihan-literasi-digital-untuk-umkm/"
    # It should not mistake a post's entry-footer ("Diposting pada …") for the page footer
    assert utc(2024, 11, 15, 7, 30) in [c.at for c in by_url(wp_home.candidates, post)]


def test_it_reads_a_date_only_time_element_and_a_query_permalink(wp_home: PageInfo) -> None:
    spbe = by_url(wp_home.candidates, PALEMBANG + "?p=799")
    # It should read <time datetime="2024-11-08"> as midnight Jakarta
    assert [(c.at, c.title) for c in spbe] == [(utc(2024, 11, 7, 17, 0), "Rapat Evaluasi SPBE Triwulan III")]


def test_it_ignores_the_wordpress_header_footer_and_calendar(wp_home: PageInfo) -> None:
    urls = {c.url for c in wp_home.candidates}
    # It should not take today's date in the masthead, the site footer or wp-calendar
    assert PALEMBANG + "2024/11/22/layanan-wifi-gratis-taman-kota/" not in urls
    assert PALEMBANG + "kebijakan-privasi-situs-ini/" not in urls
    assert PALEMBANG + "2024/11/20/" not in urls
    # It should not take archive links ("November 2024") for dated posts
    assert PALEMBANG + "2024/11/" not in urls
    assert all(c.at.astimezone(JAKARTA).date() != TODAY for c in wp_home.candidates)


def test_it_recognises_wordpress_from_wp_content_or_generator_alone() -> None:
    by_assets = b'<html><head><link rel="stylesheet" href="/wp-content/themes/x/style.css"></head></html>'
    by_meta = b'<html><head><meta name="generator" content="WordPress 6.5"></head><body>x</body></html>'
    plain = b"<html><head><title>x</title></head><body>Halo</body></html>"
    # It should spot WordPress without the REST API link
    assert parse_page(by_assets, MUBA, NOW).is_wordpress
    assert parse_page(by_meta, MUBA, NOW).is_wordpress
    assert not parse_page(plain, MUBA, NOW).is_wordpress


# ------------------------------------------------------------------------------ JSON-LD, meta


def test_it_reads_articles_from_json_ld_graphs_and_lists() -> None:
    info = page("jsonld_news_list.html", "https://sumselprov.go.id/berita/")
    got = sorted((c.url, c.at, c.title) for c in info.candidates)
    # It should read each article's dates, url (mainEntityOfPage too) and headline
    assert got == [
        (
            "https://sumselprov.go.id/berita/2024/11/anugerah-keterbukaan-informasi",
            utc(2024, 11, 18, 7, 0),
            "Pemprov Sumsel Raih Anugerah Keterbukaan Informasi Publik & Penghargaan SPBE",
        ),
        (
            "https://sumselprov.go.id/berita/2024/11/gubernur-resmikan-jembatan-musi-vi",
            utc(2024, 11, 19, 3, 30),
            "Gubernur Resmikan Jembatan Musi VI",
        ),
        (
            "https://sumselprov.go.id/berita/2024/11/gubernur-resmikan-jembatan-musi-vi",
            utc(2024, 11, 19, 6, 0),
            "Gubernur Resmikan Jembatan Musi VI",
        ),
        # the hand-written block with a trailing comma still counts
        (
            "https://sumselprov.go.id/blog/catatan-kadis-transformasi-digital",
            utc(2024, 11, 12, 1, 0),
            "Catatan Kepala Dinas: Transformasi Digital Daerah",
        ),
    ]
    assert {(c.source, c.how) for c in info.candidates} == {("page-date", "jsonld")}


def test_it_ignores_website_webpage_and_organization_dates_in_json_ld() -> None:
    info = page("jsonld_news_list.html", "https://sumselprov.go.id/berita/")
    # It should not take the WebPage dateModified (the render time) for a post
    assert by_url(info.candidates, "https://sumselprov.go.id/berita/") == []
    assert utc(2024, 11, 22, 2, 59) not in [c.at for c in info.candidates]
    # It should drop the article dated in 2031
    assert by_url(info.candidates, "https://sumselprov.go.id/berita/salah-tanggal") == []


def test_it_reads_article_meta_times_as_the_page_itself() -> None:
    url = "https://www.kaboki.go.id/berita/bupati-oki-lantik-12-pejabat"
    info = page("article_meta.html", url)
    # It should date the page by article:published_time and article:modified_time
    assert [(c.at, c.url, c.title, c.how) for c in info.candidates] == [
        (utc(2024, 11, 19, 7, 5), url, "Bupati OKI Lantik 12 Pejabat Administrator", "meta"),
        (utc(2024, 11, 20, 1, 0), url, "Bupati OKI Lantik 12 Pejabat Administrator", "meta"),
    ]


# ---------------------------------------------------------------------- robustness and speed


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"\x00\xff\xfe\x00",
        "<html",
        b"<<<>>>\x1f\x8b",
        "\x00<p>13 November 2024</p>",
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',
        b"<div>" * 5000,
        b'{"json": "bukan html"}',
    ],
)
def test_it_never_raises_on_junk_pages(body: bytes | str) -> None:
    info = parse_page(body, MUBA, NOW)
    # It should answer with an empty PageInfo rather than raise
    assert isinstance(info, PageInfo)
    assert info.candidates == []


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=400))
def test_it_never_raises_on_arbitrary_bodies(body: bytes | str) -> None:
    # It should always return a PageInfo
    assert isinstance(parse_page(body, MUBA, NOW), PageInfo)


def test_it_honours_a_given_encoding() -> None:
    body = "<div><a href='/berita/9-rapat-kerja'>Rapat</a> Jum’at, 15 November 2024</div>"
    info = parse_page(body.encode("utf-16"), MUBA, NOW, encoding="utf-16")
    # It should decode with the charset the server sent
    assert [c.at for c in info.candidates] == [utc(2024, 11, 14, 17, 0)]


def test_it_scans_pages_without_calling_dateparser(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("dateparser called while scanning a page")

    monkeypatch.setattr(dates_module, "_dateparser", forbidden)
    # It should scan a whole portal on the regex fast path alone
    assert len(page("portal_muba_home.html", MUBA).candidates) == 5


def _big_home_page() -> bytes:
    """About 100 KB: the portal fixture with its news list repeated, as large portals are."""
    base = fixture("portal_muba_home.html").decode("utf-8")
    items = []
    for n in range(360):
        items.append(
            f'<div class="post"><a href="/berita/{2000 + n}-kegiatan-ke-{n}"><img src="/u/{n}.jpg" '
            f'alt=""></a><h3><a href="/berita/{2000 + n}-kegiatan-ke-{n}">Kegiatan Pemerintah '
            f"Daerah ke-{n}</a></h3><p>Ringkasan kegiatan dinas dan masyarakat.</p>"
            f'<span class="date">Senin, {1 + n % 28} Oktober 2024</span></div>'
        )
    return base.replace('<ul class="daftar-berita">', "".join(items) + '<ul class="daftar-berita">').encode()


def test_it_reads_every_dated_post_of_a_100_kb_home_page() -> None:
    # Speed is measured in benchmarks/bench_extract.py, not asserted here.
    body = _big_home_page()
    assert len(body) >= 100_000
    info = parse_page(body, MUBA, NOW)
    # It should tie each of the 365 dated posts to its own link
    assert len(info.candidates) == 5 + 360
    assert len({c.url for c in info.candidates}) == 5 + 360


# --------------------------------------------------------------------------------------- feeds


def test_it_reads_a_wordpress_rss_feed() -> None:
    cands, err = parse_feed(fixture("wp_feed_rss.xml"), PALEMBANG + "feed/", NOW)
    assert err is None
    # It should read +0000 and +0700 pubDates, and an Indonesian pubDate in WIB
    assert [(c.at, c.url, c.title) for c in cands] == [
        (
            utc(2024, 11, 20, 2, 15),
            PALEMBANG + "2024/11/20/sosialisasi-keterbukaan-informasi-publik/",
            "Sosialisasi Keterbukaan Informasi Publik bagi Badan Publik",
        ),
        (
            utc(2024, 11, 15, 7, 30),
            PALEMBANG + "2024/11/15/pelatihan-literasi-digital-untuk-umkm/",
            "Pelatihan Literasi Digital untuk UMKM \u2013 Angkatan II",
        ),
        (utc(2024, 11, 18, 2, 30), PALEMBANG + "?p=799", "Rapat Evaluasi SPBE Triwulan III"),
    ]
    assert {c.source for c in cands} == {"feed"}


def test_it_prefers_published_over_updated_in_atom() -> None:
    url = "https://disdik.sumselprov.go.id/atom.xml"
    cands, err = parse_feed(fixture("atom_feed.xml"), url, NOW)
    assert err is None
    # It should date an entry by <published>, falling back to <updated>; and strip HTML titles
    assert [(c.at, c.url, c.title) for c in cands] == [
        (
            utc(2024, 11, 21, 1, 0),
            "https://disdik.sumselprov.go.id/kabar/ppdb-2025-dibuka",
            "Penerimaan Peserta Didik Baru 2025 Dibuka",
        ),
        (
            utc(2024, 11, 10, 9, 0),
            "https://disdik.sumselprov.go.id/kabar/guru-berprestasi",
            "Guru Berprestasi Tingkat Provinsi",
        ),
    ]


def test_it_reads_a_json_feed() -> None:
    cands, err = parse_feed(fixture("json_feed.json"), "https://www.komdigi.go.id/feed.json", NOW)
    assert err is None
    # It should read date_published or date_modified, skipping undated items
    assert [(c.at, c.url) for c in cands] == [
        (utc(2024, 11, 21, 6, 0), "https://www.komdigi.go.id/berita/siaran-pers/detail/rakornas-kehumasan-2025"),
        (utc(2024, 11, 18, 2, 0), "https://www.komdigi.go.id/berita/siaran-pers/detail/literasi-digital"),
    ]


def test_it_keeps_the_entries_of_a_truncated_feed() -> None:
    cands, err = parse_feed(fixture("truncated_feed.xml"), "https://babattoman.mubakab.go.id/feed", NOW)
    # It should keep the complete entry before the cut, without calling the feed broken
    assert err is None
    assert [c.at for c in cands] == [utc(2024, 11, 19, 0, 0)]


@pytest.mark.parametrize("name", ["feed_cut_before_items.xml", "garbage_feed.bin", "html_as_feed.html"])
def test_it_reports_a_body_that_is_not_a_feed(name: str) -> None:
    cands, err = parse_feed(fixture(name), "https://dinkes.example.go.id/feed", NOW)
    # It should return no candidates and say what is wrong
    assert cands == []
    assert err is not None and ("not a feed" in err or "broken feed" in err)


def test_it_reports_empty_bodies_and_bad_json_as_not_feeds() -> None:
    assert parse_feed(b"", MUBA, NOW)[1] is not None
    assert parse_feed(b"{not json", MUBA, NOW)[1] is not None
    # It should refuse JSON that is not a JSON Feed
    assert parse_feed(b'{"status": "ok"}', MUBA, NOW)[1] is not None


def test_it_accepts_a_valid_empty_feed() -> None:
    # It should answer "no posts" without an error
    assert parse_feed(fixture("empty_feed.xml"), "https://dishub.example.go.id/feed", NOW) == ([], None)


def test_it_never_opens_a_feed_body_as_a_local_file(tmp_path: Path) -> None:
    local = tmp_path / "feed.xml"
    local.write_bytes(fixture("wp_feed_rss.xml"))
    # It should treat the body as the document, never as a path to read from disk
    cands, err = parse_feed(str(local).encode(), MUBA, NOW)
    assert cands == []
    assert err is not None


# ----------------------------------------------------------------------- WordPress REST API


def test_it_reads_wordpress_posts_from_the_rest_api() -> None:
    url = PALEMBANG + "wp-json/wp/v2/posts?per_page=3"
    cands, err = parse_wp_posts(fixture("wp_posts.json"), url, NOW)
    assert err is None
    # It should prefer date_gmt (UTC), fall back to date (Jakarta), and clean rendered titles
    assert [(c.at, c.url, c.title, c.source) for c in cands] == [
        (
            utc(2024, 11, 20, 2, 15),
            PALEMBANG + "2024/11/20/sosialisasi-keterbukaan-informasi-publik/",
            "Sosialisasi Keterbukaan Informasi Publik \u2013 Badan Publik",
            "wp-api",
        ),
        (
            utc(2024, 11, 15, 7, 30),
            PALEMBANG + "2024/11/15/pelatihan-literasi-digital-untuk-umkm/",
            "Pelatihan Literasi Digital untuk UMKM",
            "wp-api",
        ),
        (utc(2024, 11, 8, 1, 0), PALEMBANG + "?p=799", "Rapat Evaluasi SPBE Triwulan III", "wp-api"),
    ]


def test_it_reads_posts_after_php_notices() -> None:
    cands, err = parse_wp_posts(fixture("wp_posts_php_notice.json"), MUBA, NOW)
    # It should skip the PHP warning printed before the JSON
    assert err is None
    assert [c.at for c in cands] == [utc(2024, 11, 19, 3, 0)]


@pytest.mark.parametrize("body", [b"<html><body>Not Found</body></html>", b'[{"id": 1,', b""])
def test_it_reports_bad_json_from_the_rest_api(body: bytes) -> None:
    cands, err = parse_wp_posts(body, MUBA, NOW)
    # It should return an error text, not raise
    assert cands == [] and err is not None


def test_it_reports_a_disabled_rest_api() -> None:
    cands, err = parse_wp_posts(fixture("wp_posts_rest_disabled.json"), MUBA, NOW)
    # It should name the WordPress error code
    assert cands == [] and err is not None and "rest_no_route" in err


# --------------------------------------------------------------------------------- sitemaps


def test_it_reads_a_sitemap_urlset() -> None:
    cands, children, err = parse_sitemap(fixture("sitemap_urlset.xml"), MUBA + "sitemap.xml", NOW)
    assert err is None and children == []
    # It should date each <url> (news:publication_date over lastmod), resolve relative locs,
    # and skip URLs without any date
    assert [(c.at, c.url, c.title) for c in cands] == [
        (utc(2024, 11, 13, 3, 20), MUBA + "berita/1234-bupati-muba-buka-rakor-kominfo", None),
        (
            utc(2024, 11, 22, 1, 15),
            MUBA + "berita/1240-pj-bupati-tinjau-posko-banjir-sungai-lilin",
            "Pj Bupati Tinjau Posko Banjir di Sungai Lilin",
        ),
        (utc(2024, 11, 12, 0, 0), MUBA + "berita/1230-musrenbang-kecamatan-sekayu-2025", None),
    ]
    assert {c.source for c in cands} == {"sitemap"}


def test_it_reads_a_sitemap_without_a_namespace() -> None:
    body = b"<urlset><url><loc>https://x.go.id/berita/1</loc><lastmod>2024-11-01</lastmod></url></urlset>"
    cands, _, err = parse_sitemap(body, "https://x.go.id/sitemap.xml", NOW)
    # It should not depend on the sitemaps.org namespace being declared
    assert err is None and [c.url for c in cands] == ["https://x.go.id/berita/1"]


def test_it_lists_index_children_newest_first_without_candidates() -> None:
    cands, children, err = parse_sitemap(fixture("sitemap_index.xml"), PALEMBANG + "sitemap_index.xml", NOW)
    assert err is None
    # It should not take an index lastmod for a post
    assert cands == []
    # It should order children by lastmod, newest first, undated last
    assert children == [
        PALEMBANG + "post-sitemap.xml",
        PALEMBANG + "post-sitemap2.xml",
        PALEMBANG + "page-sitemap.xml",
        PALEMBANG + "category-sitemap.xml",
    ]


def test_it_reads_a_gzipped_sitemap() -> None:
    cands, _, err = parse_sitemap(fixture("sitemap_posts.xml.gz"), PALEMBANG + "post-sitemap.xml.gz", NOW)
    # It should inflate the body before parsing
    assert err is None
    assert [c.at for c in cands] == [utc(2024, 11, 20, 4, 2, 31), utc(2024, 11, 15, 7, 30)]


def test_it_refuses_a_sitemap_over_10_mb_decompressed() -> None:
    filler = b"<!--" + b" " * (11 * 1024 * 1024) + b"-->"
    bomb = gzip.compress(b"<urlset>" + filler + b"</urlset>", mtime=0)
    assert len(bomb) < 100_000
    cands, children, err = parse_sitemap(bomb, MUBA + "sitemap.xml.gz", NOW)
    # It should stop inflating at 10 MB and say so
    assert (cands, children) == ([], [])
    assert err is not None and "10 MB" in err


@pytest.mark.parametrize(
    "body",
    [
        b"\x1f\x8b\x08\x00garbage",
        fixture("html_as_feed.html"),
        b"",
        b"not xml at all",
        b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
    ],
)
def test_it_reports_a_body_that_is_not_a_sitemap(body: bytes) -> None:
    cands, children, err = parse_sitemap(body, MUBA + "sitemap.xml", NOW)
    # It should return an error text and nothing else
    assert (cands, children) == ([], [])
    assert err is not None


def test_it_reads_sitemap_lines_from_robots_txt() -> None:
    # It should take every Sitemap line, any case, resolve it, drop duplicates and non-http
    assert sitemaps_from_robots(fixture("robots.txt"), "https://www.mubakab.go.id") == [
        "https://www.mubakab.go.id/sitemap_index.xml",
        "https://www.mubakab.go.id/news-sitemap.xml",
    ]
    assert sitemaps_from_robots("User-agent: *\nDisallow:\n", MUBA) == []
