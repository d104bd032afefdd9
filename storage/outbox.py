"""The alert outbox, its deliveries, and the reports table — every query the alerts room needs.

The model is healthchecks' sender: alerts are written with their status change (see
``storage.status``), then consumed here with optimistic claims so that any number of
senders (the daemon, ``pantau alerts send``) may run at once without mailing anything
twice.

An alert is *processed* once its deliveries exist (one per alert and address). A
delivery is *pending* until it is sent or the server refused its address for good
(``failed_at``). While one sender mails it, it carries a lease (``claimed_by`` and
``claimed_until``); a sender that dies mid-send leaves the lease to expire, and the
delivery becomes pending again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.storage.db import retry_locked
from pantau.storage.timefmt import to_iso

# What a digest needs to say about one alert: the account as registered, the status
# change that raised the alert (its reason and evidence at that moment), the alert itself.
# A platform alert (platform_down, platform_recovered) has no account: its platform, reason
# and time come from its platform change (``storage.health``), and ``platform_state`` is set
# only on such rows.
_ALERT_COLUMNS = """
    al.id as alert_id, al.kind, al.episode, al.created_at as alert_created_at, al.data as alert_data,
    a.id as account_id, coalesce(a.platform, al.platform) as platform, a.url, a.handle, a.region,
    a.owner_email, a.retired_at, a.evidence, a.status as current_status, i.name as institution,
    c.old_status, c.new_status, coalesce(c.reason, pc.reason) as reason,
    coalesce(c.reason_data, pc.reason_data) as reason_data, coalesce(c.changed_at, pc.changed_at) as changed_at,
    c.days_inactive, c.last_activity_at, c.last_activity_url, c.last_activity_title,
    pc.new_state as platform_state, pc.old_state as platform_old_state,
    f.kind as finding_kind, f.place as finding_place, f.url as finding_url, f.excerpt as finding_excerpt,
    f.detected_at as finding_detected_at, f.resolved_at as finding_resolved_at
"""
_ALERT_JOINS = """
    left join accounts a on a.id = al.account_id
    left join institutions i on i.id = a.institution_id
    left join status_changes c on c.id = al.status_change_id
    left join platform_changes pc on pc.id = al.platform_change_id
    left join findings f on f.id = al.finding_id
"""
_DELIVERY_SELECT = f"""
select d.id as delivery_id, d.email, d.language, d.attempts, d.last_error, {_ALERT_COLUMNS}
from deliveries d join alerts al on al.id = d.alert_id {_ALERT_JOINS}
"""
_PENDING = "d.sent_at is null and d.failed_at is null"


def _marks(n: int) -> str:
    return ",".join("?" * n)


# --- alerts -----------------------------------------------------------------------------


def unprocessed_alerts(db: sqlite_utils.Database, *, after_id: int = 0, limit: int = 500) -> list[dict[str, Any]]:
    """A page of alerts without deliveries yet, oldest first (keyset paging on the id)."""
    return list(
        db.query(
            f"select {_ALERT_COLUMNS} from alerts al {_ALERT_JOINS} "
            "where al.processed_at is null and al.id > ? order by al.id limit ?",
            [after_id, limit],
        )
    )


def claim_alerts(
    db: sqlite_utils.Database,
    plans: Sequence[tuple[int, Sequence[tuple[str, str]]]],
    now: datetime,
    *,
    channels: Mapping[int, Sequence[tuple[str, str, str, str]]] | None = None,
) -> list[int]:
    """Mark alerts processed and create their deliveries, all in one transaction.

    ``plans`` pairs an alert id with its ``(email, language)`` addresses (possibly none);
    ``channels`` gives an alert's deliveries beyond mail as ``(channel, email, target,
    language)`` (see ``storage.channels``), made in the same transaction.
    Each alert is claimed with ``UPDATE … WHERE processed_at IS NULL``; when another
    sender got there first the row count is 0 and that alert's deliveries are left to
    it. Returns the ids this call claimed.
    """
    stamp = to_iso(now)

    def write() -> list[int]:
        claimed = []
        with db.atomic():
            for alert_id, addresses in plans:
                cur = db.execute(
                    "update alerts set processed_at = ? where id = ? and processed_at is null",
                    [stamp, alert_id],
                )
                if cur.rowcount != 1:
                    continue
                claimed.append(alert_id)
                for email, language in addresses:
                    db.execute(
                        "insert or ignore into deliveries (alert_id, email, language, created_at, attempts) "
                        "values (?, ?, ?, ?, 0)",
                        [alert_id, email, language, stamp],
                    )
                for channel, email, target, language in (channels or {}).get(alert_id, ()):
                    db.execute(
                        "insert or ignore into channel_deliveries (alert_id, channel, email, target, language, "
                        "created_at, attempts) values (?, ?, ?, ?, ?, ?, 0)",
                        [alert_id, channel, email, target, language, stamp],
                    )
        return claimed

    return retry_locked(write)


# --- deliveries -------------------------------------------------------------------------


def pending_emails(db: sqlite_utils.Database, now: datetime) -> list[str]:
    """Addresses with deliveries waiting and not leased by another sender.

    Addresses compare without case (``Humas@…`` from the registry and ``humas@…`` from
    the config are one mailbox, so one digest).
    """
    return [
        r["email"]
        for r in db.query(
            f"select min(d.email) as email from deliveries d where {_PENDING} "
            "and (d.claimed_until is null or d.claimed_until <= ?) group by lower(d.email) order by 1",
            [to_iso(now)],
        )
    ]


def claim_deliveries(
    db: sqlite_utils.Database, email: str, token: str, now: datetime, until: datetime
) -> list[dict[str, Any]]:
    """Lease every free pending delivery for ``email`` to ``token`` and return them.

    The lease is one ``UPDATE`` (atomic in SQLite), so of two senders racing for the
    same address each delivery lands with exactly one of them.
    """

    def write() -> None:
        with db.atomic():
            db.execute(
                f"update deliveries as d set claimed_by = ?, claimed_until = ? where lower(d.email) = lower(?) "
                f"and {_PENDING} "
                "and (d.claimed_until is null or d.claimed_until <= ?)",
                [token, to_iso(until), email, to_iso(now)],
            )

    retry_locked(write)
    return list(
        db.query(
            _DELIVERY_SELECT + f" where d.claimed_by = ? and lower(d.email) = lower(?) and {_PENDING} "
            "order by al.kind, i.name, a.id, al.id",
            [token, email],
        )
    )


def pending_deliveries(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every pending delivery, leased or not (read-only; for previews)."""
    return list(db.query(_DELIVERY_SELECT + f" where {_PENDING} order by d.email, al.kind, i.name, a.id, al.id"))


def mark_sent(db: sqlite_utils.Database, delivery_ids: Sequence[int], now: datetime) -> int:
    """Record one successful SMTP hand-over for these deliveries, in one transaction."""
    if not delivery_ids:
        return 0

    def write() -> int:
        with db.atomic():
            cur = db.execute(
                "update deliveries set sent_at = ?, attempts = attempts + 1, last_error = null, "
                f"claimed_by = null, claimed_until = null where sent_at is null and id in ({_marks(len(delivery_ids))})",
                [to_iso(now), *delivery_ids],
            )
        return cur.rowcount

    return retry_locked(write)


def mark_failed(
    db: sqlite_utils.Database,
    delivery_ids: Sequence[int],
    error: str,
    now: datetime,
    *,
    permanent: bool = False,
) -> int:
    """Count a failed attempt and keep its error; ``permanent`` stops further retries."""
    if not delivery_ids:
        return 0

    def write() -> int:
        with db.atomic():
            cur = db.execute(
                "update deliveries set attempts = attempts + 1, last_error = ?, failed_at = ?, "
                f"claimed_by = null, claimed_until = null where sent_at is null and id in ({_marks(len(delivery_ids))})",
                [error[:1000], to_iso(now) if permanent else None, *delivery_ids],
            )
        return cur.rowcount

    return retry_locked(write)


def release_claims(db: sqlite_utils.Database, token: str) -> None:
    """Give back whatever ``token`` still leases (a run that stopped early)."""

    def write() -> None:
        with db.atomic():
            db.execute(
                "update deliveries set claimed_by = null, claimed_until = null "
                "where claimed_by = ? and sent_at is null",
                [token],
            )

    retry_locked(write)


def count_pending(db: sqlite_utils.Database) -> int:
    return db.execute(f"select count(*) from deliveries d where {_PENDING}").fetchone()[0]


def deliveries_of_alert(db: sqlite_utils.Database, alert_id: int) -> list[dict[str, Any]]:
    return list(db.query("select * from deliveries where alert_id = ? order by email", [alert_id]))


# --- weekly reports ---------------------------------------------------------------------


def _scope(regions: Iterable[str], column: str = "a.region") -> tuple[str, list[str]]:
    """SQL for ``Recipient.covers``: a code covers itself and every code under it.

    ``"16"`` covers ``16.06`` through the range [``16.``, ``16/``) — ``/`` sorts right
    after ``.`` — which, unlike ``LIKE``, can use the region index at national scale.
    """
    parts, params = [], []
    for code in regions:
        if code == "*":
            return "1", []
        parts.append(f"({column} = ? or ({column} >= ? and {column} < ?))")
        params += [code, code + ".", code + "/"]
    return ("(" + " or ".join(parts) + ")") if parts else "0", params


def accounts_in_scope(db: sqlite_utils.Database, regions: Sequence[str], batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every account a recipient with ``regions`` covers, in id order, a batch at a time."""
    where, params = _scope(regions)
    last = 0
    while True:
        page = list(
            db.query(
                "select a.*, i.name as institution from accounts a join institutions i on i.id = a.institution_id "
                f"where {where} and a.id > ? order by a.id limit ?",
                [*params, last, batch],
            )
        )
        if not page:
            return
        yield from page
        last = page[-1]["id"]


def changes_in_scope(
    db: sqlite_utils.Database,
    regions: Sequence[str],
    start: datetime,
    end: datetime,
    *,
    new_statuses: Sequence[str],
    old_statuses: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Status changes in [start, end) into ``new_statuses`` (from ``old_statuses``) in scope."""
    where, params = _scope(regions)
    sql = (
        "select c.*, a.platform, a.url, a.handle, a.region, a.status as current_status, "
        "i.name as institution from status_changes c join accounts a on a.id = c.account_id "
        "join institutions i on i.id = a.institution_id "
        f"where {where} and c.changed_at >= ? and c.changed_at < ? "
        f"and c.new_status in ({_marks(len(new_statuses))})"
    )
    params += [to_iso(start), to_iso(end), *new_statuses]
    if old_statuses is not None:
        sql += f" and c.old_status in ({_marks(len(old_statuses))})"
        params += list(old_statuses)
    return list(db.query(sql + " order by c.changed_at, c.id", params))


def status_counts_at(db: sqlite_utils.Database, at: datetime) -> list[dict[str, Any]]:
    """How many accounts had each status at ``at``, per region, rebuilt from the history.

    An account's status at a moment is the new status of its last change before it;
    an account registered by then with no change yet was ``unknown`` (never checked).
    Counting per region keeps this one query for all recipients.
    """
    stamp = to_iso(at)
    return list(
        db.query(
            "select a.region as region, coalesce((select c.new_status from status_changes c "
            "where c.account_id = a.id and c.changed_at < ? order by c.changed_at desc, c.id desc limit 1), "
            "'unknown') as status, count(*) as n from accounts a where a.created_at < ? group by 1, 2",
            [stamp, stamp],
        )
    )


def report_sent(db: sqlite_utils.Database, week: str, email: str) -> bool:
    return (
        db.execute(
            "select 1 from reports where week = ? and email = ? and sent_at is not null", [week, email]
        ).fetchone()
        is not None
    )


def record_report(db: sqlite_utils.Database, week: str, email: str, files: Sequence[str], now: datetime) -> None:
    """Remember that ``week`` went to ``email`` (a forced resend updates the row)."""

    def write() -> None:
        with db.atomic():
            db.execute(
                "insert into reports (week, email, sent_at, files) values (?, ?, ?, ?) "
                "on conflict (week, email) do update set sent_at = excluded.sent_at, files = excluded.files",
                [week, email, to_iso(now), json.dumps(list(files))],
            )

    retry_locked(write)


def reports_of_week(db: sqlite_utils.Database, week: str) -> list[dict[str, Any]]:
    return list(db.query("select * from reports where week = ? order by email", [week]))
