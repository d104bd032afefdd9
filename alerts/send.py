"""Deliver pending alerts: route them, claim them, and mail one digest per recipient.

The run has two steps, each restart-safe:

1. *Materialise*: every unprocessed alert is routed to its addresses and, in one
   transaction, claimed (``processed_at``) and given one delivery row per address.
2. *Send*: the pending deliveries of each address are leased, rendered into one digest
   and handed to SMTP; only after the server accepted it are they marked sent.

A crash between the two steps, or during the second, loses nothing: the deliveries
stay pending and the next run picks them up. SMTP is at-least-once by nature — if the
process dies after the server accepted a digest but before ``sent_at`` is stored, the
next run sends it again, with the same Message-ID so the receiving side can tell.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from pantau.alerts.channels import Channel, ChannelError, EmailChannel
from pantau.alerts.render import (
    KINDS,
    local_time,
    new_message,
    oneline,
    render,
    seal,
    translations,
    web_href,
)
from pantau.alerts.report import table_csv
from pantau.alerts.routing import language_of, routes_for
from pantau.config.settings import Config
from pantau.config.vocabulary import stored_reason
from pantau.storage import outbox

log = logging.getLogger(__name__)

# Alerts routed per transaction: big enough to be quick after a national import (tens of
# thousands of accounts turning dormant at once), small enough to keep the write lock short.
BATCH = 500
# How long a sender may hold deliveries before another one may take them over.
LEASE = timedelta(minutes=15)
# A digest lists this many accounts per kind in its body; the rest go in a CSV attachment,
# so the national recipient's first digest stays a readable mail, not 20 MB of HTML.
MAX_LISTED = 100


@dataclass
class Preview:
    email: str
    subject: str
    text: str


@dataclass
class SendResult:
    digests: int = 0
    alerts: int = 0
    pending: int = 0
    errors: list[str] = field(default_factory=list)
    previews: list[Preview] = field(default_factory=list)
    # Alerts processed with nobody to tell (no recipient covers the region, no owner).
    unrouted: int = 0


def send_pending(db: sqlite_utils.Database, cfg: Config, now: datetime, *, dry_run: bool = False) -> SendResult:
    """Route unprocessed alerts and mail every pending delivery, one digest per address.

    ``dry_run`` writes nothing — no claim, no delivery, no attempt — and returns a
    :class:`Preview` of each digest a real run would send now. A real run returns no
    previews; ``digests`` counts the mails the server accepted and ``pending`` the
    deliveries still waiting afterwards (for a dry run: those that would be sent).
    """
    result = SendResult()
    virtual: list[dict[str, Any]] = []
    after = 0
    while True:
        page = outbox.unprocessed_alerts(db, after_id=after, limit=BATCH)
        if not page:
            break
        after = page[-1]["alert_id"]
        plans = []
        for alert in page:
            # A retired account stops being alerted, even for an alert raised before.
            routes = [] if alert["retired_at"] else routes_for(cfg, alert["region"], alert["owner_email"])
            plans.append((alert, routes))
            if dry_run:
                virtual += [dict(alert, delivery_id=None, email=r.email, language=r.language) for r in routes]
        if dry_run:
            result.alerts += len(plans)
            for alert, routes in plans:
                if not routes:
                    result.unrouted += 1
                    _warn_unrouted(alert)
            continue
        claimed = set(outbox.claim_alerts(
            db, [(a["alert_id"], [(r.email, r.language) for r in routes]) for a, routes in plans], now
        ))
        result.alerts += len(claimed)
        for alert, routes in plans:
            if alert["alert_id"] in claimed and not routes:
                result.unrouted += 1
                _warn_unrouted(alert)

    if dry_run:
        rows = outbox.pending_deliveries(db) + virtual
        for email, items in _by_email(rows).items():
            msg = build_digest(cfg, email, language_of(cfg, email, items[0]["language"]), items, now)
            result.previews.append(Preview(email, str(msg["Subject"]), _text_part(msg)))
        result.digests = len(result.previews)
        result.pending = len(rows)
        return result

    _send_all(db, cfg, now, EmailChannel.from_config(cfg), result)
    result.pending = outbox.count_pending(db)
    return result


def _warn_unrouted(alert: dict[str, Any]) -> None:
    if alert["retired_at"]:
        log.info("alert %s for retired account %s not sent", alert["alert_id"], alert["account_id"])
        return
    log.warning(
        "no recipient for account %s (%s, %s) in region %r: add a [[recipients]] entry covering it "
        "or an owner_email; its %s alert is dropped",
        alert["account_id"], alert["institution"], alert["url"], alert["region"] or "", alert["kind"],
    )


def _send_all(db: sqlite_utils.Database, cfg: Config, now: datetime, channel: Channel, result: SendResult) -> None:
    token = uuid.uuid4().hex
    stopped: ChannelError | None = None
    left = 0
    try:
        for email in outbox.pending_emails(db, now):
            items = outbox.claim_deliveries(db, email, token, now, now + LEASE)
            if not items:
                continue  # another sender holds them
            ids = [i["delivery_id"] for i in items]
            if stopped is not None:
                # The server (or our login to it) is down for everyone: count the attempt
                # on every waiting delivery so `last_error` tells the operator why.
                outbox.mark_failed(db, ids, str(stopped), now)
                left += 1
                continue
            try:
                msg = build_digest(cfg, email, language_of(cfg, email, items[0]["language"]), items, now)
                channel.notify(msg)
            except ChannelError as exc:
                # Only an address refused for good is given up; a refused login or sender
                # is the operator's to fix, and the deliveries wait for that.
                outbox.mark_failed(db, ids, str(exc), now, permanent=exc.permanent and exc.per_recipient)
                result.errors.append(f"{email}: {exc}")
                log.warning("digest to %s not sent: %s", email, exc)
                if not exc.per_recipient:
                    stopped = exc
                continue
            except Exception as exc:
                log.exception("could not send the digest to %s", email)
                outbox.mark_failed(db, ids, f"{type(exc).__name__}: {exc}", now)
                result.errors.append(f"{email}: {type(exc).__name__}: {exc}")
                continue
            outbox.mark_sent(db, ids, now)
            result.digests += 1
    finally:
        outbox.release_claims(db, token)
    if left:
        result.errors.append(f"{left} more digest(s) left pending until the SMTP problem is fixed")


def _by_email(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["email"].lower(), []).append(row)
    return {items[0]["email"]: items for items in groups.values()}


def _text_part(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def _view(row: dict[str, Any], t: dict[str, Any], tz: str) -> dict[str, Any]:
    """What the templates show of one alert; anything from the web stays data, never markup."""
    status = row.get("new_status") or row.get("current_status") or (
        "active" if row["kind"] == "revived" else row["kind"])
    return {
        "institution": oneline(row["institution"]),
        "platform": row["platform"],
        "url": oneline(row["url"]),
        "href": web_href(row["url"]),
        "handle": oneline(row.get("handle")),
        "region": row.get("region") or "",
        "status": t["statuses"].get(status, status),
        "days_inactive": row.get("days_inactive"),
        "last_title": oneline(row.get("last_activity_title")),
        "last_url": oneline(row.get("last_activity_url")),
        "last_href": web_href(row.get("last_activity_url")),
        "last_at": local_time(row.get("last_activity_at"), tz, t["lang"]),
        "evidence": row.get("evidence") or "",
        "reason": oneline(stored_reason(row).text(t["lang"])),
        **_finding_view(row, t, tz),
    }


def _finding_view(row: dict[str, Any], t: dict[str, Any], tz: str) -> dict[str, Any]:
    """A compromised/recovered alert's evidence: what, where, the excerpt, when."""
    if not row.get("finding_kind"):
        return {"finding": None}
    labels = t["compromise_labels"]
    return {"finding": {
        "kind": labels.get(row["finding_kind"], row["finding_kind"]),
        "place": labels.get(row.get("finding_place") or "", row.get("finding_place") or ""),
        "url": oneline(row.get("finding_url")),
        "href": web_href(row.get("finding_url")),
        "excerpt": oneline(row.get("finding_excerpt")),
        "detected_at": local_time(row.get("finding_detected_at"), tz, t["lang"]),
        "resolved_at": local_time(row.get("finding_resolved_at"), tz, t["lang"]),
    }}


def digest_subject(language: str, kinds: Counter) -> str:
    t = translations(language)
    n = sum(kinds.values())
    if set(kinds) == {"revived"}:
        return "[pantau] " + t["revived_one" if n == 1 else "revived_many"].format(n=n)
    if set(kinds) == {"recovered"}:
        # Good news needs no one's attention: "[pantau] 1 situs bersih kembali".
        return f"[pantau] {n} {t['kinds']['recovered']}"
    head = (t["attention_one"] if n == 1 else t["attention_many"]).format(n=n)
    parts = [f"{kinds[k]} {t['kinds'][k]}" for k in KINDS if kinds.get(k)]
    return f"[pantau] {head}: {', '.join(parts)}"


def _message_id(sender: str, email: str, ids: Iterable[Any]) -> str:
    # Deterministic: a retry of the same digest carries the same id, so a mail system
    # that already has it (we crashed after the hand-over) may drop the copy.
    digest = hashlib.sha256(f"{email}|{sorted(str(i) for i in ids)}".encode()).hexdigest()[:32]
    domain = sender.rpartition("@")[2] or "pantau.invalid"
    return f"<pantau-digest-{digest}@{domain}>"


def build_digest(
    cfg: Config, email: str, language: str, rows: list[dict[str, Any]], now: datetime
) -> EmailMessage:
    """One multipart/alternative mail (plain text + HTML) listing ``rows`` grouped by kind."""
    t = translations(language)
    tz = cfg.timezone
    kinds = Counter(r["kind"] for r in rows)
    sections = []
    overflow: list[dict[str, Any]] = []
    for kind in KINDS + tuple(sorted(set(kinds) - set(KINDS))):
        of_kind = [r for r in rows if r["kind"] == kind]
        if not of_kind:
            continue
        overflow += of_kind[MAX_LISTED:]
        sections.append({
            "kind": kind,
            "title": t["section_titles"].get(kind, kind),
            "count": len(of_kind),
            "accounts": [_view(r, t, tz) for r in of_kind[:MAX_LISTED]],
            "more": max(0, len(of_kind) - MAX_LISTED),
        })
    context = {"t": t, "sections": sections, "generated": local_time(now, tz, t["lang"])}
    msg = new_message()
    msg["Subject"] = digest_subject(t["lang"], kinds)
    msg["From"] = cfg.smtp["sender"]
    msg["To"] = email
    msg["Date"] = format_datetime(now.astimezone(ZoneInfo(tz)))
    msg["Message-ID"] = _message_id(cfg.smtp["sender"], email,
                                    [r.get("delivery_id") or f"a{r['alert_id']}" for r in rows])
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the robot
    msg.set_content(render("digest.txt", **context))
    msg.add_alternative(render("digest.html", **context), subtype="html")
    if overflow:
        header = ["institution", "region", "platform", "url", "handle", "kind", "status", "days_inactive",
                  "last_activity_at", "last_activity_url", "last_activity_title", "reason"]
        data = [[r["institution"], r.get("region"), r["platform"], r["url"], r.get("handle"), r["kind"],
                 r.get("new_status"), r.get("days_inactive"), r.get("last_activity_at"),
                 r.get("last_activity_url"), r.get("last_activity_title"), r.get("reason")] for r in rows]
        msg.add_attachment(table_csv(header, data), maintype="text", subtype="csv",
                           filename="pantau-digest.csv")
    # Last: making the mail multipart (or mixed) moves Content-* headers into a part.
    msg["Content-Language"] = t["lang"]
    return seal(msg)
