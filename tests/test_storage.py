"""The SQLite store: WAL, migrations, last activity that only moves forward, status rows."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import sqlite_utils

from pantau.config.registry import validate_row
from pantau.storage import accounts as acc
from pantau.storage.db import migrations, open_db, schema_version
from pantau.storage.observations import record_observation
from pantau.storage.status import apply_status, status_history
from pantau.storage.timefmt import from_iso

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path):
    store = open_db(tmp_path / "pantau.db")
    yield store
    store.conn.close()


def add_account(db, url="https://mubakab.go.id", platform="website", **fields) -> dict:
    row = validate_row(
        2,
        {
            "institution": "Pemerintah Kabupaten Musi Banyuasin",
            "region": "16.06",
            "platform": platform,
            "url": url,
            **fields,
        },
    )
    acc.import_accounts(db, [row.as_record()], NOW)
    found = db.execute("select id from accounts where platform = ? and url = ?", [row.platform, row.url]).fetchone()
    return acc.get_account(db, found[0])


def observe(db, account_id, outcome="ok", days_ago=None, checked=NOW, slug="berita", **extra) -> int:
    obs = {
        "account_id": account_id,
        "checked_at": checked,
        "outcome": outcome,
        "http_status": 200,
        "activity_at": None,
        "activity_url": None,
        "activity_title": None,
        "evidence": None,
        "error": None,
        "duration_ms": 120,
        "bytes": 4096,
        "requests": 2,
        "not_modified": False,
    }
    if days_ago is not None:
        obs.update(
            activity_at=checked - timedelta(days=days_ago),
            activity_url=f"https://mubakab.go.id/{slug}",
            activity_title=f"Judul {slug}",
            evidence="feed",
        )
    obs.update(extra)
    return record_observation(db, obs)


def test_the_store_runs_in_wal_mode(db):
    # It should let the daemon, the CLI and a report job share the file
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_a_reader_is_not_blocked_by_a_writer_in_the_middle_of_a_transaction(tmp_path, db):
    add_account(db)
    writer = sqlite3.connect(tmp_path / "pantau.db", isolation_level=None)
    writer.execute("begin immediate")
    writer.execute("update accounts set note = 'sedang diubah'")

    reader = open_db(tmp_path / "pantau.db")
    try:
        # It should read the last committed state while another connection writes
        assert [a["note"] for a in acc.export_accounts(reader)] == [""]
    finally:
        writer.execute("rollback")
        writer.close()
        reader.conn.close()


def test_every_migration_is_recorded_in_the_database(db):
    applied = [m.name for m in migrations.applied(db)]

    # It should apply all migrations, in order, and record each
    assert applied[0] == "m001_initial"
    assert migrations.pending(db) == []
    assert schema_version(db) == len(applied)
    assert {"accounts", "observations", "status_changes", "alerts", "attestations"} <= set(db.table_names())


def test_opening_the_store_again_applies_nothing(tmp_path, db):
    add_account(db)
    before = [(m.name, m.applied_at) for m in migrations.applied(db)]

    again = open_db(tmp_path / "pantau.db")
    try:
        # It should leave the recorded migrations and the rows as they were
        assert [(m.name, m.applied_at) for m in migrations.applied(again)] == before
        assert len(acc.export_accounts(again)) == 1
    finally:
        again.conn.close()


def test_an_older_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "lama.db"
    old = sqlite_utils.Database(path)
    names = [m.name for m in migrations.pending(old)]
    migrations.apply(old, stop_before=names[1:] or None)
    add_account(old)
    old.conn.close()

    upgraded = open_db(path)
    try:
        # It should apply the missing migrations and keep the existing accounts
        assert [m.name for m in migrations.applied(upgraded)] == names
        assert [a["url"] for a in acc.export_accounts(upgraded)] == ["https://mubakab.go.id"]
    finally:
        upgraded.conn.close()


def test_last_activity_never_moves_backwards(db):
    a = add_account(db)
    observe(db, a["id"], days_ago=2, slug="berita/1240-pj-bupati-tinjau-posko-banjir")

    # A feed trimmed to older entries, or an older sitemap, must not roll the proof back.
    observe(db, a["id"], days_ago=10, checked=NOW + timedelta(hours=6), slug="berita/1199-lama")
    stored = acc.get_account(db, a["id"])

    # It should keep the newer activity with its own proof
    assert from_iso(stored["last_activity_at"]) == NOW - timedelta(days=2)
    assert stored["last_activity_url"] == "https://mubakab.go.id/berita/1240-pj-bupati-tinjau-posko-banjir"
    assert stored["last_activity_title"] == "Judul berita/1240-pj-bupati-tinjau-posko-banjir"
    assert stored["last_checked_at"] == (NOW + timedelta(hours=6)).isoformat()
    assert db.execute("select count(*) from observations").fetchone()[0] == 2


def test_newer_activity_replaces_the_proof(db):
    a = add_account(db)
    observe(db, a["id"], days_ago=10, slug="lama")

    observe(db, a["id"], days_ago=1, checked=NOW + timedelta(days=1), slug="baru")
    stored = acc.get_account(db, a["id"])

    # It should move the activity, url, title and evidence forward together
    assert from_iso(stored["last_activity_at"]) == NOW
    assert (stored["last_activity_url"], stored["evidence"]) == ("https://mubakab.go.id/baru", "feed")


def test_a_failed_check_counts_failures_and_keeps_the_last_activity(db):
    a = add_account(db)
    observe(db, a["id"], days_ago=3)

    for hour in (6, 12):
        observe(
            db,
            a["id"],
            outcome="error",
            checked=NOW + timedelta(hours=hour),
            error="timed out reading https://mubakab.go.id/",
        )
    failing = acc.get_account(db, a["id"])
    observe(db, a["id"], outcome="ok", checked=NOW + timedelta(hours=18))
    recovered = acc.get_account(db, a["id"])

    # It should count consecutive failures, reset them on success, and keep the proof throughout
    assert failing["consecutive_failures"] == 2
    assert failing["last_error"] == "timed out reading https://mubakab.go.id/"
    assert failing["last_activity_at"] == (NOW - timedelta(days=3)).isoformat()
    assert recovered["consecutive_failures"] == 0
    assert recovered["last_error"] is None


def test_an_observation_for_a_missing_account_is_refused(db):
    # It should refuse it rather than store an orphan observation
    with pytest.raises((KeyError, sqlite3.IntegrityError)):
        observe(db, 999)
    assert db.execute("select count(*) from observations").fetchone()[0] == 0


def test_a_status_change_writes_the_change_and_its_alert_once(db):
    a = add_account(db)

    change = apply_status(
        db, a, "dormant", "last activity 40 days ago (feed), over 30 days", NOW, alert_kind="dormant", days_inactive=40
    )
    stored = acc.get_account(db, a["id"])

    # It should record the transition and its outbox row together
    assert change is not None
    assert (stored["status"], stored["status_changed_at"]) == ("dormant", NOW.isoformat())
    [row] = status_history(db, a["id"])
    assert (row["old_status"], row["new_status"], row["days_inactive"]) == ("unknown", "dormant", 40)
    [alert] = list(db.query("select * from alerts"))
    assert (alert["kind"], alert["status_change_id"], alert["processed_at"]) == ("dormant", change, None)


def test_applying_the_same_status_again_writes_nothing(db):
    a = add_account(db)
    apply_status(db, a, "dormant", "over 30 days", NOW, alert_kind="dormant")

    again = apply_status(
        db, acc.get_account(db, a["id"]), "dormant", "over 30 days", NOW + timedelta(hours=1), alert_kind="dormant"
    )

    # It should not write a second change or a second alert
    assert again is None
    assert db.execute("select count(*) from status_changes").fetchone()[0] == 1
    assert db.execute("select count(*) from alerts").fetchone()[0] == 1


def test_a_stale_account_row_does_not_record_a_transition_twice(db):
    a = add_account(db)  # read before anyone evaluated it: status "unknown"
    apply_status(db, a, "dormant", "over 30 days", NOW, alert_kind="dormant")

    # The CLI and the daemon both read "unknown" and both decided "dormant".
    second = apply_status(db, a, "dormant", "over 30 days", NOW, alert_kind="dormant")

    # It should let only the first writer record the transition
    assert second is None
    assert db.execute("select count(*) from status_changes").fetchone()[0] == 1
    assert db.execute("select count(*) from alerts").fetchone()[0] == 1


def test_a_new_reason_for_the_same_status_updates_the_reason_only(db):
    a = add_account(db)
    apply_status(db, a, "dormant", "last activity 31 days ago (feed), over 30 days", NOW, alert_kind="dormant")

    apply_status(
        db,
        acc.get_account(db, a["id"]),
        "dormant",
        "last activity 32 days ago (feed), over 30 days",
        NOW + timedelta(days=1),
    )

    # It should keep the reason current without recording a transition
    assert acc.get_account(db, a["id"])["status_reason"] == "last activity 32 days ago (feed), over 30 days"
    assert db.execute("select count(*) from status_changes").fetchone()[0] == 1


def test_a_second_dormancy_later_is_a_new_alert(db):
    a = add_account(db)
    apply_status(db, a, "dormant", "over 30 days", NOW, alert_kind="dormant")
    apply_status(
        db, acc.get_account(db, a["id"]), "active", "posted again", NOW + timedelta(days=1), alert_kind="revived"
    )

    apply_status(
        db, acc.get_account(db, a["id"]), "dormant", "over 30 days", NOW + timedelta(days=40), alert_kind="dormant"
    )

    # It should treat each episode as its own alert
    assert [r["kind"] for r in db.query("select kind from alerts order by id")] == ["dormant", "revived", "dormant"]


def test_accounts_never_planned_are_due_and_retired_ones_never(db):
    kept = add_account(db, "https://mubakab.go.id")
    closed = add_account(db, "https://lama.mubakab.go.id")
    acc.retire_account(db, closed["id"], "situs lama sudah ditutup", NOW)

    due = acc.due_accounts(db, NOW)

    # It should offer every unplanned account for checking, except retired ones
    assert [a["id"] for a in due] == [kept["id"]]
    retired = acc.get_account(db, closed["id"])
    assert (retired["retired_at"], retired["retired_reason"]) == (NOW.isoformat(), "situs lama sudah ditutup")


def test_an_account_is_due_once_its_next_check_time_has_come(db):
    a = add_account(db)
    acc.set_next_check(db, a["id"], NOW + timedelta(hours=6))

    # It should not be due before its time, and due from then on
    assert acc.due_accounts(db, NOW + timedelta(hours=5)) == []
    assert [x["id"] for x in acc.due_accounts(db, NOW + timedelta(hours=6))] == [a["id"]]


def test_first_checks_are_spread_over_one_interval(db):
    for i in range(60):
        add_account(db, f"https://opd{i}.mubakab.go.id")
    interval = timedelta(hours=6)

    planned = acc.plan_unplanned(db, NOW, interval)
    times = [from_iso(r[0]) for r in db.execute("select next_check_at from accounts")]

    # It should give each account a time inside the interval, not all on the hour
    assert planned == 60
    assert all(NOW <= t < NOW + interval for t in times)
    hours = {int((t - NOW).total_seconds() // 3600) for t in times}
    assert hours == {0, 1, 2, 3, 4, 5}
    assert acc.plan_unplanned(db, NOW, interval) == 0


def test_an_accounts_offset_is_stable_between_runs():
    interval = timedelta(hours=6)

    # It should give the same account the same slot every time
    assert acc.spread_offset(42, interval) == acc.spread_offset(42, interval)
    assert timedelta(0) <= acc.spread_offset(42, interval) < interval


def test_the_newest_attestation_of_an_account_is_the_one_used(db):
    a = add_account(db, "https://instagram.com/kominfomuba", platform="instagram")
    acc.add_attestation(db, a["id"], NOW - timedelta(days=3), "https://instagram.com/p/baru", "dicek", "admin", NOW)
    acc.add_attestation(db, a["id"], NOW - timedelta(days=20), "https://instagram.com/p/lama", None, "admin", NOW)

    # It should return the attestation with the newest activity date, whatever order they came in
    assert acc.latest_attestation(db, a["id"])["url"] == "https://instagram.com/p/baru"
    assert acc.attestations_by_account(db)[a["id"]]["url"] == "https://instagram.com/p/baru"
