"""The self-hosted RSSHub bridge, end to end: its documented routes, its errors, as a fallback."""

from __future__ import annotations

import pytest
from social_support import NOW, body, serve

from pantau.monitor.demo.server import Route


def rsshub_config(site, **platforms):
    return {"bridges": {"rsshub": site.url + "/rsshub"}, "platforms": platforms}


@pytest.mark.parametrize(
    "platform, url, route",
    [
        ("instagram", "https://www.instagram.com/kominfomuba/", "/instagram/user/kominfomuba"),
        ("x", "https://twitter.com/kominfomuba", "/twitter/user/kominfomuba"),
        ("facebook", "https://www.facebook.com/kominfomuba", "/facebook/page/kominfomuba"),
        ("tiktok", "https://www.tiktok.com/@kominfomuba", "/tiktok/user/@kominfomuba"),
        ("threads", "https://www.threads.net/@kominfomuba", "/threads/kominfomuba"),
    ],
)
def test_each_platform_is_read_through_its_documented_rsshub_route(watch, sites, platform, url, route):
    site = sites.serve({"/rsshub" + route: serve("rsshub_instagram_active.xml")})
    w = watch(**rsshub_config(site))
    acct = w.add(url, platform)

    w.check()
    w.evaluate(NOW)

    # It should fetch the route and take the newest item, not the 2019 pinned post at the top
    assert site.hits == ["/rsshub" + route]
    obs = w.last(acct)
    assert (obs["outcome"], obs["evidence"]) == ("ok", "feed"), obs["error"]
    assert obs["activity_at"] == "2024-11-19T08:00:00+00:00"
    assert obs["activity_url"] == "https://www.instagram.com/p/DCjEmBaTan1/"
    assert w.account(acct)["status"] == "active"


def test_an_account_that_stopped_posting_is_dormant(watch, sites):
    site = sites.serve({"/rsshub/instagram/user/dispar_oku": serve("rsshub_instagram_dormant.xml")})
    w = watch(**rsshub_config(site))
    acct = w.add("https://www.instagram.com/dispar_oku/", "instagram")

    w.check()
    w.evaluate(NOW)

    # It should judge by the last post, 1 September
    assert w.last(acct)["activity_at"] == "2024-09-01T04:00:00+00:00"
    assert w.account(acct)["status"] == "dormant"


def test_x_through_rsshub_keeps_the_newest_post(watch, sites):
    site = sites.serve({"/rsshub/twitter/user/kominfomuba": serve("rsshub_twitter_active.xml")})
    w = watch(**rsshub_config(site))
    acct = w.add("https://x.com/kominfomuba", "x")

    w.check()

    # It should link to the post itself
    obs = w.last(acct)
    assert obs["activity_url"] == "https://x.com/kominfomuba/status/1858900000000000001"
    assert obs["activity_at"] == "2024-11-20T01:30:00+00:00"


def test_rsshub_saying_the_account_does_not_exist_is_not_found(watch, sites):
    site = sites.serve(
        {"/rsshub/twitter/user/kominfohilang": Route(body("rsshub_error_account_gone.html"), status=503)}
    )
    w = watch(**rsshub_config(site))
    acct = w.add("https://x.com/kominfohilang", "x")

    for _ in range(3):
        w.check()
    w.evaluate(NOW)

    # It should read RSSHub's message, whatever its status code, and report the account gone
    obs = w.last(acct)
    assert obs["outcome"] == "not_found"
    assert obs["error"].startswith("account not found") and "doesn't exist" in obs["error"]
    assert w.account(acct)["status"] == "unreachable"


def test_a_missing_rsshub_route_is_a_configuration_error_not_a_vanished_account(watch, sites):
    site = sites.serve({"/rsshub/instagram/userr/kominfomuba": Route(body("rsshub_error_no_route.html"), status=404)})
    w = watch(**rsshub_config(site, instagram={"rsshub_route": "/instagram/userr/{handle}"}))
    acct = w.add("https://www.instagram.com/kominfomuba/", "instagram")

    w.check()

    # It should point at the route setting instead of calling the account gone
    obs = w.last(acct)
    assert obs["outcome"] == "error"
    assert "[platforms.instagram] rsshub_route" in obs["error"]


def test_rsshub_blocked_by_the_platform_is_an_error(watch, sites):
    site = sites.serve({"/rsshub/instagram/user/kominfomuba": Route(body("rsshub_error_blocked.html"), status=503)})
    w = watch(**rsshub_config(site))
    acct = w.add("https://www.instagram.com/kominfomuba/", "instagram")

    w.check()

    # It should pass on RSSHub's reason and not call the account gone
    obs = w.last(acct)
    assert obs["outcome"] == "error"
    assert "429 Too Many Requests" in obs["error"]


def test_rsshub_takes_over_when_the_api_cannot_see_the_account(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", "EAAGm0PX4ZCpsBAKominfoMubaRahasia2024")
    site = sites.serve(
        {
            "/graph/kominfomuba/posts": serve("graph_error_permission.json", status=403),
            "/rsshub/facebook/page/kominfomuba": serve("rsshub_instagram_active.xml"),
        }
    )
    w = watch(**rsshub_config(site, facebook={"token_env": "PANTAU_TEST_TOKEN", "api_url": site.url + "/graph"}))
    acct = w.add("https://www.facebook.com/kominfomuba", "facebook")

    w.check()

    # It should find the post through RSSHub and still say why the API did not work
    obs = w.last(acct)
    assert (obs["outcome"], obs["evidence"]) == ("ok", "feed")
    assert obs["error"].startswith("read through RSSHub")
    assert "Page Public Content Access" in obs["error"]
    assert site.hits == [
        "/graph/kominfomuba/posts?fields=created_time,permalink_url,message&limit=5",
        "/rsshub/facebook/page/kominfomuba",
    ]


def test_an_unchanged_rsshub_feed_costs_one_small_answer(watch, sites):
    site = sites.serve({"/rsshub/instagram/user/kominfomuba": serve("rsshub_instagram_active.xml")})
    w = watch(**rsshub_config(site))
    acct = w.add("https://www.instagram.com/kominfomuba/", "instagram")

    w.check()
    w.check()

    # It should send the ETag back, get a 304 and keep the evidence it had
    assert site.not_modified == 1
    obs = w.last(acct)
    assert obs["outcome"] == "not_modified"
    assert obs["activity_at"] == "2024-11-19T08:00:00+00:00"
