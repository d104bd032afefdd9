"""A hostile or broken API answer is a failed read with a reason, never an "internal error"."""

from __future__ import annotations

import json

from social_support import recording, serve

from pantau.monitor.demo.server import Route

X_TOKEN = "AAAAAAAAAAAAAAAAAAAAAKominfoMubaXBearer2024"
USER = "/2/users/by/username/kominfomuba"
TWEETS = "/2/users/1234567890123456789/tweets"


def x_watch(watch, sites, monkeypatch, routes):
    monkeypatch.setenv("PANTAU_TEST_X", X_TOKEN)
    site = sites.serve(routes)
    w = watch(platforms={"x": {"token_env": "PANTAU_TEST_X", "api_url": site.url + "/2"}})
    return w, w.add("https://x.com/kominfomuba", "x")


def test_a_rate_limit_reset_beyond_any_calendar_is_still_a_rate_limit(watch, sites, monkeypatch):
    limited = Route(
        json.dumps({"title": "Too Many Requests"}),
        status=429,
        content_type="application/json",
        headers={"x-rate-limit-reset": "99999999999999999999"},
    )
    w, acct = x_watch(watch, sites, monkeypatch, {USER: limited})

    w.check()

    # It should report the rate limit, without a reset time it cannot have
    obs = w.last(acct)
    assert obs["outcome"] == "error"
    assert obs["error"] == "X API rate limit reached; the next check will try again"


def test_a_post_time_of_1e20_is_no_date(watch, sites, monkeypatch):
    tweets = json.dumps(
        {
            "data": [
                {"id": "1", "text": "Rapat", "created_at": 1e20},
                {"id": "2", "text": "Apel pagi", "created_at": "2024-11-20T01:30:00.000Z"},
            ]
        }
    )
    w, acct = x_watch(
        watch,
        sites,
        monkeypatch,
        {USER: serve("x_user_lookup.json"), TWEETS: Route(tweets, content_type="application/json")},
    )

    w.check()

    # It should skip the impossible time and take the real post
    obs = w.last(acct)
    assert (obs["outcome"], obs["activity_at"]) == ("ok", "2024-11-20T01:30:00+00:00"), obs["error"]


def test_json_nested_a_hundred_thousand_deep_is_a_failed_read(watch, sites, monkeypatch):
    deep = b"[" * 100_000 + b"]" * 100_000
    w, acct = x_watch(watch, sites, monkeypatch, {USER: recording(deep, [])})

    w.check()

    # It should record a failed read that says why
    obs = w.last(acct)
    assert obs["outcome"] == "error"
    assert "nested too deeply" in obs["error"] and "internal error" not in obs["error"]


def test_errors_that_are_not_a_list_are_a_failed_read(watch, sites, monkeypatch):
    w, acct = x_watch(
        watch,
        sites,
        monkeypatch,
        {USER: Route(json.dumps({"errors": "everything is fine"}), content_type="application/json")},
    )

    w.check()

    # It should say what is missing instead of an internal error
    obs = w.last(acct)
    assert obs["outcome"] == "error" and "internal error" not in obs["error"]
