"""`pantau explain` and `pantau probe`: every candidate of a check, where it was found and why it
was taken or refused, for every platform, as text and as JSON."""

from __future__ import annotations

import json
import re

import pytest
from social_support import serve

from pantau.monitor.explain import explain_account, infer_platform, render_text

KEYS = {"at", "url", "title", "source", "where", "accepted", "why"}
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
LOOPBACK = """
[crawler]
allow_private_addresses = true
obey_robots = false
timeout_s = 5
retries = 0
"""
NODATES = {"/": "listing_nodates_home.html", "/berita/77/rapat-koordinasi-angkutan-lebaran": "post_rapat_angkutan.html"}
CHANNEL = "UCdinasPariwisataOKU0001"


def assert_explains(doc: dict, account: dict) -> None:
    assert set(doc) == {"account", "checked_at", "winner", "candidates"}
    assert ISO_WITH_OFFSET.match(doc["checked_at"])
    for cand in doc["candidates"]:
        assert set(cand) == KEYS
        assert ISO_WITH_OFFSET.match(cand["at"]), cand["at"]
    # It should name as winner one of the candidates: the account's last activity
    assert doc["winner"] in doc["candidates"]
    assert [c for c in doc["candidates"] if c["accepted"]] == [doc["winner"]]
    assert doc["winner"]["url"] == account["last_activity_url"]
    assert doc["winner"]["source"] == account["evidence"]


def platform_case(name, sites):
    """(config tables, url, platform) of one account of each kind, served on loopback."""
    if name == "website":
        site = sites.serve(NODATES)
        return {}, site.url, "website"
    if name == "feed":
        site = sites.serve({"/rss.xml": "disparbud_feed.rss.xml"})
        return {}, site.url + "/rss.xml", "feed"
    if name == "telegram":
        site = sites.serve({"/s/kominfomuba": serve("telegram_preview_active.html")})
        return (
            {"platforms": {"telegram": {"preview_url": site.url + "/s/{handle}"}}},
            "https://t.me/kominfomuba",
            "telegram",
        )
    if name == "mastodon":
        site = sites.serve({"/@diskominfo.rss": serve("mastodon_active.rss")})
        return {}, site.url + "/@diskominfo", "mastodon"
    if name == "youtube":
        site = sites.serve({"/feeds/videos.xml": serve("youtube_feed_dormant.xml")})
        conf = {"site_url": site.url, "feed_url": site.url + "/feeds/videos.xml?channel_id={channel_id}"}
        return {"platforms": {"youtube": conf}}, f"https://www.youtube.com/channel/{CHANNEL}", "youtube"
    if name == "x-api":
        site = sites.serve(
            {
                "/2/users/by/username/kominfomuba": serve("x_user_lookup.json"),
                "/2/users/1234567890123456789/tweets": serve("x_tweets_active.json"),
            }
        )
        return (
            {"platforms": {"x": {"token_env": "PANTAU_TEST_X", "api_url": site.url + "/2"}}},
            "https://twitter.com/KominfoMuba",
            "x",
        )
    if name == "instagram":
        site = sites.serve({"/rsshub/instagram/user/kominfomuba": serve("rsshub_instagram_active.xml")})
        return {"bridges": {"rsshub": site.url + "/rsshub"}}, "https://www.instagram.com/kominfomuba/", "instagram"
    raise AssertionError(name)


@pytest.mark.parametrize("name", ["website", "feed", "telegram", "mastodon", "youtube", "instagram", "x-api"])
def test_it_explains_the_last_check_of_every_platform(name, sites, watch, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_X", "AAAAAAAAAAAAAAAAAAAAAKominfoMubaXBearer2024")
    tables, url, platform = platform_case(name, sites)
    w = watch(**tables)
    account_id = w.add(url, platform)
    w.check()

    doc = explain_account(w.cfg, w.db, account_id)

    assert doc["account"] == account_id
    assert_explains(doc, w.account(account_id))
    text = render_text(doc)
    # It should say the winner, where it was found and why, in words
    assert "winner: " in text and doc["winner"]["where"] in text and doc["winner"]["url"] in text


def test_a_websites_explanation_shows_the_refused_comment_and_sidebar(sites, watch):
    tables, url, platform = platform_case("website", sites)
    w = watch(**tables)
    account_id = w.add(url, platform)
    w.check()

    doc = explain_account(w.cfg, w.db, account_id)
    refused = " | ".join(c["why"] for c in doc["candidates"] if not c["accepted"])

    # It should show the post page's byline as winner and say why the comment and sidebar lost
    assert doc["winner"]["where"].startswith("the post's own page: byline text")
    assert "a comment" in refused
    assert "sidebar" in refused


def test_a_feed_explanation_keeps_the_older_entries_as_refused(sites, watch):
    tables, url, platform = platform_case("feed", sites)
    w = watch(**tables)
    account_id = w.add(url, platform)
    w.check()

    doc = explain_account(w.cfg, w.db, account_id)

    # It should list the older entries of the feed, refused as older than the winner
    older = [c for c in doc["candidates"] if not c["accepted"]]
    assert older and all("older" in c["why"] or "future" in c["why"] for c in older)


def test_an_account_never_read_has_no_winner(watch):
    w = watch()
    account_id = w.add("https://mubakab.go.id")

    doc = explain_account(w.cfg, w.db, account_id)

    # It should answer with a null winner and no candidates, not fail
    assert doc == {"account": account_id, "checked_at": None, "winner": None, "candidates": []}
    assert "winner: none" in render_text(doc)


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.youtube.com/@kominfomuba", "youtube"),
        ("https://t.me/kominfomuba", "telegram"),
        ("instagram.com/kominfomuba", "instagram"),
        ("https://twitter.com/kominfomuba", "x"),
        ("https://sosial.mubakab.go.id/@diskominfo", "mastodon"),
        ("https://disparbud.okukab.go.id/feed/", "feed"),
        ("https://mubakab.go.id/", "website"),
    ],
)
def test_probe_infers_the_platform_from_the_address(url, platform):
    # It should infer as a registry row would name it
    assert infer_platform(url) == platform


def test_explain_and_probe_on_the_command_line(sites, new_project, tmp_path):
    site = sites.serve(NODATES)
    p = new_project(tmp_path / "kominfo", LOOPBACK)
    p.write(
        "registry.csv",
        f"institution,region,platform,url\nDinas Perhubungan Kab. Musi Banyuasin,16.06,website,{site.url}\n",
    )
    assert p.run("registry", "import", "registry.csv").returncode == 0
    assert p.run("check", "--all").returncode == 0
    account = p.accounts()[0]

    as_json = p.run("explain", str(account["id"]), "--format", "json")
    as_text = p.run("explain", str(account["id"]))

    assert as_json.returncode == 0, as_json.stderr
    doc = json.loads(as_json.stdout)
    assert_explains(doc, account)
    assert doc["winner"]["url"] in as_text.stdout and "refused" in as_text.stdout
    # It should refuse an unknown account with exit status 2
    assert p.run("explain", "999").returncode == 2


def test_probe_checks_an_address_once_and_writes_nothing(sites, new_project, tmp_path):
    site = sites.serve(NODATES)
    p = new_project(tmp_path / "probe", LOOPBACK)

    result = p.run("probe", site.url + "/", "--format", "json")

    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    # It should give explain's JSON with account null, plus the status and reason of the policy
    assert doc["account"] is None
    assert {"checked_at", "winner", "candidates", "status", "reason"} <= set(doc)
    assert doc["winner"] in doc["candidates"]
    assert doc["winner"]["url"] == f"{site.url}/berita/77/rapat-koordinasi-angkutan-lebaran"
    assert doc["status"] == "dormant"
    assert "40 days" in doc["reason"]
    # It should write nothing: no database was created
    assert not (p.root / "pantau.db").exists()
    text = p.run("probe", site.url + "/")
    assert "status: dormant" in text.stdout


def test_probe_reads_a_telegram_channel_named_by_its_address(sites, new_project, tmp_path):
    site = sites.serve({"/s/kominfomuba": serve("telegram_preview_active.html")})
    p = new_project(tmp_path / "tg", LOOPBACK + f'\n[platforms.telegram]\npreview_url = "{site.url}/s/{{handle}}"\n')

    result = p.run("probe", "https://t.me/kominfomuba", "--format", "json", now="2024-11-22T05:00:00+00:00")

    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    # It should infer telegram, take the newest message and judge it active on 22 November 2024
    assert doc["winner"]["url"] == "https://t.me/kominfomuba/1201"
    assert doc["status"] == "active"
    assert doc["winner"]["at"].endswith("+07:00")


def test_a_recheck_answered_304_explains_its_winner_as_the_last_full_read(sites, watch):
    tables, url, platform = platform_case("feed", sites)
    w = watch(**tables)
    account_id = w.add(url, platform)
    w.check()
    w.check()

    doc = explain_account(w.cfg, w.db, account_id)

    # It should still name the winner, and say it comes from the last full read
    assert w.last(account_id)["outcome"] == "not_modified"
    assert "304" in doc["winner"]["why"]
    assert doc["winner"]["url"] == w.account(account_id)["last_activity_url"]
