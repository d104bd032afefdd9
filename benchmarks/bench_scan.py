"""Benchmark of the compromise scan: CPU of the same loopback pass with and without it.

    .venv/bin/python benchmarks/bench_scan.py --sites 1000
    .venv/bin/python benchmarks/bench_scan.py --sites 1000 --json benchmarks/results/scan-1k.json

The sites are bench_checks.py's (same mix, servers in separate processes, every response after
``--latency``), with ``PANTAU_BENCH_INJECT`` set: 2% of the home pages carry a hidden block of
gambling links and another 20% an ad script naming a "slot" (which gets past the scan's fast
path, so the scan reads those pages in full).

Each mode runs on a fresh database, so the passes do the same work but for the scan:

* ``off``       — ``[security] scan = false``;
* ``on``        — the scan, the daily crawler-UA fetch not due (``cloak_checked_at`` = now);
* ``on+cloak``  — the scan with the crawler-UA fetch due for every website (2 days ago).

For each mode a full pass (nothing cached) and a recheck (conditional GET, mostly 304; the
crawler-UA fetch due again in ``on+cloak``). CPU is this process's user + system time
(psutil), all threads, over the pass; the site servers are other processes. ``off`` runs
in every round and once more at the end; medians are reported, and every row is in the JSON,
so drift on a shared machine shows. ``per_page`` times the scan alone on the same home pages
(``parse_page`` with and without it), against the CPU of a website check in the ``off`` pass.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for path in (str(REPO), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

os.environ["PANTAU_BENCH_INJECT"] = "1"  # before the site servers are spawned (they inherit it)

import bench_checks as bc  # noqa: E402 - needs the path above


def cloak_at(db: Any, days_ago: float) -> None:
    """When every site was last fetched as Googlebot (0: now, not due; 2: due)."""
    from datetime import UTC, datetime, timedelta

    stamp = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(timespec="seconds")
    db.execute("update accounts set cloak_checked_at = ?", [stamp])


def fresh_db(tmp: Path, name: str, records: list[dict[str, Any]], cloak_due: bool) -> tuple[Any, Any, list]:
    from datetime import UTC, datetime

    from pantau.storage.accounts import import_accounts, select_accounts
    from pantau.storage.db import open_db

    path = tmp / f"{name}.db"
    db = open_db(path)
    import_accounts(db, [dict(r) for r in records], datetime.now(UTC))
    cloak_at(db, 2 if cloak_due else 0)
    return path, db, select_accounts(db)


def config(path: Path, args: argparse.Namespace, scan: bool) -> Any:
    from pantau.config.settings import from_dict

    return from_dict(
        {
            "database": {"path": str(path)},
            "crawler": {
                "concurrency": args.concurrency,
                "per_host": args.per_host,
                "timeout_s": args.timeout,
                "retries": 0,
                "obey_robots": False,
                "allow_private_addresses": True,
            },
            "security": {"scan": scan},
        },
        None,
    )


def per_page(plans: dict[str, dict[str, Any]], args: argparse.Namespace, cpu_per_check: float) -> dict[str, Any]:
    """The scan's CPU per home page, measured alone on the same pages (less noisy than a pass):
    parse_page with and without the scan, as the spider calls them."""
    from datetime import UTC, datetime

    from pantau.crawler.compromise import scan_page
    from pantau.crawler.extract import parse_page

    now = datetime.now(UTC)
    homes = []
    for url, plan in plans.items():
        routes = bc.render_site(plan, url.rstrip("/"), now)
        if "/" in routes and plan["kind"] != "feed":
            homes.append((routes["/"].body, url))
    best_plain = best_scan = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        for body, url in homes:
            parse_page(body, url, now)
        t1 = time.process_time()
        for body, url in homes:
            info = parse_page(body, url, now, keep_root=True)
            scan_page(body, url, root=info.root)
        t2 = time.process_time()
        best_plain, best_scan = min(best_plain, t1 - t0), min(best_scan, t2 - t1)
    scan_ms = (best_scan - best_plain) / len(homes) * 1000
    return {
        "home_pages": len(homes),
        "parse_page_ms": round(best_plain / len(homes) * 1000, 3),
        "scan_ms": round(scan_ms, 3),
        "cpu_per_website_check_ms": round(cpu_per_check * 1000, 2),
        "scan_share_of_a_check": round(scan_ms / (cpu_per_check * 1000), 4),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--per-host", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=5)
    ap.add_argument("--slow-after", type=float, default=30.0)
    ap.add_argument("--server-procs", type=int, default=2)
    ap.add_argument("--port", type=int, default=18280)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=2, help="runs of each mode (medians are reported)")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    bc._raise_nofile()
    tmp = Path(tempfile.mkdtemp(prefix="pantau-bench-scan-"))
    health = (bc.DEAD_EVERY, bc.SLOW_EVERY)
    servers = bc.Servers(args.sites, args.seed, health, args.port, args.latency, args.slow_after, args.server_procs)
    try:
        return _bench(args, servers, tmp, health)
    finally:
        servers.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _bench(args: argparse.Namespace, servers: Any, tmp: Path, health: tuple[int, int]) -> int:
    import pantau.crawler.runner  # noqa: F401 - loaded before measuring

    records, plans = bc.build_accounts(args.sites, args.seed, health, args.port)
    n_slow = sum(1 for p in plans.values() if p["health"] == "slow")
    websites = sum(1 for r in records if r["platform"] == "website")
    from pantau.storage.accounts import select_accounts

    sampler = bc.RssSampler(0.5)
    rows: list[dict[str, Any]] = []
    modes = (("off", False, False), ("on", True, False), ("on+cloak", True, True)) * args.rounds
    for name, scan, cloak_due in (*modes, ("off", False, False)):
        path, db, accounts = fresh_db(tmp, f"{name}-{len(rows)}", records, cloak_due)
        cfg = config(path, args, scan)
        for pass_name in ("full", "recheck"):
            if name == "on+cloak" and pass_name == "recheck":
                cloak_at(db, 2)
            # Read as the daemon does before each pass (what the last pass stored included).
            accounts = select_accounts(db)
            r = bc.run_pass(pass_name, cfg, accounts, servers, sampler, args, n_slow)
            findings = db.execute("select count(distinct account_id) from findings").fetchone()[0] if scan else 0
            rows.append(
                {
                    "mode": name,
                    "pass": pass_name,
                    "cpu_s": r.cpu_s,
                    "wall_s": r.wall_s,
                    "requests": r.requests,
                    "accounts": r.accounts,
                    "compromised": findings,
                }
            )
            print(
                f"{name:9} {pass_name:8} cpu {r.cpu_s:6.1f} s  wall {r.wall_s:6.1f} s  requests {r.requests:6}  "
                f"sites with findings {findings}",
                flush=True,
            )
            time.sleep(0.5)
        db.conn.close()

    def cpu(mode: str, pass_name: str) -> float:
        got = sorted(r["cpu_s"] for r in rows if r["mode"] == mode and r["pass"] == pass_name)
        return statistics.median(got)

    injected = sum(
        1
        for r, p in zip(records, plans.values(), strict=True)
        if r["platform"] == "website" and p["health"] == "ok" and p["i"] % 50 == 13
    )
    found = max(r["compromised"] for r in rows)
    summary: dict[str, Any] = {
        "sites": args.sites,
        "websites": websites,
        "injected_live_websites": injected,
        "sites_with_findings": found,
    }
    for pass_name in ("full", "recheck"):
        base = cpu("off", pass_name)
        summary[pass_name] = {
            "off_cpu_s": round(base, 2),
            "scan_overhead": round(cpu("on", pass_name) / base - 1, 4),
            "scan_and_cloak_overhead": round(cpu("on+cloak", pass_name) / base - 1, 4),
        }
    # Checked every 6 h, a site is checked 4 times a day and fetched as Googlebot in one of them;
    # the first fetches are spread over the day, so each pass carries a quarter of them.
    for pass_name in ("full", "recheck"):
        s = summary[pass_name]
        s["per_pass_overhead_at_6h"] = round((3 * s["scan_overhead"] + s["scan_and_cloak_overhead"]) / 4, 4)
    summary["per_page"] = per_page(plans, args, cpu("off", "full") / max(1, websites))
    print(json.dumps(summary, indent=2))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"params": vars(args), "rows": rows, "summary": summary}, indent=2) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
