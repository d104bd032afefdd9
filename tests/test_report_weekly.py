"""The weekly report: the right week in Jakarta time, the right accounts, safe attachments, sent once."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from pantau.alerts.report import build_report, weekly_report
from pantau.alerts.sheets import safe_cell
from pantau.alerts.weeks import iso_week_bounds
from pantau.config.settings import from_dict
from pantau.monitor.policy import alert_kind
from pantau.storage import outbox
from pantau.storage.accounts import attestations_by_account, get_account, import_accounts
from pantau.storage.db import open_db
from pantau.storage.observations import record_observation
from pantau.storage.status import apply_status

pytest_plugins = ["tests.smtp_server"]

# Monday 25 November 2024, 07:00 WIB: the daemon's default weekly slot, just after 2024-W47.
NOW = datetime(2024, 11, 25, 0, 0, tzinfo=UTC)
KADIS = "kadis@kominfo.mubakab.go.id"
KOMDIGI = "pantau@komdigi.go.id"
FORMULA = '=HYPERLINK("http://evil.example/x","klik")'

RECIPIENTS = [
    {"name": "Kepala Dinas Kominfo Kab. Musi Banyuasin", "email": KADIS, "regions": ["16.06"]},
    {"name": "Komdigi", "email": KOMDIGI, "regions": ["*"], "language": "en"},
]

DINKES = "https://dinkes.mubakab.go.id/"
DISDIK = "https://www.youtube.com/@disdikmuba"
SEKAYU = "https://sekayu.mubakab.go.id/feed"
IG = "https://www.instagram.com/humasmuba/"
DISHUB = "https://dishub.mubakab.go.id/"
BAPPEDA = "https://bappeda.mubakab.go.id/"
BANDUNG = "https://diskominfo.bandungkab.go.id/"

REGISTRY = [
    {"institution": "Dinas Kesehatan Kab. Musi Banyuasin", "region": "16.06", "platform": "website", "url": DINKES},
    {"institution": "Dinas Pendidikan Kab. Musi Banyuasin", "region": "16.06", "platform": "youtube", "url": DISDIK},
    {"institution": "Kecamatan Sekayu", "region": "16.06.01", "platform": "feed", "url": SEKAYU},
    {
        "institution": "Bagian Humas Setda Kab. Musi Banyuasin",
        "region": "16.06",
        "platform": "instagram",
        "url": IG,
        "handle": "humasmuba",
    },
    {"institution": "Dinas Perhubungan Kab. Musi Banyuasin", "region": "16.06", "platform": "website", "url": DISHUB},
    {"institution": "Bappeda Kab. Musi Banyuasin", "region": "16.06", "platform": "website", "url": BAPPEDA},
    {"institution": "Dinas Kominfo Kab. Bandung", "region": "32.04", "platform": "website", "url": BANDUNG},
]

IG_REASON = "instagram cannot be read: set [platforms.instagram] token_env or [bridges] rsshub"


def wib(*args: int) -> datetime:
    """A wall-clock time in Jakarta (UTC+7, no daylight saving) as UTC."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=7)


def account_id(db, url: str) -> int:
    return next(a["id"] for a in db["accounts"].rows if a["url"] == url)


def move(
    db,
    url: str,
    new: str,
    at: datetime,
    *,
    last_post: datetime | None = None,
    title: str = "Rapat koordinasi",
    reason: str | None = None,
) -> None:
    aid = account_id(db, url)
    if last_post is not None:
        record_observation(
            db,
            {
                "account_id": aid,
                "checked_at": at,
                "outcome": "ok",
                "evidence": "feed",
                "activity_at": last_post,
                "activity_url": url.rstrip("/") + "/berita/terakhir",
                "activity_title": title,
            },
        )
    acc = get_account(db, aid)
    apply_status(
        db,
        acc,
        new,
        reason or f"{new} since {at:%Y-%m-%d}",
        at,
        alert_kind=alert_kind(acc["status"], new),
        days_inactive=(at - last_post).days if last_post else None,
    )


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "p.db")
    import_accounts(db, REGISTRY, datetime(2024, 6, 1, tzinfo=UTC))
    old_post = datetime(2024, 7, 1, tzinfo=UTC)
    # Dinas Kesehatan turns dormant on Wednesday of 2024-W47.
    move(db, DINKES, "active", wib(2024, 9, 30, 9), last_post=datetime(2024, 9, 29, tzinfo=UTC))
    move(db, DINKES, "dormant", wib(2024, 11, 20, 9), last_post=datetime(2024, 10, 10, tzinfo=UTC))
    # Dinas Pendidikan has been close-recommended since 2024-W40; its last title is a formula.
    move(db, DISDIK, "close_recommended", wib(2024, 10, 2, 9), last_post=old_post, title=FORMULA)
    # Kecamatan Sekayu: active, dormant in W45, revived on Friday of W47.
    move(db, SEKAYU, "active", wib(2024, 9, 30, 9), last_post=datetime(2024, 9, 29, tzinfo=UTC))
    move(db, SEKAYU, "dormant", wib(2024, 11, 6, 9), last_post=datetime(2024, 9, 29, tzinfo=UTC))
    move(db, SEKAYU, "active", wib(2024, 11, 22, 9), last_post=wib(2024, 11, 22, 8))
    move(db, IG, "unknown", wib(2024, 9, 30, 9), reason=IG_REASON)
    move(db, DISHUB, "unreachable", wib(2024, 11, 12, 9), reason="the last 3 checks failed; latest: DNS error")
    move(db, BAPPEDA, "active", wib(2024, 11, 21, 9), last_post=wib(2024, 11, 21, 8))
    move(db, BANDUNG, "dormant", wib(2024, 11, 19, 9), last_post=datetime(2024, 9, 1, tzinfo=UTC))
    return db


def config(server=None, **extra):
    raw = {"recipients": RECIPIENTS, **extra}
    if server is not None:
        raw["smtp"] = server.smtp_config()
    return from_dict(raw, None)


# --- weeks ----------------------------------------------------------------------------


def test_week_bounds_are_jakarta_midnights():
    label, start, end = iso_week_bounds("2024-W47", "Asia/Jakarta", NOW)

    # It should run from Monday 00:00 WIB to the next Monday 00:00 WIB.
    assert label == "2024-W47"
    assert (start, end) == (wib(2024, 11, 18, 0), wib(2024, 11, 25, 0))
    assert start == datetime(2024, 11, 17, 17, 0, tzinfo=UTC)


def test_the_default_week_is_the_last_full_week_in_jakarta():
    # It should pick the week that just ended on Monday morning in Jakarta — still Sunday in UTC.
    assert iso_week_bounds(None, "Asia/Jakarta", wib(2024, 11, 25, 7))[0] == "2024-W47"
    assert iso_week_bounds(None, "Asia/Jakarta", wib(2024, 11, 24, 23, 30))[0] == "2024-W46"
    assert iso_week_bounds(None, "UTC", wib(2024, 11, 25, 3))[0] == "2024-W46"
    # Across a year end the ISO year is the week's, not the calendar's.
    assert iso_week_bounds(None, "Asia/Jakarta", wib(2025, 1, 6, 7))[0] == "2025-W01"


def test_it_rejects_a_week_that_does_not_exist():
    assert iso_week_bounds("2020-W53", "Asia/Jakarta", NOW)[0] == "2020-W53"
    # It should say which weeks the year has.
    with pytest.raises(ValueError, match="2021 has weeks W01 to W52"):
        iso_week_bounds("2021-W53", "Asia/Jakarta", NOW)
    with pytest.raises(ValueError, match="should look like"):
        iso_week_bounds("47/2024", "Asia/Jakarta", NOW)


def test_a_change_at_sunday_2330_wib_belongs_to_that_week(db):
    # Sunday 23:30 WIB is 16:30 UTC: inside W47. Monday 03:00 WIB is still Sunday in UTC: W48.
    move(db, BAPPEDA, "dormant", wib(2024, 11, 24, 23, 30), last_post=datetime(2024, 10, 1, tzinfo=UTC))
    move(db, BAPPEDA, "active", wib(2024, 11, 25, 1), last_post=wib(2024, 11, 25, 0, 30))
    move(db, BAPPEDA, "dormant", wib(2024, 11, 25, 3), last_post=datetime(2024, 10, 1, tzinfo=UTC))
    cfg = config()
    kadis = cfg.recipients[0]
    later = wib(2024, 12, 2, 7)

    def newly_dormant(week: str) -> list[str]:
        rep = build_report(
            db,
            cfg,
            kadis,
            iso_week_bounds(week, cfg.timezone, later),
            later,
            trend=[],
            attestations=attestations_by_account(db),
        )
        return [(r["url"], r["changed_at"]) for r in rep.section("new_dormant")]

    # It should count the Sunday-night change in W47 and the Monday-morning one in W48.
    assert (BAPPEDA, "2024-11-24T23:30:00+07:00") in newly_dormant("2024-W47")
    assert newly_dormant("2024-W48") == [(BAPPEDA, "2024-11-25T03:00:00+07:00")]


# --- content --------------------------------------------------------------------------


def test_it_writes_xlsx_csv_and_html_files_for_each_recipient(db, tmp_path):
    out = tmp_path / "out"

    result = weekly_report(db, config(), NOW, out_dir=out)

    assert result.week == "2024-W47" and result.errors == []
    names = sorted(p.name for p in result.files)
    # It should name each file by week and recipient.
    assert names == sorted(
        f"pantau-weekly-2024-W47-{slug}.{ext}"
        for slug in ("kadis-kominfo-mubakab-go-id", "pantau-komdigi-go-id")
        for ext in ("xlsx", "csv", "html")
    )
    assert all(p.exists() and p.stat().st_size > 0 for p in result.files)
    assert result.sent == [] and outbox.reports_of_week(db, "2024-W47") == []


def test_the_csv_lists_every_account_in_scope(db, tmp_path):
    weekly_report(db, config(), NOW, out_dir=tmp_path)

    with open(
        tmp_path / "pantau-weekly-2024-W47-kadis-kominfo-mubakab-go-id.csv", encoding="utf-8-sig", newline=""
    ) as f:
        rows = {r["url"]: r for r in csv.DictReader(f)}

    # It should hold the regency's accounts only, each with its status and evidence.
    assert set(rows) == {DINKES, DISDIK, SEKAYU, IG, DISHUB, BAPPEDA}
    assert rows[DISDIK]["status"] == "close_recommended"
    assert rows[DISDIK]["days_inactive"] == str((NOW - datetime(2024, 7, 1, tzinfo=UTC)).days)
    assert rows[DISDIK]["last_activity_url"] == DISDIK + "/berita/terakhir"
    assert rows[DISDIK]["last_activity_at"] == "2024-07-01T07:00:00+07:00"
    assert rows[DISDIK]["evidence"] == "feed"
    assert rows[IG]["status"] == "unknown" and rows[IG]["reason"] == IG_REASON
    assert rows[IG]["days_inactive"] == ""


def test_the_xlsx_has_a_sheet_per_section(db, tmp_path):
    weekly_report(db, config(), NOW, out_dir=tmp_path)

    wb = openpyxl.load_workbook(tmp_path / "pantau-weekly-2024-W47-kadis-kominfo-mubakab-go-id.xlsx")

    assert wb.sheetnames == [
        "Ringkasan",
        "Baru dormant",
        "Direkomendasikan ditutup",
        "Dormant",
        "Aktif kembali",
        "Tidak dapat dijangkau",
        "Tidak diketahui",
        "Situs disusupi",
        "Jawaban",
        "Diteruskan",
        "Semua akun",
    ]
    summary = {row[0]: row[1] for row in wb["Ringkasan"].iter_rows(min_row=2, values_only=True)}
    assert summary["tidak aktif (dormant)"] == 1 and summary["direkomendasikan ditutup"] == 1
    assert summary["aktif"] == 2 and summary["Total"] == 6

    def urls(sheet: str) -> list[str]:
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        return [row[header.index("URL")] for row in ws.iter_rows(min_row=2, values_only=True)]

    # It should put each account in the sections it belongs to this week.
    assert urls("Baru dormant") == [DINKES]
    assert urls("Direkomendasikan ditutup") == [DISDIK]
    assert urls("Aktif kembali") == [SEKAYU]
    assert urls("Tidak dapat dijangkau") == [DISHUB]
    assert urls("Tidak diketahui") == [IG]
    assert len(urls("Semua akun")) == 6


def test_it_neutralises_formulas_in_csv_and_xlsx(db, tmp_path):
    weekly_report(db, config(), NOW, out_dir=tmp_path)
    base = tmp_path / "pantau-weekly-2024-W47-kadis-kominfo-mubakab-go-id"

    with open(f"{base}.csv", encoding="utf-8-sig", newline="") as f:
        titles = {r["url"]: r["last_activity_title"] for r in csv.DictReader(f)}
    ws = openpyxl.load_workbook(f"{base}.xlsx")["Direkomendasikan ditutup"]
    header = [c.value for c in ws[1]]
    [row] = list(ws.iter_rows(min_row=2, values_only=True))
    cell = ws.cell(row=2, column=header.index("Judul aktivitas terakhir") + 1)

    # It should turn a title that is a formula into text starting with ' in both files.
    assert titles[DISDIK] == "'" + FORMULA
    assert row[header.index("Judul aktivitas terakhir")] == "'" + FORMULA
    assert cell.data_type == "s"


def test_the_neutraliser_covers_every_formula_start():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        # It should prefix every value a spreadsheet would evaluate, and nothing else.
        assert safe_cell(text) == "'" + text
    assert safe_cell("Rapat = penting") == "Rapat = penting"
    assert safe_cell(-5) == -5 and safe_cell(None) is None


def test_it_counts_past_weeks_from_the_status_history(db):
    cfg = config()
    bounds = iso_week_bounds("2024-W47", cfg.timezone, NOW)
    trend = []
    for wk in ("2024-W44", "2024-W45", "2024-W46", "2024-W47"):
        end = iso_week_bounds(wk, cfg.timezone, NOW)[2]
        trend.append((wk, outbox.status_counts_at(db, end)))

    rep = build_report(db, cfg, cfg.recipients[0], bounds, NOW, trend=trend, attestations={})

    series = {wk: dict(c) for wk, c in rep.trend}
    # It should rebuild each week's status counts from the changes recorded up to its end.
    assert series["2024-W44"] == {"active": 2, "close_recommended": 1, "unknown": 3}
    assert series["2024-W45"] == {"active": 1, "dormant": 1, "close_recommended": 1, "unknown": 3}
    assert series["2024-W46"] == {"active": 1, "dormant": 1, "close_recommended": 1, "unknown": 2, "unreachable": 1}
    assert series["2024-W47"] == {"active": 2, "dormant": 1, "close_recommended": 1, "unknown": 1, "unreachable": 1}


# --- sending --------------------------------------------------------------------------


def test_it_mails_each_recipient_with_a_chart_and_attachments(db, smtp_server):
    result = weekly_report(db, config(smtp_server), NOW, send=True)

    assert result.errors == [] and sorted(result.sent) == sorted([KADIS, KOMDIGI])
    [msg] = [r.message for r in smtp_server.received if r.rcpt_tos == [KADIS]]
    assert msg["Subject"] == "[pantau] Laporan mingguan 2024-W47: 1 dormant, 1 direkomendasikan ditutup"
    html = msg.get_body(preferencelist=("html",)).get_content()
    # It should draw the chart with tables every mail client shows (no SVG) and fetch nothing.
    assert "<svg" not in html and 'bgcolor="#' in html and "src=" not in html and "url(" not in html
    assert "Arahan Menteri Komunikasi dan Digital (Feb 2025)" in html
    assert {a.get_filename() for a in msg.iter_attachments()} == {
        "pantau-weekly-2024-W47-kadis-kominfo-mubakab-go-id.xlsx",
        "pantau-weekly-2024-W47-kadis-kominfo-mubakab-go-id.csv",
    }
    xlsx = next(a for a in msg.iter_attachments() if a.get_filename().endswith(".xlsx"))
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.get_content()))
    assert "Semua akun" in wb.sheetnames
    [english] = [r.message for r in smtp_server.received if r.rcpt_tos == [KOMDIGI]]
    assert english["Subject"] == "[pantau] Weekly report 2024-W47: 2 dormant, 1 close recommended"


def test_it_attaches_only_the_csv_when_the_format_is_csv(db, smtp_server):
    weekly_report(db, config(smtp_server, report={"format": "csv"}), NOW, send=True)

    [msg] = [r.message for r in smtp_server.received if r.rcpt_tos == [KADIS]]
    assert [a.get_filename()[-4:] for a in msg.iter_attachments()] == [".csv"]


def test_it_does_not_resend_the_same_week_unless_forced(db, smtp_server):
    cfg = config(smtp_server)
    first = weekly_report(db, cfg, NOW, send=True)
    again = weekly_report(db, cfg, NOW + timedelta(hours=1), send=True)

    # It should send a week to a recipient once.
    assert len(first.sent) == 2 and again.sent == [] and sorted(again.skipped) == sorted([KADIS, KOMDIGI])
    assert len(smtp_server.received) == 2

    forced = weekly_report(db, cfg, NOW + timedelta(hours=2), send=True, force=True)
    assert len(forced.sent) == 2 and len(smtp_server.received) == 4
    next_week = weekly_report(db, cfg, NOW + timedelta(days=7), send=True)
    assert next_week.week == "2024-W48" and len(next_week.sent) == 2


def test_a_refused_recipient_is_reported_and_not_recorded_as_sent(db, make_smtp_server):
    server = make_smtp_server(reject=[KADIS])

    result = weekly_report(db, config(server), NOW, send=True)

    # It should send to the others, report the failure, and try the refused one next time.
    assert result.sent == [KOMDIGI]
    assert len(result.errors) == 1 and KADIS in result.errors[0] and "550" in result.errors[0]
    assert [r["email"] for r in outbox.reports_of_week(db, "2024-W47")] == [KOMDIGI]
    server.reject.clear()
    retry = weekly_report(db, config(server), NOW, send=True)
    assert retry.sent == [KADIS] and retry.skipped == [KOMDIGI]


def test_an_smtp_outage_sends_nothing_and_records_nothing(db, smtp_server):
    smtp_server.stop()

    result = weekly_report(db, config(smtp_server), NOW, send=True)

    assert result.sent == [] and len(result.errors) == 2
    # It should record nothing, so the next run sends the week.
    assert outbox.reports_of_week(db, "2024-W47") == []


# --- the chart every mail client shows, and the answer loop's sections -------------------


def test_the_mail_chart_is_a_table_of_bars_as_long_as_the_counts(db, smtp_server):
    import re

    weekly_report(db, config(smtp_server), NOW, send=True)
    [msg] = [r.message for r in smtp_server.received if r.rcpt_tos == [KADIS]]
    html = msg.get_body(preferencelist=("html",)).get_content()
    chart = html.split('role="img"', 1)[1].split("</table>\n", 1)[0]
    rows = re.findall(
        r'<td width="70"[^>]*>(\S+)</td>\s*<td width="440"[^>]*>(.*?)</td>\s*<td width="50"[^>]*>'
        r"<strong>(\d+)</strong>",
        chart,
        re.S,
    )
    by_week = {wk: (cells, int(total)) for wk, cells, total in rows}

    assert len(rows) == 8
    cells, total = by_week["2024-W47"]
    widths = [int(w) for w in re.findall(r'<td width="(\d+)%" height="14" bgcolor', cells)]
    # It should give each status its share of the week's bar, the shares adding up to the whole
    assert total == 6 and sum(widths) == 100 and widths[0] == 33 and len(widths) == 5
    assert 'bgcolor="#b71c1c"' in cells  # close_recommended's colour
    assert 'title="direkomendasikan ditutup 1"' in cells


def test_the_report_lists_the_answers_and_escalations_of_the_week(db):
    from pantau.storage.followups import add_followup_alert
    from pantau.storage.responses import record_response

    cfg = config()
    record_response(
        db,
        account_id(db, DISDIK),
        "will_reactivate",
        who="kadis@kominfo.mubakab.go.id",
        at=wib(2024, 11, 19, 10),
        by=datetime(2024, 12, 31).date(),
        note="admin baru",
    )
    record_response(db, account_id(db, DINKES), "closed", who="cli:budi", at=wib(2024, 11, 12, 10))  # W46
    add_followup_alert(
        db,
        account_id(db, DISDIK),
        "escalated",
        "change-1:1",
        None,
        {"step": 1, "to": "16", "days": 14},
        wib(2024, 11, 18, 8),
    )
    bounds = iso_week_bounds("2024-W47", cfg.timezone, NOW)

    rep = build_report(db, cfg, cfg.recipients[0], bounds, NOW, trend=[], attestations={})

    # It should list this week's answers with who gave them, and this week's escalations
    assert [r["detail"] for r in rep.section("answers")] == [
        "aktif kembali paling lambat 2024-12-31: admin baru (kadis@kominfo.mubakab.go.id)"
    ]
    assert [r["detail"] for r in rep.section("escalated")] == [
        "langkah 1: diteruskan ke 16 setelah 14 hari tanpa jawaban"
    ]
    assert (
        "Jawaban instansi minggu ini (1)" in rep.text and "Diteruskan karena belum dijawab, minggu ini (1)" in rep.html
    )
