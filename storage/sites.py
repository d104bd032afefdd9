"""What a website turned out to be at its last discovery (``accounts.site``, one JSON text).

The website spider (spiders/website.py) reads it from the account row at the start of a
check, so a recheck can ask the one source that answered last time; what a discovery found
travels back on the Observation (``Observation.site``) and the item pipeline stores it here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from pantau.storage.db import retry_locked


def save_site(db: sqlite_utils.Database, account_id: int, facts: dict[str, Any]) -> None:
    """Replace the account's site facts. ASCII JSON, like the explanations: a post's title from
    the web may hold half a UTF-16 pair, which SQLite cannot store as UTF-8."""
    text = json.dumps(facts, sort_keys=True)
    retry_locked(lambda: db.execute("update accounts set site = ? where id = ?", [text, account_id]))


def read_site(account: dict[str, Any]) -> dict[str, Any] | None:
    """The facts stored on an account row, or None (never discovered, or unreadable)."""
    raw = account.get("site")
    if not raw:
        return None
    try:
        facts = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return facts if isinstance(facts, dict) else None


def accounts_with_open_findings(db: sqlite_utils.Database) -> set[int]:
    """The accounts a compromise finding is open for (few: the partial index findings_open)."""
    return {r[0] for r in db.execute("select distinct account_id from findings where resolved_at is null")}


def fresh_robots_origins(db: sqlite_utils.Database, origins: Iterable[str], since_iso: str) -> set[str]:
    """Those of ``origins`` whose stored robots.txt was fetched at or after ``since_iso``."""
    wanted = list(dict.fromkeys(origins))
    found: set[str] = set()
    for k in range(0, len(wanted), 500):  # well under SQLite's limit of bound parameters
        chunk = wanted[k : k + 500]
        marks = ", ".join("?" * len(chunk))
        sql = f"select origin from robots_txt where fetched_at >= ? and origin in ({marks})"
        found.update(r[0] for r in db.execute(sql, [since_iso, *chunk]))
    return found
