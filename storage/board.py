"""Queries of the web board (`pantau serve`): an account's history, the metrics, change detection."""

from __future__ import annotations

import re
from typing import Any

import sqlite_utils

from pantau.storage.observations import FAILURES


def account_history(db: sqlite_utils.Database, account_id: int, limit: int = 400) -> dict[str, list[dict[str, Any]]]:
    """An account's checks (outcome, the last activity each one found) and status changes,
    oldest first — the points of its history chart. ``limit`` keeps the newest checks."""
    checks = list(
        db.query(
            "select * from (select checked_at, outcome, activity_at, evidence, error from observations "
            "where account_id = ? order by checked_at desc, id desc limit ?) order by checked_at",
            [account_id, limit],
        )
    )
    changes = list(
        db.query(
            "select changed_at, old_status, new_status from status_changes where account_id = ? "
            "order by changed_at, id",
            [account_id],
        )
    )
    return {"checks": checks, "changes": changes}


def check_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Every check ever recorded, by outcome (``/metrics``: checks and failures)."""
    return {r["outcome"]: r["n"] for r in db.query("select outcome, count(*) as n from observations group by outcome")}


def failure_outcomes() -> tuple[str, ...]:
    return FAILURES


def data_version(db: sqlite_utils.Database) -> int:
    """SQLite's counter of commits made by *other* connections since this one opened: a cheap
    way for a long-lived reader (the board) to know whether anything changed."""
    return int(db.execute("pragma data_version").fetchone()[0])


def accounts_in_scope_count(db: sqlite_utils.Database, regions: tuple[str, ...]) -> int:
    from pantau.storage.outbox import _scope

    where, params = _scope(regions)
    return int(db.execute(f"select count(*) from accounts a where {where}", params).fetchone()[0])


def owned_account_ids(db: sqlite_utils.Database, email: str) -> list[int]:
    """Accounts whose registry ``owner_email`` cell names ``email`` (a cell may list several)."""
    want = email.strip().lower()
    out = []
    for r in db.query(
        "select id, owner_email from accounts where instr(lower(owner_email), ?) > 0 order by id", [want]
    ):
        if want in (p.lower() for p in re.split(r"[,;\s]+", r["owner_email"] or "")):
            out.append(r["id"])
    return out
