"""The status policy: a pure function of an account, its recent checks, the policy and `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pantau.monitor.policy import alert_kind, evaluate

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)  # Jumat, 22 November 2024, 10.00 WIB
POLICY = {"warning_after_days": 14, "dormant_after_days": 30, "close_after_days": 90, "unreachable_after_failures": 3}


def iso(dt: datetime) -> str:
    return dt.isoformat()


def account(days_ago: float | None = None, **extra) -> dict:
    a = {
        "id": 7,
        "platform": "website",
        "url": "https://mubakab.go.id",
        "status": "unknown",
        "retired_at": None,
        "dormant_after_days": None,
    }
    if days_ago is not None:
        a.update(
            last_activity_at=iso(NOW - timedelta(days=days_ago)),
            last_activity_url="https://mubakab.go.id/berita/1234-bupati-muba-buka-rakor-kominfo",
            last_activity_title="Bupati Muba Buka Rakor Kominfo",
            evidence="feed",
        )
    a.update(extra)
    return a


def ok(minutes_ago: int = 5) -> dict:
    return {"outcome": "ok", "error": None, "checked_at": iso(NOW - timedelta(minutes=minutes_ago))}


def failed(error: str = "HTTP 500 from https://mubakab.go.id/", outcome: str = "error") -> dict:
    return {"outcome": outcome, "error": error, "checked_at": iso(NOW)}


@pytest.mark.parametrize(
    "days, status",
    [
        (0, "active"),
        (14, "active"),
        (14.99, "active"),
        (15, "warning"),
        (30, "warning"),
        (31, "dormant"),
        (90, "dormant"),
        (91, "close_recommended"),
        (400, "close_recommended"),
    ],
)
def test_the_status_follows_the_days_since_the_last_activity(days, status):
    verdict = evaluate(account(days), [ok()], POLICY, NOW)

    # It should put the boundaries at whole days past each threshold
    assert verdict.status == status
    assert verdict.days_inactive == int(days)


def test_an_active_account_says_how_old_its_proof_is_and_where_it_came_from():
    verdict = evaluate(account(3), [ok()], POLICY, NOW)

    # It should give one sentence with the age and the kind of evidence
    assert verdict.reason == "last activity 3 days ago (feed)"
    assert verdict.activity.url == "https://mubakab.go.id/berita/1234-bupati-muba-buka-rakor-kominfo"


def test_a_close_recommendation_tells_the_operator_what_to_do():
    verdict = evaluate(account(120), [ok()], POLICY, NOW)

    # It should carry the minister's line: close the account or run it again
    assert verdict.reason == "last activity 120 days ago (feed), over 90 days: close the account or run it again"


def test_a_platform_threshold_changes_the_status():
    website = dict(POLICY, dormant_after_days=60)

    # It should judge the same age by the platform's own thresholds
    assert evaluate(account(45), [ok()], POLICY, NOW).status == "dormant"
    assert evaluate(account(45), [ok()], website, NOW).status == "warning"


def test_an_accounts_own_dormant_after_days_overrides_the_policy():
    patient = account(45, dormant_after_days=50)
    strict = account(10, dormant_after_days=7)

    # It should apply the registry's dormant_after_days for that account alone
    assert evaluate(patient, [ok()], POLICY, NOW).status == "warning"
    assert evaluate(account(51, dormant_after_days=50), [ok()], POLICY, NOW).status == "dormant"
    assert evaluate(strict, [ok()], POLICY, NOW).status == "dormant"
    assert evaluate(account(6, dormant_after_days=7), [ok()], POLICY, NOW).status == "active"


def test_an_account_that_may_sleep_longer_than_the_close_line_is_not_closed_early():
    yearly = account(100, dormant_after_days=180)

    # It should never recommend closing before the account's own dormancy line
    assert evaluate(yearly, [ok()], POLICY, NOW).status == "warning"
    assert evaluate(account(180, dormant_after_days=180), [ok()], POLICY, NOW).status == "warning"


def test_the_last_n_checks_failing_makes_an_account_unreachable():
    history = [failed(), failed("timed out reading https://mubakab.go.id/"), failed()]

    verdict = evaluate(account(3), history, POLICY, NOW)

    # It should say how many checks failed and the latest error
    assert verdict.status == "unreachable"
    assert verdict.reason == "the last 3 checks failed; latest: HTTP 500 from https://mubakab.go.id/"


def test_fewer_failures_than_the_threshold_keep_the_status_from_the_activity():
    verdict = evaluate(account(3), [failed(), failed(), ok()], POLICY, NOW)

    # It should keep the activity status and mention the failed check
    assert verdict.status == "active"
    assert "the latest check failed: HTTP 500" in verdict.reason


def test_one_success_between_failures_resets_the_count():
    verdict = evaluate(account(3), [failed(), ok(), failed(), failed()], POLICY, NOW)

    # It should count only consecutive failures
    assert verdict.status == "active"


def test_the_failure_threshold_is_configurable():
    patient = dict(POLICY, unreachable_after_failures=5)

    # It should wait for as many failures as the policy says
    assert evaluate(account(3), [failed()] * 3, patient, NOW).status == "active"
    assert evaluate(account(3), [failed()] * 5, patient, NOW).status == "unreachable"


def test_an_account_that_is_gone_is_unreachable_with_account_not_found():
    gone = failed("HTTP 404: feed https://mubakab.go.id/feed/ not found", outcome="not_found")

    verdict = evaluate(account(40), [gone, gone, gone], POLICY, NOW)

    # It should say the account is not found, not merely that checks failed
    assert verdict.status == "unreachable"
    assert verdict.reason.startswith("account not found")
    assert "HTTP 404" in verdict.reason


def test_an_account_never_checked_is_unknown():
    verdict = evaluate(account(), [], POLICY, NOW)

    # It should say it was not checked yet
    assert verdict.status == "unknown"
    assert verdict.reason == "not checked yet"
    assert verdict.days_inactive is None


def test_an_unsupported_platform_passes_its_reason_through():
    reason = "pantau cannot read instagram accounts yet; record activity with `pantau attest`"

    verdict = evaluate(
        account(platform="instagram"),
        [{"outcome": "unsupported", "error": reason, "checked_at": iso(NOW)}],
        POLICY,
        NOW,
    )

    # It should tell the operator what is missing, in the spider's own words
    assert verdict.status == "unknown"
    assert verdict.reason == reason


def test_an_account_refused_by_robots_txt_is_unknown_with_that_reason():
    reason = "robots.txt forbids pantau to read https://mubakab.go.id/"

    verdict = evaluate(account(), [{"outcome": "blocked", "error": reason, "checked_at": iso(NOW)}], POLICY, NOW)

    # It should be unknown, never active without evidence
    assert (verdict.status, verdict.reason) == ("unknown", reason)


def test_an_account_read_without_a_dated_post_is_unknown():
    verdict = evaluate(account(), [ok()], POLICY, NOW)

    # It should say it was read but no dated post was found
    assert verdict.status == "unknown"
    assert "no dated post" in verdict.reason


def test_an_account_that_failed_but_not_yet_n_times_is_unknown_with_the_error():
    verdict = evaluate(account(), [failed("connection refused by https://mubakab.go.id/")], POLICY, NOW)

    # It should say it was never read successfully, and why
    assert verdict.status == "unknown"
    assert verdict.reason == "never read successfully; latest: connection refused by https://mubakab.go.id/"


def test_a_retired_account_is_retired_whatever_its_activity_or_failures():
    retired = account(200, retired_at=iso(NOW), retired_reason="akun ditutup sesuai arahan menteri")

    verdict = evaluate(retired, [failed()] * 3, POLICY, NOW)

    # It should be retired with the operator's reason
    assert verdict.status == "retired"
    assert verdict.reason == "retired: akun ditutup sesuai arahan menteri"


def test_an_attestation_newer_than_the_automatic_activity_decides_the_status():
    attestation = {
        "activity_at": iso(NOW - timedelta(days=2)),
        "url": "https://instagram.com/p/C9xyz",
        "note": "dicek manual oleh admin",
    }

    verdict = evaluate(account(40), [ok()], POLICY, NOW, attestation)

    # It should use the person's date, marked as attested
    assert verdict.status == "active"
    assert verdict.activity.evidence == "attested"
    assert verdict.activity.url == "https://instagram.com/p/C9xyz"
    assert verdict.days_inactive == 2


def test_an_attestation_alone_gives_a_status_to_an_unreadable_platform():
    attestation = {"activity_at": iso(NOW - timedelta(days=20)), "url": None, "note": None}
    unsupported = {"outcome": "unsupported", "error": "pantau cannot read tiktok accounts yet", "checked_at": iso(NOW)}

    verdict = evaluate(account(platform="tiktok"), [unsupported], POLICY, NOW, attestation)

    # It should follow the attested date
    assert (verdict.status, verdict.activity.evidence) == ("warning", "attested")


def test_a_newer_automatic_observation_wins_over_an_attestation():
    attestation = {"activity_at": iso(NOW - timedelta(days=40)), "url": None, "note": "dicek manual"}

    verdict = evaluate(account(1), [ok()], POLICY, NOW, attestation)

    # It should go back to the automatic evidence once it is newer
    assert verdict.status == "active"
    assert verdict.activity.evidence == "feed"
    assert verdict.days_inactive == 1


def test_activity_stamped_slightly_after_now_counts_as_zero_days():
    verdict = evaluate(account(-0.2), [ok()], POLICY, NOW)

    # It should clamp a clock skew between servers to zero days
    assert (verdict.status, verdict.days_inactive) == ("active", 0)


def test_moving_now_forward_moves_the_status_without_new_checks():
    a = account(0)

    # It should derive the status from time alone
    statuses = [evaluate(a, [ok()], POLICY, NOW + timedelta(days=d)).status for d in (1, 20, 40, 100)]
    assert statuses == ["active", "warning", "dormant", "close_recommended"]


@pytest.mark.parametrize(
    "old, new, kind",
    [
        ("unknown", "dormant", "dormant"),
        ("active", "dormant", "dormant"),
        ("warning", "dormant", "dormant"),
        ("dormant", "close_recommended", "close_recommended"),
        ("unknown", "close_recommended", "close_recommended"),
        ("active", "unreachable", "unreachable"),
        ("dormant", "active", "revived"),
        ("close_recommended", "active", "revived"),
        ("unreachable", "active", "revived"),
        ("unknown", "active", None),
        ("warning", "active", None),
        ("active", "warning", None),
        ("dormant", "warning", None),
        ("dormant", "dormant", None),
        ("unreachable", "unreachable", None),
        ("dormant", "retired", None),
        ("active", "unknown", None),
    ],
)
def test_alerts_are_due_on_entering_trouble_and_on_coming_back(old, new, kind):
    # It should alert on entering dormant/close_recommended/unreachable and on revival only
    assert alert_kind(old, new) == kind
