"""The pure side of platform health: a pass's state, its alerts, and checks blamed on a platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pantau.monitor.policy import evaluate, platform_alert_kind, platform_degraded, platform_state

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)
POLICY = {"warning_after_days": 14, "dormant_after_days": 30, "close_after_days": 90, "unreachable_after_failures": 3}


def account(days_ago: int | None = 3) -> dict:
    a = {
        "id": 7,
        "platform": "youtube",
        "url": "https://www.youtube.com/@kominfomuba",
        "status": "active",
        "retired_at": None,
        "dormant_after_days": None,
    }
    if days_ago is not None:
        a.update(
            last_activity_at=(NOW - timedelta(days=days_ago)).isoformat(),
            evidence="feed",
            last_activity_url="https://www.youtube.com/watch?v=Xk3mUbA2411",
        )
    return a


def failed(fault: str | None = None) -> dict:
    return {
        "outcome": "error",
        "error": "HTTP 500 from YouTube channel feed",
        "checked_at": NOW.isoformat(),
        "platform_fault": fault,
    }


@pytest.mark.parametrize(
    "checked, failed_, state",
    [
        (0, 0, "ok"),
        (1, 1, "ok"),  # one account failing is that account's trouble
        (2, 2, "down"),  # every check, at least two
        (3, 2, "degraded"),  # more than half
        (4, 2, "ok"),  # half is not more than half
        (5, 3, "degraded"),
        (100, 100, "down"),
        (100, 99, "degraded"),
    ],
)
def test_a_pass_is_down_when_every_check_failed_and_degraded_when_most_did(checked, failed_, state):
    # It should put the boundaries where INTERFACE.md puts them
    assert platform_state(checked, failed_) == state


@pytest.mark.parametrize(
    "old, new, kind",
    [
        ("ok", "down", "platform_down"),
        ("ok", "degraded", "platform_down"),
        ("degraded", "down", None),  # the same episode of trouble: no second alert
        ("down", "degraded", None),
        ("down", "ok", "platform_recovered"),
        ("degraded", "ok", "platform_recovered"),
        ("down", "down", None),
        ("ok", "ok", None),
    ],
)
def test_a_platform_alert_is_raised_once_per_episode_of_trouble(old, new, kind):
    # It should alert on leaving ok and on coming back, nothing in between
    assert platform_alert_kind(old, new) == kind


def test_failures_blamed_on_the_platform_never_make_an_account_unreachable():
    recent = [failed("youtube")] * 5

    verdict = evaluate(account(3), recent, POLICY, NOW)

    # It should keep the status the last activity gives, and say whose failure it was
    assert verdict.status == "active"
    assert verdict.activity is not None and verdict.days_inactive == 3
    assert "youtube as a whole is failing" in verdict.reason
    assert "youtube" in verdict.reason.text("id") and "bukan akunnya" in verdict.reason.text("id")
    assert platform_degraded(recent) is True


def test_the_accounts_own_failures_still_count_after_a_platform_outage():
    # It should count only the failures that were the account's: two are not three
    assert evaluate(account(3), [failed(), failed(), failed("rsshub")], POLICY, NOW).status == "active"
    assert evaluate(account(3), [failed(), failed(), failed()], POLICY, NOW).status == "unreachable"


def test_an_account_never_read_during_an_outage_is_unknown_with_the_platform_named():
    verdict = evaluate(account(None), [failed("rsshub")], POLICY, NOW)

    # It should not call it unreachable, and name the bridge
    assert verdict.status == "unknown"
    assert "rsshub as a whole is failing" in verdict.reason


def test_a_check_refused_by_robots_txt_says_so_in_the_reason():
    blocked = {
        "outcome": "blocked",
        "checked_at": NOW.isoformat(),
        "error": "robots.txt forbids pantau to read https://www.youtube.com/feeds/videos.xml?channel_id=UC1",
    }

    verdict = evaluate(account(3), [blocked], POLICY, NOW)

    # It should keep the last activity and tell the operator robots.txt stopped the read
    assert verdict.status == "active"
    assert "robots.txt forbids" in verdict.reason
