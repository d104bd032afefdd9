"""The weekly report: per recipient, the accounts in its regions as they stand, the week's
changes, a chart of the last weeks, and the full lists as XLSX and CSV attachments."""

from __future__ import annotations

import csv
import io
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pantau.alerts.channels import ChannelError, EmailChannel
from pantau.alerts.links import sign_link
from pantau.alerts.render import (
    STATUS_COLOURS,
    local_time,
    new_message,
    oneline,
    render,
    seal,
    translations,
    web_href,
)
from pantau.config.addresses import header_address
from pantau.config.cells import neutralise
from pantau.config.regions import province_of, regency_of, region_name
from pantau.config.settings import Config, Recipient
from pantau.config.vocabulary import stored_reason
from pantau.monitor.policy import REVIVAL_FROM, STATUSES, effective_activity
from pantau.storage import outbox
from pantau.storage.accounts import attestations_by_account
from pantau.storage.findings import findings_in_scope
from pantau.storage.timefmt import from_iso

log = logging.getLogger(__name__)

# Weeks shown in the chart, the report's own week included.
TREND_WEEKS = 8
# Rows per section in the mail body; the attachments always carry every row.
MAX_ROWS = 50

_WEEK = re.compile(r"^\s*(\d{4})-[Ww](\d{1,2})\s*$")


@dataclass
class ReportResult:
    week: str
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# --- spreadsheet safety -----------------------------------------------------------------

def safe_cell(value: Any) -> Any:
    """The one neutraliser used for CSV and XLSX alike: prefix ``'`` to formula-like text
    (``= + - @`` or a control character first; see :mod:`pantau.config.cells`)."""
    return neutralise(value)


def table_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so Excel opens Indonesian text correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl refuses control characters, and a cell holds at most 32,767 characters.
        # Cleaned first, guarded after: "\x01=HYPERLINK(…)" must not become a live formula
        # once the \x01 is gone.
        value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))[:32767]
    return value


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def workbook_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """An XLSX with one sheet per ``(title, header, rows)``, streamed (write-only mode)."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    for title, header, rows in sheets:
        name = _SHEET_BAD.sub(" ", title)[:31] or "Sheet"
        while name.lower() in used:
            name = name[:28] + f" {len(used)}"
        used.add(name.lower())
        ws = wb.create_sheet(name)
        ws.append([_xlsx_value(h) for h in header])
        for row in rows:
            ws.append([_xlsx_value(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- weeks ------------------------------------------------------------------------------

def iso_week_bounds(week: str | None, tz: str, now: datetime) -> tuple[str, datetime, datetime]:
    """``"2024-W47"`` → (label, start, end) in UTC, the week being Monday 00:00 to the next
    Monday 00:00 in ``tz``. ``None`` is the last full week before ``now`` in ``tz``.

    The bounds are local midnights: a change at Sunday 23:30 WIB is 16:30 UTC on Sunday,
    but one at Monday 03:00 WIB is still Sunday 20:00 UTC — and belongs to the new week.
    """
    zone = ZoneInfo(tz)
    if week is None:
        today = now.astimezone(zone).date()
        monday = today - timedelta(days=today.weekday() + 7)
    else:
        m = _WEEK.match(week)
        if not m:
            raise ValueError(f'week "{week}" should look like "2024-W47"')
        year, num = int(m.group(1)), int(m.group(2))
        try:
            monday = date.fromisocalendar(year, num, 1)
        except ValueError:
            last = date(year, 12, 28).isocalendar().week
            raise ValueError(f'week "{week}" does not exist: {year} has weeks W01 to W{last:02d}') from None
    iso = monday.isocalendar()
    label = f"{iso.year}-W{iso.week:02d}"
    start = datetime.combine(monday, time(0), zone).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0), zone).astimezone(UTC)
    return label, start, end


# --- one recipient's report -------------------------------------------------------------

ACCOUNT_COLUMNS = ("id", "institution", "region", "region_name", "platform", "handle", "url", "status", "days_inactive",
                   "last_activity_at", "last_activity_url", "last_activity_title", "evidence", "reason",
                   "last_checked_at")
CHANGE_COLUMNS = ("changed_at", "institution", "region", "region_name", "platform", "handle", "url", "old_status",
                  "new_status", "days_inactive", "last_activity_url", "last_activity_title", "reason")
# The answer loop's sections: answers given this week, escalations made this week.
LOOP_COLUMNS = ("changed_at", "institution", "region", "platform", "handle", "url", "status", "detail")
FINDING_COLUMNS = ("institution", "region", "url", "compromise", "place", "finding_url", "excerpt",
                   "detected_at", "resolved_at")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "recipient"


def _iso_local(value: str | None, tz: str) -> str | None:
    dt = from_iso(value)
    return dt.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds") if dt else None


def _account_view(acc: dict[str, Any], attestation: dict[str, Any] | None, now: datetime,
                  tz: str) -> dict[str, Any]:
    # The same activity the policy used (an attestation counts until something newer is
    # seen), so the days here agree with the status beside them.
    activity = effective_activity(acc, attestation)
    status = "retired" if acc.get("retired_at") else (acc.get("status") or "unknown")
    return {
        "id": acc["id"],
        "institution": acc["institution"],
        "region": acc.get("region") or "",
        "region_name": region_name(acc.get("region")) or "",
        "platform": acc["platform"],
        "handle": acc.get("handle") or "",
        "url": acc["url"],
        "status": status,
        "days_inactive": max(0, (now - activity.at).days) if activity else None,
        "last_activity_at": activity.at.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds") if activity else None,
        "last_activity_url": activity.url if activity else None,
        "last_activity_title": activity.title if activity else None,
        "evidence": activity.evidence if activity else (acc.get("evidence") or None),
        "reason": stored_reason(acc),
        "last_checked_at": _iso_local(acc.get("last_checked_at"), tz),
    }


def _by_days(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (-(r["days_inactive"] if r["days_inactive"] is not None else -1),
                                       r["institution"], r["id"]))


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
    accounts = [_account_view(a, attestations.get(a["id"]), now, tz)
                for a in outbox.accounts_in_scope(db, recipient.regions)]
    totals = Counter(a["status"] for a in accounts)

    def now_in(status: str) -> list[dict[str, Any]]:
        return _by_days([a for a in accounts if a["status"] == status])

    def changes(**kw: Any) -> list[dict[str, Any]]:
        out = []
        for c in outbox.changes_in_scope(db, recipient.regions, start, end, **kw):
            out.append({k: c.get(k) for k in CHANGE_COLUMNS} | {"changed_at": _iso_local(c["changed_at"], tz),
                                                               "region_name": region_name(c.get("region")) or ""})
        return out

    sections = [
        {"key": "new_dormant", "kind": "change", "rows": changes(new_statuses=["dormant"])},
        {"key": "close_now", "kind": "account", "rows": now_in("close_recommended")},
        {"key": "dormant_now", "kind": "account", "rows": now_in("dormant")},
        {"key": "revived", "kind": "change", "rows": changes(new_statuses=["active"], old_statuses=REVIVAL_FROM)},
        {"key": "unreachable_now", "kind": "account", "rows": now_in("unreachable")},
        {"key": "unknown_now", "kind": "account",
         "rows": sorted(now_in("unknown"), key=lambda r: (r["reason"], r["institution"], r["id"]))},
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
        p = provinces.setdefault(prov, {"code": prov, "name": region_name(prov) or no_region,
                                        "counts": Counter(), "regencies": {}})
        p["counts"][a["status"]] += 1
        reg = regency_of(code)
        if reg:
            r = p["regencies"].setdefault(reg, {"code": reg, "name": region_name(reg) or reg, "counts": Counter()})
            r["counts"][a["status"]] += 1

    def row(g: dict[str, Any]) -> dict[str, Any]:
        return {"code": g["code"], "name": g["name"], "total": sum(g["counts"].values()),
                "counts": [g["counts"].get(s, 0) for s in _REGION_STATUSES]}

    out = []
    for p in sorted(provinces.values(), key=lambda g: (g["code"] == "", g["name"])):
        out.append(row(p) | {"regencies": [row(r) for r in sorted(p["regencies"].values(), key=lambda g: g["name"])]})
    return out


def _loop_sections(db: sqlite_utils.Database, recipient: Recipient, start: datetime, end: datetime, tz: str,
                   t: dict[str, Any]) -> list[dict[str, Any]]:
    """"Answers this week" and "escalated" (the answer loop, docs/answers.md)."""
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
        escalated.append(_loop_row(r, r["created_at"], t["escalation_detail"].format(
            step=data.get("step"), to=to, days=data.get("days")), tz))
    return [{"key": "answers", "kind": "loop", "rows": answers},
            {"key": "escalated", "kind": "loop", "rows": escalated}]


def _loop_row(r: dict[str, Any], at: str, detail: str, tz: str) -> dict[str, Any]:
    return {"changed_at": _iso_local(at, tz), "institution": r["institution"], "region": r.get("region") or "",
            "platform": r["platform"], "handle": r.get("handle") or "", "url": r["url"],
            "status": r.get("current_status"), "detail": detail}


def _compromised(db: sqlite_utils.Database, recipient: Recipient, start: datetime, end: datetime,
                 tz: str) -> list[dict[str, Any]]:
    """Sites in scope with a compromise finding open during the week (still open first), one
    row a site with its newest finding; the others are in ``pantau status`` and the board."""
    newest: dict[int, dict[str, Any]] = {}
    for f in findings_in_scope(db, recipient.regions, start, end):
        if not f["retired_at"]:
            newest.setdefault(f["account_id"], f)
    return [{
        "institution": f["institution"], "region": f.get("region") or "", "platform": f["platform"],
        "handle": f.get("handle") or "", "url": f["account_url"], "compromise": f["kind"], "place": f["place"],
        "finding_url": f["url"], "excerpt": f["excerpt"], "detected_at": _iso_local(f["detected_at"], tz),
        "resolved_at": _iso_local(f["resolved_at"], tz),
    } for f in newest.values()]


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
    period = f"{local_time(start, tz, t['lang'], with_time=False)} – {local_time(last_day, tz, t['lang'], with_time=False)}"

    def show(row: dict[str, Any]) -> dict[str, Any]:
        status = row.get("status") or row.get("new_status") or ""
        return {
            "institution": oneline(row["institution"]),
            "region": row.get("region") or "",
            "region_name": row.get("region_name") or "",
            "platform": row["platform"],
            "handle": oneline(row.get("handle")),
            "url": oneline(row["url"]),
            "href": web_href(row["url"]),
            "status": t["statuses"].get(status, status),
            "days_inactive": row.get("days_inactive"),
            "last_title": oneline(row.get("last_activity_title")),
            "last_url": oneline(row.get("last_activity_url")),
            "last_href": web_href(row.get("last_activity_url")),
            "last_at": local_time(row.get("last_activity_at"), tz, t["lang"], with_time=False),
            "changed_at": local_time(row.get("changed_at"), tz, t["lang"]),
            "reason": oneline(stored_reason(row).text(t["lang"])) if "compromise" not in row else "",
            "detail": oneline(row.get("detail")),
            **({"finding": {
                "kind": t["compromise_labels"].get(row["compromise"], row["compromise"]),
                "place": t["compromise_labels"].get(row["place"], row["place"]),
                "url": oneline(row["finding_url"]), "href": web_href(row["finding_url"]),
                "excerpt": oneline(row["excerpt"]),
                "detected_at": local_time(row["detected_at"], tz, t["lang"]),
                "resolved_at": local_time(row["resolved_at"], tz, t["lang"]) if row["resolved_at"] else "",
            }} if "compromise" in row else {}),
        }

    sections = [
        {"key": s["key"], "title": s["title"], "kind": s["kind"], "count": len(s["rows"]),
         "rows": [show(r) for r in s["rows"][:MAX_ROWS]], "more": max(0, len(s["rows"]) - MAX_ROWS)}
        for s in rep.sections
    ]
    totals = [{"status": s, "label": t["statuses"][s], "n": rep.totals.get(s, 0), "colour": STATUS_COLOURS[s]}
              for s in STATUSES if rep.totals.get(s) or s not in ("retired",)]
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


def chart(series: Sequence[tuple[str, Counter]], t: dict[str, Any]) -> dict[str, Any]:
    """Geometry of a stacked bar chart (one bar a week) for an inline SVG — no image fetches."""
    width, height, top, bottom, left = 560, 200, 10, 30, 40
    plot_h = height - top - bottom
    biggest = max([sum(c.values()) for _, c in series] + [1])
    step = (width - left - 10) / max(1, len(series))
    bar_w = step * 0.6
    bars = []
    for i, (wk, counts) in enumerate(series):
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        rects = []
        for s in STATUSES:
            n = counts.get(s, 0)
            if not n:
                continue
            h = plot_h * n / biggest
            y -= h
            rects.append({"x": round(x, 1), "y": round(y, 1), "w": round(bar_w, 1), "h": round(h, 1),
                          "colour": STATUS_COLOURS[s], "label": f"{wk}: {t['statuses'][s]} {n}"})
        bars.append({"week": wk.split("-")[-1], "x": round(x + bar_w / 2, 1), "rects": rects,
                     "total": sum(counts.values()), "top": round(y - 3, 1)})
    return {"width": width, "height": height, "base": top + plot_h, "left": left, "max": biggest,
            "top": top, "bars": bars, "label": t["trend"].format(n=len(series))}


def table_chart(series: Sequence[tuple[str, Counter]], t: dict[str, Any]) -> dict[str, Any]:
    """The weekly chart as plain HTML tables: one stacked bar per week, cells as long as the
    counts. Gmail, Outlook and Zimbra drop inline SVG (the board keeps it, see ``chart``);
    every mail client draws a table cell with a width and a background colour."""
    biggest = max([sum(c.values()) for _, c in series] + [1])
    rows = []
    for wk, counts in series:
        total = sum(counts.values())
        parts = [(s, counts.get(s, 0)) for s in STATUSES if counts.get(s, 0)]
        segments = []
        used = 0
        for i, (s, n) in enumerate(parts):
            # Whole percentages that add up to exactly 100, the last segment taking the rest.
            pct = 100 - used if i == len(parts) - 1 else max(1, round(100 * n / total))
            used += pct
            segments.append({"pct": pct, "colour": STATUS_COLOURS[s], "label": f"{t['statuses'][s]} {n}"})
        rows.append({"week": wk, "total": total, "segments": segments,
                     "width": max(1, round(100 * total / biggest)) if total else 0})
    return {"label": t["trend"].format(n=len(series)), "rows": rows}


# --- files and mail ---------------------------------------------------------------------

def _header(columns: Sequence[str], t: dict[str, Any]) -> list[str]:
    names = {"id": "ID", "changed_at": t["changed_at"], "institution": t["institution"], "region": t["region"],
             "platform": t["platform"], "handle": t["handle"], "url": t["url"], "status": t["status"],
             "old_status": t["old_status"], "new_status": t["new_status"], "days_inactive": t["days_inactive"],
             "last_activity_at": t["last_activity"], "last_activity_url": t["last_activity_url"],
             "last_activity_title": t["last_activity_title"], "evidence": t["evidence"], "reason": t["reason"],
             "last_checked_at": t["last_checked_at"], "region_name": t["region_name"],
             "detail": t["detail"], "compromise": t["compromise"], "place": t["seen_at"],
             "finding_url": t["url"], "excerpt": t["evidence_excerpt"], "detected_at": t["detected_at"],
             "resolved_at": t["resolved_at"]}
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
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence[Any]]]] = [
        (t["summary"], [t["status"], t["count"]], summary)
    ]
    for s in rep.sections:
        cols = {"change": CHANGE_COLUMNS, "loop": LOOP_COLUMNS, "finding": FINDING_COLUMNS}.get(s["kind"], ACCOUNT_COLUMNS)
        sheets.append((s["sheet"], _header(cols, t), [[label(r, c) for c in cols] for r in s["rows"]]))
    sheets.append((t["all_accounts"], _header(ACCOUNT_COLUMNS, t),
                   [[label(a, c) for c in ACCOUNT_COLUMNS] for a in rep.accounts]))
    return workbook_xlsx(sheets)


def report_files(rep: RecipientReport, fmt: str) -> dict[str, tuple[bytes, str, str]]:
    """``name -> (bytes, maintype, subtype)``; the HTML is for ``--out`` only."""
    base = f"pantau-weekly-{rep.week}-{slug(rep.recipient.email)}"
    files: dict[str, tuple[bytes, str, str]] = {}
    if fmt == "xlsx":
        files[f"{base}.xlsx"] = (report_xlsx(rep), "application",
                                 "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    files[f"{base}.csv"] = (report_csv(rep), "text", "csv")
    files[f"{base}.html"] = (rep.html.encode("utf-8"), "text", "html")
    return files


def weekly_subject(rep: RecipientReport) -> str:
    t = rep.t
    parts = [f"{rep.totals.get(s, 0)} {t['kinds'][s]}" for s in ("dormant", "close_recommended")]
    return f"[pantau] {t['weekly_subject'].format(week=rep.week)}: {', '.join(parts)}"


def report_message(rep: RecipientReport, cfg: Config, files: dict[str, tuple[bytes, str, str]],
                   now: datetime) -> EmailMessage:
    msg = new_message()
    msg["Subject"] = weekly_subject(rep)
    msg["From"] = header_address(cfg.smtp["sender"])
    msg["To"] = header_address(rep.recipient.email)
    msg["Date"] = format_datetime(now.astimezone(ZoneInfo(cfg.timezone)))
    domain = header_address(cfg.smtp["sender"]).rpartition("@")[2] or "pantau.invalid"
    # One id per week and recipient: a forced resend is recognisably the same report.
    msg["Message-ID"] = f"<pantau-weekly-{rep.week}-{slug(rep.recipient.email)}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rep.text)
    msg.add_alternative(rep.html, subtype="html")
    for name, (data, maintype, subtype) in files.items():
        if name.endswith(".html"):
            continue  # the body already is the HTML
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    # Last: making the mail multipart (or mixed) moves Content-* headers into a part.
    msg["Content-Language"] = rep.t["lang"]
    return seal(msg)


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
        outbox.record_report(db, label, recipient.email,
                             [n for n in files if not n.endswith(".html")], now)
        result.sent.append(recipient.email)
    return result
