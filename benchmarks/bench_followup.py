"""How long the answer loop's follow-up takes at national scale (figures for the notes, no asserts).

    python benchmarks/bench_followup.py [--accounts 100000] [--close 10000] [--answered 2000]

Builds a database of ``--accounts`` accounts, ``--close`` of them close_recommended for 30 days
(``--answered`` with an answer, a quarter of those a lapsed will_reactivate promise), then times
``follow_up`` (escalation + lapsed promises) at the first alerts run that escalates, at the
next one (nothing new), and ``answers_by_account`` (what the status pass and JSON read).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pantau.config.settings import from_dict
from pantau.monitor.answers import follow_up
from pantau.storage.accounts import import_accounts
from pantau.storage.db import open_db
from pantau.storage.followups import answers_by_account
from pantau.storage.status import apply_status
from pantau.storage.timefmt import to_iso

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def build(path: Path, accounts: int, close: int, answered: int):
    db = open_db(path)
    regions = [f"{p:02d}.{r:02d}" for p in range(11, 95) for r in range(1, 30)]
    rows = [
        {
            "institution": f"Dinas {i % 40} {regions[i % len(regions)]}",
            "region": regions[i % len(regions)],
            "platform": "website",
            "url": f"https://opd{i}.example.go.id/",
        }
        for i in range(accounts)
    ]
    import_accounts(db, rows, NOW - timedelta(days=200))
    changed = NOW - timedelta(days=30)
    with db.atomic():
        for account_id in range(1, close + 1):
            apply_status(
                db,
                {"id": account_id, "status": "unknown"},
                "close_recommended",
                "last activity 120 days ago (feed), over 90 days",
                changed,
                alert_kind="close_recommended",
            )
        for account_id in range(1, answered + 1):
            lapsed = account_id % 4 == 0
            db["responses"].insert(
                {
                    "account_id": account_id,
                    "kind": "will_reactivate" if lapsed else "exception",
                    "by_date": (date(2025, 2, 20) if lapsed else None),
                    "note": "bench",
                    "who": "cli:bench",
                    "at": to_iso(changed + timedelta(days=1)),
                }
            )
    return db


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--close", type=int, default=10_000)
    ap.add_argument("--answered", type=int, default=2_000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        db = build(Path(tmp) / "bench.db", a.accounts, a.close, a.answered)
        print(
            f"built {a.accounts} accounts, {a.close} close_recommended, {a.answered} answered "
            f"in {time.perf_counter() - t:.1f} s"
        )
        cfg = from_dict({"database": {"path": str(Path(tmp) / "bench.db")}}, None)
        first, s1 = timed(follow_up, db, cfg, NOW)
        second, s2 = timed(follow_up, db, cfg, NOW + timedelta(hours=1))
        answers, s3 = timed(answers_by_account, db)
        print(f"follow_up, first run: {s1:.2f} s ({first.escalated} escalated, {first.expired} lapsed promises)")
        print(f"follow_up, next run: {s2:.2f} s ({second.escalated} escalated, {second.expired} lapsed)")
        print(f"answers_by_account: {s3 * 1000:.0f} ms ({len(answers)} answers)")


if __name__ == "__main__":
    main()
