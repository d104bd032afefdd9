"""The status policy: a pure function of an account's facts, its recent checks, policy and ``now``.

Nothing here reads the clock or the database, so tests move time by passing ``now``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pantau.config.vocabulary import (
    ALERT_ON_ENTER,
    REVIVAL_FROM,
    AlertKind,
    Evidence,
    Outcome,
    PlatformState,
    Reason,
    ReasonCode,
    ResponseKind,
    Status,
)
from pantau.storage.timefmt import from_iso

STATUSES = tuple(Status)
FAILED = (Outcome.ERROR, Outcome.NOT_FOUND)


@dataclass(frozen=True)
class Activity:
    at: datetime
    url: str | None
    title: str | None
    evidence: str


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: Reason
    activity: Activity | None
    days_inactive: int | None


def effective_activity(account: Mapping[str, Any], attestation: Mapping[str, Any] | None) -> Activity | None:
    """The newest of the automatic last activity and a person's attestation.

    An attestation counts only until an automatic observation finds something newer.
    """
    auto = None
    auto_at = from_iso(account.get("last_activity_at"))
    if auto_at is not None:
        auto = Activity(
            auto_at,
            account.get("last_activity_url"),
            account.get("last_activity_title"),
            account.get("evidence") or "unknown",
        )
    att = None
    att_at = from_iso(attestation.get("activity_at")) if attestation else None
    if attestation and att_at is not None:
        att = Activity(att_at, attestation.get("url"), attestation.get("note"), Evidence.ATTESTED)
    if auto and att:
        return att if att.at > auto.at else auto
    return auto or att


def evaluate(
    account: Mapping[str, Any],
    recent: Sequence[Mapping[str, Any]],
    policy: Mapping[str, int],
    now: datetime,
    attestation: Mapping[str, Any] | None = None,
    response: Mapping[str, Any] | None = None,
) -> Verdict:
    """Decide an account's status.

    ``recent`` are its latest observations, newest first; ``policy`` has the four
    thresholds already merged for the platform; an account's own ``dormant_after_days``
    overrides the policy's. ``response`` is the office's answer, if any: a ``closed``
    answer that a later check contradicts says so in the reason; one a check confirmed
    (the account was then retired) is the retired account's reason.
    """
    verdict = _evaluate(account, recent, policy, now, attestation)
    if not response or response.get("kind") != ResponseKind.CLOSED:
        return verdict
    if verdict.status == Status.RETIRED and response.get("resolution") == "confirmed_closed":
        return Verdict(
            Status.RETIRED,
            Reason.of(
                ReasonCode.CLOSED_CONFIRMED,
                checked=_day(response.get("resolved_at")),
                **_answer_params(response),
            ),
            verdict.activity,
            verdict.days_inactive,
        )
    if verdict.status != Status.RETIRED and closed_answer_check(response, recent, policy) == "online":
        reason = Reason.of(
            ReasonCode.CLOSED_STILL_ONLINE,
            checked=_day(recent[0].get("checked_at")),
            base={"code": verdict.reason.code, "params": verdict.reason.params},
            **_answer_params(response),
        )
        return Verdict(verdict.status, reason, verdict.activity, verdict.days_inactive)
    return verdict


def _day(iso: str | None) -> str:
    return iso[:10] if iso else "?"


def _answer_params(response: Mapping[str, Any]) -> dict[str, Any]:
    return {"who": response.get("who"), "answered": _day(response.get("at")), "note": response.get("note")}


def closed_answer_check(
    response: Mapping[str, Any], recent: Sequence[Mapping[str, Any]], policy: Mapping[str, int]
) -> str | None:
    """What the checks since a ``closed`` answer say: ``"gone"``, ``"online"`` or None (not yet).

    Gone is a check after the answer that found the account missing (``not_found``), or
    the account failing every one of its last ``unreachable_after_failures`` checks, the
    latest after the answer (a site switched off answers nothing). One timeout proves nothing.
    """
    answered = from_iso(response.get("at"))
    after = [o for o in recent if answered is None or (from_iso(o.get("checked_at")) or answered) > answered]
    if not after:
        return None
    latest = after[0].get("outcome")
    if latest == Outcome.NOT_FOUND:
        return "gone"
    need = max(1, int(policy["unreachable_after_failures"]))
    if latest in FAILED and len(recent) >= need and all(o.get("outcome") in FAILED for o in recent[:need]):
        return "gone"
    if latest in (Outcome.OK, "not_modified"):
        return "online"
    return None


def _evaluate(
    account: Mapping[str, Any],
    recent: Sequence[Mapping[str, Any]],
    policy: Mapping[str, int],
    now: datetime,
    attestation: Mapping[str, Any] | None,
) -> Verdict:
    activity = effective_activity(account, attestation)
    days = None
    if activity:
        # A post after `now` cannot be (the crawler drops them); clamp so a clock skew
        # between servers never yields negative days.
        days = max(0, (now - activity.at).days)

    if account.get("retired_at"):
        return Verdict(
            Status.RETIRED, Reason.of(ReasonCode.RETIRED, note=account.get("retired_reason") or None), activity, days
        )

    need = max(1, int(policy["unreachable_after_failures"]))
    # A check that failed with its whole platform or bridge (``platform_fault``) is not the
    # account's failure: it does not count towards `unreachable`, and breaks a run of them.
    failures = [o for o in recent[:need] if o.get("outcome") in FAILED and not o.get("platform_fault")]
    if len(recent) >= need and len(failures) == need:
        last_failure = failures[0]
        if last_failure.get("outcome") == Outcome.NOT_FOUND:
            return Verdict(
                Status.UNREACHABLE,
                Reason.of(ReasonCode.NOT_FOUND, detail=last_failure.get("error") or ""),
                activity,
                days,
            )
        return Verdict(
            Status.UNREACHABLE,
            Reason.of(ReasonCode.CHECKS_FAILED, count=need, latest=last_failure.get("error") or "error"),
            activity,
            days,
        )

    latest = recent[0] if recent else None
    excused = latest is not None and latest.get("outcome") in FAILED and bool(latest.get("platform_fault"))
    if activity is None or days is None:  # days is None exactly when activity is
        if latest is None:
            return Verdict(Status.UNKNOWN, Reason.of(ReasonCode.NOT_CHECKED), None, None)
        if excused:
            return Verdict(
                Status.UNKNOWN,
                Reason.of(
                    ReasonCode.PLATFORM_DEGRADED,
                    source=latest["platform_fault"],
                    latest=latest.get("error") or latest.get("outcome"),
                ),
                None,
                None,
            )
        outcome = latest.get("outcome")
        if outcome in (Outcome.UNSUPPORTED, Outcome.BLOCKED):
            return Verdict(
                Status.UNKNOWN, Reason.of(ReasonCode.CANNOT_READ, detail=latest.get("error") or None), None, None
            )
        if outcome in FAILED:
            return Verdict(
                Status.UNKNOWN, Reason.of(ReasonCode.NEVER_READ, latest=latest.get("error") or outcome), None, None
            )
        return Verdict(Status.UNKNOWN, Reason.of(ReasonCode.NO_DATED_POST), None, None)

    dormant_after = account.get("dormant_after_days") or policy["dormant_after_days"]
    close_after = max(policy["close_after_days"], dormant_after)
    warning_after = min(policy["warning_after_days"], dormant_after)
    seen = {"days": days, "evidence": activity.evidence}
    code = ReasonCode.LAST_ACTIVITY
    if excused and latest is not None:  # excused implies a latest check
        # The account keeps its last known activity; the reason says whose failure it was.
        code = ReasonCode.PLATFORM_DEGRADED
        seen.update(source=latest["platform_fault"], latest=latest.get("error") or latest.get("outcome"))
    elif latest is not None and latest.get("outcome") in (*FAILED, Outcome.BLOCKED):
        # A check refused by robots.txt says so: pantau never skips robots silently.
        seen["failed"] = latest.get("error") or latest.get("outcome")
    if days > close_after:
        return Verdict(Status.CLOSE_RECOMMENDED, Reason.of(code, over=close_after, close=True, **seen), activity, days)
    if days > dormant_after:
        return Verdict(Status.DORMANT, Reason.of(code, over=dormant_after, **seen), activity, days)
    if days > warning_after:
        return Verdict(Status.WARNING, Reason.of(code, over=warning_after, **seen), activity, days)
    return Verdict(Status.ACTIVE, Reason.of(code, **seen), activity, days)


def platform_degraded(recent: Sequence[Mapping[str, Any]]) -> bool:
    """True when the latest check failed because its platform or bridge failed, not the account."""
    latest = recent[0] if recent else None
    return bool(latest and latest.get("outcome") in FAILED and latest.get("platform_fault"))


# A platform needs this many checks in a pass before its failures say anything about the
# platform rather than about a few accounts: one gone account is not an outage.
MIN_CHECKS_FOR_OUTAGE = 2


def platform_state(checked: int, failed: int) -> PlatformState:
    """A platform's or bridge's state from its latest pass (INTERFACE.md, `health`).

    ``down``: every check failed, with at least two checked; ``degraded``: more than half
    failed (at least two); else ``ok``.
    """
    if checked >= MIN_CHECKS_FOR_OUTAGE and failed == checked:
        return PlatformState.DOWN
    if failed >= MIN_CHECKS_FOR_OUTAGE and failed * 2 > checked:
        return PlatformState.DEGRADED
    return PlatformState.OK


def platform_alert_kind(old: str, new: str) -> str | None:
    """One alert per episode of trouble: ``platform_down`` when a platform leaves ``ok`` (for
    ``degraded`` or ``down``), ``platform_recovered`` when it is ``ok`` again; a move between
    ``degraded`` and ``down`` within one episode is recorded but not alerted again."""
    if old == new:
        return None
    if old == PlatformState.OK:
        return AlertKind.PLATFORM_DOWN
    if new == PlatformState.OK:
        return AlertKind.PLATFORM_RECOVERED
    return None


def alert_kind(old: str, new: str) -> str | None:
    """The alert a transition calls for, if any."""
    if new == old:
        return None
    if new in ALERT_ON_ENTER:
        return new
    if new == "active" and old in REVIVAL_FROM:
        return AlertKind.REVIVED
    return None
