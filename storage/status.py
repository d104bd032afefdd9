"""Stored status, the history of status changes, and the alert outbox written with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.config.vocabulary import Reason
from pantau.storage.db import retry_locked
from pantau.storage.timefmt import to_iso


def apply_status(
    db: sqlite_utils.Database,
    account: dict[str, Any],
    new_status: str,
    reason: str,
    now: datetime,
    *,
    alert_kind: str | None = None,
    days_inactive: int | None = None,
) -> int | None:
    """Record a status (and, if it changed, the change and its alert) in one transaction.

    ``reason`` is stored twice over: as its English sentence (what scripts and SQL readers
    see) and, when it is a structured :class:`~pantau.config.vocabulary.Reason`, as its code
    and parameters, so mails and reports can say it in Indonesian.

    The update is optimistic: it only applies while the account still has the status we
    read, so two evaluators (daemon and CLI) never record the same transition twice.
    Returns the status change id, or None when nothing changed.
    """
    old = account.get("status") or "unknown"
    stamp = to_iso(now)
    data = reason.to_json() if isinstance(reason, Reason) else None
    reason = str(reason)

    def write() -> int | None:
        with db.atomic():
            if old == new_status:
                if account.get("status_reason") != reason or account.get("status_reason_data") != data:
                    db.execute(
                        "update accounts set status_reason = ?, status_reason_data = ? where id = ? and status = ?",
                        [reason, data, account["id"], old],
                    )
                return None
            cur = db.execute(
                "update accounts set status = ?, status_reason = ?, status_reason_data = ?, status_changed_at = ? "
                "where id = ? and coalesce(status, 'unknown') = ?",
                [new_status, reason, data, stamp, account["id"], old],
            )
            if cur.rowcount != 1:
                return None  # someone else recorded this transition first
            change_id = (
                db["status_changes"]
                .insert(
                    {
                        "account_id": account["id"],
                        "old_status": old,
                        "new_status": new_status,
                        "reason": reason,
                        "reason_data": data,
                        "changed_at": stamp,
                        "days_inactive": days_inactive,
                        "last_activity_at": account.get("last_activity_at"),
                        "last_activity_url": account.get("last_activity_url"),
                        "last_activity_title": account.get("last_activity_title"),
                    }
                )
                .last_pk
            )
            if alert_kind:
                # The episode is the change itself: a second dormancy later is a new alert,
                # a repeated evaluation of the same one is not (unique index).
                db.execute(
                    "insert or ignore into alerts (account_id, status_change_id, kind, episode, created_at) "
                    "values (?, ?, ?, ?, ?)",
                    [account["id"], change_id, alert_kind, f"change-{change_id}", stamp],
                )
            return change_id

    return retry_locked(write)


def status_changes_between(db: sqlite_utils.Database, start: datetime, end: datetime) -> list[dict[str, Any]]:
    return list(
        db.query(
            "select c.*, a.platform, a.url, a.handle, a.region, i.name as institution "
            "from status_changes c join accounts a on a.id = c.account_id "
            "join institutions i on i.id = a.institution_id "
            "where c.changed_at >= ? and c.changed_at < ? order by c.changed_at, c.id",
            [to_iso(start), to_iso(end)],
        )
    )


def status_history(db: sqlite_utils.Database, account_id: int) -> list[dict[str, Any]]:
    return list(db.query("select * from status_changes where account_id = ? order by changed_at, id", [account_id]))
