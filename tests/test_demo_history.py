"""`pantau demo` builds weeks of real history (checks at earlier moments through PANTAU_NOW),
so its weekly report has a chart and a "newly dormant" section worth looking at."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pantau.storage.db import open_db
from pantau.storage.timefmt import from_iso
from tests.conftest import pantau_command


def test_the_demo_reports_on_weeks_of_history_offline_and_quickly():
    started = datetime.now(UTC)
    run = subprocess.run(pantau_command() + ["demo", "--keep"], capture_output=True, text=True, timeout=120)
    took = datetime.now(UTC) - started
    folder = Path(re.search(r"^kept (\S+)", run.stdout, re.M).group(1))
    try:
        assert run.returncode == 0, run.stderr
        db = open_db(folder / "pantau.db")
        checked = sorted(from_iso(r[0]) for r in db.execute("select distinct checked_at from observations"))
        changes = {
            r[0]: from_iso(r[1])
            for r in db.execute(
                "select a.url, c.changed_at from status_changes c join accounts a on a.id = c.account_id "
                "where c.new_status = 'dormant'"
            )
        }
        [report] = folder.glob("reports/pantau-weekly-*-kadis-sumselprov-example-go-id.html")
        html = report.read_text(encoding="utf-8")
        totals = [int(n) for n in re.findall(r'<td width="50"[^>]*><strong>(\d+)</strong>', html)]

        # It should have checked at weekly moments over the past weeks, not only today
        assert len(checked) >= 8 and started - checked[0] > timedelta(weeks=6)
        # It should show a chart with every one of its 8 weeks filled, and a newly dormant account
        assert len(totals) == 8 and all(totals)
        newly = html.split("Baru tidak aktif (dormant) minggu ini (1)", 1)[1].split("<h2", 1)[0]
        assert "Dinas Pariwisata Kab. Ogan Komering Ilir" in newly
        assert timedelta(days=6) < started - min(changes.values()) < timedelta(days=14)
        # It should escalate the long-unanswered close recommendation to the province
        assert re.search(r"to kadis@sumselprov\.example\.go\.id: .*diteruskan", run.stdout)
        assert took < timedelta(seconds=60)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
