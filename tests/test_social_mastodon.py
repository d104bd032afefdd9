"""Mastodon profiles, end to end: the profile's .rss feed."""

from __future__ import annotations

from social_support import NOW, serve

from pantau.monitor.demo.server import Route


def test_it_reads_the_profile_feed_and_takes_the_newest_post(watch, sites):
    site = sites.serve({"/@diskominfo.rss": serve("mastodon_active.rss")})
    w = watch()
    acct = w.add(site.url + "/@diskominfo", "mastodon")

    w.check()
    w.evaluate(NOW)

    # It should read <profile>.rss and keep the newest toot's link as evidence
    obs = w.last(acct)
    assert obs["outcome"] == "ok", obs["error"]
    assert obs["activity_at"] == "2024-11-20T05:00:00+00:00"
    assert obs["activity_url"] == "https://sosial.mubakab.go.id/@diskominfo/113512345678901234"
    assert obs["evidence"] == "feed"
    assert w.account(acct)["status"] == "active"


def test_a_profile_that_stopped_posting_is_dormant(watch, sites):
    site = sites.serve({"/@bappeda.rss": serve("mastodon_dormant.rss")})
    w = watch()
    acct = w.add(site.url + "/@bappeda", "mastodon")

    w.check()
    w.evaluate(NOW)

    # It should judge by the last post, 2 September
    assert w.last(acct)["activity_at"] == "2024-09-02T03:00:00+00:00"
    assert w.account(acct)["status"] == "dormant"


def test_a_suspended_or_deleted_profile_is_not_found(watch, sites):
    site = sites.serve({"/@ditutup.rss": Route("<h1>Gone</h1>", status=410)})
    w = watch()
    gone = w.add(site.url + "/@ditutup", "mastodon")
    missing = w.add(site.url + "/@tidakada", "mastodon")

    w.check()

    # It should report both as "account not found", naming what the server said
    for acct, status in ((gone, "410"), (missing, "404")):
        obs = w.last(acct)
        assert obs["outcome"] == "not_found"
        assert obs["error"].startswith("account not found") and status in obs["error"]


def test_a_registry_feed_url_replaces_the_profile_feed(watch, sites):
    site = sites.serve({"/arsip/diskominfo.xml": serve("mastodon_active.rss")})
    w = watch()
    acct = w.add(site.url + "/@diskominfo", "mastodon", feed_url=site.url + "/arsip/diskominfo.xml")

    w.check()

    # It should poll the registry's feed_url instead of <profile>.rss
    assert site.hits == ["/arsip/diskominfo.xml"]
    assert w.last(acct)["activity_at"] == "2024-11-20T05:00:00+00:00"
