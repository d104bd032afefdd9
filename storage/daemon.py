"""The daemon's row: who runs, since when, and its last heartbeat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.storage.timefmt import to_iso


def record_heartbeat(
    db: sqlite_utils.Database, pid: int, host: str, state: str, now: datetime, started_at: datetime | None = None
) -> None:
    row: dict[str, Any] = {"id": 1, "pid": pid, "host": host, "state": state, "heartbeat_at": to_iso(now)}
    if started_at is not None:
        row["started_at"] = to_iso(started_at)
    db["daemon"].upsert(row, pk="id")


def last_heartbeat(db: sqlite_utils.Database) -> dict[str, Any] | None:
    found = list(db.query("select * from daemon where id = 1"))
    return found[0] if found else None
