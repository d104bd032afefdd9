"""A small country for the board's tests: accounts in two regencies of two provinces, real
observations recorded through storage, statuses from the real policy, and the board itself
(uvicorn on 127.0.0.1, port chosen by the system) at a fixed ``now``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pantau.config.settings import Config, from_dict

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
SECRET = "uji-kunci-rahasia-papan-0123456789abcdef"
PASSWORD = "kata-sandi-admin-uji"
SECRET_ENV = "PANTAU_TEST_WEB_SECRET"
PASSWORD_ENV = "PANTAU_TEST_WEB_ADMIN_PASSWORD"

MUBA = "kadis@mubakab.example.go.id"  # 16.06
SUMSEL = "kadis@sumselprov.example.go.id"  # 16
BANDUNG = "kadis@bandungkota.example.go.id"  # 32.73
NATIONAL = "nasional@komdigi.example.go.id"  # *
OWNER = "humas@disparoki.example.go.id"  # owner of one OKI account


@dataclass
class Country:
    cfg: Config
    ids: dict[str, int]


# (key, institution, region, platform, url, days since last post or None, outcome, owner)
ACCOUNTS = [
    (
        "muba_active",
        "Dinas Kominfo Kab. Musi Banyuasin",
        "16.06",
        "website",
        "https://diskominfo.mubakab.go.id",
        3,
        "ok",
        "",
    ),
    (
        "muba_close",
        "Dinas Perpustakaan Kab. Musi Banyuasin",
        "16.06",
        "website",
        "https://dispusip.mubakab.go.id",
        200,
        "ok",
        "",
    ),
    (
        "muba_dormant",
        "Dinas Pariwisata Kab. Musi Banyuasin",
        "16.06",
        "feed",
        "https://dispar.mubakab.go.id/feed",
        45,
        "ok",
        "",
    ),
    (
        "oki_close",
        "Dinas Pariwisata Kab. Ogan Komering Ilir",
        "16.02",
        "website",
        "https://dispar.okikab.go.id",
        120,
        "ok",
        OWNER,
    ),
    (
        "bdg_dead",
        "Dinas Kominfo Kota Bandung",
        "32.73",
        "website",
        "https://diskominfo.bandung.go.id",
        None,
        "error",
        "",
    ),
    ("bdg_active", "Pemerintah Kota Bandung", "32.73", "website", "https://bandung.go.id", 1, "ok", ""),
]


def config_for(tmp: Path, smtp: dict[str, Any] | None = None, **web: Any) -> Config:
    raw: dict[str, Any] = {
        "database": {"path": str(tmp / "pantau.db")},
        "web": {"secret_env": SECRET_ENV, "admin_password_env": PASSWORD_ENV, "base_url": "http://127.0.0.1:9", **web},
        "recipients": [
            {"name": "Kadis Muba", "email": MUBA, "regions": ["16.06"]},
            {"name": "Kadis Sumsel", "email": SUMSEL, "regions": ["16"]},
            {"name": "Kadis Bandung", "email": BANDUNG, "regions": ["32.73"], "language": "en"},
            {"name": "Komdigi", "email": NATIONAL, "regions": ["*"], "language": "en"},
        ],
    }
    if smtp:
        raw["smtp"] = smtp
    return from_dict(raw, None)


def build_country(cfg: Config, now: datetime = NOW) -> Country:
    """Import the accounts, record four checks each over three weeks, and evaluate statuses."""
    from pantau.monitor.evaluate import evaluate_all
    from pantau.storage.accounts import import_accounts
    from pantau.storage.db import open_db
    from pantau.storage.observations import record_observation

    db = open_db(cfg.db_path)
    rows = [
        {
            "institution": inst,
            "region": region,
            "platform": platform,
            "url": url,
            "handle": "",
            "feed_url": "",
            "owner_email": owner,
            "dormant_after_days": None,
            "note": "",
        }
        for _, inst, region, platform, url, _, _, owner in ACCOUNTS
    ]
    import_accounts(db, rows, now - timedelta(days=30))
    ids = {}
    for key, _, _, _, url, age, outcome, _ in ACCOUNTS:
        aid = db.execute("select id from accounts where url = ?", [url]).fetchone()[0]
        ids[key] = aid
        for k in (21, 14, 7, 0):
            at = now - timedelta(days=k, hours=1)
            activity = now - timedelta(days=age) if age is not None and now - timedelta(days=age) <= at else None
            record_observation(
                db,
                {
                    "account_id": aid,
                    "checked_at": at,
                    "outcome": outcome,
                    "http_status": 200 if outcome == "ok" else None,
                    "activity_at": activity,
                    "activity_url": f"{url}/berita/terbaru" if activity else None,
                    "activity_title": "Rapat Koordinasi Humas" if activity else None,
                    "evidence": "feed" if activity else None,
                    "error": "connection refused" if outcome == "error" else None,
                },
            )
    evaluate_all(db, cfg, now - timedelta(days=14))
    evaluate_all(db, cfg, now)
    db.conn.close()
    return Country(cfg, ids)


def env(monkeypatch: Any) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


def clock(now: datetime = NOW) -> Callable[[], datetime]:
    return lambda: now
