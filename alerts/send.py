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
import json
import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import sqlite_utils

from pantau.alerts.channels import AppriseChannel, Channel, ChannelError, EmailChannel
from pantau.alerts.compose import Attachment, compose, message_id
from pantau.alerts.links import sign_link
from pantau.alerts.render import (
    KINDS,
    PLATFORM_KINDS,
    kinds_header,
    local_time,
    oneline,
    render,
    translations,
)
from pantau.alerts.routing import channel_targets, language_of, routes_for_alert
from pantau.alerts.sheets import table_csv
from pantau.alerts.view import account_view
from pantau.config.addresses import AddressError, wire_address
from pantau.config.settings import Config
from pantau.config.vocabulary import stored_reason
from pantau.storage import channels as channel_store
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
    # Chat messages (Apprise) the services accepted.
    chats: int = 0
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
    chats = channel_targets(cfg)
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
            routes = [] if alert["retired_at"] else routes_for_alert(cfg, alert)
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
        extra = {
            a["alert_id"]: [
                ("apprise", r.email, target, r.language)
                for r in routes
                for target, _url in chats.get(r.email.lower(), ())
            ]
            for a, routes in plans
        }
        claimed = set(
            outbox.claim_alerts(
                db,
                [(a["alert_id"], [(r.email, r.language) for r in routes]) for a, routes in plans],
                now,
                channels=extra,
            )
        )
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
    _send_chats(db, cfg, now, AppriseChannel(), chats, result)
    result.pending = outbox.count_pending(db) + channel_store.count_pending(db)
    return result


def _send_chats(
    db: sqlite_utils.Database,
    cfg: Config,
    now: datetime,
    channel: AppriseChannel,
    chats: dict[str, list[tuple[str, str]]],
    result: SendResult,
) -> None:
    """The digest as a short text to each recipient's Apprise targets; mail stays the record.

    Same lease as mail; the send is marked started before it leaves, so a crash between the
    send and its record leaves the delivery in doubt, never repeated (``storage.channels``).
    """
    channel_store.settle_in_doubt(db, now)
    token = uuid.uuid4().hex
    try:
        for email, target in channel_store.pending_targets(db, "apprise", now):
            items = channel_store.claim(db, "apprise", email, target, token, now, now + LEASE)
            if not items:
                continue
            ids = [i["delivery_id"] for i in items]
            url = dict(chats.get(email.lower(), ())).get(target)
            if url is None:
                channel_store.mark_failed(
                    db, ids, "this Apprise URL is no longer in the recipient's apprise_env", now, permanent=True
                )
                continue
            language = language_of(cfg, email, items[0]["language"])
            title, body = chat_digest(cfg, language, items, now)
            if channel_store.mark_started(db, ids, token, now) != len(ids):
                continue  # the lease was lost; whoever holds it sends
            try:
                channel.notify_text(url, title, body)
            except ChannelError as exc:
                channel_store.mark_failed(db, ids, str(exc), now, permanent=exc.permanent)
                result.errors.append(f"{email} (apprise {target}): {exc}")
                continue
            except Exception as exc:
                log.exception("could not send the chat digest to %s", email)
                channel_store.mark_failed(db, ids, f"{type(exc).__name__}: {exc}", now)
                result.errors.append(f"{email} (apprise {target}): {type(exc).__name__}: {exc}")
                continue
            channel_store.mark_sent(db, ids, now)
            result.chats += 1
    finally:
        channel_store.release(db, token)


# A chat message lists this many accounts; the mail has the rest.
CHAT_LISTED = 10


def chat_digest(cfg: Config, language: str, rows: list[dict[str, Any]], now: datetime) -> tuple[str, str]:
    """The digest as a chat message: its subject, then one line per account and the board link."""
    t = translations(language)
    rows = [expand(r) for r in rows]
    kinds = Counter(r["kind"] for r in rows)
    lines = []
    for kind in KINDS + tuple(sorted(set(kinds) - set(KINDS))):
        of_kind = [r for r in rows if r["kind"] == kind]
        if not of_kind:
            continue
        lines.append(f"{t['section_titles'].get(kind, kind)} ({len(of_kind)}):")
        for r in of_kind[:CHAT_LISTED]:
            v = _view(r, t, cfg.timezone)
            days = f", {v['days_inactive']} {t['days']}" if v["days_inactive"] is not None else ""
            lines.append(f"- {v['institution']} ({v['platform']}) {v['url']}: {v['status']}{days}")
        if len(of_kind) > CHAT_LISTED:
            lines.append("  " + t["chat_more"].format(n=len(of_kind) - CHAT_LISTED))
    link = board_link(cfg)
    if link:
        lines.append(f"{t['board']}: {link}")
    return digest_subject(language, kinds), "\n".join(lines)


def board_link(cfg: Config) -> str:
    """Where the board is: ``[web] base_url`` (the board's signed, scoped links replace this
    plain link once the board is there)."""
    return str(cfg.data.get("web", {}).get("base_url") or "").strip()


def expand(row: dict[str, Any]) -> dict[str, Any]:
    """An alert row with what its follow-up data says: the account as it stood when the alert
    was made (escalations and lapsed promises are not status changes) and a note."""
    raw = row.get("alert_data")
    if not raw:
        return row
    try:
        data = json.loads(raw)
    except ValueError:
        return row
    out = dict(row, **{k: v for k, v in (data.get("snapshot") or {}).items()}, followup=data)
    return out


def _warn_unrouted(alert: dict[str, Any]) -> None:
    if alert["kind"] in PLATFORM_KINDS:
        log.warning(
            'no recipient with regions = ["*"] for the %s alert of %s; it is dropped', alert["kind"], alert["platform"]
        )
        return
    if alert["retired_at"]:
        log.info("alert %s for retired account %s not sent", alert["alert_id"], alert["account_id"])
        return
    log.warning(
        "no recipient for account %s (%s, %s) in region %r: add a [[recipients]] entry covering it "
        "or an owner_email; its %s alert is dropped",
        alert["account_id"],
        alert["institution"],
        alert["url"],
        alert["region"] or "",
        alert["kind"],
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
                wire_address(email)
            except AddressError as exc:
                # A stored address that is none (an older registry check let it in) is that
                # address's problem: give it up, and go on with the others.
                error = f"not a mail address: {exc}"
                outbox.mark_failed(db, ids, error, now, permanent=True)
                result.errors.append(f"{email}: {error}")
                log.warning("digest to %r not sent: %s", email, error)
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


def _platform_view(row: dict[str, Any], t: dict[str, Any], tz: str) -> dict[str, Any]:
    """What the templates show of a platform alert (no account)."""
    platform = oneline(row["platform"])
    state = row.get("platform_state") or ""
    return {
        "platform": platform,
        "state": t["platform_states"].get(state, state),
        "since": local_time(row.get("changed_at"), tz, t["lang"]),
        "intro": t["platform_back" if row["kind"] == "platform_recovered" else "platform_intro"].format(
            platform=platform
        ),
        "reason": oneline(stored_reason(row).text(t["lang"])),
    }


def _view(row: dict[str, Any], t: dict[str, Any], tz: str) -> dict[str, Any]:
    """What the templates show of one alert; anything from the web stays data, never markup."""
    if row["kind"] in PLATFORM_KINDS:
        return _platform_view(row, t, tz)
    status = (
        row.get("new_status") or row.get("current_status") or ("active" if row["kind"] == "revived" else row["kind"])
    )
    return account_view(row, t, tz, status=status) | {"note": _followup_note(row, t, tz)}


def _followup_note(row: dict[str, Any], t: dict[str, Any], tz: str) -> str:
    data = row.get("followup")
    if not data:
        return ""
    if row["kind"] == "escalated":
        level = t["level_national"] if data.get("to") == "*" else t["level_region"]
        return t["escalated_note"].format(
            since=local_time(data.get("since"), tz, t["lang"], with_time=False), days=data.get("days"), level=level
        )
    if row["kind"] == "will_reactivate_expired":
        return t["expired_note"].format(who=oneline(data.get("who")), answered=data.get("answered"), by=data.get("by"))
    return ""


def digest_subject(language: str, kinds: Counter) -> str:
    t = translations(language)
    platform = [f"{kinds[k]} {t['kinds'][k]}" for k in PLATFORM_KINDS if kinds.get(k)]
    kinds = Counter({k: v for k, v in kinds.items() if k not in PLATFORM_KINDS})
    n = sum(kinds.values())
    if not n:
        return f"[pantau] {', '.join(platform)}"
    if set(kinds) == {"revived"} and not platform:
        return "[pantau] " + t["revived_one" if n == 1 else "revived_many"].format(n=n)
    if set(kinds) == {"recovered"}:
        # Good news needs no one's attention: "[pantau] 1 situs bersih kembali".
        return f"[pantau] {n} {t['kinds']['recovered']}"
    head = (t["attention_one"] if n == 1 else t["attention_many"]).format(n=n)
    parts = platform + [f"{kinds[k]} {t['kinds'][k]}" for k in KINDS if kinds.get(k)]
    return f"[pantau] {head}: {', '.join(parts)}"


def _message_id(sender: str, email: str, ids: Iterable[Any]) -> str:
    # Deterministic: a retry of the same digest carries the same id, so a mail system
    # that already has it (we crashed after the hand-over) may drop the copy.
    digest = hashlib.sha256(f"{email}|{sorted(str(i) for i in ids)}".encode()).hexdigest()[:32]
    return message_id(sender, f"pantau-digest-{digest}")


def build_digest(cfg: Config, email: str, language: str, rows: list[dict[str, Any]], now: datetime) -> EmailMessage:
    """One multipart/alternative mail (plain text + HTML) listing ``rows`` grouped by kind."""
    t = translations(language)
    tz = cfg.timezone
    rows = [expand(r) for r in rows]
    kinds = Counter(r["kind"] for r in rows)
    if set(kinds) <= set(PLATFORM_KINDS):
        t["intro"] = t["platform_only_intro"]
    sections = []
    overflow: list[dict[str, Any]] = []
    for kind in KINDS + tuple(sorted(set(kinds) - set(KINDS))):
        of_kind = [r for r in rows if r["kind"] == kind]
        if not of_kind:
            continue
        overflow += of_kind[MAX_LISTED:]
        sections.append(
            {
                "kind": kind,
                "title": t["section_titles"].get(kind, kind),
                "count": len(of_kind),
                "accounts": [_view(r, t, tz) for r in of_kind[:MAX_LISTED]],
                "more": max(0, len(of_kind) - MAX_LISTED),
            }
        )
    context = {
        "t": t,
        "sections": sections,
        "generated": local_time(now, tz, t["lang"]),
        "board_link": sign_link(cfg, email, now),
        "link_days": cfg.web["link_days"],
    }
    attachments = []
    if overflow:
        header = [
            "institution",
            "region",
            "platform",
            "url",
            "handle",
            "kind",
            "status",
            "days_inactive",
            "last_activity_at",
            "last_activity_url",
            "last_activity_title",
            "reason",
        ]
        data = [
            [
                r["institution"],
                r.get("region"),
                r["platform"],
                r["url"],
                r.get("handle"),
                r["kind"],
                r.get("new_status"),
                r.get("days_inactive"),
                r.get("last_activity_at"),
                r.get("last_activity_url"),
                r.get("last_activity_title"),
                stored_reason(r).text(t["lang"]),  # in the reader's language, like the mail
            ]
            for r in rows
        ]
        attachments.append(Attachment("pantau-digest.csv", table_csv(header, data), "text", "csv"))
    return compose(
        subject=digest_subject(t["lang"], kinds),
        text=render("digest.txt", **context),
        html=render("digest.html", **context),
        sender=cfg.smtp["sender"],
        to=email,
        now=now,
        tz=tz,
        message_id=_message_id(cfg.smtp["sender"], email, [r.get("delivery_id") or f"a{r['alert_id']}" for r in rows]),
        language=t["lang"],
        kinds=kinds_header(kinds),
        attachments=attachments,
    )
