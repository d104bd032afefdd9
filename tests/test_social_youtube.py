"""YouTube channels, end to end: the channel id resolved once, the feed or the Data API read."""

from __future__ import annotations

from social_support import NOW, every_stored_text, recording, serve

MUBA_CHANNEL = "UCq7Lm0nTKominfoMuba2024"
OKU_CHANNEL = "UCdinasPariwisataOKU0001"
API_KEY = "AIzaSyKominfoMubaRahasiaYouTube01"


def youtube_config(site, **extra):
    conf = {
        "site_url": site.url,
        "feed_url": site.url + "/feeds/videos.xml?channel_id={channel_id}",
        "api_url": site.url + "/youtube/v3",
    }
    conf.update(extra)
    return {"platforms": {"youtube": conf}}


def test_it_resolves_the_channel_id_once_and_reads_the_newest_video(watch, sites):
    site = sites.serve(
        {"/@kominfomuba": serve("youtube_channel_page.html"), "/feeds/videos.xml": serve("youtube_feed_active.xml")}
    )
    w = watch(**youtube_config(site))
    acct = w.add("https://www.youtube.com/@kominfomuba", "youtube")

    w.check()
    first = w.last(acct)

    # It should take the newest video of the resolved channel's feed as evidence, and keep the id
    assert first["outcome"] == "ok", first["error"]
    assert first["activity_at"] == "2024-11-20T03:00:05+00:00"
    assert first["activity_url"] == "https://www.youtube.com/watch?v=Xk3mUbA2411"
    assert first["activity_title"] == "Bupati Muba Resmikan Jembatan Desa Sungai Lilin"
    assert first["evidence"] == "feed"
    assert w.account(acct)["resolved_id"] == MUBA_CHANNEL
    assert f"/feeds/videos.xml?channel_id={MUBA_CHANNEL}" in site.hits

    w.check()

    # It should not fetch the channel page again once the id is known
    assert site.hits.count("/@kominfomuba") == 1
    assert site.hits.count(f"/feeds/videos.xml?channel_id={MUBA_CHANNEL}") == 2
    assert w.last(acct)["outcome"] in ("ok", "not_modified")
    w.evaluate(NOW)
    assert w.account(acct)["status"] == "active"


def test_a_channel_address_is_read_without_any_channel_page(watch, sites):
    site = sites.serve({"/feeds/videos.xml": serve("youtube_feed_dormant.xml")})
    w = watch(**youtube_config(site))
    acct = w.add(f"https://www.youtube.com/channel/{OKU_CHANNEL}", "youtube")

    w.check()
    w.evaluate(NOW)

    # It should go straight to the feed and judge the channel dormant from its last video (1 Sept)
    assert site.hits == [f"/feeds/videos.xml?channel_id={OKU_CHANNEL}"]
    assert w.last(acct)["activity_at"] == "2024-09-01T04:00:00+00:00"
    account = w.account(acct)
    assert account["status"] == "dormant", account["status_reason"]


def test_a_channel_that_does_not_exist_is_reported_as_not_found(watch, sites):
    site = sites.serve({})  # every path answers 404, as YouTube does for an unknown handle
    w = watch(**youtube_config(site))
    acct = w.add("https://www.youtube.com/@kominfohilang", "youtube")

    for _ in range(3):
        w.check()
    w.evaluate(NOW)

    # It should say the account is gone, and three such checks make it unreachable
    obs = w.last(acct)
    assert obs["outcome"] == "not_found"
    assert obs["error"].startswith("account not found")
    account = w.account(acct)
    assert account["status"] == "unreachable"
    assert account["status_reason"].startswith("account not found")


def test_a_channel_page_saying_the_channel_does_not_exist_is_not_found(watch, sites):
    site = sites.serve({"/@kominfohilang": serve("youtube_channel_gone.html")})
    w = watch(**youtube_config(site))
    acct = w.add("https://www.youtube.com/@kominfohilang", "youtube")

    w.check()

    # It should read YouTube's own words, even on a 200 page
    assert w.last(acct)["outcome"] == "not_found"


def test_a_page_without_a_channel_id_is_an_error_that_says_what_to_do(watch, sites):
    site = sites.serve({"/@kominfomuba": serve("youtube_consent.html")})
    w = watch(**youtube_config(site))
    acct = w.add("https://www.youtube.com/@kominfomuba", "youtube")

    w.check()

    # It should not call the channel gone, and it should suggest the /channel/ address
    obs = w.last(acct)
    assert obs["outcome"] == "error"
    assert "/channel/UC" in obs["error"]


def test_a_missing_feed_of_a_live_channel_is_an_error_not_a_vanished_account(watch, sites):
    site = sites.serve({f"/channel/{MUBA_CHANNEL}": serve("youtube_channel_page.html")})
    w = watch(**youtube_config(site))
    acct = w.add(f"https://www.youtube.com/channel/{MUBA_CHANNEL}", "youtube")

    w.check()

    # It should check the channel page before believing the feed's 404
    obs = w.last(acct)
    assert obs["outcome"] == "error"
    assert "channel page is there" in obs["error"]


def test_with_an_api_key_it_reads_the_uploads_playlist_with_the_key_in_a_header(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_YT_KEY", API_KEY)
    seen: list[dict[str, str]] = []
    site = sites.serve({"/youtube/v3/playlistItems": recording("youtube_api_playlist.json", seen)})
    w = watch(**youtube_config(site, api_key_env="PANTAU_TEST_YT_KEY"))
    acct = w.add(f"https://www.youtube.com/channel/{MUBA_CHANNEL}", "youtube")

    w.check()

    # It should read the channel's uploads playlist (UU…), with the key only in X-goog-api-key
    obs = w.last(acct)
    assert (obs["outcome"], obs["evidence"]) == ("ok", "api")
    assert obs["activity_at"] == "2024-11-20T03:00:05+00:00"
    assert obs["activity_url"] == "https://www.youtube.com/watch?v=Xk3mUbA2411"
    assert "playlistId=UUq7Lm0nTKominfoMuba2024" in seen[0]["path"]
    assert seen[0]["x-goog-api-key"] == API_KEY
    assert API_KEY not in seen[0]["path"]


def test_when_the_api_quota_is_spent_it_reads_the_feed_in_the_same_check(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_YT_KEY", API_KEY)
    seen: list[dict[str, str]] = []
    site = sites.serve(
        {
            "/youtube/v3/playlistItems": recording("youtube_api_quota.json", seen, status=403),
            "/feeds/videos.xml": serve("youtube_feed_active.xml"),
        }
    )
    w = watch(**youtube_config(site, api_key_env="PANTAU_TEST_YT_KEY"))
    acct = w.add(f"https://www.youtube.com/channel/{MUBA_CHANNEL}", "youtube")

    w.check()

    # It should still find the newest video, say why the API was skipped, and store no key
    obs = w.last(acct)
    assert (obs["outcome"], obs["evidence"]) == ("ok", "feed")
    assert "quota" in obs["error"]
    assert API_KEY not in every_stored_text(w, acct)
