"""Benchmark of the web board at national scale: 100,000 accounts in the database.

    .venv/bin/python benchmarks/bench_board.py                    # 100,000 accounts, 200 requests each
    .venv/bin/python benchmarks/bench_board.py --accounts 10000 --requests 50
    .venv/bin/python benchmarks/bench_board.py --json benchmarks/results/board-100k.json

It builds a database the way the daemon leaves it after a few weeks (accounts spread over 34
provinces and 514 regencies/cities, 4 observations each, a status change or two each, some
attestations and answers), starts the real board (``pantau serve``'s uvicorn server, one
process) on loopback, and times whole HTTP requests with httpx from this process:

* ``GET /`` — the overview (counts per status per province and regency) as the admin sees it;
* ``GET /api/v1/accounts`` — the status JSON of every account (admin: all 100,000);
* ``GET /api/v1/accounts`` and ``GET /`` through a regency's signed link (a few hundred accounts);
* ``GET /accounts/ID`` — an account page with its history chart.

Target (issue 9): overview and API p95 within 200 ms with 100,000 accounts on this machine.
The exit status is 0 when the targets are met, 1 otherwise.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PLATFORMS = ("website", "website", "website", "feed", "youtube", "instagram", "facebook", "x", "tiktok",
             "telegram")
DINAS = ("Dinas Komunikasi dan Informatika", "Dinas Pariwisata", "Dinas Kesehatan", "Dinas Pendidikan",
         "Dinas Perpustakaan", "Badan Kepegawaian Daerah", "Dinas Kependudukan dan Pencatatan Sipil",
         "Dinas Pekerjaan Umum", "Kecamatan", "Sekretariat Daerah")
PROVINCES = ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36",
             "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82",
             "91", "94")
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
            institutions.append({"id": inst_id, "name": f"{DINAS[inst_id % len(DINAS)]} #{inst_id}",
                                 "region": region, "created_at": to_iso(now - timedelta(days=120))})
        platform = PLATFORMS[i % len(PLATFORMS)]
        aid = i + 1
        r = rng.random()
        age = rng.randint(0, 13) if r < 0.55 else rng.randint(14, 29) if r < 0.7 else \
            rng.randint(30, 89) if r < 0.85 else rng.randint(90, 400)
        failing = rng.random() < 0.02
        readable = platform not in ("instagram", "facebook", "x", "tiktok")
        activity = now - timedelta(days=age, hours=rng.randint(0, 23)) if readable else None
        last_checked = now - timedelta(hours=rng.randint(0, 6))
        outcome = "error" if failing else ("ok" if readable else "unsupported")
        accounts.append({
            "id": aid, "institution_id": inst_id, "platform": platform,
            "url": f"https://{platform}.example.go.id/akun-{aid}", "handle": f"akun{aid}" if platform != "website" else "",
            "feed_url": "", "owner_email": "", "region": region, "note": "",
            "created_at": to_iso(now - timedelta(days=120)), "updated_at": to_iso(now - timedelta(days=120)),
            "last_checked_at": to_iso(last_checked), "last_outcome": outcome,
            "last_error": "connection refused" if failing else (None if readable else "no token configured"),
            "consecutive_failures": 4 if failing else 0,
            "last_activity_at": to_iso(activity), "last_activity_url": f"https://x.example.go.id/post/{aid}" if activity else None,
            "last_activity_title": "Bupati Resmikan Mal Pelayanan Publik" if activity else None,
            "evidence": "feed" if activity else None, "status": "unknown", "status_reason": "not checked yet",
            "next_check_at": to_iso(now + timedelta(hours=6)),
        })
        for k in range(4):
            at = last_checked - timedelta(hours=6 * k)
            observations.append({
                "account_id": aid, "checked_at": to_iso(at), "outcome": outcome, "http_status": 200,
                "activity_at": to_iso(activity) if activity else None,
                "activity_url": accounts[-1]["last_activity_url"], "activity_title": accounts[-1]["last_activity_title"],
                "evidence": "feed" if activity else None, "error": accounts[-1]["last_error"],
                "duration_ms": 120, "bytes": 4000, "requests": 2, "not_modified": int(k > 0),
            })
        if not readable and rng.random() < 0.3:
            attestations.append({"account_id": aid, "activity_at": to_iso(now - timedelta(days=rng.randint(1, 60))),
                                 "url": None, "note": "dicek manual", "attested_by": "operator",
                                 "created_at": to_iso(now - timedelta(days=1))})
        if age >= 90 and rng.random() < 0.2:
            responses.append({"account_id": aid, "kind": "closed", "by_date": None, "note": "sudah ditutup",
                              "who": "kadis@example.go.id", "at": to_iso(now - timedelta(days=2)),
                              "resolved_at": None, "resolution": None})
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
