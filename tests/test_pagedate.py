"""Behaviour of crawler.pagedate: a post's date read on its own page, with every candidate's place
and reason, on Indonesian portal pages full of dates that are not the post's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pantau.crawler.dates import JAKARTA
from pantau.crawler.pagedate import PostDate, post_date

POSTS = Path(__file__).parent / "fixtures" / "posts"
# Friday 22 November 2024, 10:00 in Jakarta. Never the real clock.
NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)


def read(
    name: str,
    url: str = "https://mubakab.go.id/berita/2481/bupati-resmikan-jembatan-desa-sungai-lilin",
    now: datetime = NOW,
) -> PostDate:
    return post_date((POSTS / name).read_bytes(), url, now)


def day(found: PostDate) -> date | None:
    return found.winner.at.astimezone(JAKARTA).date() if found.winner else None


def refused_where(found: PostDate, words: str) -> list[str]:
    return [c.why for c in found.candidates if not c.accepted and words in c.where]


@pytest.fixture(scope="module")
def portal() -> PostDate:
    return read("berita_portal_traps.html")


def test_it_reads_diposting_pada_as_the_posts_own_date(portal: PostDate) -> None:
    # It should take the byline's 12 March 2024, with the post's URL as proof
    assert day(portal) == date(2024, 3, 12)
    assert portal.winner.url == "https://mubakab.go.id/berita/2481/bupati-resmikan-jembatan-desa-sungai-lilin"
    assert portal.winner.where.startswith("byline text")
    assert portal.winner.source == "page-date"


def test_a_timeago_sidebar_is_refused_with_its_absolute_title(portal: PostDate) -> None:
    # "11 jam lalu" in a popular-posts sidebar once made a years-old page active
    refused = [c for c in portal.candidates if c.at.year == 2020]
    # It should keep the title's 2020-05-03 as a refused sidebar date, never read the phrase as today
    assert refused and all(not c.accepted for c in refused)
    assert "sidebar" in refused[0].why
    assert not any(c.accepted and c.at > NOW - timedelta(days=2) for c in portal.candidates)


def test_a_twitter_widget_and_comments_are_not_the_post(portal: PostDate) -> None:
    comment = [c for c in portal.candidates if "comment" in c.why]
    # It should list the comment dates as refused, and the widget's "1 day ago" never wins
    assert len(comment) == 2
    assert all(not c.accepted for c in comment)
    assert portal.winner.at < datetime(2024, 4, 1, tzinfo=UTC)


def test_prose_dates_footer_and_todays_header_are_refused_with_reasons(portal: PostDate) -> None:
    whys = " | ".join(c.why for c in portal.candidates if not c.accepted)
    # It should say why each of them is not the post's date
    assert "a date in the article's prose" in whys
    assert "footer or copyright" in whys
    assert "today's date" in whys
    # It should refuse the agenda's 30 December 2026: it is in the future
    assert not any(c.at.year == 2026 and c.accepted for c in portal.candidates)


def test_it_reads_a_byline_time_datetime_published_over_updated() -> None:
    found = read("post_byline_time.html", "https://bappeda.mubakab.go.id/lomba-inovasi-daerah/")
    # It should take the published <time datetime>, not the updated one or the header's today
    assert found.winner.at == datetime(2024, 6, 18, 2, 12, 44, tzinfo=UTC)
    assert "publish" in found.winner.where


def test_it_reads_meta_name_date_and_dc_date_issued() -> None:
    found = read("berita_meta_dc.html", "https://bapenda.palembang.go.id/berita/sosialisasi-pajak-daerah-2024")
    wheres = {c.where for c in found.candidates}
    # It should read both metadata, and the sidebar's 20 November is refused
    assert day(found) == date(2024, 3, 4)
    assert {"meta date", "meta dc.date.issued"} <= wheres
    assert refused_where(found, "recent-posts")


def test_it_reads_json_ld_webpage_and_skips_the_posts_inside_it() -> None:
    found = read("berita_jsonld_webpage.html", "https://bkpsdm.okikab.go.id/pengumuman/seleksi-pppk-2024/")
    # It should take the WebPage's datePublished, not the hasPart article of 20 November
    assert found.winner.where == "jsonld webpage datePublished"
    assert found.winner.at == datetime(2024, 9, 17, 7, 20, tzinfo=UTC)
    assert not any(c.at.date() == date(2024, 11, 20) and c.accepted for c in found.candidates)


def test_it_reads_itemprop_date_published_text_and_refuses_a_comments_microdata() -> None:
    found = read(
        "berita_itemprop_newsarticle.html", "https://dinkes.banyuasinkab.go.id/berita/dinkes-gelar-posyandu-serentak"
    )
    # It should date the post 5 February 2024 and list the comment's microdata date as refused
    assert day(found) == date(2024, 2, 5)
    assert refused_where(found, "inside a comment")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", date(2024, 3, 12)),  # Veröffentlicht am 12. März 2024
        ("fr", date(2024, 3, 3)),  # Publié le 3 mars 2024
        ("nl", date(2024, 3, 7)),  # Geplaatst op 7 maart 2024
        ("en", date(2024, 3, 5)),  # Posted on March 5th, 2024
        ("id", date(2024, 3, 12)),  # Diposting: 12/03/24 (two-digit year, day first)
    ],
)
def test_it_reads_bylines_in_other_languages_and_two_digit_years(lang: str, expected: date) -> None:
    found = read(f"post_lang_{lang}.html", "https://desawisata.mubakab.go.id/kabar/bukit-asam")
    # It should read the byline, not the English top bar's today nor the sidebar
    assert day(found) == expected


def test_it_reads_an_abbr_title() -> None:
    found = read("post_abbr_title.html", "https://dprd.mubakab.go.id/rapat-paripurna")
    # It should read the absolute title, not "12 Mar" without a year
    assert found.winner.at == datetime(2024, 3, 12, 2, 0, tzinfo=UTC)


def test_an_absolute_title_beats_its_own_relative_phrase() -> None:
    found = read("post_timeago_byline.html", "https://sekayu.mubakab.go.id/musrenbang")
    # It should date the post from title="2020-05-03 16:35:53", refusing "11 jam lalu"
    assert day(found) == date(2020, 5, 3)
    assert any("relative phrase" in c.why and not c.accepted for c in found.candidates)


def test_a_relative_byline_counts_only_when_nothing_absolute_dates_the_post() -> None:
    found = read("post_only_relative.html", "https://sekayu.mubakab.go.id/kerja-bakti")
    # It should read "3 hari yang lalu" against now and say it is a relative phrase
    assert found.winner.at == NOW - timedelta(days=3)
    assert "relative phrase" in found.winner.why
    # It should refuse the sidebar's "1 jam yang lalu"
    assert refused_where(found, "sidebar")


def test_a_date_in_the_posts_url_is_used_when_the_page_has_none() -> None:
    body = b"<html><body><h1>Rapat</h1><p>Isi berita.</p></body></html>"
    found = post_date(body, "https://kominfo.mubakab.go.id/2024/03/12/rapat-koordinasi/", NOW)
    # It should fall back on the URL's date and name it
    assert day(found) == date(2024, 3, 12)
    assert found.winner.where in ("the post's URL", "htmldate (cleaned page)")


def test_a_future_date_is_never_the_winner() -> None:
    body = (
        b'<html><head><meta property="article:published_time" content="2025-06-01T08:00:00+07:00">'
        b'</head><body><h1>Agenda</h1><p class="date">Diposting 1 Juni 2025</p></body></html>'
    )
    found = post_date(body, "https://mubakab.go.id/agenda/hut-muba", NOW)
    # It should refuse both dates as future ones
    assert found.winner is None
    assert all("future" in c.why for c in found.candidates)


def test_junk_gives_no_date_and_no_exception() -> None:
    for body in (b"", b"\x00\xff\xfe", "<html><body>" + "<div>" * 5000, b"<?xml version='1.0'?><rss/>"):
        found = post_date(body, "https://mubakab.go.id/x", NOW)
        # It should give an empty answer
        assert found.winner is None


def test_a_published_stamp_beats_an_updated_one_and_teasers_and_captions_are_not_the_post() -> None:
    found = read("berita_theme_teasers.html", "https://pupr.banyuasinkab.go.id/berita/813/jalan-poros-desa")
    whys = " | ".join(c.why for c in found.candidates if not c.accepted)
    # It should take "Diterbitkan: 5 Maret 2024", not the edit of 20 November
    assert day(found) == date(2024, 3, 5)
    # It should refuse the photo caption's date and never take the other posts' teasers
    assert "caption" in whys
    assert not any(c.accepted and c.at.date() >= date(2024, 11, 19) for c in found.candidates)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<div class='date'>",
                "</div>",
                "<time datetime='2024-03-12T09:00:00+07:00'>",
                "</time>",
                "<aside>",
                "</aside>",
                "<h1>Judul</h1>",
                "Diposting pada 12 Maret 2024",
                "3 hari yang lalu",
                "<p>",
                "</p>",
                "<meta name='date' content='2031-01-01'>",
                "13/13/2024",
                "Nopember",
                "2024",
                "<article>",
                "</article>",
                '<script type=\'application/ld+json\'>{"@type":"NewsArticle","datePublished":',
                '"2024-02-30"}</script>',
                "\x00",
                "<!--",
                "-->",
                "<footer>© 2024</footer>",
                "<abbr title='2019-01-01'>",
                "</abbr>",
            ]
        ),
        max_size=40,
    )
)
def test_any_mix_of_page_pieces_gives_a_credible_winner_or_none(pieces: list[str]) -> None:
    found = post_date("<html><body>" + "".join(pieces), "https://mubakab.go.id/berita/1/x", NOW)
    # It should never raise, never pick a future date, and the winner is one of the candidates
    if found.winner is not None:
        assert found.winner in found.candidates and found.winner.accepted
        assert found.winner.at <= NOW + timedelta(days=1)
    assert sum(c.accepted for c in found.candidates) == (1 if found.winner else 0)


def test_a_date_printed_on_the_posts_own_permalink_is_its_byline() -> None:
    found = read("post_permalink_date.html", "https://diskop.lahatkab.go.id/pelatihan-umkm-digital/")
    # It should read "14 Agustus 2024" on the link to the post itself, not the sidebar's
    assert day(found) == date(2024, 8, 14)
    assert found.winner.where == "permalink <a> text"


def test_todays_date_header_is_not_the_posts_date_even_without_a_title_element() -> None:
    found = read("post_today_header_no_h1.html", "https://distan.empatlawangkab.go.id/berita/benih-padi")
    # It should refuse "Jumat, 22 November 2024" (today, no time) and take the post's 14 May
    assert day(found) == date(2024, 5, 14)
    assert any("date header" in c.why for c in found.candidates)


@pytest.mark.parametrize("printed", ["2024年3月12日 09:00", "2024년 3월 12일"])
def test_it_reads_japanese_chinese_and_korean_bylines(printed: str) -> None:
    body = f'<html><body><article><h1>Judul</h1><p class="date">{printed}</p></article></body></html>'
    found = post_date(body, "https://example.go.id/berita/7/judul", NOW)
    # It should read the year/month/day characters
    assert day(found) == date(2024, 3, 12)
