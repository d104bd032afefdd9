"""Faults: `kill -9` in the middle of a check and of a mail run, and a database another process locks.

The commands run as real subprocesses (``python -m monitor.cli``) against loopback sites and
a real SMTP server; the kills are real SIGKILLs. After each, the database must be whole
(``PRAGMA integrity_check``, no observation without its account update), and a restart must
finish the work: every account observed once per completed check, every alert mailed to
every recipient exactly once — except the one case the design allows, a digest the server
accepted just before the sender died, which is sent again with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from pantau.alerts.send import LEASE
from pantau.config.registry import validate_row
from pantau.config.settings import load_config
from pantau.monitor.demo.server import Route
from pantau.monitor.evaluate import evaluate_all
from pantau.storage.accounts import import_accounts
from pantau.storage.db import open_db
from pantau.storage.observations import record_observation
from tests.smtp_server import free_port

NOW = datetime.now(UTC)


def cli(project: Any, *args: str) -> list[str]:
    return [sys.executable, "-m", "pantau.monitor.cli", "--config", str(project.config), *args]


def cli_env(now: datetime | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PANTAU_CONFIG", "PANTAU_NOW")}
    if now is not None:
        env["PANTAU_NOW"] = now.isoformat()
    return env


def run_cli(project: Any, *args: str, now: datetime | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        cli(project, *args), cwd=project.root, env=cli_env(now), capture_output=True, text=True, timeout=60, check=False
    )


def kill_when(proc: subprocess.Popen, ready: Any, timeout: float = 30) -> None:
    """SIGKILL ``proc`` as soon as ``ready()`` is true; fail if it ends or never gets there."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"the process ended before the kill:\n{proc.communicate()}"
        assert time.monotonic() < deadline, "the moment to kill never came"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL


@contextmanager
def raw_db(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection, as a second process would open it."""
    conn = sqlite3.connect(str(path), timeout=30)
    try:
        yield conn
    finally:
        conn.close()


def count(path: Path, sql: str, params: Any = ()) -> int:
    with raw_db(path) as conn:
        return conn.execute(sql, params).fetchone()[0]


def assert_database_whole(path: Path) -> None:
    with raw_db(path) as conn:
        # It should find the file intact after the kill: SQLite's own check and the foreign keys
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        half = conn.execute(
            "select count(*) from observations where account_id is null or checked_at is null or outcome is null"
        ).fetchone()[0]
        # It should hold no half-written observation
        assert half == 0
        # One transaction per observation: an account's facts move with its observations, never apart.
        rows = conn.execute("""
            select a.id, a.last_checked_at, a.last_outcome,
                   (select count(*) from observations o where o.account_id = a.id),
                   (select o.checked_at from observations o where o.account_id = a.id order by o.id desc limit 1),
                   (select o.outcome from observations o where o.account_id = a.id order by o.id desc limit 1)
            from accounts a""").fetchall()
    for account_id, last_checked, last_outcome, n, latest_at, latest_outcome in rows:
        if n == 0:
            assert last_checked is None and last_outcome is None, account_id
        else:
            assert (last_checked, last_outcome) == (latest_at, latest_outcome), account_id


# --- kill -9 during a check ------------------------------------------------------------------


def feed(n: int) -> str:
    stamp = (NOW - timedelta(days=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Dinas {n}</title>'
        f"<item><title>Berita {n}</title><link>https://dinas{n}.okikab.go.id/berita/1</link>"
        f"<pubDate>{stamp}</pubDate></item></channel></rss>"
    )


def registry(db_path: Path, rows: list[dict[str, Any]]) -> None:
    db = open_db(db_path)
    try:
        import_accounts(db, [validate_row(2, r).as_record() for r in rows], NOW)
    finally:
        db.conn.close()


CHECK_TOML = """
[crawler]
allow_private_addresses = true
obey_robots = false
timeout_s = 10
retries = 0
concurrency = 2
per_host = 2
"""


def test_a_check_killed_mid_run_leaves_a_whole_database_and_the_next_check_completes(sites, new_project, tmp_path):
    # Slow sites and two requests at a time: the run takes seconds, so the kill lands inside it.
    site = sites.serve(
        {f"/feed-{n}.xml": Route(feed(n), content_type="application/rss+xml", delay=0.2) for n in range(30)}
    )
    project = new_project(tmp_path / "kominfo", CHECK_TOML)
    registry(
        project.db_path,
        [
            {"institution": f"Dinas {n}", "region": "16.02", "platform": "feed", "url": f"{site.url}/feed-{n}.xml"}
            for n in range(30)
        ],
    )

    proc = subprocess.Popen(
        cli(project, "check", "--all"), cwd=project.root, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    kill_when(
        proc, lambda: project.db_path.exists() and count(project.db_path, "select count(*) from observations") >= 4
    )

    assert_database_whole(project.db_path)
    with raw_db(project.db_path) as conn:
        before = dict(
            conn.execute(
                "select a.id, count(o.id) from accounts a left join observations o on o.account_id = a.id group by a.id"
            ).fetchall()
        )
    # The kill came mid-run: some accounts were observed, not all
    assert 4 <= sum(before.values()) < 30

    again = run_cli(project, "check", "--all")

    assert again.returncode == 0, again.stderr
    assert_database_whole(project.db_path)
    with raw_db(project.db_path) as conn:
        after = dict(
            conn.execute(
                "select a.id, count(o.id) from accounts a left join observations o on o.account_id = a.id group by a.id"
            ).fetchall()
        )
        outcomes = {r[0] for r in conn.execute("select distinct outcome from observations")}
    # It should add exactly one observation per account for the completed check, none lost or doubled
    assert after == {account_id: n + 1 for account_id, n in before.items()}
    assert outcomes <= {"ok", "not_modified"}  # a feed already read before the kill answers 304


# --- kill -9 during a mail run ---------------------------------------------------------------


class SlowMailServer:
    """A real SMTP server (aiosmtpd on loopback) that answers slowly where it is told to.

    ``data_delay`` holds the reply to DATA (the mail is kept only once that reply is due:
    a client that dies before it has not sent anything); ``quit_delay`` holds the reply to
    QUIT, after the mail was accepted. ``kill_at`` = (n, "data" | "quit") sets ``kill_now``
    when the n-th connection reaches that point.
    """

    def __init__(self) -> None:
        self.received: list[tuple[list[str], Any]] = []
        self.data_delay = 0.0
        self.quit_delay = 0.0
        self.kill_at: tuple[int, str] | None = None
        self.kill_now = threading.Event()
        self.in_flight: str | None = None
        self.lock = threading.Lock()
        self.sessions = 0
        self.port = free_port()
        server = self

        class Handler:
            async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
                with server.lock:
                    server.sessions += 1
                    session.number = server.sessions
                msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
                if server.kill_at == (session.number, "data"):
                    server.in_flight = str(msg["Message-ID"])
                    server.kill_now.set()
                if server.data_delay:
                    await asyncio.sleep(server.data_delay)
                with server.lock:
                    server.received.append((list(envelope.rcpt_tos), msg))
                return "250 OK: queued"

            async def handle_QUIT(self, smtp: Any, session: Any, envelope: Any) -> str:
                number = getattr(session, "number", None)
                if number is not None and server.kill_at == (number, "quit"):
                    server.in_flight = str(server.received[-1][1]["Message-ID"])
                    server.kill_now.set()
                if server.quit_delay:
                    await asyncio.sleep(server.quit_delay)
                return "221 Bye"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def fast(self) -> None:
        self.data_delay = self.quit_delay = 0.0
        self.kill_at = None


@pytest.fixture
def slow_mail() -> Any:
    server = SlowMailServer()
    server.controller.start()
    yield server
    server.controller.stop()


REGIONS = [f"16.{n:02d}" for n in range(1, 9)]
NATIONAL = "pantau@komdigi.example.go.id"


def kadis(region: str) -> str:
    return f"kadis-{region.replace('.', '-')}@kominfo.example.go.id"


def mail_project(new_project: Any, root: Path, port: int) -> Any:
    recipients = "".join(
        f'\n[[recipients]]\nname = "Kadis {r}"\nemail = "{kadis(r)}"\nregions = ["{r}"]\n' for r in REGIONS
    )
    recipients += f'\n[[recipients]]\nname = "Komdigi"\nemail = "{NATIONAL}"\nregions = ["*"]\nlanguage = "en"\n'
    smtp = f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "pantau@kominfo.example.go.id"\ntimeout_s = 10\n'
    project = new_project(root, smtp + recipients)
    # Two dormant websites per regency, each with its own proof: 16 alerts, 9 digests.
    rows = [
        {
            "institution": f"Dinas {n} {r}",
            "region": r,
            "platform": "website",
            "url": f"https://dinas{n}-{r.replace('.', '-')}.example.go.id",
        }
        for r in REGIONS
        for n in (1, 2)
    ]
    registry(project.db_path, rows)
    cfg = load_config(project.config)
    db = open_db(project.db_path)
    try:
        for account in db["accounts"].rows:
            record_observation(
                db,
                {
                    "account_id": account["id"],
                    "checked_at": NOW - timedelta(hours=1),
                    "outcome": "ok",
                    "evidence": "feed",
                    "activity_at": NOW - timedelta(days=45),
                    "activity_url": account["url"] + "/berita/rapat",
                    "activity_title": "Rapat koordinasi",
                },
            )
        evaluate_all(db, cfg, NOW)
    finally:
        db.conn.close()
    return project


def expected_pairs(project: Any) -> set[tuple[str, str]]:
    with raw_db(project.db_path) as conn:
        urls = conn.execute("select a.url, a.region from alerts al join accounts a on a.id = al.account_id").fetchall()
    assert len(urls) == 16
    return {(kadis(region), url) for url, region in urls} | {(NATIONAL, url) for url, _ in urls}


def copies_received(server: SlowMailServer, urls: set[str]) -> dict[tuple[str, str], list[str]]:
    """(recipient, account url) → the Message-IDs of every mail that told that recipient of it."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for rcpts, msg in server.received:
        lines = {line.strip() for line in msg.get_body(preferencelist=("plain",)).get_content().splitlines()}
        for rcpt in rcpts:
            for url in urls & lines:
                out[(rcpt, url)].append(str(msg["Message-ID"]))
    return out


@pytest.mark.parametrize(
    "moment", ["data", "quit"], ids=["while-the-server-reads-the-mail", "after-the-server-accepted-it"]
)
def test_a_mail_run_killed_mid_run_loses_no_alert_and_repeats_only_an_accepted_digest(
    slow_mail, new_project, tmp_path, moment
):
    project = mail_project(new_project, tmp_path / "kominfo", slow_mail.port)
    pairs = expected_pairs(project)
    # Each mail takes a second at the chosen moment; the kill comes on the second mail.
    if moment == "data":
        slow_mail.data_delay = 1.0
    else:
        slow_mail.quit_delay = 1.0
    slow_mail.kill_at = (2, moment)

    proc = subprocess.Popen(
        cli(project, "alerts", "send"), cwd=project.root, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    kill_when(proc, slow_mail.kill_now.is_set)
    slow_mail.fast()
    in_flight = slow_mail.in_flight
    assert_database_whole(project.db_path)

    # Restarted at once, the run sends everything but the digest the dead run still holds a
    # lease on; once the lease has run out, the next run sends that one too.
    first = run_cli(project, "alerts", "send")
    assert first.returncode == 0, first.stderr
    waiting = count(project.db_path, "select count(*) from deliveries where sent_at is null")
    assert waiting == 2 and count(project.db_path, "select count(*) from deliveries where claimed_by is not null") == 2
    later = run_cli(project, "alerts", "send", now=datetime.now(UTC) + LEASE + timedelta(minutes=1))
    assert later.returncode == 0, later.stderr

    assert_database_whole(project.db_path)
    assert count(project.db_path, "select count(*) from deliveries where sent_at is null or failed_at is not null") == 0
    assert count(project.db_path, "select count(*) from alerts where processed_at is null") == 0
    copies = copies_received(slow_mail, {url for _, url in pairs})
    # It should tell every recipient of every alert, and nobody of an alert outside their regions
    assert set(copies) == pairs
    repeated = {pair: ids for pair, ids in copies.items() if len(ids) > 1}
    if moment == "data":
        # The server never accepted the mail the kill interrupted: nothing may arrive twice.
        assert repeated == {}
    else:
        # It should repeat only the digest the server had accepted when the sender died, with
        # the same Message-ID so that the receiving side can drop the copy — nothing else
        assert repeated, "the accepted digest was expected to be sent again after the restart"
        assert {mid for ids in repeated.values() for mid in ids} == {in_flight}
        assert all(len(ids) == 2 for ids in repeated.values())
    by_id = defaultdict(int)
    for _, msg in slow_mail.received:
        by_id[str(msg["Message-ID"])] += 1
    assert sum(1 for n in by_id.values() if n > 1) <= 1
    assert len(by_id) == 9


# --- a locked database -----------------------------------------------------------------------

HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("begin immediate")
conn.execute("update accounts set note = note")  # a real write, as an import would make
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("commit")
print("released", time.time(), flush=True)
"""


class Lock:
    """Another process holding the write lock of the database for ``seconds``."""

    def __init__(self, path: Path, seconds: float = 2.0):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "locked"

    def released_at(self) -> float:
        out, _ = self.proc.communicate(timeout=30)
        assert self.proc.returncode == 0
        return float(out.split()[-1])


def test_recording_an_observation_waits_for_another_process_write_lock(new_project, tmp_path):
    project = new_project(tmp_path / "kominfo")
    registry(
        project.db_path,
        [
            {
                "institution": "Dinas Kominfo",
                "region": "16.06",
                "platform": "website",
                "url": "https://diskominfo.mubakab.go.id",
            }
        ],
    )
    db = open_db(project.db_path)
    try:
        lock = Lock(project.db_path, seconds=2)
        record_observation(db, {"account_id": 1, "checked_at": NOW, "outcome": "ok"})
        done = time.time()
        released = lock.released_at()
    finally:
        db.conn.close()

    # It should wait for the lock, not fail, and store the observation once it is free
    assert done >= released
    assert count(project.db_path, "select count(*) from observations") == 1
    assert_database_whole(project.db_path)


def test_a_check_during_another_process_write_lock_completes_after_it(sites, new_project, tmp_path):
    locks: list[Lock] = []
    project = new_project(tmp_path / "kominfo", CHECK_TOML)

    def lock_then_answer(handler: Any) -> None:
        # The check is reading the feed: take the write lock now, so that storing its
        # observation meets it.
        locks.append(Lock(project.db_path, seconds=2))
        body = feed(1).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    site = sites.serve({"/feed.xml": Route(handler=lock_then_answer)})
    registry(
        project.db_path,
        [{"institution": "Dinas 1", "region": "16.02", "platform": "feed", "url": f"{site.url}/feed.xml"}],
    )

    result = run_cli(project, "check", "--all")
    done = time.time()

    # It should wait for the lock and record the check, not fail with "database is locked"
    assert result.returncode == 0, result.stderr
    assert len(locks) == 1
    assert done >= locks[0].released_at()
    assert count(project.db_path, "select count(*) from observations where outcome = 'ok'") == 1
    assert_database_whole(project.db_path)


def test_alerts_sent_during_another_process_write_lock_are_marked_sent_after_it(slow_mail, new_project, tmp_path):
    project = mail_project(new_project, tmp_path / "kominfo", slow_mail.port)
    locks: list[Lock] = []
    original = slow_mail.controller.handler.handle_DATA

    async def lock_then_accept(smtp: Any, session: Any, envelope: Any) -> str:
        if not locks:
            # The first digest is on the wire: lock the database before the sender can
            # record it as sent.
            locks.append(await asyncio.to_thread(Lock, project.db_path, 2))
        return await original(smtp, session, envelope)

    slow_mail.controller.handler.handle_DATA = lock_then_accept

    result = run_cli(project, "alerts", "send")
    done = time.time()

    # It should wait for the lock, then record every digest as sent: none lost, none twice
    assert result.returncode == 0, result.stderr
    assert len(locks) == 1 and done >= locks[0].released_at()
    assert len(slow_mail.received) == 9
    assert len({str(m["Message-ID"]) for _, m in slow_mail.received}) == 9
    assert count(project.db_path, "select count(*) from deliveries where sent_at is null") == 0
    assert_database_whole(project.db_path)
