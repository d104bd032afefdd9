"""`pantau attest ID --url URL`: a post's own id dates it (X, TikTok, Instagram, Threads), and
the link must be a post of the registered account.

The id arithmetic is checked against real posts whose times the platforms' own APIs gave.
Each pair below was read from a public project's test data (repository and path named);
only the id and the time are kept here, not the files.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pantau.crawler.postids import (
    PostLinkError,
    instagram_time,
    parse_post_link,
    post_of_account,
    shortcode_media_id,
    snowflake_time,
    tiktok_time,
)

# (status id, created_at) from X/Twitter API v1.1 responses.
TWEETS = [
    # ksiabani/CO7X14CW3, mock.js — @TwitterAPI, "Announcing a new API status page"
    (967165828490842112, "Fri Feb 23 22:34:37 +0000 2018"),
    # bohorqux/science37-twitter-api, src/test/resources/gettweetssuccessemptylist/spy_assert_payload.dwl
    (1434975267274035201, "Mon Sep 06 20:22:18 +0000 2021"),
    # Waisze/hackApp2019, src/mock/mockTweets.ts
    (1185632003288375302, "Sat Oct 19 19:01:12 +0000 2019"),
]
# (video id, create time in Unix seconds) from TikTok web/API responses.
TIKTOKS = [
    # RatiAvaliani/TikTok, db/userFeed.js — @tiktok
    (6821319305112685829, 1588212173),
    # pochyn/social-analytics, mock_data/userProfileMockData.js — @taylorswift
    (7273459734785559851, 1693484323),
    # AwasthiAnshika/Social-Media-Auditor, backend/src/services/testData.service.js — @mrbeast
    (7582653507375746334, 1765474107),
]
# (shortcode, media id or None, taken_at in Unix seconds) from Instagram and Threads responses.
INSTAGRAMS = [
    # Patrik-Stas/InstabotPatrik, testsUnit/data_get_media_by_tag.py ("code", "id", "date")
    ("BcPiCpyHKzQ", 1661696503407488208, 1512309681),
    # Amineyv/ig-hashtag-location-scraper, scrape/graphql_schema.py ("shortcode", "id", "taken_at_timestamp")
    ("Cbu-BgfL3W3", 2805452400384505271, 1648656014),
    ("CbsPvWFMBRz", 2804685892167406707, 1648564634),
]
THREADS = [
    # yt-dlp/yt-dlp, yt_dlp/extractor/threads.py (ThreadsIE test: timestamp from the post's taken_at)
    ("DU04gATDD4e", None, 1771261019),
]


@pytest.mark.parametrize(("post_id", "created"), TWEETS)
def test_it_reads_the_time_of_a_tweet_from_its_snowflake_id(post_id, created):
    known = datetime.strptime(created, "%a %b %d %H:%M:%S %z %Y")
    # It should give the second the API reported (the id holds milliseconds)
    assert snowflake_time(post_id).replace(microsecond=0) == known


@pytest.mark.parametrize(("video_id", "created"), TIKTOKS)
def test_it_reads_the_time_of_a_tiktok_video_from_its_id(video_id, created):
    derived = tiktok_time(video_id)
    # It should land within a minute of the published time (the id is made at upload)
    assert 0 <= created - derived.timestamp() <= 60


@pytest.mark.parametrize(("code", "media_id", "taken_at"), INSTAGRAMS + THREADS)
def test_it_reads_the_time_of_an_instagram_or_threads_post_from_its_shortcode(code, media_id, taken_at):
    if media_id is not None:
        # It should decode the shortcode to the media id the API gave
        assert shortcode_media_id(code) == media_id
    derived = instagram_time(shortcode_media_id(code))
    # It should land within a few minutes of taken_at (the id is made when the media is uploaded)
    assert abs(derived.timestamp() - taken_at) <= 15 * 60


ACCOUNTS = {
    "x": {"id": 1, "platform": "x", "handle": "kominfomuba", "url": "https://x.com/kominfomuba"},
    "tiktok": {"id": 2, "platform": "tiktok", "handle": "kominfomuba", "url": "https://tiktok.com/@kominfomuba"},
    "instagram": {
        "id": 3,
        "platform": "instagram",
        "handle": "kominfomuba",
        "url": "https://instagram.com/kominfomuba",
    },
    "threads": {"id": 4, "platform": "threads", "handle": "", "url": "https://threads.net/@kominfomuba"},
}


@pytest.mark.parametrize(
    ("platform", "url", "expected"),
    [
        ("x", "https://twitter.com/KominfoMuba/status/967165828490842112?s=20", "2018-02-23T22:34:37"),
        ("tiktok", "https://www.tiktok.com/@kominfomuba/video/7273459734785559851", "2023-08-31T12:18:31"),
        ("instagram", "https://www.instagram.com/kominfomuba/p/BcPiCpyHKzQ/", "2017-12-03T14:01:21"),
        ("threads", "https://www.threads.com/@kominfomuba/post/DU04gATDD4e", "2026-02-16T16:56:47"),
    ],
)
def test_it_accepts_a_post_link_of_the_registered_account(platform, url, expected):
    post = post_of_account(url, ACCOUNTS[platform])
    # It should derive the post's time from the link itself
    assert post.at.replace(microsecond=0, tzinfo=None).isoformat() == expected


@pytest.mark.parametrize(
    ("platform", "url", "why"),
    [
        ("x", "https://x.com/someoneelse/status/967165828490842112", "post of @someoneelse, not of the registered"),
        ("tiktok", "https://www.tiktok.com/@mrbeast/video/7582653507375746334", "post of @mrbeast"),
        ("instagram", "https://www.instagram.com/p/BcPiCpyHKzQ/", "does not show which account posted it"),
        ("threads", "https://www.threads.net/t/DU04gATDD4e", "does not show which account posted it"),
        ("x", "https://www.tiktok.com/@kominfomuba/video/7273459734785559851", "is a tiktok post"),
        ("x", "https://x.com/kominfomuba", "not the link of a single x post"),
    ],
)
def test_it_refuses_a_link_that_is_not_a_post_of_the_registered_account(platform, url, why):
    # It should refuse, and say why
    with pytest.raises(PostLinkError, match=why):
        post_of_account(url, ACCOUNTS[platform])


def test_it_refuses_to_date_a_facebook_post_from_its_link():
    # It should ask for --date where the id carries no time
    with pytest.raises(PostLinkError, match="give --date"):
        parse_post_link("https://www.facebook.com/kominfomuba/posts/pfbid02abc")


def test_attest_with_a_post_link_records_the_post_time_as_attested_evidence(project):
    project.write(
        "registry.csv",
        "institution,region,platform,url\nDinas Kominfo Kab. Musi Banyuasin,16.06,x,https://x.com/kominfomuba\n",
    )
    assert project.run("registry", "import", "registry.csv").returncode == 0
    now = "2021-09-20T03:00:00+00:00"

    other = project.run("attest", "1", "--url", "https://x.com/someoneelse/status/1434975267274035201", now=now)
    ok = project.run("attest", "1", "--url", "https://x.com/kominfomuba/status/1434975267274035201", now=now)
    status = json.loads(project.run("status", "--format", "json", now=now).stdout)[0]

    # It should refuse another account's post with exit 2 and the reason, and record its own
    assert other.returncode == 2 and "not of the registered account @kominfomuba" in other.stderr
    assert ok.returncode == 0, ok.stderr
    assert status["evidence"] == "attested"
    assert status["last_activity_at"] == "2021-09-07T03:22:18+07:00"
    assert status["last_activity_url"] == "https://x.com/kominfomuba/status/1434975267274035201"
    assert status["days_inactive"] == 13


def test_attest_date_still_overrides_the_time_in_the_link(project):
    project.write(
        "registry.csv",
        "institution,region,platform,url\nDinas Kominfo Kab. Musi Banyuasin,16.06,x,https://x.com/kominfomuba\n",
    )
    project.run("registry", "import", "registry.csv")
    now = "2021-09-20T03:00:00+00:00"
    done = project.run(
        "attest", "1", "--url", "https://x.com/kominfomuba/status/1434975267274035201", "--date", "2021-09-15", now=now
    )
    status = json.loads(project.run("status", "--format", "json", now=now).stdout)[0]
    # It should take the date the person gave over the link's
    assert done.returncode == 0 and status["last_activity_at"] == "2021-09-15T00:00:00+07:00"
    assert datetime.fromisoformat(status["last_activity_at"]).astimezone(UTC).day == 14
