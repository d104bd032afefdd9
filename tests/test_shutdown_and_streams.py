"""SIGTERM while a job is in flight is a clean stop; an endless chunked body is the size cap."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from pantau.monitor.demo.server import Route

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"


class SilentMailServer:
    """Accepts SMTP connections and never says a word: an alert run hangs on it until its timeout."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.accepted.set()

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        self.sock.close()


def test_sigterm_during_an_alert_run_stops_without_a_cancellederror_traceback(project):
    mail = SilentMailServer()
    project.config.write_text(
        project.config.read_text()
        + f"""
[smtp]
host = "127.0.0.1"
port = {mail.port}
timeout_s = 2
[[recipients]]
name = "Kadis"
email = "kadis@kominfo.mubakab.go.id"
regions = ["16.06"]
[schedule]
check_every = "6h"
alerts_every = "1h"
"""
    )
    project.write("registry.csv", HEADER + "Dinas Kominfo,16.06,website,,https://mubakab.go.id,,,,\n")
    assert project.run("registry", "import", "registry.csv").returncode == 0
    # A dormant account: its alert waits in the outbox for the daemon's alert run.
    assert project.run("attest", "1", "--date", "2020-01-01").returncode == 0
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    env.pop("PANTAU_NOW", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pantau.monitor.cli", "--config", str(project.config), "run"],
        cwd=project.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert mail.accepted.wait(30), "the daemon's alert run never reached the mail server"
        time.sleep(0.5)  # the run is now waiting for the server's greeting
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
        # It should stop with exit 0 within 10 seconds, letting the run finish, without a traceback
        assert proc.returncode == 0, err
        assert time.monotonic() - started < 10
        assert "CancelledError" not in err and "Traceback" not in err, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        mail.close()


def endless_chunks(h) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    chunk = b"<p>" + b"x" * 16_000 + b"</p>"
    try:
        for _ in range(10_000):  # 160 MB at most, far past any cap: "endless" for the client
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except OSError:
        pass  # the client hung up at its cap
    h.close_connection = True


def test_an_endless_chunked_body_is_reported_as_the_size_cap(sites, watch):
    site = sites.serve({"/": Route(handler=endless_chunks)})
    w = watch(crawler={"max_bytes": 200_000})
    account_id = w.add(site.url)

    w.check()

    # It should say the response outgrew the cap, not "DownloadCancelledError"
    obs = w.last(account_id)
    assert obs["outcome"] == "error"
    assert obs["error"] == f"response from {site.url}/ is larger than the 200,000 bytes cap"


def test_a_daemon_job_that_meets_a_full_disk_logs_one_line_not_a_traceback(make_config, caplog):
    import asyncio
    import sqlite3

    from pantau.monitor.daemon import Daemon

    async def write_on_full_disk() -> None:
        raise sqlite3.OperationalError("database or disk is full")

    job = Daemon(make_config())._guard("checks", write_on_full_disk)
    with caplog.at_level("INFO", logger="pantau.daemon"):
        asyncio.run(job())

    # It should log one error line saying the disk is full, without a traceback
    (record,) = [r for r in caplog.records if r.name == "pantau.daemon"]
    assert record.levelname == "ERROR" and "disk full" in record.getMessage()
    assert record.exc_info is None
