"""The SQLite store: opening it, its schema and forward migrations.

All SQL lives in ``storage/``; other rooms call the named functions in
``storage.accounts``, ``storage.observations`` and ``storage.outbox``.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils
from sqlite_utils.migrations import Migrations

SCHEMA_SET = "pantau"
migrations = Migrations(SCHEMA_SET)
T = TypeVar("T")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db["institutions"].create({"id": int, "name": str, "region": str, "created_at": str}, pk="id", not_null={"name"})
    db["institutions"].create_index(["name", "region"], unique=True)
    db["accounts"].create(
        {
            "id": int,
            "institution_id": int,
            "platform": str,
            "url": str,
            "handle": str,
            "feed_url": str,
            "owner_email": str,
            "region": str,
            "dormant_after_days": int,
            "note": str,
            "created_at": str,
            "updated_at": str,
            "retired_at": str,
            "retired_reason": str,
            # Facts learnt from checks.
            "resolved_id": str,  # e.g. a YouTube channel id resolved once from the channel page
            "last_checked_at": str,
            "last_outcome": str,
            "last_error": str,
            "consecutive_failures": int,
            "last_activity_at": str,
            "last_activity_url": str,
            "last_activity_title": str,
            "evidence": str,
            "next_check_at": str,
            # The stored status (derived by monitor/ policy; kept to detect transitions).
            "status": str,
            "status_reason": str,
            "status_changed_at": str,
        },
        pk="id",
        foreign_keys=[("institution_id", "institutions", "id")],
        defaults={"consecutive_failures": 0, "status": "unknown"},
        not_null={"platform", "url"},
    )
    db["accounts"].create_index(["platform", "url"], unique=True)
    db["accounts"].create_index(["next_check_at"])
    db["accounts"].create_index(["region"])
    db["observations"].create(
        {
            "id": int,
            "account_id": int,
            "checked_at": str,
            "outcome": str,  # ok | not_modified | error | not_found | unsupported | blocked
            "http_status": int,
            "activity_at": str,
            "activity_url": str,
            "activity_title": str,
            "evidence": str,
            "error": str,
            "duration_ms": int,
            "bytes": int,
            "requests": int,
            "not_modified": int,
        },
        pk="id",
        foreign_keys=[("account_id", "accounts", "id")],
    )
    db["observations"].create_index(["account_id", "checked_at"])
    db["attestations"].create(
        {
            "id": int,
            "account_id": int,
            "activity_at": str,
            "url": str,
            "note": str,
            "attested_by": str,
            "created_at": str,
        },
        pk="id",
        foreign_keys=[("account_id", "accounts", "id")],
    )
    db["status_changes"].create(
        {
            "id": int,
            "account_id": int,
            "old_status": str,
            "new_status": str,
            "reason": str,
            "changed_at": str,
            "days_inactive": int,
            "last_activity_at": str,
            "last_activity_url": str,
            "last_activity_title": str,
        },
        pk="id",
        foreign_keys=[("account_id", "accounts", "id")],
    )
    db["status_changes"].create_index(["changed_at"])
    db["status_changes"].create_index(["account_id", "changed_at"])
    db["http_validators"].create(
        {
            "url": str,
            "etag": str,
            "last_modified": str,
            "result": str,  # JSON of what the last full parse of this URL found
            "updated_at": str,
        },
        pk="url",
    )
    # The alert outbox: one row per (account, kind, episode), written with the status change.
    db["alerts"].create(
        {
            "id": int,
            "account_id": int,
            "status_change_id": int,
            "kind": str,
            "episode": str,
            "created_at": str,
            "processed_at": str,
        },
        pk="id",
        foreign_keys=[("account_id", "accounts", "id"), ("status_change_id", "status_changes", "id")],
    )
    db["alerts"].create_index(["account_id", "kind", "episode"], unique=True)
    db["alerts"].create_index(["processed_at"])
    # One row per alert and recipient address: sent once, retried until then.
    db["deliveries"].create(
        {
            "id": int,
            "alert_id": int,
            "email": str,
            "language": str,
            "created_at": str,
            "sent_at": str,
            "attempts": int,
            "last_error": str,
        },
        pk="id",
        foreign_keys=[("alert_id", "alerts", "id")],
        defaults={"attempts": 0},
    )
    db["deliveries"].create_index(["alert_id", "email"], unique=True)
    db["deliveries"].create_index(["sent_at"])
    db["reports"].create(
        {"id": int, "week": str, "email": str, "sent_at": str, "files": str},
        pk="id",
    )
    db["reports"].create_index(["week", "email"], unique=True)
    db["daemon"].create(
        {"id": int, "pid": int, "host": str, "started_at": str, "heartbeat_at": str, "state": str},
        pk="id",
    )


def open_db(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (and create) the store in WAL mode, with a busy timeout so a second writer waits."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    # WAL with synchronous=NORMAL keeps every committed transaction intact after a crash of
    # the process (only a power loss may drop the last ones), and costs far fewer fsyncs.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    if migrate:
        retry_locked(lambda: migrations.apply(db))
    return db


def schema_version(db: sqlite_utils.Database) -> int:
    return len(migrations.applied(db))


# Busy or locked, by SQLite's primary error code (the low byte of an extended one), not by the
# message's wording.
_LOCK_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def retry_locked(fn: Callable[[], T], attempts: int = 8, delay: float = 0.25) -> T:
    """Run ``fn``, retrying when another process holds the write lock past the busy timeout."""
    for i in range(attempts):
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) not in _LOCK_CODES or i == attempts - 1:
                raise
            time.sleep(delay * (2**i))
    raise AssertionError("unreachable")


def rows(db: sqlite_utils.Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    return list(db.query(sql, params))


@migrations()
def m002_delivery_claims(db: sqlite_utils.Database) -> None:
    # A send lease: the daemon and `pantau alerts send` may run at the same moment, and
    # without a claim both would mail the same pending delivery. `failed_at` marks an
    # address the mail server refused for good (5xx), so it stops being retried and no
    # longer counts as pending, while its `last_error` stays for the operator.
    db["deliveries"].add_column("claimed_by", str)
    db["deliveries"].add_column("claimed_until", str)
    db["deliveries"].add_column("failed_at", str)
    # Each run leases the pending deliveries of one address at a time; without this the
    # lease scans every pending row once per recipient (hundreds of them nationally).
    db.execute(
        "create index deliveries_pending_email on deliveries (lower(email)) where sent_at is null and failed_at is null"
    )


@migrations()
def m003_structured_reasons(db: sqlite_utils.Database) -> None:
    # A reason is a code with parameters (pantau.config.vocabulary.Reason); the English
    # sentence stays in `status_reason`/`reason` for scripts, the structured form beside it
    # lets mails and reports say it in Indonesian without parsing English back.
    db["accounts"].add_column("status_reason_data", str)
    db["status_changes"].add_column("reason_data", str)


@migrations()
def m004_responses(db: sqlite_utils.Database) -> None:
    # An office's answer to a finding is a record like an observation: who said what, when.
    # `resolved_at`/`resolution` close it (a `closed` answer verified gone, a
    # `will_reactivate` that expired or came true); the newest unresolved one is "the answer".
    db["responses"].create(
        {
            "id": int,
            "account_id": int,
            "kind": str,  # ResponseKind
            "by_date": str,  # ISO date for will_reactivate, else null
            "note": str,
            "who": str,  # the signed link's recipient e-mail, or "cli:<user>"
            "at": str,  # UTC ISO 8601
            "resolved_at": str,
            "resolution": str,
        },
        pk="id",
        foreign_keys=[("account_id", "accounts", "id")],
    )
    db["responses"].create_index(["account_id", "at"])


@migrations()
def m006_candidates(db: sqlite_utils.Database) -> None:
    # `pantau explain` shows every dated candidate of an account's last check, where it was
    # found and why it was taken or refused: one row per account, replaced by each check that
    # read something (a failed check keeps the last explanation). `confirmed_post` caches, per
    # website, the newest post's date as read on the post's own page, keyed by its URL, so a
    # recheck whose newest post has not changed fetches nothing more.
    db["explanations"].create(
        {"account_id": int, "checked_at": str, "candidates": str},
        pk="account_id",
        foreign_keys=[("account_id", "accounts", "id")],
    )
    db["accounts"].add_column("confirmed_post", str)


@migrations()
def m007_platform_health(db: sqlite_utils.Database) -> None:
    # A platform's failure is not an account's (issue 8). Each check records the bridge it
    # went through (`via`, e.g. "rsshub") so a pass can be judged per platform and per bridge,
    # and `platform_fault` names the platform or bridge whose failure excuses a failed check
    # from counting towards `unreachable` (set by the health judgement, or by a spider that
    # saw the account alive on its page while the platform's endpoint failed).
    db["observations"].add_column("via", str)
    db["observations"].add_column("platform_fault", str)
    # The judged state of each platform and bridge, and its history: a state change is a row,
    # like an account's status change, and the platform alerts hang on it.
    db["platform_health"].create(
        {
            "platform": str,  # a platform name, or a bridge name ("rsshub")
            "state": str,  # ok | degraded | down
            "since": str,
            "reason": str,
            "reason_data": str,
            "accounts": int,
            "checked": int,
            "failed": int,
            "judged_at": str,
        },
        pk="platform",
    )
    db["platform_changes"].create(
        {
            "id": int,
            "platform": str,
            "old_state": str,
            "new_state": str,
            "reason": str,
            "reason_data": str,
            "checked": int,
            "failed": int,
            "changed_at": str,
        },
        pk="id",
    )
    db["platform_changes"].create_index(["platform", "changed_at"])
    # A platform alert has no account: `account_id` stays null and `platform` names it. The
    # unique (account_id, kind, episode) index cannot deduplicate rows whose account_id is
    # null (NULLs are distinct in SQLite), so platform alerts get their own unique index.
    db["alerts"].add_column("platform", str)
    db["alerts"].add_column("platform_change_id", int)
    db.execute(
        "create unique index alerts_platform_episode on alerts (platform, kind, episode) where account_id is null"
    )


@migrations()
def m009_answer_loop_and_channels(db: sqlite_utils.Database) -> None:
    # The answer loop raises alerts that are not status changes (an escalation step, a
    # `will_reactivate` promise that lapsed); `data` keeps what their digest must say (the
    # step, the promised date) and a snapshot of the account as it stood then.
    db["alerts"].add_column("data", str)
    # Deliveries beyond e-mail (Apprise: Telegram, WhatsApp, …): one row per alert, recipient
    # and channel target (`target` is a hash of the Apprise URL, never the URL: it holds a
    # token). Leased like mail deliveries; `started_at` marks a send in progress, so a sender
    # that died between the send and its record is not repeated (chat has no Message-ID
    # a receiver could drop a duplicate by).
    db["channel_deliveries"].create(
        {
            "id": int,
            "alert_id": int,
            "channel": str,  # "apprise"
            "email": str,  # the configured recipient this channel belongs to
            "target": str,
            "language": str,
            "created_at": str,
            "claimed_by": str,
            "claimed_until": str,
            "started_at": str,
            "sent_at": str,
            "failed_at": str,
            "attempts": int,
            "last_error": str,
        },
        pk="id",
        foreign_keys=[("alert_id", "alerts", "id")],
        defaults={"attempts": 0},
    )
    db["channel_deliveries"].create_index(["alert_id", "channel", "email", "target"], unique=True)
    db.execute(
        "create index channel_deliveries_pending on channel_deliveries (email, target) "
        "where sent_at is null and failed_at is null"
    )


@migrations()
def m010_compromise_findings(db: sqlite_utils.Database) -> None:
    # Abandoned government sites collect online-gambling injections (issue 10). A finding is
    # evidence like an observation: what was seen, where, in which response (sha256), when it
    # was first and last seen and when a later scan found it gone. `accounts.cloak_checked_at`
    # keeps the daily crawler-UA fetch to once a day per site across runs and restarts;
    # `alerts.finding_id` ties a `compromised`/`recovered` alert to its evidence (those alerts
    # have no status change).
    db["findings"].create(
        {
            "id": int,
            "account_id": int,
            "kind": str,  # gambling_injection | cloaking | defacement
            "place": str,  # hidden_block, footer_links, title, script, cloaked_response, sitemap_entry, …
            "scope": str,  # the part of the site a scan must cover to resolve it: home | cloak | sitemap | feed
            "url": str,
            "excerpt": str,
            "sha256": str,
            "detected_at": str,
            "last_seen_at": str,
            "resolved_at": str,
        },
        pk="id",
        foreign_keys=[("account_id", "accounts", "id")],
    )
    db["findings"].create_index(["account_id", "resolved_at"])
    db.execute("create index findings_open on findings (account_id) where resolved_at is null")
    db["accounts"].add_column("cloak_checked_at", str)
    # Whether the site's robots.txt lets Googlebot read the home page, and when it was read:
    # re-read weekly, not with every daily fetch (half of that fetch's cost).
    db["accounts"].add_column("cloak_allowed", int)
    db["accounts"].add_column("cloak_robots_at", str)
    db["alerts"].add_column("finding_id", int)


@migrations()
def m012_robots_cache(db: sqlite_utils.Database) -> None:
    # Lighter rechecks (issue 13): each origin's robots.txt is kept for up to 24 hours
    # (RFC 9309) in the database, not in process memory, so the daemon, `pantau check` and a
    # restart share it, and 100,000 parsed files never have to sit in memory.
    db["robots_txt"].create(
        {
            "origin": str,  # scheme://host[:port]
            "status": int,
            "body": str,
            "etag": str,
            "last_modified": str,
            "fetched_at": str,  # UTC ISO 8601: when the server last answered for it
        },
        pk="origin",
    )


@migrations()
def m013_site_memory(db: sqlite_utils.Database) -> None:
    # Lighter rechecks (issue 13): what a website turned out to be at its last discovery —
    # which source answered and with which post, where its feed is or that it has none, that
    # its WordPress API is off, which sitemap worked — as one JSON text (storage/sites.py),
    # so a recheck asks that one source instead of walking the discovery order again. On the
    # account row, like `confirmed_post`: every check already reads the row.
    db["accounts"].add_column("site", str)
