"""A registry that mixes every platform checks in one run, and `status` accounts for each."""

from __future__ import annotations

import json

from social_support import serve

from pantau.monitor.demo.server import Route

MUBA_CHANNEL = "UCq7Lm0nTKominfoMuba2024"
NOW = "2024-11-22T05:00:00+00:00"
HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"


def test_every_platform_in_one_run_ends_with_evidence_or_an_honest_reason(project, sites, monkeypatch):
    site = sites.serve(
        {
            "/@kominfomuba": serve("youtube_channel_page.html"),
            "/feeds/videos.xml": serve("youtube_feed_active.xml"),
            "/s/kominfomuba": serve("telegram_preview_active.html"),
            "/@diskominfo.rss": serve("mastodon_active.rss"),
            "/2/users/by/username/kominfomuba": serve("x_user_lookup.json"),
            "/2/users/1234567890123456789/tweets": serve("x_tweets_active.json"),
            "/feed/": Route(
                '<?xml version="1.0"?><rss version="2.0"><channel><title>Diskominfo</title>'
                "<item><title>Sosialisasi Keterbukaan Informasi</title><link>https://mubakab.go.id/berita/9</link>"
                "<pubDate>Wed, 20 Nov 2024 09:00:00 +0700</pubDate></item></channel></rss>",
                content_type="application/rss+xml",
            ),
        }
    )
    project.config.write_text(
        project.config.read_text()
        + f'''
[platforms.youtube]
site_url = "{site.url}"
feed_url = "{site.url}/feeds/videos.xml?channel_id={{channel_id}}"
[platforms.telegram]
preview_url = "{site.url}/s/{{handle}}"
[platforms.x]
token_env = "PANTAU_TEST_X"
api_url = "{site.url}/2"
''',
        encoding="utf-8",
    )
    project.write(
        "registry.csv",
        HEADER
        + "\n".join(
            [
                f"Diskominfo Muba,16.06,feed,,{site.url}/feed/,,,,",
                "Diskominfo Muba,16.06,youtube,,https://www.youtube.com/@kominfomuba,,,,",
                "Diskominfo Muba,16.06,telegram,kominfomuba,https://t.me/kominfomuba,,,,",
                f"Diskominfo Muba,16.06,mastodon,,{site.url}/@diskominfo,,,,",
                "Diskominfo Muba,16.06,instagram,,https://www.instagram.com/kominfomuba/,,,,",
                "Diskominfo Muba,16.06,x,,https://twitter.com/kominfomuba,,,,",
                "Diskominfo Muba,16.06,facebook,,https://www.facebook.com/kominfomuba,,,,",
                "Diskominfo Muba,16.06,threads,,https://www.threads.net/@kominfomuba,,,,",
            ]
        )
        + "\n",
    )
    assert project.run("registry", "import", "registry.csv").returncode == 0

    monkeypatch.setenv("PANTAU_TEST_X", "x-test-token")
    checked = project.run("check", "--all", now=NOW)
    assert checked.returncode == 0, checked.stderr
    # It should check all eight accounts in one run and say so in one summary line
    assert checked.stdout.startswith("checked 8 accounts")

    rows = json.loads(project.run("status", "--format", "json", now=NOW).stdout)
    by_platform = {r["platform"]: r for r in rows}
    assert len(rows) == 8
    for platform in ("feed", "youtube", "telegram", "mastodon", "x"):
        row = by_platform[platform]
        # It should show each readable account with its proof
        assert row["status"] == "active", (platform, row["reason"])
        assert row["last_activity_url"] and row["evidence"] in ("feed", "api", "page-date"), row
    for platform in ("instagram", "facebook", "threads"):
        row = by_platform[platform]
        # It should not guess: an unreadable platform is unknown, naming what to configure
        assert row["status"] == "unknown"
        assert row["last_activity_at"] is None
        assert f"[platforms.{platform}] token_env" in row["reason"] and "[bridges] rsshub" in row["reason"]
