"""A platform's failure is not an account's: outages judged per platform and bridge, end to end.

Real loopback servers stand in for YouTube and a self-hosted RSSHub, and the real SMTP server in
tests/smtp_server.py receives the alerts.
"""

from __future__ import annotations

import json

from social_support import NOW, serve

from pantau.alerts.send import send_pending
from pantau.monitor.demo.server import Route
from pantau.monitor.health import health_rows
from pantau.monitor.projection import status_rows
from pantau.storage.health import platform_alerts

pytest_plugins = ["tests.smtp_server"]

MUBA_CHANNEL = "UCq7Lm0nTKominfoMuba2024"
KADIS = "kadis@kominfo.mubakab.go.id"
KOMDIGI = "pantau@komdigi.go.id"
NASIONAL = "pusat@kominfo.go.id"
RECIPIENTS = [
    {"name": "Kepala Dinas Kominfo Kab. Musi Banyuasin", "email": KADIS, "regions": ["16.06"]},
    {"name": "Komdigi", "email": KOMDIGI, "regions": ["*"], "language": "en"},
    {"name": "Pusat", "email": NASIONAL, "regions": ["*"], "language": "id"},
]
OUTAGE = Route("<h1>Internal Server Error</h1>", status=500)


def youtube_config(site):
    return {
        "platforms": {
            "youtube": {"site_url": site.url, "feed_url": site.url + "/feeds/videos.xml?channel_id={channel_id}"}
        }
    }


def row_of(w, account_id):
    return next(r for r in status_rows(w.cfg, w.db, NOW) if r["id"] == account_id)


def health_of(w, platform):
    return next(r for r in health_rows(w.db, w.cfg) if r["platform"] == platform)


# --- YouTube: a feed outage on a live channel --------------------------------------------------


def test_a_youtube_feed_outage_of_many_checks_does_not_make_a_live_channel_unreachable(watch, sites):
    site = sites.serve(
        {
            f"/channel/{MUBA_CHANNEL}": serve("youtube_channel_page.html"),
            "/feeds/videos.xml": serve("youtube_feed_active.xml"),
        }
    )
    w = watch(**youtube_config(site))
    acct = w.add(f"https://www.youtube.com/channel/{MUBA_CHANNEL}", "youtube")
    w.check()
    w.evaluate(NOW)
    assert w.account(acct)["status"] == "active"

    site.routes["/feeds/videos.xml"] = OUTAGE
    for _ in range(4):
        w.check()
        w.evaluate(NOW)

    # It should confirm each 500 against the channel page and blame YouTube, not the channel
    assert [o["platform_fault"] for o in w.observations(acct)[1:]] == ["youtube"] * 4
    assert site.hits.count(f"/channel/{MUBA_CHANNEL}") == 4
    account = w.account(acct)
    assert account["status"] == "active", account["status_reason"]
    assert "youtube as a whole is failing" in account["status_reason"]
    row = row_of(w, acct)
    assert row["platform_degraded"] is True
    assert row["last_activity_url"] == "https://www.youtube.com/watch?v=Xk3mUbA2411"


def test_a_youtube_feed_404_of_a_channel_whose_page_is_gone_still_counts_against_it(watch, sites):
    site = sites.serve({})
    w = watch(**youtube_config(site))
    acct = w.add(f"https://www.youtube.com/channel/{MUBA_CHANNEL}", "youtube")

    for _ in range(3):
        w.check()
    w.evaluate(NOW)

    # It should still find a channel that is really gone: feed and page both answer 404
    assert w.last(acct)["platform_fault"] is None
    assert w.account(acct)["status"] == "unreachable"
    assert row_of(w, acct)["platform_degraded"] is False


# --- RSSHub: empty feeds and a bridge that fails for everyone ---------------------------------

EMPTY_FEED = Route(
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>kominfomuba</title>'
    "<link>https://www.instagram.com/kominfomuba/</link><description>RSSHub</description></channel></rss>",
    content_type="application/rss+xml; charset=utf-8",
)


def rsshub_config(site, server=None):
    conf = {"bridges": {"rsshub": site.url + "/rsshub"}, "schedule": {"check_every": "6h"}}
    if server is not None:
        conf.update(smtp=server.smtp_config(), recipients=RECIPIENTS)
    return conf


def test_an_empty_rsshub_feed_for_an_account_that_has_posted_is_a_failed_read(watch, sites):
    route = "/rsshub/instagram/user/kominfomuba"
    site = sites.serve({route: serve("rsshub_instagram_active.xml")})
    w = watch(**rsshub_config(site))
    acct = w.add("https://www.instagram.com/kominfomuba/", "instagram")
    w.check()
    assert w.last(acct)["outcome"] == "ok"

    site.routes[route] = EMPTY_FEED
    w.check()

    # It should call the empty answer a failed read through the bridge, and keep the last post
    obs = w.last(acct)
    assert (obs["outcome"], obs["via"]) == ("error", "rsshub")
    assert "empty feed" in obs["error"]
    assert w.account(acct)["last_activity_at"] == "2024-11-19T08:00:00+00:00"


def test_an_empty_rsshub_feed_for_an_account_without_posts_is_read_but_undated(watch, sites):
    site = sites.serve({"/rsshub/instagram/user/akunbaru": EMPTY_FEED})
    w = watch(**rsshub_config(site))
    acct = w.add("https://www.instagram.com/akunbaru/", "instagram")

    w.check()

    # It should not invent a failure for an account that never posted
    assert w.last(acct)["outcome"] == "ok"


BRIDGED = {
    "/rsshub/instagram/user/kominfomuba": "https://www.instagram.com/kominfomuba/",
    "/rsshub/instagram/user/diskominfo_oku": "https://www.instagram.com/diskominfo_oku/",
    "/rsshub/twitter/user/kominfomuba": "https://x.com/kominfomuba",
}


def add_bridged(w):
    return [w.add(url, "x" if "twitter" in route else "instagram") for route, url in BRIDGED.items()]


def working_bridge(site):
    for route in BRIDGED:
        site.routes[route] = serve("rsshub_twitter_active.xml" if "twitter" in route else "rsshub_instagram_active.xml")


def failing_bridge(site):
    for route in BRIDGED:
        site.routes[route] = Route((serve("rsshub_error_blocked.html").body), status=503)


def run_pass(w, server):
    w.check()
    w.evaluate(NOW)
    send_pending(w.db, w.cfg, NOW)


def test_a_bridge_failing_for_all_its_accounts_gives_one_platform_down_alert_to_the_national_view(
    watch, sites, smtp_server
):
    site = sites.serve({})
    working_bridge(site)
    w = watch(**rsshub_config(site, smtp_server))
    ids = add_bridged(w)
    run_pass(w, smtp_server)
    assert smtp_server.received == []

    failing_bridge(site)
    for _ in range(4):
        run_pass(w, smtp_server)

    # It should raise exactly one platform_down, for the bridge, mailed to the "*" recipients only
    assert [(a["platform"], a["kind"]) for a in platform_alerts(w.db)] == [("rsshub", "platform_down")]
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted([KOMDIGI, NASIONAL])
    english = next(r.message for r in smtp_server.received if r.rcpt_tos == [KOMDIGI])
    indonesian = next(r.message for r in smtp_server.received if r.rcpt_tos == [NASIONAL])
    assert "platform down" in str(english["Subject"])
    assert "Platform down" in english.get_body(preferencelist=("plain",)).get_content()
    assert "Platform bermasalah" in indonesian.get_body(preferencelist=("plain",)).get_content()
    assert "rsshub" in indonesian.get_body(preferencelist=("html",)).get_content()
    # It should leave the accounts with their last activity, flagged, and never unreachable
    for acct in ids:
        assert w.account(acct)["status"] == "active", w.account(acct)["status_reason"]
        assert row_of(w, acct)["platform_degraded"] is True
    health = health_of(w, "rsshub")
    assert (health["state"], health["checked"], health["failed"], health["accounts"]) == ("down", 3, 3, 3)
    assert health["since"] is not None and "503" in health["reason"]
    assert health_of(w, "instagram")["state"] == "ok"  # the bridge's failure is not Instagram's

    working_bridge(site)
    run_pass(w, smtp_server)

    # It should say the bridge recovered, once, again only to the "*" recipients
    assert [a["kind"] for a in platform_alerts(w.db)] == ["platform_down", "platform_recovered"]
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted([KOMDIGI, NASIONAL] * 2)
    assert health_of(w, "rsshub")["state"] == "ok"
    assert all(row_of(w, acct)["platform_degraded"] is False for acct in ids)


def test_one_account_failing_among_working_ones_is_that_accounts_failure(watch, sites):
    site = sites.serve({})
    working_bridge(site)
    site.routes["/rsshub/instagram/user/diskominfo_oku"] = Route(b"upstream error", status=503)
    w = watch(**rsshub_config(site))
    ids = add_bridged(w)

    for _ in range(3):
        w.check()
        w.evaluate(NOW)

    # It should leave the bridge ok and let the failing account become unreachable
    assert health_of(w, "rsshub")["state"] == "ok"
    assert [w.account(a)["status"] for a in ids] == ["active", "unreachable", "active"]
    assert platform_alerts(w.db) == []


def test_with_an_api_key_a_feed_outage_is_confirmed_on_the_data_api(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_YT_KEY", "AIzaSyKominfoMubaRahasiaYouTube01")
    missing = Route(
        b'{"error": {"code": 404, "message": "The playlist identified with the request\'s '
        b'playlistId parameter cannot be found."}}',
        status=404,
        content_type="application/json",
    )
    channel = Route(json.dumps({"items": [{"id": MUBA_CHANNEL}]}), content_type="application/json")
    site = sites.serve(
        {"/youtube/v3/playlistItems": missing, "/youtube/v3/channels": channel, "/feeds/videos.xml": OUTAGE}
    )
    conf = youtube_config(site)
    conf["platforms"]["youtube"].update(api_key_env="PANTAU_TEST_YT_KEY", api_url=site.url + "/youtube/v3")
    w = watch(**conf)
    acct = w.add(f"https://www.youtube.com/channel/{MUBA_CHANNEL}", "youtube")

    w.check()

    # It should ask the Data API whether the channel exists (not its page) and blame YouTube
    obs = w.last(acct)
    assert (obs["outcome"], obs["platform_fault"]) == ("error", "youtube"), obs["error"]
    assert "the Data API knows the channel" in obs["error"]
    assert not any(h.startswith("/channel/") for h in site.hits)
