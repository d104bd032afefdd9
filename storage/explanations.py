"""The candidates of each account's last check (for ``pantau explain``) and the per-URL cache of
a newest post's date read on its own page."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.storage.timefmt import to_iso

__all__ = ["last_candidates", "record_candidates"]


def record_candidates(
    db: sqlite_utils.Database,
    account_id: int,
    checked_at: datetime,
    candidates: list[dict[str, Any]],
    *,
    confirmed_post: dict[str, Any] | None = None,
) -> None:
    """Keep what a check considered. A check that considered nothing (a failure) leaves the
    last explanation in place: it is still the one behind the account's last activity.

    Stored as ASCII JSON: text from the web may hold half a UTF-16 pair, which SQLite cannot
    store as UTF-8 (escaped, it round-trips)."""
    with db.atomic():
        if candidates:
            db["explanations"].upsert(
                {"account_id": account_id, "checked_at": to_iso(checked_at), "candidates": json.dumps(candidates)},
                pk="account_id",
            )
        if confirmed_post:
            db.execute("update accounts set confirmed_post = ? where id = ?", [json.dumps(confirmed_post), account_id])


def last_candidates(db: sqlite_utils.Database, account_id: int) -> tuple[str | None, list[dict[str, Any]]]:
    """(checked_at, candidates) of the account's last check that considered any."""
    row = db.execute("select checked_at, candidates from explanations where account_id = ?", [account_id]).fetchone()
    if row is None:
        return None, []
    try:
        cands = json.loads(row[1] or "[]")
    except ValueError:
        cands = []
    return row[0], cands if isinstance(cands, list) else []
