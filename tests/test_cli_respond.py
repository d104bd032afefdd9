"""`pantau respond`: the office's answer on the command line, shown in the status JSON."""

from __future__ import annotations

import getpass
import json

REGISTRY = (
    "institution,region,platform,url\n"
    "Dinas Pariwisata Kab. Musi Banyuasin,16.06,website,https://dispar.mubakab.go.id/\n"
    "Dinas Perpustakaan Kab. Musi Banyuasin,16.06,website,https://dispusip.mubakab.go.id/\n"
)
NOW = "2025-03-03T02:00:00+00:00"


def test_it_records_each_kind_of_answer_with_who_and_when(project):
    project.write("registry.csv", REGISTRY)
    project.run("registry", "import", "registry.csv", now=NOW)

    promise = project.run("respond", "1", "--will-reactivate-by", "2025-03-31", "--note", "admin baru", now=NOW)
    exception = project.run("respond", "2", "--exception", "akun arsip Pilkada", "--note", "SK 12/2025", now=NOW)
    rows = {r["id"]: r for r in json.loads(project.run("status", "--format", "json", now=NOW).stdout)}

    assert promise.returncode == 0 and exception.returncode == 0, promise.stderr + exception.stderr
    # It should show the answer in the status JSON as INTERFACE.md promises
    assert rows[1]["response"] == {
        "kind": "will_reactivate",
        "by": "2025-03-31",
        "note": "admin baru",
        "at": "2025-03-03T09:00:00+07:00",
    }
    assert rows[2]["response"]["kind"] == "exception"
    assert rows[2]["response"]["note"] == "akun arsip Pilkada; SK 12/2025"
    assert f"(by cli:{getpass.getuser()})" in promise.stdout

    closed = project.run("respond", "1", "--closed", now=NOW)
    after = {r["id"]: r for r in json.loads(project.run("status", "--format", "json", now=NOW).stdout)}
    # It should let a newer answer replace the older one
    assert closed.returncode == 0 and after[1]["response"]["kind"] == "closed" and after[1]["response"]["by"] is None


def test_it_refuses_an_answer_it_cannot_record(project):
    project.write("registry.csv", REGISTRY)
    project.run("registry", "import", "registry.csv", now=NOW)

    past = project.run("respond", "1", "--will-reactivate-by", "2025-01-31", now=NOW)
    missing = project.run("respond", "99", "--closed", now=NOW)
    two = project.run("respond", "1", "--closed", "--exception", "x", now=NOW)

    # It should exit 2 with the reason for a past date, an unknown account, or two answers at once
    assert past.returncode == 2 and "already past" in past.stderr
    assert missing.returncode == 2 and "no account with id 99" in missing.stderr
    assert two.returncode == 2
    assert json.loads(project.run("status", "--format", "json", now=NOW).stdout)[0]["response"] is None


def test_the_csv_status_still_has_its_columns_with_an_answer_recorded(project):
    project.write("registry.csv", REGISTRY)
    project.run("registry", "import", "registry.csv", now=NOW)
    project.run("respond", "1", "--closed", now=NOW)
    out = project.run("status", "--format", "csv", now=NOW)
    # It should keep the CSV flat (the answer is in the JSON)
    assert out.returncode == 0 and out.stdout.splitlines()[0].startswith("id,institution,region")
