"""`pantau run` as a real subprocess: it checks, alerts, refuses a twin and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pantau.monitor.daemon import InstanceLock, check_tick
from pantau.monitor.demo.run import MailSink
from pantau.monitor.demo.server import Route, Site
from pantau.monitor.demo.sites import wordpress_feed
from pantau.storage.accounts import spread_offset
from pantau.storage.db import open_db

NOW = datetime.now(UTC)


# The daemon spreads first checks by a hash of the account id over `check_every`; 38 s puts
# account 1's first check at offset 0, so the test needs no wall-clock wait for it, while the
# restart below still falls well inside one interval.
CHECK_EVERY = 38
assert spread_offset(1, timedelta(seconds=CHECK_EVERY)) == timedelta(0)


def _write(tmp: Path, feed_url: str, smtp_port: int) -> Path:
    cfg = tmp / "pantau.toml"
    cfg.write_text(
        f'''
[database]
path = "pantau.db"
[crawler]
allow_private_addresses = true
timeout_s = 5
retries = 0
[smtp]
host = "127.0.0.1"
port = {smtp_port}
[[recipients]]
name = "Kadis Kominfo Muba"
email = "kadis@mubakab.example.go.id"
regions = ["16.06"]
[schedule]
check_every = "{CHECK_EVERY}s"
alerts_every = "2s"
weekly_report = "mon 07:00"
''',
        encoding="utf-8",
    )
    reg = tmp / "registry.csv"
    reg.write_text(
        f"institution,region,platform,url\nDinas Pariwisata Kab. Musi Banyuasin,16.06,feed,{feed_url}\n",
        encoding="utf-8",
    )
    return cfg


def _pantau(*args: str) -> list[str]:
    return [sys.executable, "-m", "pantau.monitor.cli", *args]


def _wait_for(pred, timeout: float = 50.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def dormant_feed():
    site = Site().start()
    site.routes["/feed/"] = Route(
        wordpress_feed("Dispar Muba", site.url, NOW, [("Festival Musi Triboatton", 45)]),
        content_type="application/rss+xml",
    )
    yield site
    site.stop()


@pytest.fixture
def sink():
    s = MailSink().start()
    yield s
    s.stop()


def test_the_daemon_checks_alerts_refuses_a_twin_and_stops_on_sigterm(tmp_path, dormant_feed, sink):
    cfg = _write(tmp_path, dormant_feed.url + "/feed/", sink.port)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    subprocess.run(
        _pantau("--config", str(cfg), "registry", "import", str(tmp_path / "registry.csv")),
        check=True,
        env=env,
        capture_output=True,
    )
    proc = subprocess.Popen(
        _pantau("--config", str(cfg), "run"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        # It should check the due account and mail the dormant alert on its own schedule.
        assert _wait_for(lambda: len(sink.messages) >= 1), "no alert mail arrived from the daemon"
        rcpts, msg = sink.messages[0]
        assert rcpts == ["kadis@mubakab.example.go.id"]

        twin = subprocess.run(_pantau("--config", str(cfg), "run"), env=env, capture_output=True, text=True, timeout=30)
        # It should refuse a second daemon on the same database, naming the first one's pid.
        assert twin.returncode == 1
        assert f"pid {proc.pid}" in twin.stderr

        status = subprocess.run(
            _pantau("--config", str(cfg), "status"), env=env, capture_output=True, text=True, timeout=30
        )
        assert f"daemon pid {proc.pid}" in status.stdout

        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
        # It should stop cleanly, exit 0, within 10 seconds.
        assert code == 0
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    db = open_db(tmp_path / "pantau.db")
    checks = db.execute("select count(*) from observations").fetchone()[0]
    assert checks == 1
    assert db.execute("select state from daemon").fetchone()[0] == "stopped"

    # A restart resumes from the database: the account is not due again for 38 s, and
    # the alert already delivered is not sent twice.
    proc = subprocess.Popen(
        _pantau("--config", str(cfg), "run"), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        time.sleep(4)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    # It should neither re-check the account nor resend the alert after a restart.
    assert db.execute("select count(*) from observations").fetchone()[0] == 1
    assert len(sink.messages) == 1


def test_a_lock_held_by_a_dead_process_does_not_block_a_restart(tmp_path):
    db_path = tmp_path / "pantau.db"
    # A lock file left behind (its process gone) holds no flock: acquiring must succeed.
    Path(str(db_path) + ".lock").write_text("999999\n")
    lock = InstanceLock(db_path)
    lock.acquire()
    # It should take the lock and write its own pid.
    assert Path(str(db_path) + ".lock").read_text().strip() == str(os.getpid())
    lock.release()


def test_checks_are_looked_for_often_enough_to_spread_the_interval():
    # It should slice six hours into about a minute per look, and never below one second.
    assert check_tick(timedelta(hours=6)) == 60.0
    assert check_tick(timedelta(seconds=30)) == 1.0
    assert check_tick(timedelta(minutes=30)) == 30.0
