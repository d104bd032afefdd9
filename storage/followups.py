"""The answer loop's records: answers the policy reads, and the follow-up alerts it raises.

Follow-up alerts (an escalation step, a lapsed ``will_reactivate`` promise) are rows of the
same outbox as status-change alerts. Each is made exactly once by the outbox's unique key
(account, kind, episode); a lapsed promise is also resolved in the same transaction as its
alert, claimed by row count, so two evaluators never alert it twice.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.storage.db import retry_locked
from pantau.storage.timefmt import to_iso

# How a `closed` answer ends when a check finds the account gone.
CONFIRMED_CLOSED = "confirmed_closed"


def answers_by_account(db: sqlite_utils.Database) -> dict[int, dict[str, Any]]:
    """Each account's answer as the policy and the status JSON see it.

    That is the newest unresolved answer, or — for an account retired because its
    ``closed`` answer was confirmed — that confirmed answer, which is then its reason.
    """
    out: dict[int, dict[str, Any]] = {}
    for row in db.query(
        "select r.* from responses r join accounts a on a.id = r.account_id "
        "where r.resolved_at is null or (r.resolution = ? and a.retired_at is not null) "
        "order by r.at, r.id",
        [CONFIRMED_CLOSED],
    ):
        out[row["account_id"]] = row
    return out


def latest_change_id(db: sqlite_utils.Database, account_id: int, new_status: str | None = None) -> int | None:
    sql = "select id from status_changes where account_id = ?"
    params: list[Any] = [account_id]
    if new_status:
        sql += " and new_status = ?"
        params.append(new_status)
    row = db.execute(sql + " order by changed_at desc, id desc limit 1", params).fetchone()
    return row[0] if row else None


def open_promises(db: sqlite_utils.Database, kind: str) -> list[dict[str, Any]]:
    """Unresolved answers of ``kind`` with their account's facts, oldest first."""
    return list(
        db.query(
            "select r.*, a.last_activity_at, a.retired_at, a.status from responses r "
            "join accounts a on a.id = r.account_id where r.resolved_at is null and r.kind = ? order by r.at, r.id",
            [kind],
        )
    )


def unanswered_close_recommended(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Accounts now ``close_recommended`` (not retired) with no unresolved answer, each with
    the change that put it there and its newest resolved answer (the escalation clock)."""
    return list(
        db.query(
            """
        select a.id as account_id, a.region,
          (select c.id from status_changes c where c.account_id = a.id and c.new_status = 'close_recommended'
             order by c.changed_at desc, c.id desc limit 1) as change_id,
          (select c.changed_at from status_changes c where c.account_id = a.id and c.new_status = 'close_recommended'
             order by c.changed_at desc, c.id desc limit 1) as changed_at,
          (select r.id from responses r where r.account_id = a.id and r.resolved_at is not null
             order by r.resolved_at desc, r.id desc limit 1) as resolved_id,
          (select r.resolved_at from responses r where r.account_id = a.id and r.resolved_at is not null
             order by r.resolved_at desc, r.id desc limit 1) as resolved_at
        from accounts a
        where a.status = 'close_recommended' and a.retired_at is null
          and not exists (select 1 from responses r where r.account_id = a.id and r.resolved_at is null)
        order by a.id
        """
        )
    )


def escalations_by_account(db: sqlite_utils.Database) -> dict[int, dict[str, dict[str, Any]]]:
    """Every escalation alert already made: account -> episode -> alert row."""
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for row in db.query("select * from alerts where kind = 'escalated' order by id"):
        out.setdefault(row["account_id"], {})[row["episode"]] = row
    return out


def add_followup_alert(
    db: sqlite_utils.Database,
    account_id: int,
    kind: str,
    episode: str,
    change_id: int | None,
    data: dict[str, Any],
    now: datetime,
) -> bool:
    """Put one follow-up alert in the outbox; False when that episode was already alerted."""

    def write() -> bool:
        with db.atomic():
            cur = db.execute(
                "insert or ignore into alerts (account_id, status_change_id, kind, episode, created_at, data) "
                "values (?, ?, ?, ?, ?, ?)",
                [account_id, change_id, kind, episode, to_iso(now), json.dumps(data, ensure_ascii=False, default=str)],
            )
            return cur.rowcount == 1

    return retry_locked(write)


def lapse_promise(
    db: sqlite_utils.Database,
    response: dict[str, Any],
    kind: str,
    change_id: int | None,
    data: dict[str, Any],
    now: datetime,
) -> bool:
    """Resolve a lapsed promise as ``expired`` and alert it, in one transaction, once."""
    stamp = to_iso(now)

    def write() -> bool:
        with db.atomic():
            cur = db.execute(
                "update responses set resolved_at = ?, resolution = 'expired' where id = ? and resolved_at is null",
                [stamp, response["id"]],
            )
            if cur.rowcount != 1:
                return False  # another evaluator resolved it first
            db.execute(
                "insert or ignore into alerts (account_id, status_change_id, kind, episode, created_at, data) "
                "values (?, ?, ?, ?, ?, ?)",
                [
                    response["account_id"],
                    change_id,
                    kind,
                    f"response-{response['id']}",
                    stamp,
                    json.dumps(data, ensure_ascii=False, default=str),
                ],
            )
            return True

    return retry_locked(write)


def answers_between(
    db: sqlite_utils.Database, regions_sql: str, params: list[Any], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Answers given in [start, end) for accounts matching ``regions_sql`` (on ``a``)."""
    return list(
        db.query(
            "select r.*, a.platform, a.url, a.handle, a.region, a.status as current_status, i.name as institution "
            "from responses r join accounts a on a.id = r.account_id join institutions i on i.id = a.institution_id "
            f"where {regions_sql} and r.at >= ? and r.at < ? order by r.at, r.id",
            [*params, to_iso(start), to_iso(end)],
        )
    )


def escalations_between(
    db: sqlite_utils.Database, regions_sql: str, params: list[Any], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Escalation alerts made in [start, end) for accounts matching ``regions_sql`` (on ``a``)."""
    return list(
        db.query(
            "select al.id as alert_id, al.created_at, al.data, a.id as account_id, a.platform, a.url, a.handle, "
            "a.region, a.status as current_status, i.name as institution "
            "from alerts al join accounts a on a.id = al.account_id join institutions i on i.id = a.institution_id "
            f"where al.kind = 'escalated' and {regions_sql} and al.created_at >= ? and al.created_at < ? "
            "order by al.created_at, al.id",
            [*params, to_iso(start), to_iso(end)],
        )
    )


def retire_confirmed_closed(
    db: sqlite_utils.Database, response_id: int, account_id: int, reason: str, now: datetime
) -> bool:
    """Resolve a ``closed`` answer as confirmed and retire its account, in one transaction,
    claimed by row count (a crash leaves both done or neither)."""
    stamp = to_iso(now)

    def write() -> bool:
        with db.atomic():
            cur = db.execute(
                "update responses set resolved_at = ?, resolution = ? where id = ? and resolved_at is null",
                [stamp, CONFIRMED_CLOSED, response_id],
            )
            if cur.rowcount != 1:
                return False
            db.execute(
                "update accounts set retired_at = ?, retired_reason = ? where id = ? and retired_at is null",
                [stamp, reason, account_id],
            )
            return True

    return retry_locked(write)
