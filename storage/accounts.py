"""Accounts and institutions: registry import/export, selection, attest and retire."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlite_utils

from pantau.config.platforms import same_site_urls
from pantau.config.registry import FIELDS as REGISTRY_FIELDS
from pantau.storage.rowids import inserted_id
from pantau.storage.timefmt import to_iso

_ACCOUNT_SELECT = """
select a.*, i.name as institution
from accounts a join institutions i on i.id = a.institution_id
"""


@dataclass
class ImportCounts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def line(self) -> str:
        return f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, rejected {self.rejected}"


def _institution_id(db: sqlite_utils.Database, name: str, region: str, now: str) -> int:
    row = db.execute("select id from institutions where name = ? and region = ?", [name, region]).fetchone()
    if row:
        return row[0]
    return inserted_id(db["institutions"].insert({"name": name, "region": region, "created_at": now}))


def import_accounts(db: sqlite_utils.Database, records: Iterable[dict[str, Any]], now: datetime) -> ImportCounts:
    """Upsert registry records by identity (platform, url) in one transaction.

    Each record carries the registry fields (already validated and normalised) and
    optionally ``id``; an id from an export is honoured when it is free, so a round
    trip into a fresh database keeps the ids.
    """
    counts = ImportCounts()
    stamp = to_iso(now)
    with db.atomic():
        for rec in records:
            fields: dict[str, Any] = {k: rec.get(k) for k in REGISTRY_FIELDS}
            for k in ("region", "handle", "feed_url", "owner_email", "note"):
                fields[k] = fields[k] or ""
            inst = _institution_id(db, fields.pop("institution"), fields["region"], stamp)
            fields["institution_id"] = inst
            # "www.mubakab.go.id" and "mubakab.go.id" are one account; the first spelling
            # imported is the one fetched.
            exact, twin = same_site_urls(fields["url"])
            current = next(
                db.query(
                    "select * from accounts where platform = ? and url in (?, ?) order by url = ? desc limit 1",
                    [fields["platform"], exact, twin, exact],
                ),
                None,
            )
            if current:
                changed = {k: v for k, v in fields.items() if current.get(k) != v and k != "url"}
                if not changed:
                    counts.unchanged += 1
                    continue
                changed["updated_at"] = stamp
                if "handle" in changed or "feed_url" in changed:
                    # An id resolved from the old handle (a YouTube channel, an X user)
                    # would keep watching the old account.
                    changed["resolved_id"] = None
                db["accounts"].update(current["id"], changed)
                counts.updated += 1
                continue
            row = dict(
                fields,
                created_at=stamp,
                updated_at=stamp,
                status="unknown",
                status_reason="not checked yet",
                consecutive_failures=0,
            )
            want_id = rec.get("id")
            if want_id and not db.execute("select 1 from accounts where id = ?", [want_id]).fetchone():
                row["id"] = want_id
            db["accounts"].insert(row)
            counts.added += 1
    return counts


def export_accounts(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    return list(db.query(_ACCOUNT_SELECT + " order by a.id"))


def get_account(db: sqlite_utils.Database, account_id: int) -> dict[str, Any] | None:
    found = list(db.query(_ACCOUNT_SELECT + " where a.id = ?", [account_id]))
    return found[0] if found else None


def select_accounts(
    db: sqlite_utils.Database,
    *,
    ids: Iterable[int] = (),
    platforms: Iterable[str] = (),
    regions: Iterable[str] = (),
    statuses: Iterable[str] = (),
    include_retired: bool = True,
) -> list[dict[str, Any]]:
    """Accounts filtered the way the CLI filters them; a region matches by prefix (``16`` ⊇ ``16.06``)."""
    where: list[str] = []
    params: list[Any] = []
    ids, platforms, regions, statuses = list(ids), list(platforms), list(regions), list(statuses)
    if ids:
        where.append(f"a.id in ({','.join('?' * len(ids))})")
        params += ids
    if platforms:
        where.append(f"a.platform in ({','.join('?' * len(platforms))})")
        params += platforms
    if regions:
        # "16" covers 16.06 through the range ["16.", "16/") ("/" sorts right after "."),
        # which, unlike LIKE, uses the region index: a province's page at national scale.
        where.append("(" + " or ".join("(a.region = ? or (a.region >= ? and a.region < ?))" for _ in regions) + ")")
        for r in regions:
            params += [r, r + ".", r + "/"]
    if statuses:
        where.append(f"a.status in ({','.join('?' * len(statuses))})")
        params += statuses
    if not include_retired:
        where.append("a.retired_at is null")
    sql = _ACCOUNT_SELECT + (" where " + " and ".join(where) if where else "") + " order by a.id"
    return list(db.query(sql, params))


def iter_accounts(db: sqlite_utils.Database, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every account, in id order, a batch at a time (bounded memory at national scale)."""
    last = 0
    while True:
        page = list(db.query(_ACCOUNT_SELECT + " where a.id > ? order by a.id limit ?", [last, batch]))
        if not page:
            return
        yield from page
        last = page[-1]["id"]


def spread_offset(account_id: int, interval: timedelta) -> timedelta:
    """A stable offset inside the interval for an account, so checks spread evenly.

    A hash (not the id modulo) keeps neighbours in the registry, which often share one
    regency server, apart in time.
    """
    h = int.from_bytes(hashlib.blake2b(str(account_id).encode(), digest_size=8).digest(), "big")
    return timedelta(seconds=h % max(1, int(interval.total_seconds())))


def due_accounts(db: sqlite_utils.Database, now: datetime, limit: int | None = None) -> list[dict[str, Any]]:
    """Accounts whose next check is due (or never planned), oldest due first, retired left out."""
    sql = (
        _ACCOUNT_SELECT + " where a.retired_at is null and (a.next_check_at is null or a.next_check_at <= ?)"
        " order by coalesce(a.next_check_at, '') , a.id"
    )
    params: list[Any] = [to_iso(now)]
    if limit:
        sql += " limit ?"
        params.append(limit)
    return list(db.query(sql, params))


def plan_unplanned(db: sqlite_utils.Database, now: datetime, interval: timedelta) -> int:
    """Give accounts never checked a first check time spread over one interval from now."""
    pending = [
        r[0]
        for r in db.execute("select id from accounts where retired_at is null and next_check_at is null").fetchall()
    ]
    with db.atomic():
        for account_id in pending:
            db.execute(
                "update accounts set next_check_at = ? where id = ?",
                [to_iso(now + spread_offset(account_id, interval)), account_id],
            )
    return len(pending)


def set_next_check(db: sqlite_utils.Database, account_id: int, when: datetime) -> None:
    db.execute("update accounts set next_check_at = ? where id = ?", [to_iso(when), account_id])


def set_resolved_id(db: sqlite_utils.Database, account_id: int, resolved: str) -> None:
    db.execute("update accounts set resolved_id = ? where id = ?", [resolved, account_id])


def retire_account(db: sqlite_utils.Database, account_id: int, reason: str, now: datetime) -> bool:
    with db.atomic():
        cur = db.execute(
            "update accounts set retired_at = ?, retired_reason = ? where id = ?",
            [to_iso(now), reason or "retired", account_id],
        )
    return cur.rowcount == 1


def add_attestation(
    db: sqlite_utils.Database,
    account_id: int,
    activity_at: datetime,
    url: str | None,
    note: str | None,
    attested_by: str,
    now: datetime,
) -> int:
    return inserted_id(
        db["attestations"].insert(
            {
                "account_id": account_id,
                "activity_at": to_iso(activity_at),
                "url": url,
                "note": note,
                "attested_by": attested_by,
                "created_at": to_iso(now),
            }
        )
    )


def latest_attestation(db: sqlite_utils.Database, account_id: int) -> dict[str, Any] | None:
    found = list(
        db.query(
            "select * from attestations where account_id = ? order by activity_at desc limit 1",
            [account_id],
        )
    )
    return found[0] if found else None


def attestations_by_account(db: sqlite_utils.Database, ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """The newest attestation of every account (or of ``ids``) that has one."""
    out = {}
    where, params = (
        ("where account_id in (select value from json_each(?))", [json.dumps(list(ids))])
        if ids is not None
        else ("", [])
    )
    for r in db.query(f"select * from attestations {where} order by account_id, activity_at", params):
        out[r["account_id"]] = r
    return out
