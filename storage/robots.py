"""Cached robots.txt files, one per origin (crawler/robots.py keeps them for up to 24 hours).

A recheck of a host within a day reads robots.txt from here instead of the network, in every
process that uses the database (the daemon, `pantau check`, a restart).
"""

from __future__ import annotations

from typing import Any

import sqlite_utils

from pantau.storage.db import retry_locked


def get_robots(db: sqlite_utils.Database, origin: str) -> dict[str, Any] | None:
    """The stored robots.txt of ``origin`` (``scheme://host[:port]``), however old, or None."""
    row = db.execute(
        "select status, body, etag, last_modified, fetched_at from robots_txt where origin = ?", [origin]
    ).fetchone()
    if row is None:
        return None
    return {
        "origin": origin,
        "status": row[0],
        "body": row[1] or "",
        "etag": row[2],
        "last_modified": row[3],
        "fetched_at": row[4],
    }


def save_robots(
    db: sqlite_utils.Database,
    origin: str,
    status: int,
    body: str,
    etag: str | None,
    last_modified: str | None,
    fetched_at: str,
) -> None:
    retry_locked(
        lambda: db.execute(
            "insert into robots_txt (origin, status, body, etag, last_modified, fetched_at) values (?,?,?,?,?,?) "
            "on conflict(origin) do update set status=excluded.status, body=excluded.body, etag=excluded.etag, "
            "last_modified=excluded.last_modified, fetched_at=excluded.fetched_at",
            [origin, status, body, etag, last_modified, fetched_at],
        )
    )


def touch_robots(db: sqlite_utils.Database, origin: str, fetched_at: str) -> None:
    """The server confirmed the stored file (304): it is fresh again."""
    retry_locked(lambda: db.execute("update robots_txt set fetched_at = ? where origin = ?", [fetched_at, origin]))
