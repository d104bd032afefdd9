"""Offices' answers to findings (`pantau respond`, the board's answer form)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlite_utils

from pantau.config.vocabulary import ResponseKind
from pantau.storage.db import retry_locked
from pantau.storage.rowids import inserted_id
from pantau.storage.timefmt import to_iso


def record_response(
    db: sqlite_utils.Database,
    account_id: int,
    kind: ResponseKind | str,
    *,
    who: str,
    at: datetime,
    by: date | None = None,
    note: str | None = None,
) -> int:
    """Store an answer; a newer answer supersedes the older ones of the same account."""
    kind = ResponseKind(kind)
    if kind is ResponseKind.WILL_REACTIVATE and by is None:
        raise ValueError("will_reactivate needs the date by which the account runs again")
    row = {
        "account_id": account_id,
        "kind": kind.value,
        "by_date": by.isoformat() if by else None,
        "note": note,
        "who": who,
        "at": to_iso(at),
    }

    def write() -> int:
        with db.atomic():
            stamp = to_iso(at)
            db.execute(
                "update responses set resolved_at = ?, resolution = 'superseded' "
                "where account_id = ? and resolved_at is null",
                [stamp, account_id],
            )
            return inserted_id(db["responses"].insert(row))

    return retry_locked(write)


def resolve_response(db: sqlite_utils.Database, response_id: int, resolution: str, at: datetime) -> bool:
    """Close an answer (claimed by row count, so two evaluators never resolve it twice)."""
    cur = retry_locked(
        lambda: db.execute(
            "update responses set resolved_at = ?, resolution = ? where id = ? and resolved_at is null",
            [to_iso(at), resolution, response_id],
        )
    )
    return cur.rowcount == 1


def current_response(db: sqlite_utils.Database, account_id: int) -> dict[str, Any] | None:
    """The account's newest unresolved answer, or None."""
    found = list(
        db.query(
            "select * from responses where account_id = ? and resolved_at is null order by at desc, id desc limit 1",
            [account_id],
        )
    )
    return found[0] if found else None


def current_responses(db: sqlite_utils.Database) -> dict[int, dict[str, Any]]:
    """Every account's newest unresolved answer, by account id."""
    out: dict[int, dict[str, Any]] = {}
    for row in db.query("select * from responses where resolved_at is null order by at, id"):
        out[row["account_id"]] = row
    return out


def responses_between(db: sqlite_utils.Database, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Answers given in [start, end), oldest first, with the account's facts (for the weekly report)."""
    return list(
        db.query(
            "select r.*, a.platform, a.url, a.handle, a.region, i.name as institution "
            "from responses r join accounts a on a.id = r.account_id "
            "join institutions i on i.id = a.institution_id "
            "where r.at >= ? and r.at < ? order by r.at, r.id",
            [to_iso(start), to_iso(end)],
        )
    )
