"""Behaviour of crawler.dates: reading the dates Indonesian government sites and feeds print."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pantau.crawler.dates as dates_module
from pantau.crawler.dates import (
    JAKARTA,
    Candidate,
    find_dates,
    is_credible,
    newest_credible,
    parse_date,
)

# Friday 22 November 2024, 10:00 in Jakarta. Never the real clock.
NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO 8601 / RFC 3339, with and without offset (no offset = Jakarta)
        ("2024-11-13T09:30:00+07:00", utc(2024, 11, 13, 2, 30)),
        ("2024-11-13T02:30:00Z", utc(2024, 11, 13, 2, 30)),
        ("2024-11-13T09:30:00.123456+0700", utc(2024, 11, 13, 2, 30)),
        ("2024-11-13 09:30:00", utc(2024, 11, 13, 2, 30)),
        ("2024-11-13T09:30", utc(2024, 11, 13, 2, 30)),
        ("2025-02-26", utc(2025, 2, 25, 17, 0)),
        # RFC 822 as in RSS pubDate
        ("Wed, 13 Nov 2024 02:30:00 +0000", utc(2024, 11, 13, 2, 30)),
        ("Wed, 13 Nov 2024 09:30:00 +0700", utc(2024, 11, 13, 2, 30)),
        ("Wed, 13 Nov 2024 02:30:00 GMT", utc(2024, 11, 13, 2, 30)),
        # Indonesian month names, day names, "pukul", zone names
        ("Rabu, 13 November 2024", utc(2024, 11, 12, 17, 0)),
        ("Senin, 18 Nopember 2024", utc(2024, 11, 17, 17, 0)),
        ("Jumat, 22 November 2024 pukul 09:30", utc(2024, 11, 22, 2, 30)),
        ("Jum'at, 22 November 2024 pukul 09.30 WIB", utc(2024, 11, 22, 2, 30)),
        ("Jum\u2019at, 15 Nop 2024 | 14:05 WITA", utc(2024, 11, 15, 6, 5)),
        ("Sabtu, 16 Agt 2024 09:30 WIT", utc(2024, 8, 16, 0, 30)),
        ("Minggu, 17 Agustus 2024", utc(2024, 8, 16, 17, 0)),
        ("Ahad, 1 September 2024", utc(2024, 8, 31, 17, 0)),
        ("Selasa, 5 Maret 2024", utc(2024, 3, 4, 17, 0)),
        ("Kamis, 2 Mei 2024", utc(2024, 5, 1, 17, 0)),
        ("1 Januari 2024", utc(2023, 12, 31, 17, 0)),
        ("29 Februari 2024", utc(2024, 2, 28, 17, 0)),
        ("10 April 2024", utc(2024, 4, 9, 17, 0)),
        ("3 Juni 2024", utc(2024, 6, 2, 17, 0)),
        ("4 Juli 2024", utc(2024, 7, 3, 17, 0)),
        ("28 Oktober 2024", utc(2024, 10, 27, 17, 0)),
        ("25 Desember 2024", utc(2024, 12, 24, 17, 0)),
        ("13 jan 2024", utc(2024, 1, 12, 17, 0)),
        ("13 Feb 2024", utc(2024, 2, 12, 17, 0)),
        ("13 Mar 2024", utc(2024, 3, 12, 17, 0)),
        ("13 Apr 2024", utc(2024, 4, 12, 17, 0)),
        ("13 Jun 2024", utc(2024, 6, 12, 17, 0)),
        ("13 Jul 2024", utc(2024, 7, 12, 17, 0)),
        ("13 Agu 2024", utc(2024, 8, 12, 17, 0)),
        ("13 Ags 2024", utc(2024, 8, 12, 17, 0)),
        ("13 Agust 2024", utc(2024, 8, 12, 17, 0)),
        ("13 Sep 2024", utc(2024, 9, 12, 17, 0)),
        ("13 Sept 2024", utc(2024, 9, 12, 17, 0)),
        ("13 Okt 2024", utc(2024, 10, 12, 17, 0)),
        ("13 Nov. 2024", utc(2024, 11, 12, 17, 0)),
        ("13 Des 2024", utc(2024, 12, 12, 17, 0)),
        ("13 NOVEMBER 2024", utc(2024, 11, 12, 17, 0)),
        ("13-Nov-2024 14:05", utc(2024, 11, 13, 7, 5)),
        # English
        ("November 13, 2024 at 2:30 pm", utc(2024, 11, 13, 7, 30)),
        ("13 August 2024", utc(2024, 8, 12, 17, 0)),
        ("Friday, 1 March 2024 10:00 UTC", utc(2024, 3, 1, 10, 0)),
        # Day-first numeric dates
        ("26/02/2025", utc(2025, 2, 25, 17, 0)),
        ("26-02-2025", utc(2025, 2, 25, 17, 0)),
        ("26.02.2025", utc(2025, 2, 25, 17, 0)),
        ("12/11/2024 09:30 WIB", utc(2024, 11, 12, 2, 30)),
        ("12/11/2024 | 14:05 WITA", utc(2024, 11, 12, 6, 5)),
        ("2024/11/12", utc(2024, 11, 11, 17, 0)),
        # Time printed before the date
        ("09:30 WIB, Rabu 13 November 2024", utc(2024, 11, 13, 2, 30)),
        # A date inside a sentence
        ("Diposting pada Senin, 18 November 2024 oleh Admin", utc(2024, 11, 17, 17, 0)),
        ("Rabu 13 Nov 2024 WITA", utc(2024, 11, 12, 16, 0)),
    ],
)
def test_it_reads_the_date_formats_of_indonesian_sites_and_feeds(text: str, expected: datetime) -> None:
    # It should read the same instant, in UTC
    assert parse_date(text, NOW) == expected


def test_it_reads_numeric_dates_day_first_never_month_first() -> None:
    # It should read 02/03/2024 as 2 March (Indonesian order), not February 3rd
    assert parse_date("02/03/2024", NOW) == utc(2024, 3, 1, 17, 0)
    assert parse_date("13/02/2024", NOW) == utc(2024, 2, 12, 17, 0)


@pytest.mark.parametrize(
    "text",
    [
        "2024",
        "© 2024",
        "© 2024 Pemerintah Kabupaten Musi Banyuasin",
        "Hak Cipta 2025",
        "Copyright © 2024 - 2025 Diskominfo",
        "Tahun 2024",
    ],
)
def test_it_does_not_take_a_bare_year_for_a_date(text: str) -> None:
    # It should not turn a copyright year into a made-up day of that year
    assert parse_date(text, NOW) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Selamat datang di website resmi",
        "Jam buka 08.00",
        "Versi 2.3",
        "Berita Hari Ini",
        "31/02/2024",
        "Perda Nomor 5 Tahun 2024",
        "Telp. (0714) 321-123",
    ],
)
def test_it_returns_none_for_text_that_is_not_a_date(text: str) -> None:
    # It should answer None rather than guess
    assert parse_date(text, NOW) is None


def test_it_reads_a_date_without_time_as_midnight_in_jakarta() -> None:
    got = parse_date("Rabu, 13 November 2024", NOW)
    assert got is not None
    # It should be 00:00 WIB on that day
    assert got.astimezone(JAKARTA) == datetime(2024, 11, 13, 0, 0, tzinfo=JAKARTA)


def test_it_uses_the_given_default_time_zone_only_when_none_is_printed() -> None:
    # It should read an offset-less time in the zone it is told (WordPress date_gmt is UTC)
    assert parse_date("2024-11-13T02:30:00", NOW, default_tz=UTC) == utc(2024, 11, 13, 2, 30)
    # It should keep a printed zone over the default
    wita = timezone(timedelta(hours=8))
    assert parse_date("13/11/2024 09:30 WIB", NOW, default_tz=wita) == utc(2024, 11, 13, 2, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 hari yang lalu", NOW - timedelta(days=3)),
        ("2 jam lalu", NOW - timedelta(hours=2)),
        ("5 menit yang lalu", NOW - timedelta(minutes=5)),
        ("30 detik yang lalu", NOW - timedelta(seconds=30)),
        ("1 minggu lalu", NOW - timedelta(days=7)),
        ("seminggu yang lalu", NOW - timedelta(days=7)),
        ("2 pekan lalu", NOW - timedelta(days=14)),
        ("2 bulan yang lalu", utc(2024, 9, 22, 3, 0)),
        ("1 tahun lalu", utc(2023, 11, 22, 3, 0)),
        ("Diperbarui 4 jam yang lalu", NOW - timedelta(hours=4)),
        ("kemarin", utc(2024, 11, 20, 17, 0)),
        ("Kemarin, 14:05", utc(2024, 11, 21, 7, 5)),
        ("hari ini", utc(2024, 11, 21, 17, 0)),
        ("Hari ini 09:30 WIB", utc(2024, 11, 22, 2, 30)),
        ("3 days ago", NOW - timedelta(days=3)),
        ("an hour ago", NOW - timedelta(hours=1)),
        ("2 weeks ago", NOW - timedelta(days=14)),
        ("yesterday", utc(2024, 11, 20, 17, 0)),
    ],
)
def test_it_resolves_relative_forms_against_now(text: str, expected: datetime) -> None:
    # It should count back from the injected `now`, not the real clock
    assert parse_date(text, NOW) == expected


def test_it_counts_months_back_to_the_end_of_a_shorter_month() -> None:
    end_of_march = datetime(2024, 3, 31, 3, 0, tzinfo=UTC)
    # It should land on 29 February, not fail on "31 February"
    assert parse_date("1 bulan yang lalu", end_of_march) == utc(2024, 2, 29, 3, 0)


def test_it_parses_the_common_forms_without_dateparser(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("dateparser called on a common form")

    monkeypatch.setattr(dates_module, "_dateparser", forbidden)
    common = [
        "Rabu, 13 November 2024",
        "12/11/2024 09:30 WIB",
        "2024-11-13T09:30:00+07:00",
        "Wed, 13 Nov 2024 02:30:00 +0000",
        "3 hari yang lalu",
        "Jum'at, 8 Nop 2024",
        "© 2024",
        "Selamat datang",
    ]
    # It should take the regex fast path for every common form (and for obvious non-dates)
    assert all(parse_date(text, NOW) is not None for text in common[:6])
    assert all(parse_date(text, NOW) is None for text in common[6:])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Month and year only: the first of the month, midnight Jakarta
        ("Mei 2024", utc(2024, 4, 30, 17, 0)),
        # No year: the most recent such day not after now
        ("13 Nov", utc(2024, 11, 12, 17, 0)),
        ("12 Desember", utc(2023, 12, 11, 17, 0)),
        # RFC 822 with a two-digit year and a US zone
        ("Wed, 13 Nov 24 02:30:00 EST", utc(2024, 11, 13, 7, 30)),
    ],
)
def test_it_falls_back_to_dateparser_for_rarer_forms(text: str, expected: datetime) -> None:
    # It should still read the rare forms, resolved against `now`
    assert parse_date(text, NOW) == expected


def test_it_finds_every_date_in_a_text_in_reading_order() -> None:
    found = find_dates("Senin, 18 November 2024 | 12/11/2024 09:30 WIB | 3 hari yang lalu", NOW)
    # It should return the three dates, first printed first
    assert found == [utc(2024, 11, 17, 17, 0), utc(2024, 11, 12, 2, 30), NOW - timedelta(days=3)]


_DATEISH = st.sampled_from(
    [
        "Rabu,",
        "13",
        "November",
        "2024",
        "12/11/2024",
        "09.30",
        "WIB",
        "WITA",
        "WIT",
        "pukul",
        "lalu",
        "yang",
        "hari",
        "3",
        "kemarin",
        "T",
        "+07:00",
        "Z",
        "-",
        "/",
        ":",
        ".",
        "Jum’at",
        "0",
        "99",
        "31",
        "02",
        "Nop",
        "ago",
        "Mei",
        "9999",
        "1995",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=120), st.lists(_DATEISH | st.text(max_size=4)).map(" ".join)))
def test_it_never_raises_and_only_returns_aware_utc(text: str) -> None:
    got = parse_date(text, NOW)
    # It should return None or an aware UTC datetime, whatever the text
    assert got is None or (got.tzinfo is not None and got.utcoffset() == timedelta(0))


def test_it_accepts_dates_up_to_one_day_ahead_and_not_before_1995() -> None:
    # It should allow a day of slack for sites that get their own zone wrong
    assert is_credible(NOW + timedelta(hours=23), NOW)
    # It should reject an agenda date further in the future
    assert not is_credible(NOW + timedelta(days=1, minutes=1), NOW)
    # It should reject dates before the government web existed
    assert not is_credible(utc(1994, 12, 31, 23, 59), NOW)
    assert is_credible(utc(1995, 1, 1), NOW)


def test_it_picks_the_newest_credible_candidate() -> None:
    agenda = Candidate(utc(2025, 12, 1), "https://x.go.id/agenda/1", "Rapat", "page-date", "text")
    newest = Candidate(utc(2024, 11, 20), "https://x.go.id/berita/2", "Berita", "feed")
    older = Candidate(utc(2024, 11, 1), "https://x.go.id/berita/1", "Lama", "sitemap")
    ancient = Candidate(utc(1970, 1, 1), None, None, "sitemap")
    # It should skip the future agenda date and take the newest real post
    assert newest_credible([older, agenda, newest, ancient], NOW) == newest
    # It should answer None when nothing is credible
    assert newest_credible([agenda, ancient], NOW) is None
    assert newest_credible([], NOW) is None


def test_it_keeps_the_first_given_candidate_on_a_tie() -> None:
    from_feed = Candidate(utc(2024, 11, 20), "https://x.go.id/a", "A", "feed")
    from_page = Candidate(utc(2024, 11, 20), "https://x.go.id/a", "A", "page-date", "text")
    # It should prefer the better-evidenced source the caller listed first
    assert newest_credible([from_feed, from_page], NOW) is from_feed
