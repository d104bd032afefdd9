"""Platforms without a configured API or bridge: honest ``unknown`` with what to configure."""

from __future__ import annotations

import pytest
from social_support import NOW


@pytest.mark.parametrize(
    "platform, url, wanted",
    [
        (
            "instagram",
            "https://www.instagram.com/kominfomuba/",
            (
                "instagram needs [platforms.instagram] token_env (a Graph API token for a business account) or "
                "[bridges] rsshub; until then record activity with `pantau attest`"
            ),
        ),
        ("facebook", "https://www.facebook.com/kominfomuba", "[platforms.facebook] token_env"),
        ("x", "https://x.com/kominfomuba", "[platforms.x] token_env"),
        ("threads", "https://www.threads.net/@kominfomuba", "[platforms.threads] token_env"),
        ("tiktok", "https://www.tiktok.com/@kominfomuba", "TikTok has no public API"),
    ],
)
def test_an_unconfigured_platform_is_unknown_with_a_reason_naming_the_setting(watch, platform, url, wanted):
    w = watch()
    acct = w.add(url, platform)

    summary = w.check()
    w.evaluate(NOW)

    # It should fetch nothing, guess nothing, and say what to configure
    assert summary.requests == 0
    obs = w.last(acct)
    assert (obs["outcome"], obs["activity_at"]) == ("unsupported", None)
    assert wanted in obs["error"]
    assert "[bridges] rsshub" in obs["error"] and "pantau attest" in obs["error"]
    account = w.account(acct)
    assert account["status"] == "unknown"
    assert wanted in account["status_reason"]


def test_a_token_variable_that_is_not_set_is_named(watch, monkeypatch):
    monkeypatch.delenv("PANTAU_X_TOKEN", raising=False)
    w = watch(platforms={"x": {"token_env": "PANTAU_X_TOKEN"}})
    acct = w.add("https://x.com/kominfomuba", "x")

    w.check()

    # It should say which environment variable is missing, so the operator can set it
    error = w.last(acct)["error"]
    assert "[platforms.x] token_env names PANTAU_X_TOKEN, which is not set" in error


def test_rsshub_without_a_route_names_the_route_setting(watch):
    w = watch(bridges={"rsshub": "http://127.0.0.1:9"}, platforms={"threads": {"rsshub_route": ""}})
    acct = w.add("https://www.threads.net/@kominfomuba", "threads")

    w.check()

    # It should ask for the route rather than for the bridge that is already there
    error = w.last(acct)["error"]
    assert "[platforms.threads] rsshub_route" in error
