"""An invalid date is no date: it never becomes activity, whichever reader was lenient about it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pantau.crawler.dates import parse_date
from pantau.monitor.demo.server import Route

NOW = datetime(2025, 6, 1, tzinfo=UTC)
GARBAGE = [
    "Mon, 01 Jan 0001 00:00:00 GMT",
    "2024-13-45T99:99:99Z",
    "10000-01-01",
    "2024-02-30",
    "Fri, 31 Feb 2025 10:00:00 +0700",
]


def feed(dates: list[str]) -> str:
    items = "".join(
        f"<item><title>Berita {i}</title><link>{{{{base}}}}/berita/{i}</link><pubDate>{d}</pubDate></item>"
        for i, d in enumerate(dates)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Diskominfo</title>{items}</channel></rss>'


@pytest.mark.parametrize("text", GARBAGE)
def test_the_date_parser_gives_no_date_for_an_impossible_one(text):
    # It should refuse the date instead of rolling it over or guessing a century
    assert parse_date(text, NOW) is None


def test_a_feed_of_impossible_dates_gives_only_its_real_post_as_activity(sites, watch):
    site = sites.serve(
        {"/feed/": Route(feed(GARBAGE + ["Sat, 01 Jun 2024 09:00:00 +0700"]), content_type="application/rss+xml")}
    )
    w = watch()
    account_id = w.add(f"{site.url}/feed/", platform="feed")

    w.check()

    # It should take the one real date, not a rolled-over 2025-01-01 or 2024-03-01
    obs = w.last(account_id)
    assert (obs["outcome"], obs["activity_at"]) == ("ok", "2024-06-01T02:00:00+00:00"), obs["error"]
    assert obs["activity_url"] == f"{site.url}/berita/5"


def test_a_real_date_next_to_the_year_boundary_still_reads():
    # It should keep a date whose UTC year differs from the written one by the time zone
    assert parse_date("Wed, 01 Jan 2025 02:00:00 +0700", NOW) == datetime(2024, 12, 31, 19, 0, tzinfo=UTC)
