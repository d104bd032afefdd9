"""Kemendagri regions by name: the shipped table checks every code and names it in every output."""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import UTC, datetime, timedelta
from importlib.resources import files

import pytest
from conftest import pantau_command

from pantau.alerts.report import build_report
from pantau.alerts.send import send_pending
from pantau.alerts.weeks import iso_week_bounds
from pantau.config.regions import region_name, table
from pantau.config.settings import from_dict
from pantau.monitor.policy import alert_kind
from pantau.storage.accounts import attestations_by_account, get_account, import_accounts
from pantau.storage.db import open_db
from pantau.storage.observations import record_observation
from pantau.storage.status import apply_status

pytest_plugins = ["tests.smtp_server"]

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"
NOW = datetime(2024, 11, 25, 0, 0, tzinfo=UTC)
KADIS = "kadis@kominfo.mubakab.go.id"


# --- the table ---------------------------------------------------------------------------


def test_the_shipped_table_holds_every_province_regency_and_district_with_its_attribution():
    levels = [r.level for r in table().values()]

    # It should ship the whole table (38 provinces, 514 regencies/cities, 7,285 districts)
    assert (levels.count(1), levels.count(2), levels.count(3)) == (38, 514, 7285)
    notice = (files("pantau.config") / "data" / "README.md").read_text(encoding="utf-8")
    assert "cahyadsn/wilayah" in notice and "b7ad440a1322e7be3189a16a8cac35f7d4c3d7f7" in notice
    assert "Copyright (c) 2017-2025 Cahya DSN" in notice and "300.2.2-2430" in notice


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("16", "Sumatera Selatan"),
        ("16.06", "Kabupaten Musi Banyuasin"),
        ("16.06.01", "Sekayu"),
        ("16.06.01.2001", "Sekayu"),
        ("14.71", "Kota Pekanbaru"),
        ("", None),
        ("16.99", None),
    ],
)
def test_a_code_is_named_as_in_the_kemendagri_table(code, name):
    # It should give the table's own name (a village is named after its district)
    assert region_name(code) == name


# --- registry import --------------------------------------------------------------------


def test_a_code_that_does_not_exist_is_rejected_while_the_good_rows_go_in(project):
    project.write(
        "registry.csv",
        HEADER
        + "Pemerintah Kabupaten Musi Banyuasin,16.06,website,,https://mubakab.go.id,,,,\n"
        + "Dinas Kominfo Sumsel,16.99,website,,https://kominfo.sumselprov.go.id,,,,\n",
    )

    result = project.run("registry", "import", "registry.csv")

    assert result.returncode == 2
    assert result.stdout.strip() == "added 1, updated 0, unchanged 0, rejected 1"
    # It should say the code is not in the table, and what 16 is
    assert result.stderr.strip() == (
        'registry.csv:3: region "16.99" is not in the Kemendagri table (Kepmendagri 300.2.2-2138/2025 '
        "as amended by 300.2.2-2430/2025; 16 is Sumatera Selatan, but it has no 16.99)"
    )


def test_a_name_typed_instead_of_a_code_gets_the_closest_code(project):
    project.write(
        "registry.csv",
        HEADER
        + "Dinas Kominfo Kab. Musi Banyuasin,Musi Banyuasin,website,,https://kominfo.mubakab.go.id,,,,\n"
        + "Dinas Kominfo Kota Bandung,Bandung,website,,https://diskominfo.bandung.go.id,,,,\n",
    )

    result = project.run("registry", "import", "registry.csv")

    assert result.returncode == 2
    # It should point at the code of the region that name means (both, when a name is shared)
    assert result.stderr.splitlines() == [
        'registry.csv:2: region "Musi Banyuasin" is not in the Kemendagri table '
        '(did you mean "16.06" (Kabupaten Musi Banyuasin)?)',
        'registry.csv:3: region "Bandung" is not in the Kemendagri table '
        '(did you mean "32.04" (Kabupaten Bandung) or "32.73" (Kota Bandung)?)',
    ]
    assert project.accounts() == []


def test_a_yaml_registry_with_a_city_name_is_rejected_with_its_code(project):
    project.write(
        "registry.yaml",
        '- institution: Diskominfo Kota Pekanbaru\n  region: "Pekanbaru"\n'
        "  platform: website\n  url: https://diskominfo.pekanbaru.go.id\n",
    )

    result = project.run("registry", "import", "registry.yaml")

    # It should name Kota Pekanbaru's code, 14.71
    assert result.stderr.strip() == (
        'registry.yaml:1: region "Pekanbaru" is not in the Kemendagri table (did you mean "14.71" (Kota Pekanbaru)?)'
    )


# --- recipients ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regions", "message"),
    [
        ('["16.99"]', 'region "16.99" is not in the Kemendagri table (Kepmendagri'),
        (
            '["Musi Banyuasin"]',
            'region "Musi Banyuasin" is not in the Kemendagri table (did you mean "16.06" (Kabupaten Musi Banyuasin)?)',
        ),
    ],
)
def test_a_recipient_with_an_unknown_region_stops_pantau_at_config_load(project, regions, message):
    project.config.write_text(
        project.config.read_text(encoding="utf-8")
        + f'\n[[recipients]]\nname = "Kadis"\nemail = "{KADIS}"\nregions = {regions}\n',
        encoding="utf-8",
    )

    result = project.run("status")

    # It should refuse to start (exit 2) and say which recipient and which region
    assert result.returncode == 2
    assert "recipients #1" in result.stderr and message in result.stderr


# --- outputs ------------------------------------------------------------------------------


def test_status_shows_region_names_in_json_csv_and_the_table(project):
    project.write(
        "registry.csv",
        HEADER
        + "Pemerintah Kabupaten Musi Banyuasin,16.06,website,,https://mubakab.go.id,,,,\n"
        + "Kecamatan Sekayu,16.06.01,website,,https://sekayu.mubakab.go.id,,,,\n"
        + "Kementerian Komunikasi dan Digital,,website,,https://komdigi.go.id,,,,\n",
    )
    project.run("registry", "import", "registry.csv")

    rows = json.loads(project.run("status", "--format", "json").stdout)
    table_text = project.run("status").stdout
    csv_rows = list(csv.DictReader(project.run("status", "--format", "csv").stdout.splitlines()))

    # It should carry the Kemendagri name beside the code, and null without a region
    assert [(r["region"], r["region_name"]) for r in rows] == [
        ("16.06", "Kabupaten Musi Banyuasin"),
        ("16.06.01", "Sekayu"),
        (None, None),
    ]
    assert [r["region_name"] for r in csv_rows] == ["Kabupaten Musi Banyuasin", "Sekayu", ""]
    assert "Kabupaten Musi Banyuasin" in table_text.splitlines()[1]


def _db_with_alerts(tmp_path):
    db = open_db(tmp_path / "p.db")
    import_accounts(
        db,
        [
            {
                "institution": "Dinas Kesehatan Kab. Musi Banyuasin",
                "region": "16.06",
                "platform": "website",
                "url": "https://dinkes.mubakab.go.id",
            },
            {
                "institution": "Kecamatan Sekayu",
                "region": "16.06.01",
                "platform": "website",
                "url": "https://sekayu.mubakab.go.id",
            },
            {
                "institution": "Dinas Kominfo Kota Palembang",
                "region": "16.71",
                "platform": "website",
                "url": "https://diskominfo.palembang.go.id",
            },
            {
                "institution": "Dinas Kominfo Kab. Bandung",
                "region": "32.04",
                "platform": "website",
                "url": "https://diskominfo.bandungkab.go.id",
            },
        ],
        NOW - timedelta(days=200),
    )
    for acc in list(db["accounts"].rows):
        record_observation(
            db,
            {
                "account_id": acc["id"],
                "checked_at": NOW - timedelta(days=3),
                "outcome": "ok",
                "evidence": "feed",
                "activity_at": NOW - timedelta(days=45),
                "activity_url": acc["url"] + "/berita/1",
                "activity_title": "Rapat",
            },
        )
        current = get_account(db, acc["id"])
        apply_status(
            db,
            current,
            "dormant",
            "last activity 45 days ago",
            NOW - timedelta(days=3),
            alert_kind=alert_kind(current["status"], "dormant"),
            days_inactive=45,
        )
    return db


def test_the_digest_names_the_region_of_each_account(tmp_path, smtp_server):
    db = _db_with_alerts(tmp_path)
    cfg = from_dict(
        {"smtp": smtp_server.smtp_config(), "recipients": [{"name": "Kadis", "email": KADIS, "regions": ["16.06"]}]},
        None,
    )

    send_pending(db, cfg, NOW)

    mail = next(r.message for r in smtp_server.received if r.rcpt_tos == [KADIS])
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    # It should write the region's name, not only its code
    assert "Wilayah: Kabupaten Musi Banyuasin (16.06)" in text
    assert "Wilayah: Sekayu (16.06.01)" in text
    assert "Kabupaten Musi Banyuasin · 16.06" in html


def test_the_weekly_report_groups_accounts_by_province_and_regency_by_name(tmp_path):
    db = _db_with_alerts(tmp_path)
    cfg = from_dict({"recipients": [{"name": "Komdigi", "email": "pantau@komdigi.go.id", "regions": ["*"]}]}, None)

    rep = build_report(
        db,
        cfg,
        cfg.recipients[0],
        iso_week_bounds(None, "Asia/Jakarta", NOW),
        NOW,
        trend=[],
        attestations=attestations_by_account(db),
    )

    lines = rep.text.splitlines()
    start = lines.index("== Per wilayah (provinsi, kabupaten/kota) ==")
    # It should list provinces by name, each followed by its regencies and cities by name
    assert lines[start + 1 : start + 6] == [
        "* Jawa Barat (32): Total 1 · tidak aktif (dormant) 1",
        "  - Kabupaten Bandung (32.04): Total 1 · tidak aktif (dormant) 1",
        "* Sumatera Selatan (16): Total 3 · tidak aktif (dormant) 3",
        "  - Kabupaten Musi Banyuasin (16.06): Total 2 · tidak aktif (dormant) 2",
        "  - Kota Palembang (16.71): Total 1 · tidak aktif (dormant) 1",
    ]
    assert "Kabupaten Musi Banyuasin" in rep.html
    # It should carry the names in the attachment rows too
    assert {a["region_name"] for a in rep.accounts} == {
        "Kabupaten Musi Banyuasin",
        "Sekayu",
        "Kota Palembang",
        "Kabupaten Bandung",
    }


# --- the starter registry -------------------------------------------------------------------


def test_init_national_writes_the_starter_registry_which_imports_cleanly(tmp_path):
    folder = tmp_path / "nasional"
    made = subprocess.run(
        pantau_command() + ["init", str(folder), "--national"], capture_output=True, text=True, check=False, timeout=120
    )
    assert made.returncode == 0, made.stderr
    with open(folder / "registry.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))

    imported = subprocess.run(
        pantau_command()
        + ["--config", str(folder / "pantau.toml"), "registry", "import", str(folder / "registry.csv")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    # It should write one website per province and regency/city with a URL (402) and import every one
    assert len(rows) == 402
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "added 402, updated 0, unchanged 0, rejected 0"
    assert {r["platform"] for r in rows} == {"website"}
    assert all("via Govdirectory" in r["note"] and "CC0" in r["note"] for r in rows)
    muba = next(r for r in rows if r["region"] == "16.06")
    assert muba["institution"] == "Pemerintah Kabupaten Musi Banyuasin"
