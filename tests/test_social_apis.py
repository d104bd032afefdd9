"""Official APIs, end to end: Facebook and Instagram (Graph API), X API v2, Threads."""

from __future__ import annotations

import json

from social_support import NOW, every_stored_text, recording, serve

from pantau.monitor.demo.server import Route

TOKEN = "EAAGm0PX4ZCpsBAKominfoMubaRahasia2024"
X_TOKEN = "AAAAAAAAAAAAAAAAAAAAAKominfoMubaXBearer2024"
IG_BUSINESS = "17841499999999999"


def meta_config(site, platform, **extra):
    conf = {"token_env": "PANTAU_TEST_TOKEN", "api_url": site.url + "/graph"}
    conf.update(extra)
    return {"platforms": {platform: conf}}


# --- Facebook ---------------------------------------------------------------------------------


def test_it_reads_the_newest_post_of_a_facebook_page_through_the_graph_api(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    seen: list[dict[str, str]] = []
    site = sites.serve({"/graph/kominfomuba/posts": recording("graph_facebook_posts_active.json", seen)})
    w = watch(**meta_config(site, "facebook"))
    acct = w.add("https://www.facebook.com/kominfomuba", "facebook")

    w.check()
    w.evaluate(NOW)

    # It should store the newest post's permalink as evidence, with the token in a header only
    obs = w.last(acct)
    assert (obs["outcome"], obs["evidence"]) == ("ok", "api"), obs["error"]
    assert obs["activity_at"] == "2024-11-19T08:00:00+00:00"
    assert obs["activity_url"] == "https://www.facebook.com/kominfomuba/posts/pfbid02JeMbAtAnSuNgAiLiLiN"
    assert obs["activity_title"].startswith("Bupati Muba H. Apriyadi meresmikan")
    assert seen[0]["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in seen[0]["path"]
    assert "fields=created_time,permalink_url,message" in seen[0]["path"]
    assert w.account(acct)["status"] == "active"


def test_a_facebook_page_that_stopped_posting_is_dormant(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    site = sites.serve({"/graph/disparoku/posts": serve("graph_facebook_posts_dormant.json")})
    w = watch(**meta_config(site, "facebook"))
    acct = w.add("https://facebook.com/disparoku", "facebook")

    w.check()
    w.evaluate(NOW)

    # It should judge by the last post, 1 September
    assert w.last(acct)["activity_at"] == "2024-09-01T04:00:00+00:00"
    assert w.account(acct)["status"] == "dormant"


def test_a_facebook_name_that_does_not_exist_is_not_found(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    site = sites.serve({"/graph/kominfohilang/posts": serve("graph_error_803.json", status=404)})
    w = watch(**meta_config(site, "facebook"))
    acct = w.add("https://facebook.com/kominfohilang", "facebook")

    w.check()

    # It should take Meta's "(#803) aliases do not exist" as the account being gone
    obs = w.last(acct)
    assert obs["outcome"] == "not_found"
    assert obs["error"].startswith("account not found")


def test_a_token_without_page_access_says_which_permission_is_missing(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    site = sites.serve({"/graph/kominfomuba/posts": serve("graph_error_permission.json", status=403)})
    w = watch(**meta_config(site, "facebook"))
    acct = w.add("https://facebook.com/kominfomuba", "facebook")

    w.check()
    w.evaluate(NOW)

    # It should not call the page gone; it should say the token cannot see it and what to fix
    obs = w.last(acct)
    assert obs["outcome"] == "unsupported"
    assert "Page Public Content Access" in obs["error"]
    assert "[platforms.facebook] token_env" in obs["error"]
    assert w.account(acct)["status"] == "unknown"


# --- Instagram --------------------------------------------------------------------------------


def test_it_reads_an_instagram_business_account_through_business_discovery(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    seen: list[dict[str, str]] = []
    site = sites.serve({f"/graph/{IG_BUSINESS}": recording("graph_instagram_discovery_active.json", seen)})
    w = watch(**meta_config(site, "instagram", business_account_id=IG_BUSINESS))
    acct = w.add("https://www.instagram.com/kominfomuba/", "instagram")

    w.check()
    w.evaluate(NOW)

    # It should ask the business account about @kominfomuba and keep its newest post
    obs = w.last(acct)
    assert (obs["outcome"], obs["evidence"]) == ("ok", "api"), obs["error"]
    assert obs["activity_url"] == "https://www.instagram.com/p/DCjEmBaTan1/"
    assert obs["activity_at"] == "2024-11-19T08:00:00+00:00"
    assert "business_discovery.username(kominfomuba)" in seen[0]["path"]
    assert seen[0]["authorization"] == f"Bearer {TOKEN}"
    assert w.account(acct)["status"] == "active"


def test_an_instagram_account_that_stopped_posting_is_dormant(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    site = sites.serve({f"/graph/{IG_BUSINESS}": serve("graph_instagram_discovery_dormant.json")})
    w = watch(**meta_config(site, "instagram", business_account_id=IG_BUSINESS))
    acct = w.add("https://www.instagram.com/dispar_oku/", "instagram")

    w.check()
    w.evaluate(NOW)

    # It should judge by the last post, 1 September
    assert w.account(acct)["status"] == "dormant"


def test_an_instagram_name_business_discovery_cannot_see_is_not_called_gone(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    site = sites.serve({f"/graph/{IG_BUSINESS}": serve("graph_instagram_not_found.json", status=400)})
    w = watch(**meta_config(site, "instagram", business_account_id=IG_BUSINESS))
    acct = w.add("https://www.instagram.com/kominfohilang/", "instagram")

    w.check()

    # It should explain that the name is missing *or* personal, and name the other way to read it
    obs = w.last(acct)
    assert obs["outcome"] == "unsupported"
    assert "personal account" in obs["error"]
    assert "[bridges] rsshub" in obs["error"]


def test_instagram_without_a_business_account_id_names_the_missing_key(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    site = sites.serve({})
    w = watch(**meta_config(site, "instagram"))
    acct = w.add("https://www.instagram.com/kominfomuba/", "instagram")

    w.check()

    # It should ask for business_account_id and fetch nothing
    obs = w.last(acct)
    assert obs["outcome"] == "unsupported"
    assert "[platforms.instagram] business_account_id" in obs["error"]
    assert site.hits == []


# --- X ----------------------------------------------------------------------------------------


def x_config(site):
    return {"platforms": {"x": {"token_env": "PANTAU_TEST_X", "api_url": site.url + "/2"}}}


def test_it_reads_recent_posts_on_x_and_keeps_the_user_id(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_X", X_TOKEN)
    seen: list[dict[str, str]] = []
    site = sites.serve(
        {
            "/2/users/by/username/kominfomuba": recording("x_user_lookup.json", seen),
            "/2/users/1234567890123456789/tweets": recording("x_tweets_active.json", seen),
        }
    )
    w = watch(**x_config(site))
    acct = w.add("https://twitter.com/KominfoMuba", "twitter")

    w.check()

    # It should look the user up, read the newest post and link to it
    obs = w.last(acct)
    assert (obs["outcome"], obs["evidence"]) == ("ok", "api"), obs["error"]
    assert obs["activity_at"] == "2024-11-20T01:30:00+00:00"
    assert obs["activity_url"] == "https://x.com/kominfomuba/status/1858900000000000001"
    assert w.account(acct)["resolved_id"] == "1234567890123456789"
    assert all(h["authorization"] == f"Bearer {X_TOKEN}" for h in seen)

    w.check()

    # It should skip the lookup next time: the id is kept, and it survives a rename
    paths = [h["path"].split("?")[0] for h in seen]
    assert paths.count("/2/users/by/username/kominfomuba") == 1
    assert paths.count("/2/users/1234567890123456789/tweets") == 2


def test_an_x_account_that_stopped_posting_is_dormant(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_X", X_TOKEN)
    site = sites.serve(
        {
            "/2/users/by/username/dispar_oku": serve("x_user_lookup.json"),
            "/2/users/1234567890123456789/tweets": serve("x_tweets_dormant.json"),
        }
    )
    w = watch(**x_config(site))
    acct = w.add("https://x.com/dispar_oku", "x")

    w.check()
    w.evaluate(NOW)

    # It should judge by the last post, 1 September
    assert w.account(acct)["status"] == "dormant"


def test_an_x_name_that_does_not_exist_is_not_found(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_X", X_TOKEN)
    site = sites.serve({"/2/users/by/username/kominfohilang": serve("x_user_not_found.json")})
    w = watch(**x_config(site))
    acct = w.add("https://x.com/kominfohilang", "x")

    w.check()

    # It should read X's "Could not find user" (sent with HTTP 200) as the account being gone
    obs = w.last(acct)
    assert obs["outcome"] == "not_found"
    assert obs["error"].startswith("account not found") and "Could not find user" in obs["error"]


def test_an_x_rate_limit_is_a_passing_error(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_X", X_TOKEN)
    limited = json.dumps(
        {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
    ).encode()
    site = sites.serve({"/2/users/by/username/kominfomuba": recording(limited, [], status=429)})
    w = watch(**x_config(site))
    acct = w.add("https://x.com/kominfomuba", "x")

    w.check()

    # It should say the limit was hit, not that the account is gone
    obs = w.last(acct)
    assert obs["outcome"] == "error"
    assert "rate limit" in obs["error"]


# --- Threads ----------------------------------------------------------------------------------


def threads_config(site):
    return {"platforms": {"threads": {"token_env": "PANTAU_TEST_TOKEN", "api_url": site.url + "/v1.0"}}}


def test_it_reads_the_token_owners_threads(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    site = sites.serve({"/v1.0/me/threads": serve("threads_me_threads.json")})
    w = watch(**threads_config(site))
    acct = w.add("https://www.threads.net/@kominfomuba", "threads")

    w.check()

    # It should take the newest thread of the account the token belongs to
    obs = w.last(acct)
    assert (obs["outcome"], obs["evidence"]) == ("ok", "api"), obs["error"]
    assert obs["activity_url"] == "https://www.threads.net/@kominfomuba/post/DCjEmBaTan1"


def test_threads_of_another_account_are_never_taken_as_evidence(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    site = sites.serve({"/v1.0/me/threads": serve("threads_me_threads.json")})
    w = watch(**threads_config(site))
    acct = w.add("https://www.threads.net/@dispar_oku", "threads")

    w.check()

    # It should refuse the token owner's posts for @dispar_oku and say why
    obs = w.last(acct)
    assert obs["outcome"] == "unsupported"
    assert obs["activity_at"] is None
    assert "belongs to @kominfomuba" in obs["error"]


def test_an_empty_threads_answer_is_checked_against_the_token_owner(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)
    site = sites.serve(
        {
            "/v1.0/me/threads": Route(json.dumps({"data": []}), content_type="application/json"),
            "/v1.0/me": Route(json.dumps({"username": "kominfomuba", "id": "1"}), content_type="application/json"),
        }
    )
    w = watch(**threads_config(site))
    acct = w.add("https://www.threads.net/@kominfomuba", "threads")

    w.check()

    # It should read the account successfully and find no date, asking /me who the token is
    obs = w.last(acct)
    assert (obs["outcome"], obs["activity_at"]) == ("ok", None), obs["error"]
    assert any(h.startswith("/v1.0/me?") for h in site.hits)


def test_a_token_echoed_back_by_the_api_is_not_stored(watch, sites, monkeypatch):
    monkeypatch.setenv("PANTAU_TEST_TOKEN", TOKEN)

    def malformed(h):
        token = h.headers.get("Authorization", "").removeprefix("Bearer ")
        return json.dumps(
            {
                "error": {
                    "message": f"Malformed access token {token}",
                    "type": "OAuthException",
                    "code": 190,
                    "fbtrace_id": "AbC",
                }
            }
        ).encode()

    site = sites.serve({"/graph/kominfomuba/posts": recording(malformed, [], status=400)})
    w = watch(**meta_config(site, "facebook"))
    acct = w.add("https://facebook.com/kominfomuba", "facebook")

    w.check()
    w.evaluate(NOW)

    # It should report the refused token without writing the token anywhere
    obs = w.last(acct)
    assert obs["outcome"] == "unsupported"
    assert "Malformed access token [redacted]" in obs["error"]
    assert TOKEN not in every_stored_text(w, acct)
