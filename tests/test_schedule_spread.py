"""Checks are spread over the interval: no burst on the hour, and restarts keep the plan."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from pantau.storage.accounts import due_accounts, import_accounts, plan_unplanned
from pantau.storage.db import open_db
from pantau.storage.timefmt import from_iso

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)


def test_first_checks_of_a_large_registry_spread_evenly_over_the_interval(tmp_path):
    db = open_db(tmp_path / "p.db")
    rows = [
        {"institution": f"OPD {i}", "platform": "website", "url": f"https://opd{i}.example.go.id", "region": "16.06"}
        for i in range(6000)
    ]
    import_accounts(db, rows, NOW)
    interval = timedelta(hours=6)
    assert plan_unplanned(db, NOW, interval) == 6000
    buckets = Counter()
    for (when,) in db.execute("select next_check_at from accounts"):
        offset = from_iso(when) - NOW
        assert timedelta(0) <= offset < interval
        buckets[int(offset.total_seconds() // 600)] += 1
    mean = 6000 / 36
    # It should put about the same number of checks in every 10-minute slice of the 6 hours.
    assert len(buckets) == 36
    assert max(buckets.values()) < 1.5 * mean
    assert min(buckets.values()) > 0.5 * mean


def test_only_accounts_whose_time_has_come_are_due(tmp_path):
    db = open_db(tmp_path / "p.db")
    import_accounts(
        db,
        [
            {"institution": f"OPD {i}", "platform": "feed", "url": f"https://opd{i}.example.go.id/feed", "region": "16"}
            for i in range(600)
        ],
        NOW,
    )
    plan_unplanned(db, NOW, timedelta(hours=6))
    due_now = due_accounts(db, NOW)
    due_later = due_accounts(db, NOW + timedelta(hours=3))
    # It should release the accounts a slice at a time: none at once, about half after 3 h.
    assert len(due_now) <= 2
    assert 200 < len(due_later) < 400
    # Planning again (a daemon restart) changes nothing already planned.
    assert plan_unplanned(db, NOW + timedelta(hours=1), timedelta(hours=6)) == 0
