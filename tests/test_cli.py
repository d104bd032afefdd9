"""The `pantau` command as operators and their scripts use it: real processes, loopback sites."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest

from pantau.monitor.demo.server import Route

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"
STATUSES = {"active", "warning", "dormant", "close_recommended", "unreachable", "unknown", "retired"}
KEYS = (
    "id",
    "institution",
    "region",
    "platform",
    "handle",
    "url",
    "status",
    "last_activity_at",
    "last_activity_url",
    "evidence",
    "last_checked_at",
    "days_inactive",
    "reason",
)


@pytest.fixture(scope="module")
def checked(tmp_path_factory, module_sites, new_project):
    """Five accounts of Sumatera Selatan, imported and checked once with `pantau check --all`."""
    kominfo = module_sites.serve(
        {
            "/": "kominfo_wp_home.html",
            "/feed/": "kominfo_wp_feed.rss.xml",
            "/comments/feed/": "kominfo_wp_comments.rss.xml",
        }
    )
    portal = module_sites.serve({"/": "portal_oki_home.html"})
    dinkes = module_sites.serve({"/": Route("<h1>500 Internal Server Error</h1>", status=500)})
    disparbud = module_sites.serve({"/rss.xml": "disparbud_feed.rss.xml"})
    p = new_project(tmp_path_factory.mktemp("cli") / "kominfo", LOOPBACK)
    p.write(
        "registry.csv",
        HEADER
        + f"Dinas Komunikasi dan Informatika Kab. Musi Banyuasin,16.06,website,,{kominfo.url},,,,\n"
        + f"Pemerintah Kabupaten Ogan Komering Ilir,16.02,website,,{portal.url},,,,\n"
        + f"Dinas Kesehatan Kab. Musi Banyuasin,16.06,website,,{dinkes.url},,,,\n"
        + "Dinas Komunikasi dan Informatika Kab. Musi Banyuasin,16.06,instagram,,"
        "https://www.instagram.com/kominfomuba/,,,,\n"
        + f"Dinas Pariwisata dan Kebudayaan Kab. Ogan Komering Ilir,16.02,feed,,{disparbud.url}/rss.xml,,,,\n",
    )
    imported = p.run("registry", "import", "registry.csv")
    assert imported.returncode == 0, imported.stderr
    p.check = p.run("check", "--all")
    p.ids = {a["url"]: a["id"] for a in p.accounts()}
    p.urls = {
        "kominfo": kominfo.url,
        "portal": portal.url,
        "dinkes": dinkes.url,
        "instagram": "https://instagram.com/kominfomuba",
        "disparbud": f"{disparbud.url}/rss.xml",
    }
    return p


LOOPBACK = """
[crawler]
allow_private_addresses = true
obey_robots = false
timeout_s = 5
retries = 0
"""


def status(p, *args: str, now: str | None = None) -> list[dict]:
    result = p.run("status", "--format", "json", *args, now=now)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def by_name(p, rows: list[dict]) -> dict[str, dict]:
    names = {url: name for name, url in p.urls.items()}
    return {names[r["url"]]: r for r in rows}


def is_iso_with_offset(value: str) -> bool:
    return datetime.fromisoformat(value).utcoffset() is not None


def test_check_all_reads_every_account_and_prints_a_summary(checked):
    # It should check all five, exit 0 and summarise outcomes
    assert checked.check.returncode == 0, checked.check.stderr
    first = checked.check.stdout.splitlines()[0]
    assert first.startswith("checked 5 accounts in ")
    assert "error 1" in first and "ok 3" in first and "unsupported 1" in first


def test_status_json_has_every_promised_key_with_its_type(checked):
    rows = status(checked)

    # It should print one array with the keys and types INTERFACE.md promises
    assert len(rows) == 5
    for row in rows:
        assert set(KEYS) <= set(row), set(KEYS) - set(row)
        assert isinstance(row["id"], int) and not isinstance(row["id"], bool)
        for key in ("institution", "platform", "url", "status", "reason"):
            assert isinstance(row[key], str) and row[key], key
        for key in ("region", "handle", "last_activity_url", "evidence"):
            assert row[key] is None or isinstance(row[key], str), key
        assert row["status"] in STATUSES
        for key in ("last_activity_at", "last_checked_at"):
            assert row[key] is None or is_iso_with_offset(row[key]), (key, row[key])
        assert row["days_inactive"] is None or (type(row["days_inactive"]) is int and row["days_inactive"] >= 0)
        assert (row["last_activity_at"] is None) == (row["days_inactive"] is None)


def test_status_json_tells_each_accounts_story(checked):
    rows = by_name(checked, status(checked))

    # It should show each status with its proof and a reason a person can read
    assert (rows["kominfo"]["status"], rows["kominfo"]["evidence"], rows["kominfo"]["days_inactive"]) == (
        "active",
        "feed",
        1,
    )
    assert rows["kominfo"]["last_activity_url"].endswith(
        "/2024/11/kominfo-muba-gelar-sosialisasi-keamanan-informasi-untuk-opd/"
    )
    assert (rows["portal"]["status"], rows["portal"]["evidence"]) == ("active", "page-date")
    assert rows["disparbud"]["status"] == "dormant"
    assert rows["disparbud"]["days_inactive"] == 45
    assert rows["dinkes"]["status"] == "unknown"
    assert "HTTP 500" in rows["dinkes"]["reason"]
    assert rows["instagram"]["status"] == "unknown"
    assert "instagram" in rows["instagram"]["reason"] and "attest" in rows["instagram"]["reason"]
    assert rows["instagram"]["handle"] == "kominfomuba"
    assert rows["kominfo"]["region"] == "16.06"


def test_times_are_shown_in_jakarta_time(checked):
    rows = by_name(checked, status(checked))

    # It should show WIB (+07:00), the configured zone, for stored UTC times
    assert rows["kominfo"]["last_activity_at"].endswith("+07:00")
    assert rows["kominfo"]["last_checked_at"].endswith("+07:00")


def test_status_csv_has_a_header_and_one_row_per_account(checked):
    result = checked.run("status", "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(result.stdout)))

    # It should write the same columns as the JSON, one account per row
    assert result.returncode == 0, result.stderr
    assert set(KEYS) <= set(rows[0])
    assert sorted(int(r["id"]) for r in rows) == sorted(checked.ids.values())
    assert {r["status"] for r in rows} == {"active", "dormant", "unknown"}


def test_status_can_be_filtered_by_status(checked):
    dormant = status(checked, "--status", "dormant")
    either = status(checked, "--status", "active", "--status", "dormant")

    # It should show only the statuses asked for
    assert set(by_name(checked, dormant)) == {"disparbud"}
    assert set(by_name(checked, either)) == {"kominfo", "portal", "disparbud"}


def test_status_can_be_filtered_by_region_prefix(checked):
    muba = status(checked, "--region", "16.06")
    sumsel = status(checked, "--region", "16")
    other = status(checked, "--region", "31")

    # It should match a region and everything below it
    assert set(by_name(checked, muba)) == {"kominfo", "dinkes", "instagram"}
    assert len(sumsel) == 5
    assert other == []


def test_status_can_be_filtered_by_platform(checked):
    # It should show only the platform asked for
    assert set(by_name(checked, status(checked, "--platform", "feed"))) == {"disparbud"}
    assert set(by_name(checked, status(checked, "--platform", "instagram", "--platform", "feed"))) == {
        "instagram",
        "disparbud",
    }


def test_status_table_is_the_default(checked):
    result = checked.run("status")

    # It should print a table headed by its columns with one line per account
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["id", "status", "days"]
    assert len(lines) == 6


def test_moving_the_clock_moves_the_status(checked):
    later = (datetime.now().astimezone() + timedelta(days=366)).replace(microsecond=0).isoformat()

    rows = by_name(checked, status(checked, now=later))

    # It should derive the status at PANTAU_NOW without a new check
    assert rows["kominfo"]["status"] == "close_recommended"
    assert rows["kominfo"]["days_inactive"] >= 365


# --- commands that change things: each test gets its own project -------------------------


def test_init_writes_a_config_a_registry_and_the_database(tmp_path, new_project):
    target = tmp_path / "srv" / "pantau"
    runner = new_project(tmp_path / "elsewhere")

    first = runner.run("init", str(target), config=False)
    second = runner.run("init", str(target), config=False)

    # It should write the files once, create the database, and say what to do next
    assert first.returncode == 0, first.stderr
    assert (target / "pantau.toml").exists() and (target / "registry.csv").exists()
    assert (target / "pantau.db").exists()
    assert "registry import" in first.stdout
    assert second.returncode == 0 and "kept existing" in second.stdout


def test_the_files_init_writes_work_with_the_other_commands(tmp_path, new_project):
    target = tmp_path / "pantau"
    runner = new_project(tmp_path / "elsewhere")
    runner.run("init", str(target), config=False)
    config = str(target / "pantau.toml")

    imported = runner.run("--config", config, "registry", "import", str(target / "registry.csv"), config=False)
    shown = runner.run("--config", config, "status", "--format", "json", config=False)

    # It should import the example registry and show every account as not checked yet
    assert imported.returncode == 0, imported.stderr
    rows = json.loads(shown.stdout)
    assert len(rows) == 9
    assert {r["reason"] for r in rows} == {"not checked yet"}


def test_attest_makes_the_evidence_attested(project):
    project.write(
        "registry.csv",
        HEADER + "Dinas Komunikasi dan Informatika Kab. Musi Banyuasin,16.06,"
        "instagram,,https://www.instagram.com/kominfomuba/,,,,\n",
    )
    project.run("registry", "import", "registry.csv")
    [account] = project.accounts()
    now = "2024-11-22T10:00:00+07:00"

    result = project.run(
        "attest",
        str(account["id"]),
        "--date",
        "2024-11-20T09:00+07:00",
        "--url",
        "https://www.instagram.com/p/DCx1kominfo/",
        "--note",
        "dicek manual",
        now=now,
    )
    [row] = status(project, now=now)

    # It should make the account follow the attested date, marked as attested
    assert result.returncode == 0, result.stderr
    assert (row["status"], row["evidence"], row["days_inactive"]) == ("active", "attested", 2)
    assert row["last_activity_at"] == "2024-11-20T09:00:00+07:00"
    assert row["last_activity_url"] == "https://www.instagram.com/p/DCx1kominfo/"


def test_an_attestation_without_an_offset_is_in_the_configured_time_zone(project):
    project.write(
        "registry.csv", HEADER + "Pemerintah Provinsi Sumatera Selatan,16,x,,https://twitter.com/sumselprov,,,,\n"
    )
    project.run("registry", "import", "registry.csv")
    [account] = project.accounts()

    project.run("attest", str(account["id"]), "--date", "2024-11-01", now="2024-11-22T03:00:00+00:00")
    [row] = status(project, now="2024-11-22T03:00:00+00:00")

    # It should read a bare date as midnight WIB
    assert row["last_activity_at"] == "2024-11-01T00:00:00+07:00"
    assert row["status"] == "warning"


@pytest.mark.parametrize(
    "args, message",
    [
        (["attest", "999", "--date", "2024-11-20"], "no account with id 999"),
        (["attest", "1", "--date", "20/11/2024"], "is not ISO 8601"),
        (["attest", "1", "--date", "2024-12-25"], "is in the future"),
    ],
)
def test_a_bad_attestation_exits_2_with_a_reason(project, args, message):
    project.write("registry.csv", HEADER + "Diskominfo Muba,16.06,instagram,kominfomuba,,,,,\n")
    project.run("registry", "import", "registry.csv")

    result = project.run(*args, now="2024-11-22T03:00:00+00:00")

    # It should refuse the attestation and say why, on one line
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_retire_marks_the_account_retired_and_it_is_not_checked_again(project, sites):
    lama = sites.serve({"/": "kominfo_wp_home.html", "/feed/": "kominfo_wp_feed.rss.xml"})
    project.write("registry.csv", HEADER + f"Kantor Kecamatan Sekayu (situs lama),16.06.01,website,,{lama.url},,,,\n")
    project.run("registry", "import", "registry.csv")
    [account] = project.accounts()

    retired = project.run("retire", str(account["id"]), "--reason", "situs digabung ke portal kabupaten")
    check_all = project.run("check", "--all")
    check_due = project.run("check")
    check_one = project.run("check", "--account", str(account["id"]))
    [row] = status(project)

    # It should show it retired with the reason, and never fetch it again
    assert retired.returncode == 0, retired.stderr
    assert row["status"] == "retired"
    assert "situs digabung ke portal kabupaten" in row["reason"]
    assert lama.hits == []
    assert check_all.returncode == 0 and "nothing to check" in check_all.stdout
    assert check_due.returncode == 0 and "nothing to check" in check_due.stdout
    assert check_one.returncode == 2 and "no such account (or retired)" in check_one.stderr


def test_check_without_flags_checks_only_accounts_that_are_due(project, sites):
    site = sites.serve({"/": "kominfo_wp_home.html", "/feed/": "kominfo_wp_feed.rss.xml"})
    project.write("registry.csv", HEADER + f"Diskominfo Muba,16.06,website,,{site.url},,,,\n")
    project.run("registry", "import", "registry.csv")

    first = project.run("check")
    again = project.run("check")

    # It should check a new account, then wait for its next turn
    assert first.stdout.startswith("checked 1 accounts")
    assert again.returncode == 0 and "nothing to check" in again.stdout


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["periksa"],
        ["status", "--format", "xml"],
        ["status", "--status", "tidur"],
        ["attest", "satu", "--date", "2024-11-20"],
        ["attest", "1"],
        ["registry"],
        ["check", "--account", "abc"],
    ],
)
def test_bad_usage_exits_2(project, args):
    result = project.run(*args)

    # It should exit 2 and print usage help on stderr
    assert result.returncode == 2
    assert "usage: pantau" in result.stderr


def test_a_missing_config_exits_2_with_a_one_line_reason(tmp_path, new_project):
    p = new_project(tmp_path / "kosong")
    p.config.unlink()

    result = p.run("status")

    # It should say which file is missing and how to make one, on one line of stderr
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "pantau.toml" in line and "pantau init" in line


def test_a_broken_config_exits_2_naming_the_key(tmp_path, new_project):
    p = new_project(tmp_path / "rusak", "[crawler]\ntimeout = 5\n")

    result = p.run("check", "--all")

    # It should refuse to run with a one-line reason that names the key
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "crawler.timeout" in line and 'did you mean "timeout_s"' in line
