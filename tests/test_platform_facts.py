"""Platform facts kept up to date: robots.txt per platform, Threads profile discovery, the Graph
API version as one setting. Loopback servers stand in for the platforms."""

from __future__ import annotations

import json

import pytest
from social_support import NOW, recording, serve

from pantau.config.settings import ConfigError, from_dict
from pantau.monitor.demo.server import Route

MUBA_CHANNEL = "UCq7Lm0nTKominfoMuba2024"
TOKEN = "THAAKominfoMubaThreadsRahasia2024"
YOUTUBE_ROBOTS = Route(
    "User-agent: Mediapartners-Google*\nDisallow:\n\nUser-agent: *\nDisallow: /api/\n"
    "Disallow: /feeds/videos.xml\nDisallow: /results\n",
    content_type="text/plain",
)


def youtube(site, **extra):
    conf = {"site_url": site.url, "feed_url": site.url + "/feeds/videos.xml?channel_id={channel_id}"}
    conf.update(extra)
    return conf


# --- robots.txt, per platform ------------------------------------------------------------------


def test_a_platform_that_obeys_robots_txt_reports_the_refusal_instead_of_reading(watch, sites):
    site = sites.serve({"/robots.txt": YOUTUBE_ROBOTS, "/feeds/videos.xml": serve("youtube_feed_active.xml")})
    w = watch(platforms={"youtube": youtube(site, obey_robots=True)})
    acct = w.add(f"https://www.youtube.com/channel/{MUBA_CHANNEL}", "youtube")

    w.check()
    w.evaluate(NOW)

    # It should not fetch the disallowed feed, and the account's reason should say robots.txt refused it
    assert not any(h.startswith("/feeds/") for h in site.hits)
    assert w.last(acct)["outcome"] == "blocked"
    account = w.account(acct)
    assert account["status"] == "unknown"
    assert "robots.txt forbids" in account["status_reason"]
    assert "[platforms.youtube] obey_robots" in account["status_reason"]


def test_a_platform_set_to_read_as_a_feed_reader_reads_its_known_feed(watch, sites):
    site = sites.serve({"/robots.txt": YOUTUBE_ROBOTS, "/feeds/videos.xml": serve("youtube_feed_active.xml")})
    w = watch(crawler={"obey_robots": True}, platforms={"youtube": youtube(site, obey_robots=False)})
    acct = w.add(f"https://www.youtube.com/channel/{MUBA_CHANNEL}", "youtube")

    w.check()

    # It should read the registered channel's feed, as a feed reader does, while websites still obey
    assert w.last(acct)["outcome"] == "ok", w.last(acct)["error"]
    assert w.cfg.platform("website")["obey_robots"] is True


def test_obey_robots_of_a_platform_defaults_to_the_crawlers():
    cfg = from_dict({"crawler": {"obey_robots": False}, "platforms": {"x": {"obey_robots": True}}}, None)

    # It should inherit [crawler] obey_robots unless the platform's table says otherwise
    assert cfg.platform("youtube")["obey_robots"] is False
    assert cfg.platform("website")["obey_robots"] is False
    assert cfg.platform("x")["obey_robots"] is True


# --- the Graph API version ---------------------------------------------------------------------


def test_facebook_and_instagram_call_one_graph_api_version_that_meta_still_serves():
    default = from_dict({}, None)
    pinned = from_dict({"platforms": {"facebook": {"graph_version": "v24.0"}}}, None)

    # It should call v25.0 by default (v19.0 expired on 2026-05-21) and follow the one setting
    assert default.platform("facebook")["api_url"] == "https://graph.facebook.com/v25.0"
    assert default.platform("instagram")["api_url"] == "https://graph.facebook.com/v25.0"
    assert pinned.platform("instagram")["api_url"] == "https://graph.facebook.com/v24.0"


def test_a_graph_api_version_that_is_not_one_is_refused_with_the_key_named():
    with pytest.raises(ConfigError) as err:
        from_dict({"platforms": {"facebook": {"graph_version": "19"}}}, None)

    # It should name the key and the expected shape
    assert "platforms.facebook.graph_version" in str(err.value) and "v25.0" in str(err.value)


# --- Threads: profile discovery ----------------------------------------------------------------

DISCOVERED = json.dumps(
    {
        "data": [
            {
                "id": "1",
                "timestamp": "2024-11-18T01:00:00+0000",
                "username": "dispar_oku",
                "permalink": "https://www.threads.net/@dispar_oku/post/DCdisparOKU1",
                "text": "Festival Ogan 2024",
            },
            {
                "id": "2",
                "timestamp": "2024-10-01T01:00:00+0000",
                "username": "dispar_oku",
                "permalink": "https://www.threads.net/@dispar_oku/post/DCdisparOKU0",
                "text": "Wisata Baturaja",
            },
        ]
    }
).encode()


def threads(site):
    return {"platforms": {"threads": {"token_env": "PANTAU_TEST_TOKEN", "api_url": site.url + "/v1.0"}}}


def test_threads_reads_another_public_profile_through_profile_discovery(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    seen: list[dict[str, str]] = []
    site = sites.serve(
        {"/v1.0/me/threads": serve("threads_me_threads.json"), "/v1.0/profile_posts": recording(DISCOVERED, seen)}
    )
    w = watch(**threads(site))
    acct = w.add("https://www.threads.net/@dispar_oku", "threads")

    w.check()

    # It should ask profile discovery for @dispar_oku and take its newest post, not the token owner's
    obs = w.last(acct)
    assert (obs["outcome"], obs["evidence"]) == ("ok", "api"), obs["error"]
    assert obs["activity_url"] == "https://www.threads.net/@dispar_oku/post/DCdisparOKU1"
    assert "username=dispar_oku" in seen[0]["path"]
    assert seen[0]["authorization"] == f"Bearer {TOKEN}"


def test_without_the_discovery_permission_threads_says_what_the_token_lacks(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    site = sites.serve(
        {
            "/v1.0/me/threads": serve("threads_me_threads.json"),
            "/v1.0/profile_posts": serve("graph_error_permission.json", status=403),
        }
    )
    w = watch(**threads(site))
    acct = w.add("https://www.threads.net/@dispar_oku", "threads")

    w.check()

    # It should not use the owner's posts, and name the permission to ask Meta for
    obs = w.last(acct)
    assert (obs["outcome"], obs["activity_at"]) == ("unsupported", None)
    assert "threads_profile_discovery" in obs["error"] and "belongs to @kominfomuba" in obs["error"]
