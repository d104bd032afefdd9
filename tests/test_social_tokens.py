"""Tokens stay in headers and never reach observations, account rows or status reasons."""

from __future__ import annotations

import json

from social_support import NOW, every_stored_text, recording, serve

from pantau.monitor.demo.server import free_port

SECRET = "EAAGm0PX4ZCpsBAKominfoMubaRahasia2024"


def test_a_token_is_sent_as_a_bearer_header_and_stored_nowhere(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", SECRET)
    seen: list[dict[str, str]] = []
    site = sites.serve(
        {
            "/graph/kominfomuba/posts": recording("graph_facebook_posts_active.json", seen),
            "/graph/kominfohilang/posts": recording("graph_error_803.json", seen, status=404),
            "/graph/dinkesoki/posts": recording(
                json.dumps(
                    {"error": {"message": "An unexpected error has occurred.", "code": 2, "is_transient": True}}
                ).encode(),
                seen,
                status=500,
            ),
        }
    )
    w = watch(platforms={"facebook": {"token_env": "PANTAU_TEST_TOKEN", "api_url": site.url + "/graph"}})
    ids = [w.add(f"https://facebook.com/{name}", "facebook") for name in ("kominfomuba", "kominfohilang", "dinkesoki")]

    w.check()
    w.evaluate(NOW)

    # It should put the token in the Authorization header of every request, never in a URL
    assert len(seen) == 3
    assert all(h["authorization"] == f"Bearer {SECRET}" and SECRET not in h["path"] for h in seen)
    # It should keep the token out of every stored column of every outcome (ok, not found, error)
    assert {w.last(i)["outcome"] for i in ids} == {"ok", "not_found", "error"}
    for account_id in ids:
        assert SECRET not in every_stored_text(w, account_id)


def test_a_credential_in_a_registry_feed_url_is_masked_in_network_errors(watch):
    closed = free_port()
    feed = f"http://127.0.0.1:{closed}/telegram/channel/kominfomuba?key=RSSHubAksesRahasia99"
    w = watch()
    acct = w.add("https://t.me/kominfomuba", "telegram", feed_url=feed)

    w.check()
    w.evaluate(NOW)

    # It should report the refused connection with the key masked, in the observation and the status
    obs = w.last(acct)
    assert obs["outcome"] == "error"
    assert "key=[redacted]" in obs["error"]
    account = w.account(acct)
    written = [account["last_error"], account["status_reason"], *map(str, w.observations(acct))]
    assert not [text for text in written if "RSSHubAksesRahasia99" in str(text)]


def test_the_youtube_key_never_appears_in_a_url(watch, sites, monkeypatch):
    key = "AIzaSyKominfoMubaRahasiaYouTube01"
    monkeypatch.setenv("PANTAU_TEST_YT_KEY", key)
    seen: list[dict[str, str]] = []
    site = sites.serve(
        {
            "/youtube/v3/playlistItems": recording("youtube_api_quota.json", seen, status=403),
            "/feeds/videos.xml": serve("youtube_feed_active.xml"),
        }
    )
    w = watch(
        platforms={
            "youtube": {
                "api_key_env": "PANTAU_TEST_YT_KEY",
                "api_url": site.url + "/youtube/v3",
                "feed_url": site.url + "/feeds/videos.xml?channel_id={channel_id}",
            }
        }
    )
    acct = w.add("https://www.youtube.com/channel/UCq7Lm0nTKominfoMuba2024", "youtube")

    w.check()

    # It should send the key in X-goog-api-key and store it nowhere
    assert seen[0]["x-goog-api-key"] == key
    assert all(key not in path for path in site.hits)
    assert key not in every_stored_text(w, acct)
