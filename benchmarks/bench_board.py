"""Benchmark of the web board at national scale: 100,000 accounts in the database.

    .venv/bin/python benchmarks/bench_board.py                    # 100,000 accounts, 200 requests each
    .venv/bin/python benchmarks/bench_board.py --accounts 10000 --requests 50
    .venv/bin/python benchmarks/bench_board.py --json benchmarks/results/board-100k.json

It builds a database the way the daemon leaves it after a few weeks (accounts spread over 34
provinces and 514 regencies/cities, 4 observations each, a status change or two each, some
attestations and answers), starts the real board (``pantau serve``'s uvicorn server, one
process) on loopback, and times whole HTTP requests with httpx from this process:

* ``GET /`` — the overview (counts per status per province and regency) as the admin sees it;
* ``GET /api/v1/accounts`` — the status JSON of every account (admin: all 100,000, 47 MB of
  JSON sent as 4 MB of gzip: timed to the last byte as sent, and — not a target, it is the
  client's own CPU — inflated too);
* ``GET /api/v1/accounts`` and ``GET /`` through a regency's signed link (a few hundred accounts);
* ``GET /accounts/ID`` — an account page with its history chart.

Target (issue 9): overview and API p95 within 200 ms with 100,000 accounts on this machine.
The exit status is 0 when the targets are met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PLATFORMS = ("website", "website", "website", "feed", "youtube", "instagram", "facebook", "x", "tiktok", "telegram")
# The offices of a regency, as the check benchmark names them.
from bench_checks import DINAS  # noqa: E402 - benchmarks/ is the script's own folder

PROVINCES = (
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "21",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "51",
    "52",
    "53",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "72",
    "73",
    "74",
    "75",
    "76",
    "81",
    "82",
    "91",
    "94",
)
SECRET = "bench-secret-not-for-production-0123456789"
PASSWORD = "bench-admin-password"


def regions() -> list[str]:
    """514 regency/city codes over 34 provinces (about 15 each)."""
    out = []
    for i in range(514):
        prov = PROVINCES[i % len(PROVINCES)]
        out.append(f"{prov}.{i // len(PROVINCES) + 1:02d}")
    return out


def build_database(path: Path, n: int, now: datetime, seed: int = 7) -> None:
    """Fill a fresh pantau database with ``n`` accounts and a few weeks of history (bulk inserts)."""
    from pantau.config.settings import from_dict
    from pantau.monitor.evaluate import evaluate_all
    from pantau.storage.db import open_db
    from pantau.storage.timefmt import to_iso

    rng = random.Random(seed)
    db = open_db(path)
    regs = regions()
    institutions, accounts, observations, attestations, responses = [], [], [], [], []
    inst_id = 0
    for i in range(n):
        region = regs[i % len(regs)]
        if i % 10 == 0:
            inst_id += 1
            institutions.append(
                {
                    "id": inst_id,
                    "name": f"{DINAS[inst_id % len(DINAS)]} #{inst_id}",
                    "region": region,
                    "created_at": to_iso(now - timedelta(days=120)),
                }
            )
        platform = PLATFORMS[i % len(PLATFORMS)]
        aid = i + 1
        r = rng.random()
        age = (
            rng.randint(0, 13)
            if r < 0.55
            else rng.randint(14, 29)
            if r < 0.7
            else rng.randint(30, 89)
            if r < 0.85
            else rng.randint(90, 400)
        )
        failing = rng.random() < 0.02
        readable = platform not in ("instagram", "facebook", "x", "tiktok")
        activity = now - timedelta(days=age, hours=rng.randint(0, 23)) if readable else None
        last_checked = now - timedelta(hours=rng.randint(0, 6))
        outcome = "error" if failing else ("ok" if readable else "unsupported")
        accounts.append(
            {
                "id": aid,
                "institution_id": inst_id,
                "platform": platform,
                "url": f"https://{platform}.example.go.id/akun-{aid}",
                "handle": f"akun{aid}" if platform != "website" else "",
                "feed_url": "",
                "owner_email": "",
                "region": region,
                "note": "",
                "created_at": to_iso(now - timedelta(days=120)),
                "updated_at": to_iso(now - timedelta(days=120)),
                "last_checked_at": to_iso(last_checked),
                "last_outcome": outcome,
                "last_error": "connection refused" if failing else (None if readable else "no token configured"),
                "consecutive_failures": 4 if failing else 0,
                "last_activity_at": to_iso(activity),
                "last_activity_url": f"https://x.example.go.id/post/{aid}" if activity else None,
                "last_activity_title": "Bupati Resmikan Mal Pelayanan Publik" if activity else None,
                "evidence": "feed" if activity else None,
                "status": "unknown",
                "status_reason": "not checked yet",
                "next_check_at": to_iso(now + timedelta(hours=6)),
            }
        )
        for k in range(4):
            at = last_checked - timedelta(hours=6 * k)
            observations.append(
                {
                    "account_id": aid,
                    "checked_at": to_iso(at),
                    "outcome": outcome,
                    "http_status": 200,
                    "activity_at": to_iso(activity) if activity else None,
                    "activity_url": accounts[-1]["last_activity_url"],
                    "activity_title": accounts[-1]["last_activity_title"],
                    "evidence": "feed" if activity else None,
                    "error": accounts[-1]["last_error"],
                    "duration_ms": 120,
                    "bytes": 4000,
                    "requests": 2,
                    "not_modified": int(k > 0),
                }
            )
        if not readable and rng.random() < 0.3:
            attestations.append(
                {
                    "account_id": aid,
                    "activity_at": to_iso(now - timedelta(days=rng.randint(1, 60))),
                    "url": None,
                    "note": "dicek manual",
                    "attested_by": "operator",
                    "created_at": to_iso(now - timedelta(days=1)),
                }
            )
        if age >= 90 and rng.random() < 0.2:
            responses.append(
                {
                    "account_id": aid,
                    "kind": "closed",
                    "by_date": None,
                    "note": "sudah ditutup",
                    "who": "kadis@example.go.id",
                    "at": to_iso(now - timedelta(days=2)),
                    "resolved_at": None,
                    "resolution": None,
                }
            )
    with db.atomic():
        db["institutions"].insert_all(institutions, batch_size=5000)
        db["accounts"].insert_all(accounts, batch_size=2000)
        db["observations"].insert_all(observations, batch_size=5000)
        db["attestations"].insert_all(attestations, batch_size=5000)
        db["responses"].insert_all(responses, batch_size=5000)
    cfg = from_dict({"database": {"path": str(path)}}, None)
    # Two status passes a few weeks apart leave a history of changes, as a running daemon would.
    evaluate_all(db, cfg, now - timedelta(days=21))
    evaluate_all(db, cfg, now)
    db.conn.execute("analyze")
    db.conn.close()


# ------------------------------------------------------------------------------ the measurement


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def write_config(folder: Path, db: Path, port: int) -> Path:
    toml = folder / "pantau.toml"
    toml.write_text(
        f'''[database]
path = "{db}"

[web]
port = {port}
secret_env = "PANTAU_BENCH_WEB_SECRET"
admin_password_env = "PANTAU_BENCH_WEB_PASSWORD"

[[recipients]]
email = "kadis@regency.example.go.id"
regions = ["16.06"]

[[recipients]]
email = "kadis@province.example.go.id"
regions = ["16"]
''',
        encoding="utf-8",
    )
    return toml


def start_board(toml: Path, port: int, now: datetime, log: Path | None = None) -> subprocess.Popen:
    env = dict(
        os.environ, PANTAU_BENCH_WEB_SECRET=SECRET, PANTAU_BENCH_WEB_PASSWORD=PASSWORD, PANTAU_NOW=now.isoformat()
    )
    exe = shutil.which("pantau", path=str(Path(sys.executable).parent)) or shutil.which("pantau")
    cmd = [exe] if exe else [sys.executable, "-m", "pantau.monitor.cli"]
    out = log.open("w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd + ["--config", str(toml), "serve"], env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the board did not start")


def login(client: httpx.Client) -> None:
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    r = client.post("/login", data={"csrf": csrf, "password": PASSWORD})
    assert r.status_code == 303, r.text


def open_link(client: httpx.Client, toml: Path, email: str, now: datetime) -> None:
    from pantau.alerts.links import sign_link
    from pantau.config.settings import load_config

    os.environ["PANTAU_BENCH_WEB_SECRET"] = SECRET
    token = sign_link(load_config(toml), email, now).rsplit("/", 1)[1]
    assert client.get(f"/l/{token}").status_code == 303


def time_requests(
    client: httpx.Client,
    path: str,
    n: int,
    *,
    raw: bool = False,
    target: bool = True,
    label: str = "",
    until: float = 0.0,
) -> dict[str, Any]:
    """Time ``n`` GETs to the last byte. ``raw``: the bytes as sent (gzip), not inflated by the client."""
    for _ in range(3):  # warm up (the first national request computes the snapshot)
        client.get(path)
    took, size = [], 0
    while len(took) < n or time.monotonic() < until:
        t = time.perf_counter()
        with client.stream("GET", path) as r:
            size = sum(len(chunk) for chunk in (r.iter_raw() if raw else r.iter_bytes()))
        took.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (path, r.status_code)
    return {
        "path": path + label,
        "requests": len(took),
        "p50_ms": round(percentile(took, 0.5), 1),
        "p95_ms": round(percentile(took, 0.95), 1),
        "max_ms": round(max(took), 1),
        "bytes": size,
        "target": target,
    }


class Writer(threading.Thread):
    """Records observations at ``rate`` per second, as a running daemon does (~5/s nationally)."""

    def __init__(self, db_path: Path, n: int, rate: float, now: datetime) -> None:
        super().__init__(daemon=True)
        self.db_path, self.n, self.rate, self.now = db_path, n, rate, now
        self.stop = threading.Event()
        self.written = 0

    def run(self) -> None:
        from pantau.storage.db import open_db
        from pantau.storage.observations import record_observation

        db = open_db(self.db_path, migrate=False)
        rng = random.Random(1)
        while not self.stop.wait(1 / self.rate):
            record_observation(
                db,
                {
                    "account_id": rng.randint(1, self.n),
                    "checked_at": self.now,
                    "outcome": "ok",
                    "activity_at": self.now - timedelta(days=rng.randint(0, 100)),
                    "evidence": "feed",
                    "activity_url": "https://x.example.go.id/p",
                },
            )
            self.written += 1
        db.conn.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    ap.add_argument("--db", help="reuse (or create) this database file instead of a temporary one")
    ap.add_argument(
        "--writes-per-s",
        type=float,
        default=5.0,
        help="observations recorded per second during the second round (0: no second round)",
    )
    ap.add_argument(
        "--writes-seconds",
        type=float,
        default=90.0,
        help="time the admin's overview for at least this long while writing (and its API 30 s more)",
    )
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()

    now = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
    folder = Path(tempfile.mkdtemp(prefix="pantau-bench-board-"))
    db_path = Path(args.db) if args.db else folder / "pantau.db"
    try:
        if not db_path.exists():
            t = time.perf_counter()
            build_database(db_path, args.accounts, now)
            print(f"built {args.accounts} accounts in {time.perf_counter() - t:.0f} s", flush=True)
        port = free_port()
        toml = write_config(folder, db_path, port)
        log = folder / "board.log"
        proc = start_board(toml, port, now, log)
        results: dict[str, Any] = {"accounts": args.accounts, "rounds": []}
        try:
            rounds = [("quiet database", 0.0)]
            if args.writes_per_s:
                rounds.append((f"{args.writes_per_s:g} observations/s written meanwhile", args.writes_per_s))
            for label, rate in rounds:
                writer = Writer(db_path, args.accounts, rate, now) if rate else None
                until = 0.0
                if writer:
                    writer.start()
                    # Long enough for the national snapshot to be recomputed at least once
                    # while the admin's requests are being timed.
                    until = time.monotonic() + args.writes_seconds
                recomputed = log.read_text().count("national view of")
                rows = []
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as admin:
                    login(admin)
                    rows.append(("admin", time_requests(admin, "/", args.requests, until=until)))
                    rows.append(
                        (
                            "admin",
                            time_requests(
                                admin,
                                "/api/v1/accounts",
                                args.requests,
                                raw=True,
                                label=" (gzip as sent)",
                                until=until + 30,
                            ),
                        )
                    )
                    rows.append(
                        (
                            "admin",
                            time_requests(
                                admin, "/api/v1/accounts", args.requests // 4, target=False, label=" (inflated)"
                            ),
                        )
                    )
                    rows.append(("admin", time_requests(admin, "/accounts/4242", args.requests, target=False)))
                for email, who in (
                    ("kadis@province.example.go.id", "province 16"),
                    ("kadis@regency.example.go.id", "regency 16.06"),
                ):
                    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as reader:
                        open_link(reader, toml, email, now)
                        rows.append((who, time_requests(reader, "/", args.requests)))
                        rows.append((who, time_requests(reader, "/api/v1/accounts", args.requests)))
                if writer:
                    writer.stop.set()
                    writer.join()
                recomputed = log.read_text().count("national view of") - recomputed
                print(
                    f"\n{args.accounts} accounts, {label}"
                    + (
                        f" ({writer.written} written; national snapshot recomputed {recomputed} times)"
                        if writer
                        else ""
                    )
                )
                print(f"{'reader':<15} {'path':<38} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'bytes':>10}")
                for who, r in rows:
                    print(
                        f"{who:<15} {r['path']:<38} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8} {r['bytes']:>10}"
                    )
                results["rounds"].append(
                    {
                        "label": label,
                        "recomputed": recomputed,
                        "written": writer.written if writer else 0,
                        "rows": [dict(r, reader=who) for who, r in rows],
                    }
                )
            rss = rss_mb(proc.pid)
        finally:
            started = time.monotonic()
            proc.terminate()
            code = proc.wait(timeout=20)
            print(f"\nSIGTERM: the board stopped in {time.monotonic() - started:.1f} s with exit status {code}")
        ok = all(r["p95_ms"] <= 200 for rnd in results["rounds"] for r in rnd["rows"] if r["target"])
        took = [float(x) for x in re.findall(r"national view of \d+ accounts computed in ([\d.]+) s", log.read_text())]
        results["snapshot_seconds"] = took
        print(f"national snapshot computations (worker process, niced): {', '.join(f'{t:.1f} s' for t in took)}")
        results["target_met"] = ok
        results["server_rss_mb"] = rss
        results["load_average"] = [round(x, 2) for x in os.getloadavg()]
        print(f"board RSS (server + snapshot worker): {rss} MB; load average now {results['load_average']}")
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print("\ntarget (overview and API p95 <= 200 ms):", "met" if ok else "NOT met")
        return 0 if ok else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def rss_mb(pid: int) -> dict[str, float]:
    import psutil

    server = psutil.Process(pid)
    return {
        "server": round(server.memory_info().rss / 2**20),
        "worker": round(sum(c.memory_info().rss for c in server.children(recursive=True)) / 2**20),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
