"""Take the board screenshots in docs/ with the headless Chromium the browser tests use.

    .venv/bin/python docs/screenshots.py          # writes docs/board-overview.png, docs/board-account.png

Demo-like data: the demo's Sumatera Selatan offices and a few more provinces, each account
checked weekly for ten weeks (observations recorded through storage, statuses from the real
policy at each check), an office's answer on one account; the board runs on loopback and the
pages are opened through a signed link, as a head of office would.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)

OFFICES = [
    (
        "16.06",
        "Kab. Musi Banyuasin",
        [
            ("Pemerintah Kabupaten Musi Banyuasin", "website", 2),
            ("Dinas Komunikasi dan Informatika", "website", 5),
            ("Dinas Komunikasi dan Informatika", "telegram", 1),
            ("Badan Pendapatan Daerah", "website", None),
            ("Dinas Perpustakaan", "website", 131),
            ("Dinas Pariwisata", "youtube", 44),
        ],
    ),
    (
        "16.02",
        "Kab. Ogan Komering Ilir",
        [
            ("Dinas Pariwisata", "website", 52),
            ("Dinas Perpustakaan", "website", 210),
            ("Pemerintah Kabupaten Ogan Komering Ilir", "website", 3),
        ],
    ),
    (
        "16.71",
        "Kota Palembang",
        [
            ("Pemerintah Kota Palembang", "website", 1),
            ("Dinas Kesehatan", "feed", 20),
            ("Dinas Pendidikan", "website", 95),
        ],
    ),
    (
        "32.73",
        "Kota Bandung",
        [
            ("Pemerintah Kota Bandung", "website", 0),
            ("Dinas Kominfo", "website", 9),
            ("Dinas Pariwisata", "youtube", 38),
        ],
    ),
    ("35.78", "Kota Surabaya", [("Pemerintah Kota Surabaya", "website", 1), ("Dinas Perpustakaan", "website", 75)]),
    ("64.72", "Kota Samarinda", [("Dinas Kominfo", "website", 160), ("Pemerintah Kota Samarinda", "website", 6)]),
]


def build(db_path: Path) -> int:
    from pantau.config.settings import from_dict
    from pantau.monitor.evaluate import evaluate_all
    from pantau.storage.accounts import import_accounts
    from pantau.storage.db import open_db
    from pantau.storage.observations import record_observation
    from pantau.storage.responses import record_response

    cfg = from_dict({"database": {"path": str(db_path)}}, None)
    db = open_db(db_path)
    rng = random.Random(3)
    rows, plan = [], []
    for region, place, accounts in OFFICES:
        for inst, platform, age in accounts:
            slug = f"{inst.split()[-1].lower()}{len(rows)}"
            url = (
                f"https://{slug}.{place.split()[-1].lower()}.go.id"
                if platform != "telegram"
                else f"https://t.me/{slug}"
            )
            rows.append(
                {
                    "institution": f"{inst} {place}" if not inst.startswith("Pemerintah") else inst,
                    "region": region,
                    "platform": platform,
                    "url": url,
                    "handle": "",
                    "feed_url": "",
                    "owner_email": "",
                    "dormant_after_days": None,
                    "note": "",
                }
            )
            plan.append((url, age))
    import_accounts(db, rows, NOW - timedelta(weeks=11))
    target = None
    for week in range(10, -1, -1):
        at = NOW - timedelta(weeks=week, hours=rng.randint(0, 5))
        for url, age in plan:
            aid = db.execute("select id from accounts where url = ?", [url]).fetchone()[0]
            if age is None:
                obs = {"outcome": "error", "error": "connection refused"}
            else:
                # An account posts every few days until it fell silent `age` days before now.
                silent_since = NOW - timedelta(days=age)
                last = min(at, silent_since) - timedelta(days=rng.randint(0, 3))
                obs = {
                    "outcome": "ok",
                    "activity_at": last,
                    "evidence": "feed",
                    "activity_url": f"{url}/berita/{last:%Y/%m/%d}/kegiatan",
                    "activity_title": "Rapat Koordinasi Humas",
                }
            record_observation(db, {"account_id": aid, "checked_at": at, **obs})
            if age == 52:
                target = aid
        evaluate_all(db, cfg, at)
    # One abandoned site with gambling links planted in it (the overview's "compromised" list),
    # and what the target's last check considered (the account page's explain table).
    from pantau.storage.explanations import record_candidates
    from pantau.storage.findings import save_scan

    ages = dict(plan)
    planted = next(
        r["id"]
        for r in db.query("select id, url from accounts where platform = 'website' order by id")
        if (ages.get(r["url"]) or 0) >= 90
    )
    site = db.execute("select url from accounts where id = ?", [planted]).fetchone()[0]
    save_scan(
        db,
        planted,
        [
            {
                "kind": "gambling_injection",
                "place": "hidden_block",
                "url": site + "/",
                "excerpt": "slot gacor maxwin hari ini — situs slot88 resmi",
                "sha256": "0" * 64,
            }
        ],
        ["home"],
        NOW - timedelta(days=2),
    )
    target_url = db.execute("select url from accounts where id = ?", [target]).fetchone()[0]
    record_candidates(
        db,
        target,
        NOW - timedelta(hours=3),
        [
            {
                "at": (NOW - timedelta(days=52)).isoformat(),
                "url": f"{target_url}/berita/rapat-koordinasi-humas",
                "title": "Rapat Koordinasi Humas",
                "source": "feed",
                "where": "feed entry",
                "accepted": True,
                "why": "the newest credible date of this source",
            },
            {
                "at": (NOW - timedelta(days=1)).isoformat(),
                "url": None,
                "title": None,
                "source": "page-date",
                "where": "home page: sidebar (timeago)",
                "accepted": False,
                "why": "a relative phrase on a listing, not confirmed on the post's own page",
            },
            {
                "at": NOW.isoformat(),
                "url": None,
                "title": None,
                "source": "page-date",
                "where": "home page: header",
                "accepted": False,
                "why": "today's date printed in the header",
            },
        ],
    )
    record_response(
        db,
        target,
        "will_reactivate",
        who="admin.dispar@okikab.example.go.id",
        at=NOW - timedelta(days=1),
        by=(NOW + timedelta(days=30)).date(),
        note="admin baru ditunjuk; unggahan mulai Desember",
    )
    db.conn.close()
    return target


def main() -> int:
    sys.path.insert(0, str(REPO))
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from pantau.alerts.links import sign_link
    from pantau.config.settings import from_dict
    from pantau.monitor.board.serve import BackgroundBoard

    folder = Path(tempfile.mkdtemp(prefix="pantau-shots-"))
    os.environ["PANTAU_SHOTS_SECRET"] = "screenshots-only-secret-0123456789"
    try:
        target = build(folder / "pantau.db")
        cfg = from_dict(
            {
                "database": {"path": str(folder / "pantau.db")},
                "web": {"secret_env": "PANTAU_SHOTS_SECRET"},
                "recipients": [
                    {"email": "kadis@sumselprov.example.go.id", "regions": ["16"]},
                    {"email": "pantau-nasional@komdigi.example.go.id", "regions": ["*"]},
                ],
            },
            None,
        )
        board = BackgroundBoard(cfg, lambda: NOW, background_snapshots=False).start()
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={folder / 'profile'}",
            "--window-size=1200,900",
            "--hide-scrollbars",
        ):
            opts.add_argument(flag)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        try:
            link = sign_link(cfg, "pantau-nasional@komdigi.example.go.id", NOW).replace(cfg.board_url, board.url)
            driver.set_window_size(1200, 1000)
            driver.get(link)
            driver.save_screenshot(str(REPO / "docs" / "board-overview.png"))
            driver.delete_all_cookies()
            driver.get(sign_link(cfg, "kadis@sumselprov.example.go.id", NOW).replace(cfg.board_url, board.url))
            driver.set_window_size(1200, 1250)
            driver.get(f"{board.url}/accounts/{target}")
            driver.save_screenshot(str(REPO / "docs" / "board-account.png"))
        finally:
            driver.quit()
            board.stop()
        print("wrote docs/board-overview.png and docs/board-account.png")
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
