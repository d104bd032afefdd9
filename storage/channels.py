"""Deliveries beyond e-mail (Apprise: Telegram, WhatsApp, …), one row per alert, recipient
and channel target, consumed like mail deliveries (``storage.outbox``) with one difference.

Mail survives a crash between the hand-over and its record by being sent again with the
same Message-ID, which the receiving system may drop. A chat message has no such id, so a
repeat would reach the head of office twice. Each send is therefore marked *started*, in
its own committed transaction, before the message leaves; a delivery found started but
never recorded (its sender died in between, and its lease ran out) is *in doubt*: it is
closed as failed with that explanation, never repeated. The digest still went by mail,
which stays the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.storage.db import retry_locked
from pantau.storage.timefmt import to_iso

_PENDING = "d.sent_at is null and d.failed_at is null"
IN_DOUBT = (
    "in doubt: the sender stopped between sending and recording this message; not sent again, "
    "so the chat gets no duplicate (the mail digest is the record)"
)


def _marks(n: int) -> str:
    return ",".join("?" * n)


def settle_in_doubt(db: sqlite_utils.Database, now: datetime) -> int:
    """Close every started-but-unrecorded delivery whose sender's lease has run out."""

    def write() -> int:
        with db.atomic():
            cur = db.execute(
                f"update channel_deliveries as d set failed_at = ?, last_error = ?, claimed_by = null, "
                f"claimed_until = null where {_PENDING} and d.started_at is not null "
                "and (d.claimed_until is null or d.claimed_until <= ?)",
                [to_iso(now), IN_DOUBT, to_iso(now)],
            )
        return cur.rowcount

    return retry_locked(write)


def pending_targets(db: sqlite_utils.Database, channel: str, now: datetime) -> list[tuple[str, str]]:
    """``(email, target)`` pairs with deliveries waiting and not leased by another sender."""
    return [
        (r["email"], r["target"])
        for r in db.query(
            f"select distinct d.email, d.target from channel_deliveries d where d.channel = ? and {_PENDING} "
            "and d.started_at is null and (d.claimed_until is null or d.claimed_until <= ?) order by 1, 2",
            [channel, to_iso(now)],
        )
    ]


def claim(
    db: sqlite_utils.Database, channel: str, email: str, target: str, token: str, now: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Lease the free pending deliveries of one target to ``token`` and return them with
    their alerts (the same columns as a mail delivery, for the same digest)."""
    from pantau.storage.outbox import _ALERT_COLUMNS, _ALERT_JOINS

    def write() -> None:
        with db.atomic():
            db.execute(
                "update channel_deliveries as d set claimed_by = ?, claimed_until = ? "
                f"where d.channel = ? and d.email = ? and d.target = ? and {_PENDING} and d.started_at is null "
                "and (d.claimed_until is null or d.claimed_until <= ?)",
                [token, to_iso(until), channel, email, target, to_iso(now)],
            )

    retry_locked(write)
    return list(
        db.query(
            f"select d.id as delivery_id, d.email, d.target, d.language, d.attempts, {_ALERT_COLUMNS} "
            f"from channel_deliveries d join alerts al on al.id = d.alert_id {_ALERT_JOINS} "
            f"where d.claimed_by = ? and d.channel = ? and d.email = ? and d.target = ? and {_PENDING} "
            "order by al.kind, i.name, a.id, al.id",
            [token, channel, email, target],
        )
    )


def _update(db: sqlite_utils.Database, sql: str, params: list[Any], ids: Sequence[int]) -> int:
    if not ids:
        return 0

    def write() -> int:
        with db.atomic():
            cur = db.execute(sql + f" and id in ({_marks(len(ids))})", [*params, *ids])
        return cur.rowcount

    return retry_locked(write)


def mark_started(db: sqlite_utils.Database, ids: Sequence[int], token: str, now: datetime) -> int:
    """Record that the send begins; committed before the message leaves."""
    return _update(
        db,
        "update channel_deliveries set started_at = ? where claimed_by = ? and sent_at is null",
        [to_iso(now), token],
        ids,
    )


def mark_sent(db: sqlite_utils.Database, ids: Sequence[int], now: datetime) -> int:
    return _update(
        db,
        "update channel_deliveries set sent_at = ?, attempts = attempts + 1, last_error = null, "
        "claimed_by = null, claimed_until = null where sent_at is null",
        [to_iso(now)],
        ids,
    )


def mark_failed(
    db: sqlite_utils.Database, ids: Sequence[int], error: str, now: datetime, *, permanent: bool = False
) -> int:
    """A send the channel reported as not done: count it, keep why, and let it be tried again
    (``started_at`` cleared) unless ``permanent``."""
    return _update(
        db,
        "update channel_deliveries set attempts = attempts + 1, last_error = ?, failed_at = ?, "
        "started_at = null, claimed_by = null, claimed_until = null where sent_at is null",
        [error[:1000], to_iso(now) if permanent else None],
        ids,
    )


def release(db: sqlite_utils.Database, token: str) -> None:
    """Give back what ``token`` leased but never started (a run that stopped early)."""

    def write() -> None:
        with db.atomic():
            db.execute(
                "update channel_deliveries set claimed_by = null, claimed_until = null "
                "where claimed_by = ? and sent_at is null and started_at is null",
                [token],
            )

    retry_locked(write)


def deliveries_of_alert(db: sqlite_utils.Database, alert_id: int) -> list[dict[str, Any]]:
    return list(db.query("select * from channel_deliveries where alert_id = ? order by email, target", [alert_id]))


def count_pending(db: sqlite_utils.Database) -> int:
    return db.execute(f"select count(*) from channel_deliveries d where {_PENDING}").fetchone()[0]
