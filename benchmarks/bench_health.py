"""How long judging platform health takes at national scale (it runs before every status pass).

Builds a database of ``--accounts`` accounts (default 100,000, spread over the platforms like a
national registry: mostly websites) with ``--observations`` checks each, then times
:func:`pantau.monitor.health.judge_all` — once on a healthy pass, once with one platform down
(which also blames every failed check on it) — and ``health_rows``.

    .venv/bin/python benchmarks/bench_health.py --accounts 100000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pantau.config.settings import from_dict
from pantau.monitor.health import health_rows, judge_all
from pantau.storage.db import open_db

MIX = [("website", 60), ("feed", 10), ("youtube", 10), ("instagram", 8), ("facebook", 6), ("x", 4), ("telegram", 2)]


def build(db, n: int, per: int, now: datetime, down: str | None) -> None:
    db["institutions"].insert({"id": 1, "name": "Dinas Kominfo", "region": "16.06", "created_at": now.isoformat()})
    platforms = [p for p, w in MIX for _ in range(w)]
    accounts, observations = [], []
    for i in range(1, n + 1):
        platform = platforms[i % len(platforms)]
        accounts.append(
            {
                "id": i,
                "institution_id": 1,
                "platform": platform,
                "url": f"https://s{i}.go.id",
                "region": "16.06",
                "status": "active",
                "consecutive_failures": 0,
            }
        )
        for k in range(per):
            at = now - timedelta(hours=6 * k, seconds=i % 3600)
            failed = platform == down and k == 0
            observations.append(
                {
                    "account_id": i,
                    "checked_at": at.isoformat(),
                    "outcome": "error" if failed else "ok",
                    "error": "HTTP 500" if failed else None,
                    "via": "rsshub" if platform == "instagram" else None,
                }
            )
    db["accounts"].insert_all(accounts, batch_size=5000)
    db["observations"].insert_all(observations, batch_size=5000)


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--observations", type=int, default=4)
    args = ap.parse_args()
    now = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        for down in (None, "youtube"):
            path = Path(tmp) / f"{down or 'ok'}.db"
            db = open_db(path)
            build(db, args.accounts, args.observations, now, down)
            cfg = from_dict(
                {"database": {"path": str(path)}, "bridges": {"rsshub": "http://rsshub.internal:1200"}}, None
            )
            first, states = timed(judge_all, db, cfg, now)
            again, _ = timed(judge_all, db, cfg, now)
            rows_s, rows = timed(health_rows, db, cfg)
            print(
                f"{args.accounts} accounts x {args.observations} checks, {down or 'no'} platform down: "
                f"judge_all {first:.2f}s (first), {again:.2f}s (again), health_rows {rows_s * 1000:.0f} ms; "
                f"states {', '.join(f'{k}={v}' for k, v in sorted(states.items()))}"
            )
            db.conn.close()


if __name__ == "__main__":
    main()
