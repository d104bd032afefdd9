"""The answer loop: an office answers a finding, the checks verify it, silence is escalated.

- ``respond`` records an answer (``pantau respond``; the board's form calls the same
  ``storage.responses.record_response``).
- ``confirm_closed`` runs inside the status pass: a ``closed`` answer that a later check
  confirms (the account is gone) retires the account with the answer as its reason.
- ``follow_up`` runs at every alerts run (the full status pass): a ``will_reactivate``
  promise past its date with no new activity is alerted again, once; a
  ``close_recommended`` account nobody answered for ``[policy] escalate_after_days`` is
  escalated to the recipients of its parent region, then (as long again later) to ``"*"``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from pantau.config.settings import Config
from pantau.config.vocabulary import AlertKind, ResponseKind
from pantau.monitor.policy import closed_answer_check, effective_activity
from pantau.storage import followups
from pantau.storage.accounts import attestations_by_account, get_account
from pantau.storage.responses import record_response, resolve_response
from pantau.storage.timefmt import from_iso, to_iso

log = logging.getLogger(__name__)

NATIONAL = "*"


class AnswerError(ValueError):
    """An answer that cannot be recorded as given; the message says why."""


def respond(
    db: sqlite_utils.Database,
    cfg: Config,
    account_id: int,
    kind: ResponseKind | str,
    *,
    who: str,
    now: datetime,
    by: date | None = None,
    note: str | None = None,
) -> int:
    """Record an office's answer for an account, after checking it makes sense."""
    kind = ResponseKind(kind)
    account = get_account(db, account_id)
    if not account:
        raise AnswerError(f"no account with id {account_id}; see `pantau status`")
    if account.get("retired_at"):
        raise AnswerError(f"account {account_id} is already retired; there is nothing to answer")
    if kind is ResponseKind.WILL_REACTIVATE:
        if by is None:
            raise AnswerError("will_reactivate needs the date by which the account runs again")
        today = now.astimezone(ZoneInfo(cfg.timezone)).date()
        if by < today:
            raise AnswerError(f"the date {by.isoformat()} is already past (today is {today.isoformat()})")
    return record_response(db, account_id, kind, who=who, at=now, by=by, note=note)


def confirm_closed(
    db: sqlite_utils.Database,
    cfg: Config,
    account: dict[str, Any],
    recent: list[dict[str, Any]],
    answer: dict[str, Any] | None,
    now: datetime,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Retire an account whose ``closed`` answer a check has confirmed; return it and its answer
    as they stand afterwards (for the policy in the same pass)."""
    if (
        not answer
        or answer.get("kind") != ResponseKind.CLOSED
        or answer.get("resolved_at")
        or account.get("retired_at")
    ):
        return account, answer
    if closed_answer_check(answer, recent, cfg.policy_for(account["platform"])) != "gone":
        return account, answer
    if not followups.retire_confirmed_closed(
        db, answer["id"], account["id"], answer.get("note") or f"closed ({answer.get('who')})", now
    ):
        return account, answer
    log.info("account %s retired: its closed answer was confirmed by a check", account["id"])
    stamp = to_iso(now)
    return (
        dict(account, retired_at=stamp, retired_reason=answer.get("note")),
        dict(answer, resolved_at=stamp, resolution=followups.CONFIRMED_CLOSED),
    )


# --- follow-up alerts ---------------------------------------------------------------------


@dataclass
class FollowUp:
    expired: int = 0
    reactivated: int = 0
    escalated: int = 0


def parent_region(region: str | None) -> str:
    """``16.06`` → ``16``; a province (or no region) goes straight to the national view."""
    if not region or "." not in region:
        return NATIONAL
    return region.rsplit(".", 1)[0]


def _snapshot(
    db: sqlite_utils.Database, account_id: int, attest: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """The account as it stands, for the digest of an alert that is not a status change."""
    acc = get_account(db, account_id) or {}
    activity = effective_activity(acc, attest)
    return {
        "new_status": acc.get("status"),
        "reason": acc.get("status_reason"),
        "reason_data": acc.get("status_reason_data"),
        "days_inactive": max(0, (now - activity.at).days) if activity else None,
        "last_activity_at": activity.at.isoformat() if activity else None,
        "last_activity_url": activity.url if activity else None,
        "last_activity_title": activity.title if activity else None,
    }


def follow_up(db: sqlite_utils.Database, cfg: Config, now: datetime) -> FollowUp:
    """Alert lapsed promises and escalate unanswered close recommendations; each once."""
    done = FollowUp()
    attest = attestations_by_account(db)
    _lapsed_promises(db, cfg, now, attest, done)
    _escalations(db, cfg, now, attest, done)
    return done


def _lapsed_promises(
    db: sqlite_utils.Database, cfg: Config, now: datetime, attest: dict[int, dict[str, Any]], done: FollowUp
) -> None:
    today = now.astimezone(ZoneInfo(cfg.timezone)).date()
    for promise in followups.open_promises(db, ResponseKind.WILL_REACTIVATE):
        try:
            account_id = promise["account_id"]
            if promise.get("retired_at"):
                continue
            activity = effective_activity(promise, attest.get(account_id))
            answered = from_iso(promise["at"])
            if activity and answered and activity.at > answered:
                # It came true: the account posted after the office promised it would.
                if resolve_response(db, promise["id"], "reactivated", now):
                    done.reactivated += 1
                continue
            by = date.fromisoformat(promise["by_date"]) if promise.get("by_date") else None
            if by is None or today <= by:
                continue
            data = {
                "by": promise["by_date"],
                "who": promise["who"],
                "answered": promise["at"][:10],
                "note": promise.get("note"),
                "snapshot": _snapshot(db, account_id, attest.get(account_id), now),
            }
            if followups.lapse_promise(
                db, promise, AlertKind.WILL_REACTIVATE_EXPIRED, followups.latest_change_id(db, account_id), data, now
            ):
                done.expired += 1
        except Exception:  # noqa: BLE001 - one bad row must not stop the others
            log.exception("could not follow up the answer %s", promise.get("id"))


def _escalations(
    db: sqlite_utils.Database, cfg: Config, now: datetime, attest: dict[int, dict[str, Any]], done: FollowUp
) -> None:
    wait = timedelta(days=cfg.data["policy"]["escalate_after_days"])
    made = followups.escalations_by_account(db)
    for row in followups.unanswered_close_recommended(db):
        try:
            account_id = row["account_id"]
            # The clock runs from the later of: entering close_recommended, the last answer
            # ending (a lapsed promise starts a fresh round of escalation).
            start, base = from_iso(row["changed_at"]), f"change-{row['change_id']}"
            resolved = from_iso(row.get("resolved_at"))
            if resolved and (start is None or resolved > start):
                start, base = resolved, f"response-{row['resolved_id']}"
            if start is None:
                continue
            steps = made.get(account_id, {})
            first = steps.get(f"{base}:1")
            parent = parent_region(row.get("region"))
            if first is None:
                if now < start + wait:
                    continue
                step, to = 1, parent
            else:
                if parent == NATIONAL or f"{base}:2" in steps:
                    continue  # already at the national view
                sent = from_iso(first["created_at"])
                if sent is None or now < sent + wait or now <= sent:
                    continue
                step, to = 2, NATIONAL
            data = {
                "step": step,
                "to": to,
                "since": start.isoformat(),
                "days": (now - start).days,
                "snapshot": _snapshot(db, account_id, attest.get(account_id), now),
            }
            if followups.add_followup_alert(
                db, account_id, AlertKind.ESCALATED, f"{base}:{step}", row["change_id"], data, now
            ):
                done.escalated += 1
        except Exception:  # noqa: BLE001 - one bad row must not stop the others
            log.exception("could not escalate account %s", row.get("account_id"))
