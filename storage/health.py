"""Platform and bridge health: the latest checks judged per source, its stored state, its changes.

A *source* is a platform (``youtube``) or a bridge (``rsshub``). A check belongs to the bridge
when it went through one (``observations.via``), else to its account's platform. The state of
each source is stored with the time it began; a change of state is a row in
``platform_changes``, and the platform alerts are written in the same transaction (the
outbox model of ``storage.status``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.config.vocabulary import AlertKind, Reason
from pantau.storage.db import retry_locked
from pantau.storage.timefmt import to_iso


def latest_checks(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Each checked, not retired account's latest observation: what a pass is judged on."""
    return list(
        db.query(
            "select a.id as account_id, a.platform, o.id as observation_id, o.checked_at, o.outcome, "
            "o.error, o.via, o.platform_fault "
            "from accounts a join observations o on o.id = ("
            "  select o2.id from observations o2 where o2.account_id = a.id "
            "  order by o2.checked_at desc, o2.id desc limit 1) "
            "where a.retired_at is null"
        )
    )


def account_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Accounts per platform (not retired)."""
    return {
        r["platform"]: r["n"]
        for r in db.query("select platform, count(*) as n from accounts where retired_at is null group by platform")
    }


def stored_health(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    return {r["platform"]: r for r in db.query("select * from platform_health")}


def mark_platform_fault(db: sqlite_utils.Database, observation_ids: Iterable[int], source: str) -> int:
    """Name ``source`` as the cause of these failed checks (they then do not count against
    their accounts). A check already blamed on a source keeps that one."""
    ids = list(observation_ids)
    if not ids:
        return 0

    def write() -> int:
        with db.atomic():
            cur = db.execute(
                f"update observations set platform_fault = ? where platform_fault is null "
                f"and id in ({','.join('?' * len(ids))})",
                [source, *ids],
            )
        return cur.rowcount

    return retry_locked(write)


def apply_platform_state(
    db: sqlite_utils.Database,
    platform: str,
    state: str,
    reason: Reason,
    *,
    accounts: int,
    checked: int,
    failed: int,
    at: datetime,
    now: datetime,
    alert_for: Callable[[str, str], str | None] | None = None,
) -> int | None:
    """Store a source's judged state; when it changed, record the change (and its alert).

    ``at`` is when the judged pass happened (``since`` of a new state); ``alert_for(old, new)``
    names the alert a change calls for, if any. The change is claimed with an optimistic
    update on the state we read, so two evaluators record it (and its alert) once.
    Returns the change id, or None when the state did not change.
    """
    data = reason.to_json()

    def write() -> int | None:
        with db.atomic():
            row = db.execute("select state from platform_health where platform = ?", [platform]).fetchone()
            old = row[0] if row else "ok"
            facts = [str(reason), data, accounts, checked, failed, to_iso(now)]
            if row is None:
                db.execute(
                    "insert or ignore into platform_health (platform, state, since, reason, reason_data, "
                    "accounts, checked, failed, judged_at) values (?, 'ok', ?, ?, ?, ?, ?, ?, ?)",
                    [platform, to_iso(at), *facts],
                )
            if old == state:
                db.execute(
                    "update platform_health set reason = ?, reason_data = ?, accounts = ?, checked = ?, "
                    "failed = ?, judged_at = ? where platform = ?",
                    [*facts, platform],
                )
                return None
            cur = db.execute(
                "update platform_health set state = ?, since = ?, reason = ?, reason_data = ?, accounts = ?, "
                "checked = ?, failed = ?, judged_at = ? where platform = ? and state = ?",
                [state, to_iso(at), *facts, platform, old],
            )
            if cur.rowcount != 1:
                return None  # another evaluator recorded this change first
            change_id = (
                db["platform_changes"]
                .insert(
                    {
                        "platform": platform,
                        "old_state": old,
                        "new_state": state,
                        "reason": str(reason),
                        "reason_data": data,
                        "checked": checked,
                        "failed": failed,
                        "changed_at": to_iso(at),
                    }
                )
                .last_pk
            )
            alert_kind = alert_for(old, state) if alert_for else None
            if alert_kind:
                db.execute(
                    "insert or ignore into alerts (account_id, platform, platform_change_id, kind, episode, "
                    "created_at) values (null, ?, ?, ?, ?, ?)",
                    [platform, change_id, alert_kind, f"platform-change-{change_id}", to_iso(now)],
                )
            return change_id

    return retry_locked(write)


def platform_changes(db: sqlite_utils.Database, platform: str | None = None) -> list[dict[str, Any]]:
    if platform is None:
        return list(db.query("select * from platform_changes order by id"))
    return list(db.query("select * from platform_changes where platform = ? order by id", [platform]))


def platform_alerts(
    db: sqlite_utils.Database, kinds: Sequence[str] = (AlertKind.PLATFORM_DOWN, AlertKind.PLATFORM_RECOVERED)
) -> list[dict[str, Any]]:
    """Every platform alert (no account) of these kinds, oldest first."""
    return list(
        db.query(
            f"select * from alerts where account_id is null and kind in ({','.join('?' * len(kinds))}) order by id",
            list(kinds),
        )
    )
