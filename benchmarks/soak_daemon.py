"""Soak of the full daemon: `pantau run` (APScheduler, Scrapy, alerts by SMTP) for N check cycles.

    .venv/bin/python benchmarks/soak_daemon.py --sites 300 --cycles 50 --json benchmarks/results/soak-daemon.json

Sites are the loopback servers of ``bench_checks.py`` (same mix, same dead and slow sites);
mail goes to a real local SMTP server (aiosmtpd, ``tests/smtp_server.py``). The daemon is the
installed ``pantau run`` in a child process with ``check_every = --every`` (default 10 s), so one
cycle checks every account once; ``alerts_every`` is the same. This process samples the daemon's
RSS and open descriptors (psutil) once a second and counts cycles from the observations in the
database. Memory and descriptors should be flat from the first cycles to the last. Needs the
``bench`` and ``dev`` extras (psutil, aiosmtpd).

    .venv/bin/python benchmarks/soak_daemon.py --sites 50 --cycles 3     # a smoke run, ~30 s
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for p in (str(HERE), str(REPO)):
    if p not in sys.path:
        sys.path.insert(0, p)


def pantau_command() -> list[str]:
    exe = Path(sys.executable).parent / "pantau"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "pantau.monitor.cli"]


def main(argv: list[str] | None = None) -> int:
    import psutil
    from bench_checks import Servers, build_accounts

    from tests.smtp_server import SmtpServer

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sites", type=int, default=300)
    ap.add_argument("--cycles", type=int, default=50)
    ap.add_argument("--every", type=int, default=10, help="check_every and alerts_every, seconds")
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--port", type=int, default=18180)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (database, daemon log)")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="pantau-soak-"))
    health = (100, 100, 0.1)
    servers = Servers(args.sites, args.seed, health, args.port, args.latency, 30.0, 2)
    smtp = SmtpServer(tmp).start()
    records, _plans = build_accounts(args.sites, args.seed, health, args.port)
    with open(tmp / "registry.csv", "w", newline="", encoding="utf-8") as fh:
        cols = ["institution", "region", "platform", "url", "feed_url", "owner_email"]
        w = csv.DictWriter(fh, cols, extrasaction="ignore")
        w.writeheader()
        for r in records:
            w.writerow({k: r.get(k) or "" for k in cols})
    (tmp / "pantau.toml").write_text(
        f"""
[database]
path = "pantau.db"
[crawler]
contact = "https://diskominfo.soak.go.id/kontak"
allow_private_addresses = true
timeout_s = 5
retries = 0
[schedule]
check_every = "{args.every}s"
alerts_every = "{args.every}s"
[smtp]
host = "{smtp.host}"
port = {smtp.port}
sender = "pantau@soak.go.id"
[[recipients]]
name = "Kominfo"
email = "kominfo@soak.go.id"
regions = ["*"]
""",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PANTAU_CONFIG", "PANTAU_NOW")}
    # Mails carry signed links to the board when [web] secret_env names a secret, as in
    # production; without one the daemon logs a warning per digest and signs nothing.
    env["PANTAU_WEB_SECRET"] = secrets.token_hex(32)
    cmd = pantau_command() + ["--config", str(tmp / "pantau.toml")]
    subprocess.run(
        cmd + ["registry", "import", str(tmp / "registry.csv")], check=True, env=env, cwd=tmp, capture_output=True
    )
    log = open(tmp / "daemon.log", "w")  # noqa: SIM115 - open for the daemon's lifetime
    daemon = subprocess.Popen(cmd + ["run"], env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    proc = psutil.Process(daemon.pid)
    import sqlite3

    samples: list[dict[str, Any]] = []
    per_cycle: list[dict[str, Any]] = []
    started = time.monotonic()
    deadline = started + args.cycles * args.every * 3 + 120
    n = args.sites
    try:
        cycle = 0
        while cycle < args.cycles and time.monotonic() < deadline:
            time.sleep(1.0)
            if daemon.poll() is not None:
                raise SystemExit(f"the daemon exited with {daemon.returncode}; see {tmp / 'daemon.log'}")
            rss = proc.memory_info().rss
            fds = proc.num_fds()
            samples.append({"t": round(time.monotonic() - started, 1), "rss_mb": round(rss / 2**20, 1), "fds": fds})
            try:
                con = sqlite3.connect(f"file:{tmp / 'pantau.db'}?mode=ro", uri=True, timeout=5)
                obs = con.execute("select count(*) from observations").fetchone()[0]
                con.close()
            except sqlite3.Error:
                continue
            done = obs // n
            while cycle < done and cycle < args.cycles:
                cycle += 1
                # The samples since the last cycle ended: the daemon is mid-crawl most of the
                # time, so one sample says little; the cycle's highest values are compared.
                since = [s for s in samples if not per_cycle or s["t"] > per_cycle[-1]["t"]] or samples[-1:]
                per_cycle.append(
                    {
                        "cycle": cycle,
                        "t": samples[-1]["t"],
                        "rss_mb": samples[-1]["rss_mb"],
                        "fds": samples[-1]["fds"],
                        "rss_max_mb": max(s["rss_mb"] for s in since),
                        "fds_max": max(s["fds"] for s in since),
                        "fds_min": min(s["fds"] for s in since),
                        "mails": len(smtp.messages),
                    }
                )
                print(
                    f"cycle {cycle}: t {samples[-1]['t']:.0f}s, daemon RSS {samples[-1]['rss_mb']:.0f} MB, "
                    f"fds {samples[-1]['fds']}, mails received {len(smtp.messages)}",
                    flush=True,
                )
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(30)
        except subprocess.TimeoutExpired:
            daemon.kill()
        log.close()
        servers.stop()
        smtp.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    if not per_cycle:
        print("no cycle completed")
        return 1
    # Windows of ten cycles after the first (caches, pools and the first mails settle in it);
    # in a short run the last ten would otherwise include the first.
    early = per_cycle[1:11]
    late = per_cycle[max(1, len(per_cycle) - 10) :] or per_cycle
    rss_early, rss_late = max(c["rss_max_mb"] for c in early or per_cycle), max(c["rss_max_mb"] for c in late)
    fds_early, fds_late = max(c["fds_max"] for c in early or per_cycle), max(c["fds_max"] for c in late)
    growth = rss_late - rss_early
    out = {
        "params": vars(args),
        "cycles": per_cycle,
        "samples": samples,
        "peak_rss_mb": max(s["rss_mb"] for s in samples),
        "rss_max_cycles_2_11_mb": rss_early,
        "rss_max_last_10_mb": rss_late,
        "fds_max_cycles_2_11": fds_early,
        "fds_max_last_10": fds_late,
        "mails": len(smtp.messages),
        "exit_code": daemon.returncode,
    }
    pick = [c for c in per_cycle if c["cycle"] in (1, 2, 10, 20, 30, 40, len(per_cycle))]
    print("\ncycle  RSS MB (max in cycle)  fds (min-max in cycle)  mails")
    for c in pick:
        print(
            f"{c['cycle']:5d}  {c['rss_mb']:6.0f} ({c['rss_max_mb']:.0f})  {c['fds_min']:4d}-{c['fds_max']:<4d}  {c['mails']:5d}"
        )
    targets = [
        (f"{len(per_cycle)} of {args.cycles} cycles", len(per_cycle) == args.cycles),
        (
            f"RSS flat: highest in the last 10 cycles {rss_late:.0f} MB vs cycles 2-11 {rss_early:.0f} MB "
            f"({growth:+.1f} MB, <= 10%)",
            growth <= 0.1 * rss_early,
        ),
        (
            f"open files flat: highest in the last 10 cycles {fds_late} vs cycles 2-11 {fds_early} (<= +10%)",
            fds_late <= 1.1 * fds_early,
        ),
        (f"alerts mailed to the SMTP server: {len(smtp.messages)}", len(smtp.messages) > 0),
        (f"daemon stopped cleanly on SIGTERM (exit {daemon.returncode})", daemon.returncode == 0),
    ]
    for label, ok in targets:
        print(f"{'PASS' if ok else 'MISS'}  {label}")
    out["targets"] = [{"target": label, "pass": ok} for label, ok in targets]
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
        print(f"wrote {args.json}")
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
