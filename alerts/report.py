"""The weekly report: per recipient, the accounts in its regions as they stand, the week's
changes, a chart of the last weeks, and the full lists as XLSX and CSV attachments."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlite_utils

from pantau.alerts.channels import ChannelError, EmailChannel
from pantau.alerts.chart import chart, table_chart
from pantau.alerts.compose import Attachment, compose, message_id
from pantau.alerts.links import sign_link
from pantau.alerts.render import STATUS_COLOURS, local_time, oneline, render, translations
from pantau.alerts.sheets import Sheet, table_csv, workbook_xlsx
from pantau.alerts.view import account_row, account_view, iso_local
from pantau.alerts.weeks import iso_week_bounds
from pantau.config.regions import province_of, regency_of, region_name
from pantau.config.settings import Config, Recipient
from pantau.monitor.policy import REVIVAL_FROM, STATUSES
from pantau.storage import outbox
from pantau.storage.accounts import attestations_by_account
from pantau.storage.findings import findings_in_scope

log = logging.getLogger(__name__)

# Weeks shown in the chart, the report's own week included.
TREND_WEEKS = 8
# Rows per section in the mail body; the attachments always carry every row.
MAX_ROWS = 50


@dataclass
class ReportResult:
    week: str
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# --- one recipient's report -------------------------------------------------------------

ACCOUNT_COLUMNS = (
    "id",
    "institution",
    "region",
    "region_name",
    "platform",
    "handle",
    "url",
    "status",
    "days_inactive",
    "last_activity_at",
    "last_activity_url",
    "last_activity_title",
    "evidence",
    "reason",
    "last_checked_at",
)
CHANGE_COLUMNS = (
    "changed_at",
    "institution",
    "region",
    "region_name",
    "platform",
    "handle",
    "url",
    "old_status",
    "new_status",
    "days_inactive",
    "last_activity_url",
    "last_activity_title",
    "reason",
)
# The answer loop's sections: answers given this week, escalations made this week.
LOOP_COLUMNS = ("changed_at", "institution", "region", "platform", "handle", "url", "status", "detail")
FINDING_COLUMNS = (
    "institution",
    "region",
    "url",
    "compromise",
    "place",
    "finding_url",
    "excerpt",
    "detected_at",
    "resolved_at",
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "recipient"


def _by_days(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        rows, key=lambda r: (-(r["days_inactive"] if r["days_inactive"] is not None else -1), r["institution"], r["id"])
    )


@dataclass
class RecipientReport:
    recipient: Recipient
    week: str
    t: dict[str, Any]
    totals: Counter
    accounts: list[dict[str, Any]]
    sections: list[dict[str, Any]]  # key, title, kind ("account" | "change"), rows
    trend: list[tuple[str, Counter]]
    html: str = ""
    text: str = ""

    def section(self, key: str) -> list[dict[str, Any]]:
        return next(s["rows"] for s in self.sections if s["key"] == key)


def _scope_label(r: Recipient, t: dict[str, Any]) -> str:
    return t["all_regions"] if "*" in r.regions else ", ".join(r.regions)


def build_report(
    db: sqlite_utils.Database,
    cfg: Config,
    recipient: Recipient,
    week: tuple[str, datetime, datetime],
    now: datetime,
    *,
    trend: Sequence[tuple[str, list[dict[str, Any]]]],
    attestations: dict[int, dict[str, Any]],
) -> RecipientReport:
    label, start, end = week
    tz = cfg.timezone
    t = translations(recipient.language)
    accounts = [
        account_row(a, attestations.get(a["id"]), now, tz) for a in outbox.accounts_in_scope(db, recipient.regions)
    ]
    totals = Counter(a["status"] for a in accounts)

    def now_in(status: str) -> list[dict[str, Any]]:
        return _by_days([a for a in accounts if a["status"] == status])

    def changes(**kw: Any) -> list[dict[str, Any]]:
        out = []
        for c in outbox.changes_in_scope(db, recipient.regions, start, end, **kw):
            out.append(
                {k: c.get(k) for k in CHANGE_COLUMNS}
                | {"changed_at": iso_local(c["changed_at"], tz), "region_name": region_name(c.get("region")) or ""}
            )
        return out

    sections: list[dict[str, Any]] = [
        {"key": "new_dormant", "kind": "change", "rows": changes(new_statuses=["dormant"])},
        {"key": "close_now", "kind": "account", "rows": now_in("close_recommended")},
        {"key": "dormant_now", "kind": "account", "rows": now_in("dormant")},
        {"key": "revived", "kind": "change", "rows": changes(new_statuses=["active"], old_statuses=REVIVAL_FROM)},
        {"key": "unreachable_now", "kind": "account", "rows": now_in("unreachable")},
        {
            "key": "unknown_now",
            "kind": "account",
            "rows": sorted(now_in("unknown"), key=lambda r: (r["reason"], r["institution"], r["id"])),
        },
        {"key": "compromised_now", "kind": "finding", "rows": _compromised(db, recipient, start, end, tz)},
    ]
    sections += _loop_sections(db, recipient, start, end, tz, t)
    for s in sections:
        s["title"] = t[s["key"]]
        s["sheet"] = t["sheet_" + s["key"]]
    series = [(wk, _scoped_counts(rows, recipient)) for wk, rows in trend]
    rep = RecipientReport(recipient, label, t, totals, accounts, sections, series)
    context = _context(rep, cfg, start, end, now)
    rep.html = render("weekly.html", **context)
    rep.text = render("weekly.txt", **context)
    return rep


# The statuses a report counts per region, worst first.
_REGION_STATUSES = ("close_recommended", "dormant", "unreachable", "warning", "active", "unknown")


def region_groups(accounts: Iterable[dict[str, Any]], no_region: str) -> list[dict[str, Any]]:
    """Accounts counted per province and, inside it, per regency/city, each by its Kemendagri
    name and in name order: a head of office reads "Kabupaten Musi Banyuasin", not "16.06"."""
    provinces: dict[str, dict[str, Any]] = {}
    for a in accounts:
        code = a.get("region") or ""
        prov = province_of(code) or ""
        p = provinces.setdefault(
            prov, {"code": prov, "name": region_name(prov) or no_region, "counts": Counter(), "regencies": {}}
        )
        p["counts"][a["status"]] += 1
        reg = regency_of(code)
        if reg:
            r = p["regencies"].setdefault(reg, {"code": reg, "name": region_name(reg) or reg, "counts": Counter()})
            r["counts"][a["status"]] += 1

    def row(g: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": g["code"],
            "name": g["name"],
            "total": sum(g["counts"].values()),
            "counts": [g["counts"].get(s, 0) for s in _REGION_STATUSES],
        }

    out = []
    for p in sorted(provinces.values(), key=lambda g: (g["code"] == "", g["name"])):
        out.append(row(p) | {"regencies": [row(r) for r in sorted(p["regencies"].values(), key=lambda g: g["name"])]})
    return out


def _loop_sections(
    db: sqlite_utils.Database, recipient: Recipient, start: datetime, end: datetime, tz: str, t: dict[str, Any]
) -> list[dict[str, Any]]:
    """ "Answers this week" and "escalated" (the answer loop, docs/answers.md)."""
    import json

    from pantau.storage import followups

    where, params = outbox._scope(recipient.regions)
    answers = []
    for r in followups.answers_between(db, where, params, start, end):
        detail = t["answer_kinds"].get(r["kind"], r["kind"])
        if r.get("by_date"):
            detail += f" {r['by_date']}"
        if r.get("note"):
            detail += f": {r['note']}"
        answers.append(_loop_row(r, r["at"], f"{detail} ({r['who']})", tz))
    escalated = []
    for r in followups.escalations_between(db, where, params, start, end):
        data = json.loads(r.get("data") or "{}")
        to = t["level_national"] if data.get("to") == "*" else data.get("to")
        escalated.append(
            _loop_row(
                r,
                r["created_at"],
                t["escalation_detail"].format(step=data.get("step"), to=to, days=data.get("days")),
                tz,
            )
        )
    return [
        {"key": "answers", "kind": "loop", "rows": answers},
        {"key": "escalated", "kind": "loop", "rows": escalated},
    ]


def _loop_row(r: dict[str, Any], at: str, detail: str, tz: str) -> dict[str, Any]:
    return {
        "changed_at": iso_local(at, tz),
        "institution": r["institution"],
        "region": r.get("region") or "",
        "platform": r["platform"],
        "handle": r.get("handle") or "",
        "url": r["url"],
        "status": r.get("current_status"),
        "detail": detail,
    }


def _compromised(
    db: sqlite_utils.Database, recipient: Recipient, start: datetime, end: datetime, tz: str
) -> list[dict[str, Any]]:
    """Sites in scope with a compromise finding open during the week (still open first), one
    row a site with its newest finding; the others are in ``pantau status`` and the board."""
    newest: dict[int, dict[str, Any]] = {}
    for f in findings_in_scope(db, recipient.regions, start, end):
        if not f["retired_at"]:
            newest.setdefault(f["account_id"], f)
    return [
        {
            "institution": f["institution"],
            "region": f.get("region") or "",
            "platform": f["platform"],
            "handle": f.get("handle") or "",
            "url": f["account_url"],
            "compromise": f["kind"],
            "place": f["place"],
            "finding_url": f["url"],
            "excerpt": f["excerpt"],
            "detected_at": iso_local(f["detected_at"], tz),
            "resolved_at": iso_local(f["resolved_at"], tz),
            # What account_view shows of the finding (the columns above are what the XLSX carries).
            "finding_kind": f["kind"],
            "finding_place": f["place"],
            "finding_excerpt": f["excerpt"],
            "finding_detected_at": f["detected_at"],
            "finding_resolved_at": f["resolved_at"],
        }
        for f in newest.values()
    ]


def _scoped_counts(rows: Iterable[dict[str, Any]], recipient: Recipient) -> Counter:
    counts: Counter = Counter()
    for row in rows:
        if recipient.covers(row["region"] or None):
            counts[row["status"]] += row["n"]
    return counts


def _context(rep: RecipientReport, cfg: Config, start: datetime, end: datetime, now: datetime) -> dict[str, Any]:
    t = rep.t
    tz = cfg.timezone
    last_day = end - timedelta(seconds=1)
    period = (
        f"{local_time(start, tz, t['lang'], with_time=False)} – {local_time(last_day, tz, t['lang'], with_time=False)}"
    )

    def show(row: dict[str, Any]) -> dict[str, Any]:
        view = account_view(row, t, tz, status=row.get("status") or row.get("new_status") or "", activity_time=False)
        finding = view["finding"] is not None
        return view | {
            # Only account and change rows name their region; an answer or a finding shows the code.
            "region_name": row.get("region_name") or "",
            "reason": "" if finding else view["reason"],
            "changed_at": local_time(row.get("changed_at"), tz, t["lang"]),
            "detail": oneline(row.get("detail")),
        }

    sections = [
        {
            "key": s["key"],
            "title": s["title"],
            "kind": s["kind"],
            "count": len(s["rows"]),
            "rows": [show(r) for r in s["rows"][:MAX_ROWS]],
            "more": max(0, len(s["rows"]) - MAX_ROWS),
        }
        for s in rep.sections
    ]
    totals = [
        {"status": s, "label": t["statuses"][s], "n": rep.totals.get(s, 0), "colour": STATUS_COLOURS[s]}
        for s in STATUSES
        if rep.totals.get(s) or s not in ("retired",)
    ]
    return {
        "t": t,
        "week": rep.week,
        "period": period,
        "scope": _scope_label(rep.recipient, t),
        "recipient": rep.recipient,
        "totals": totals,
        "total": sum(rep.totals.values()),
        "sections": sections,
        "by_region": region_groups(rep.accounts, t["no_region"]),
        "region_statuses": [t["statuses"][s] for s in _REGION_STATUSES],
        "chart": chart(rep.trend, t),
        "bars": table_chart(rep.trend, t),
        "trend": [{"week": wk, "counts": [c.get(s, 0) for s in STATUSES]} for wk, c in rep.trend],
        "statuses": [{"status": s, "label": t["statuses"][s], "colour": STATUS_COLOURS[s]} for s in STATUSES],
        "minister": t["minister"],
        "generated": local_time(now, tz, t["lang"]),
        "attachments": rep.t["attachments"],
        "board_link": sign_link(cfg, rep.recipient.email, now),
        "link_days": cfg.web["link_days"],
    }


# --- files and mail ---------------------------------------------------------------------


def _header(columns: Sequence[str], t: dict[str, Any]) -> list[str]:
    names = {
        "id": "ID",
        "changed_at": t["changed_at"],
        "institution": t["institution"],
        "region": t["region"],
        "platform": t["platform"],
        "handle": t["handle"],
        "url": t["url"],
        "status": t["status"],
        "old_status": t["old_status"],
        "new_status": t["new_status"],
        "days_inactive": t["days_inactive"],
        "last_activity_at": t["last_activity"],
        "last_activity_url": t["last_activity_url"],
        "last_activity_title": t["last_activity_title"],
        "evidence": t["evidence"],
        "reason": t["reason"],
        "last_checked_at": t["last_checked_at"],
        "region_name": t["region_name"],
        "detail": t["detail"],
        "compromise": t["compromise"],
        "place": t["seen_at"],
        "finding_url": t["url"],
        "excerpt": t["evidence_excerpt"],
        "detected_at": t["detected_at"],
        "resolved_at": t["resolved_at"],
    }
    return [names.get(c, c) for c in columns]


def report_csv(rep: RecipientReport) -> bytes:
    """Every account in scope; machine-readable: English column names and status codes."""
    return table_csv(ACCOUNT_COLUMNS, ([a[c] for c in ACCOUNT_COLUMNS] for a in rep.accounts))


def report_xlsx(rep: RecipientReport) -> bytes:
    """A sheet per section (labels in the recipient's language), then every account."""
    t = rep.t
    statuses = t["statuses"]

    def label(row: dict[str, Any], c: str) -> Any:
        v = row.get(c)
        return statuses.get(v, v) if c in ("status", "old_status", "new_status") else v

    summary = [[statuses[s], rep.totals.get(s, 0)] for s in STATUSES] + [[t["total"], sum(rep.totals.values())]]
    sheets: list[Sheet] = [(t["summary"], [t["status"], t["count"]], summary)]
    for s in rep.sections:
        cols = {"change": CHANGE_COLUMNS, "loop": LOOP_COLUMNS, "finding": FINDING_COLUMNS}.get(
            s["kind"], ACCOUNT_COLUMNS
        )
        sheets.append((s["sheet"], _header(cols, t), [[label(r, c) for c in cols] for r in s["rows"]]))
    sheets.append(
        (t["all_accounts"], _header(ACCOUNT_COLUMNS, t), [[label(a, c) for c in ACCOUNT_COLUMNS] for a in rep.accounts])
    )
    return workbook_xlsx(sheets)


def report_files(rep: RecipientReport, fmt: str) -> dict[str, tuple[bytes, str, str]]:
    """``name -> (bytes, maintype, subtype)``; the HTML is for ``--out`` only."""
    base = f"pantau-weekly-{rep.week}-{slug(rep.recipient.email)}"
    files: dict[str, tuple[bytes, str, str]] = {}
    if fmt == "xlsx":
        files[f"{base}.xlsx"] = (
            report_xlsx(rep),
            "application",
            "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    files[f"{base}.csv"] = (report_csv(rep), "text", "csv")
    files[f"{base}.html"] = (rep.html.encode("utf-8"), "text", "html")
    return files


def weekly_subject(rep: RecipientReport) -> str:
    t = rep.t
    parts = [f"{rep.totals.get(s, 0)} {t['kinds'][s]}" for s in ("dormant", "close_recommended")]
    return f"[pantau] {t['weekly_subject'].format(week=rep.week)}: {', '.join(parts)}"


def report_message(
    rep: RecipientReport, cfg: Config, files: dict[str, tuple[bytes, str, str]], now: datetime
) -> EmailMessage:
    return compose(
        subject=weekly_subject(rep),
        text=rep.text,
        html=rep.html,
        sender=cfg.smtp["sender"],
        to=rep.recipient.email,
        now=now,
        tz=cfg.timezone,
        # One id per week and recipient: a forced resend is recognisably the same report.
        message_id=message_id(cfg.smtp["sender"], f"pantau-weekly-{rep.week}-{slug(rep.recipient.email)}"),
        language=rep.t["lang"],
        # The body already is the HTML.
        attachments=[
            Attachment(name, data, maintype, subtype)
            for name, (data, maintype, subtype) in files.items()
            if not name.endswith(".html")
        ],
    )


def weekly_report(
    db: sqlite_utils.Database,
    cfg: Config,
    now: datetime,
    *,
    week: str | None = None,
    out_dir: Path | None = None,
    send: bool = False,
    force: bool = False,
) -> ReportResult:
    """Build every recipient's report for ``week`` (default: the last full week).

    ``out_dir`` writes ``pantau-weekly-<week>-<recipient>.xlsx/.csv/.html``; ``send``
    mails each recipient once per week (a week already sent to a recipient is skipped
    unless ``force``). The XLSX is built when ``[report] format = "xlsx"`` (the default);
    the CSV always. A recipient the mail server refuses is listed in ``errors`` and not
    recorded as sent, so the next run tries again.
    """
    bounds = iso_week_bounds(week, cfg.timezone, now)
    label, _start, end = bounds
    result = ReportResult(label)
    if not cfg.recipients:
        result.errors.append("no [[recipients]] in the configuration: nobody to report to")
        return result
    # Counts at each week's end, rebuilt once from the status history for all recipients.
    trend = []
    for k in reversed(range(TREND_WEEKS)):
        at = end - timedelta(weeks=k)
        # The week that ends at `at` is the last full week before it.
        trend.append((iso_week_bounds(None, cfg.timezone, at)[0], outbox.status_counts_at(db, min(at, now))))
    attestations = attestations_by_account(db)
    channel = EmailChannel.from_config(cfg) if send else None
    fmt = cfg.data["report"]["format"]
    stopped: ChannelError | None = None
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
    for recipient in cfg.recipients:
        already = send and not force and outbox.report_sent(db, label, recipient.email)
        if already and out_dir is None:
            result.skipped.append(recipient.email)
            continue
        try:
            rep = build_report(db, cfg, recipient, bounds, now, trend=trend, attestations=attestations)
            files = report_files(rep, fmt)
        except Exception as exc:
            log.exception("weekly report for %s failed", recipient.email)
            result.errors.append(f"{recipient.email}: could not build the report: {type(exc).__name__}: {exc}")
            continue
        if out_dir is not None:
            for name, (data, _, _) in files.items():
                path = out_dir / name
                path.write_bytes(data)
                result.files.append(path)
        if not send:
            continue
        if already:
            result.skipped.append(recipient.email)
            continue
        if stopped is not None:
            result.errors.append(f"{recipient.email}: not sent: {stopped}")
            continue
        assert channel is not None
        try:
            channel.notify(report_message(rep, cfg, files, now))
        except ChannelError as exc:
            result.errors.append(f"{recipient.email}: {exc}")
            log.warning("weekly report %s to %s not sent: %s", label, recipient.email, exc)
            if not exc.per_recipient:
                stopped = exc
            continue
        outbox.record_report(db, label, recipient.email, [n for n in files if not n.endswith(".html")], now)
        result.sent.append(recipient.email)
    return result
