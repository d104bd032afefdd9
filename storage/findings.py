"""Compromise findings (gambling injection, cloaking, defacement) and their alerts.

A finding is evidence kept like an observation: the page, an excerpt, where on the site it
was seen, the sha256 of the response, when it was first and last seen and when a later scan
found it gone. A site's *episode* runs from its first unresolved finding to the scan that
resolves the last one: one ``compromised`` alert when it opens and one ``recovered`` alert
when it closes, written in the same transaction as the findings (the outbox model of
``storage.status``), each exactly once thanks to the outbox's unique (account, kind, episode).

A scan resolves only what it looked at again: a finding in a sitemap stays open through
checks that did not read the sitemap (``scope``; see ``crawler/compromise.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.config.vocabulary import AlertKind
from pantau.storage.db import retry_locked
from pantau.storage.outbox import _scope
from pantau.storage.rowids import inserted_id
from pantau.storage.timefmt import to_iso

_SCOPE_OF = {"cloaked_response": "cloak", "sitemap_entry": "sitemap", "feed_item": "feed"}


@dataclass
class ScanSaved:
    new: int = 0
    resolved: int = 0
    alert: str | None = None  # the alert kind written, if any


def scope_of(place: str) -> str:
    return _SCOPE_OF.get(place, "home")


def save_scan(
    db: sqlite_utils.Database,
    account_id: int,
    findings: Sequence[dict[str, Any]],
    scopes: Iterable[str],
    now: datetime,
    *,
    cloak_checked: bool = False,
    cloak_allowed: bool | None = None,
) -> ScanSaved:
    """Fold one check's scan into the account's findings, and raise the episode's alerts.

    ``findings`` are ``Finding.to_json()`` dicts (kind, place, url, excerpt, sha256);
    ``scopes`` the parts of the site this scan covered. A finding already open with the
    same kind, place and url is the same finding seen again. ``cloak_allowed`` is what the
    site's robots.txt, read this check, says of the crawler (None: not read).
    """
    stamp = to_iso(now)
    covered = set(scopes)

    def write() -> ScanSaved:
        out = ScanSaved()
        with db.atomic():
            if cloak_checked:
                db.execute("update accounts set cloak_checked_at = ? where id = ?", [stamp, account_id])
            if cloak_allowed is not None:
                db.execute(
                    "update accounts set cloak_allowed = ?, cloak_robots_at = ? where id = ?",
                    [int(cloak_allowed), stamp, account_id],
                )
            before = list(
                db.query(
                    "select id, kind, place, url, scope from findings where account_id = ? and resolved_at is null "
                    "order by id",
                    [account_id],
                )
            )
            open_keys = {(f["kind"], f["place"], f["url"]): f["id"] for f in before}
            seen: set[int] = set()
            new_ids: list[int] = []
            for f in findings:
                key = (f["kind"], f["place"], f["url"])
                if key in open_keys:
                    seen.add(open_keys[key])
                    db.execute(
                        "update findings set last_seen_at = ?, excerpt = ?, sha256 = ? where id = ?",
                        [stamp, f["excerpt"], f["sha256"], open_keys[key]],
                    )
                    continue
                fid = inserted_id(
                    db["findings"].insert(
                        {
                            "account_id": account_id,
                            "kind": f["kind"],
                            "place": f["place"],
                            "scope": scope_of(f["place"]),
                            "url": f["url"],
                            "excerpt": f["excerpt"],
                            "sha256": f["sha256"],
                            "detected_at": stamp,
                            "last_seen_at": stamp,
                        }
                    )
                )
                open_keys[key] = fid
                seen.add(fid)
                new_ids.append(fid)
            gone = [f for f in before if f["id"] not in seen and f["scope"] in covered]
            for f in gone:
                db.execute("update findings set resolved_at = ? where id = ? and resolved_at is null", [stamp, f["id"]])
            out.new, out.resolved = len(new_ids), len(gone)
            still_open = len(before) - len(gone) + len(new_ids)
            if not before and new_ids:
                out.alert = _alert(db, account_id, AlertKind.COMPROMISED, new_ids[0], f"finding-{new_ids[0]}", stamp)
            elif before and still_open == 0:
                opener = before[0]["id"]
                out.alert = _alert(db, account_id, AlertKind.RECOVERED, gone[-1]["id"], f"finding-{opener}", stamp)
        return out

    return retry_locked(write)


def _alert(
    db: sqlite_utils.Database, account_id: int, kind: str, finding_id: int, episode: str, stamp: str | None
) -> str | None:
    cur = db.execute(
        "insert or ignore into alerts (account_id, status_change_id, kind, episode, created_at, finding_id) "
        "values (?, null, ?, ?, ?, ?)",
        [account_id, str(kind), episode, stamp, finding_id],
    )
    return str(kind) if cur.rowcount == 1 else None


def open_findings(db: sqlite_utils.Database) -> dict[int, dict[str, Any]]:
    """The newest unresolved finding of every account that has one."""
    out: dict[int, dict[str, Any]] = {}
    for row in db.query(
        "select * from findings where resolved_at is null order by account_id, detected_at desc, id desc"
    ):
        out.setdefault(row["account_id"], row)
    return out


def findings_of(db: sqlite_utils.Database, account_id: int) -> list[dict[str, Any]]:
    """Every finding of an account, newest first (the board's and `explain`'s evidence list)."""
    return list(
        db.query("select * from findings where account_id = ? order by detected_at desc, id desc", [account_id])
    )


def findings_in_scope(
    db: sqlite_utils.Database, regions: Sequence[str], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Findings in a recipient's regions that were open at some moment of [start, end):
    detected before ``end`` and not resolved before ``start``, newest first."""
    where, params = _scope(regions)
    return list(
        db.query(
            "select f.*, a.platform, a.url as account_url, a.handle, a.region, a.retired_at, "
            "i.name as institution from findings f join accounts a on a.id = f.account_id "
            "join institutions i on i.id = a.institution_id "
            f"where {where} and f.detected_at < ? and (f.resolved_at is null or f.resolved_at >= ?) "
            "order by f.resolved_at is not null, f.detected_at desc, f.id desc",
            [*params, to_iso(end), to_iso(start)],
        )
    )
