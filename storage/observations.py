"""Observations (one per account per check), the facts they update, and HTTP validators."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.storage.db import retry_locked
from pantau.storage.rowids import inserted_id
from pantau.storage.timefmt import from_iso, to_iso

FAILURES = ("error", "not_found")


def record_observation(
    db: sqlite_utils.Database,
    obs: dict[str, Any],
    *,
    next_check_at: datetime | None = None,
    validators: list[dict[str, Any]] | None = None,
    resolved_id: str | None = None,
) -> int:
    """Store one check's result and fold it into the account's facts, atomically.

    ``obs`` has the ``observations`` columns with datetimes for ``checked_at`` and
    ``activity_at``. The account's last activity only ever moves forward: a check that
    finds an older post (a feed trimmed to its first page, a 304) never rolls it back.
    """
    # Text from the web may hold half a UTF-16 pair (JSON's "\\ud800"), which SQLite cannot
    # store as UTF-8: the insert would fail and the account would be left without its observation.
    row = {k: _storable(v) for k, v in obs.items()}
    row["checked_at"] = to_iso(row["checked_at"])
    row["activity_at"] = to_iso(row.get("activity_at"))
    row["not_modified"] = int(bool(row.get("not_modified")))

    def write() -> int:
        with db.atomic():
            obs_id = inserted_id(db["observations"].insert(row))
            acct = db.execute(
                "select consecutive_failures, last_activity_at from accounts where id = ?",
                [row["account_id"]],
            ).fetchone()
            if acct is None:
                raise KeyError(f"account {row['account_id']} does not exist")
            failures = (acct[0] or 0) + 1 if row["outcome"] in FAILURES else 0
            update: dict[str, Any] = {
                "last_checked_at": row["checked_at"],
                "last_outcome": row["outcome"],
                "last_error": row.get("error"),
                "consecutive_failures": failures,
            }
            if next_check_at is not None:
                update["next_check_at"] = to_iso(next_check_at)
            if resolved_id:
                update["resolved_id"] = resolved_id
            current = from_iso(acct[1])
            found = from_iso(row["activity_at"])
            if found and (current is None or found > current):
                update.update(
                    last_activity_at=row["activity_at"],
                    last_activity_url=row.get("activity_url"),
                    last_activity_title=row.get("activity_title"),
                    evidence=row.get("evidence"),
                )
            db["accounts"].update(row["account_id"], update)
            for v in validators or ():
                save_validator(db, v["url"], v.get("etag"), v.get("last_modified"), v.get("result"), row["checked_at"])
            return obs_id

    return retry_locked(write)


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def recent_observations(db: sqlite_utils.Database, account_id: int, n: int) -> list[dict[str, Any]]:
    return list(
        db.query(
            "select * from observations where account_id = ? order by checked_at desc, id desc limit ?",
            [account_id, n],
        )
    )


def recent_outcomes_by_account(
    db: sqlite_utils.Database, n: int, ids: Sequence[int] | None = None
) -> dict[int, list[dict[str, Any]]]:
    """The last ``n`` observations of every account (or of ``ids``), newest first (for the status pass)."""
    out: dict[int, list[dict[str, Any]]] = {}
    # Only the accounts asked for (a region's page on the board): the window over every
    # observation in the country costs seconds at national scale.
    where, params = (
        ("where o.account_id in (select value from json_each(?))", [json.dumps(list(ids))])
        if ids is not None
        else ("", [])
    )
    sql = f"""
    select * from (
      select o.account_id, o.outcome, o.error, o.http_status, o.checked_at, o.platform_fault,
             row_number() over (partition by o.account_id order by o.checked_at desc, o.id desc) as rn
      from observations o {where}
    ) where rn <= ? order by account_id, rn
    """
    for r in db.query(sql, [*params, n]):
        out.setdefault(r["account_id"], []).append(r)
    return out


def observation_count(db: sqlite_utils.Database) -> int:
    return db.execute("select count(*) from observations").fetchone()[0]


def get_validator(db: sqlite_utils.Database, url: str) -> dict[str, Any] | None:
    row = db.execute("select etag, last_modified, result from http_validators where url = ?", [url]).fetchone()
    if not row:
        return None
    return {"url": url, "etag": row[0], "last_modified": row[1], "result": json.loads(row[2]) if row[2] else None}


def save_validator(
    db: sqlite_utils.Database,
    url: str,
    etag: str | None,
    last_modified: str | None,
    result: Any,
    now_iso: str,
) -> None:
    if not etag and not last_modified:
        db.execute("delete from http_validators where url = ?", [url])
        return
    db.execute(
        "insert into http_validators (url, etag, last_modified, result, updated_at) values (?,?,?,?,?) "
        "on conflict(url) do update set etag=excluded.etag, last_modified=excluded.last_modified, "
        "result=excluded.result, updated_at=excluded.updated_at",
        [url, etag, last_modified, json.dumps(result) if result is not None else None, now_iso],
    )
