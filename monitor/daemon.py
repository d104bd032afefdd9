"""``pantau run``: scheduled checks, alerts and weekly reports until SIGTERM/SIGINT.

APScheduler's AsyncIOScheduler runs on the reactor's asyncio loop, so a check job awaits
Scrapy crawls directly. Due-ness lives in the database (``accounts.next_check_at``, spread
over the interval by a hash of the id), so a restart resumes where the last run left off:
nothing is checked twice early and nothing is skipped.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from pantau.config.settings import Config, parse_duration, parse_weekly
from pantau.crawler import reactor
from pantau.storage.timefmt import utcnow

log = logging.getLogger("pantau.daemon")
T = TypeVar("T")
STOP_GRACE_S = 8.0


class AlreadyRunning(RuntimeError):
    pass


class InstanceLock:
    """One daemon per database: an exclusive lock on ``<db>.lock`` holding the pid.

    The kernel drops a flock when the process dies (even by kill -9), so a stale lock
    file never blocks a restart.
    """

    def __init__(self, db_path: Path):
        self.path = Path(str(db_path) + ".lock")
        self.fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                pid = os.pread(fd, 32, 0).decode().strip() or "?"
            finally:
                os.close(fd)
            raise AlreadyRunning(
                f"another `pantau run` (pid {pid}) is already using {self.path.with_suffix('')}; "
                "stop it first or use another database"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def check_tick(interval: timedelta) -> float:
    """How often the check job looks for due accounts: often enough to spread the
    interval's checks evenly (about 60 slices), never more than once a second or less
    than once a minute."""
    return max(1.0, min(60.0, interval.total_seconds() / 60))


class Daemon:
    def __init__(self, cfg: Config, now: Callable[[], datetime] = utcnow):
        self.cfg = cfg
        self.now = now
        self.check_every = parse_duration(cfg.schedule["check_every"], "schedule.check_every")
        self.alerts_every = parse_duration(cfg.schedule["alerts_every"], "schedule.alerts_every")
        self.stopping = threading.Event()
        self.busy: set[str] = set()
        self.scheduler: AsyncIOScheduler | None = None
        self.host = socket.gethostname()
        self.started_at = now()

    # --- blocking work, each on a worker thread with its own connection --------------
    def _with_db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, *args)`` on a connection of its own: worker threads never share one.
        The schema was migrated once when the daemon started."""
        from pantau.storage.db import open_db

        db = open_db(self.cfg.db_path, migrate=False)
        try:
            return fn(db, *args)
        finally:
            db.conn.close()

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, self._with_db, fn, *args)

    def _due(self, db: Any) -> list[dict[str, Any]]:
        from pantau.storage.accounts import due_accounts, plan_unplanned

        planned = plan_unplanned(db, self.now(), self.check_every)
        if planned:
            log.info("planned first checks of %d new account(s) over %s", planned, self.check_every)
        return due_accounts(db, self.now(), limit=5000)

    def _evaluate(self, db: Any, ids: list[int] | None) -> Any:
        from pantau.monitor.evaluate import evaluate_all

        return evaluate_all(db, self.cfg, self.now(), ids=ids)

    def _send(self, db: Any) -> Any:
        from pantau.alerts.send import send_pending
        from pantau.monitor.evaluate import evaluate_all

        evaluate_all(db, self.cfg, self.now())
        return send_pending(db, self.cfg, self.now())

    def _weekly(self, db: Any) -> Any:
        from pantau.alerts.report import weekly_report

        return weekly_report(db, self.cfg, self.now(), send=True)

    def _beat(self, db: Any, state: str) -> None:
        from pantau.storage.daemon import record_heartbeat

        record_heartbeat(db, os.getpid(), self.host, state, self.now(), self.started_at)

    # --- jobs (coroutines on the reactor loop) ----------------------------------------
    async def job_checks(self) -> None:
        from pantau.crawler.runner import crawl

        if self.stopping.is_set():
            return
        accounts = await self._in_thread(self._due)
        if not accounts or self.stopping.is_set():
            return
        self.busy.add("checks")
        try:
            summary = await crawl(self.cfg, accounts)
            log.info(summary.line())
            changes = await self._in_thread(self._evaluate, [a["id"] for a in accounts])
            if changes:
                log.info("status changes: %s", ", ".join(f"{k} {v}" for k, v in sorted(changes.items())))
        finally:
            self.busy.discard("checks")

    async def job_alerts(self) -> None:
        if self.stopping.is_set():
            return
        self.busy.add("alerts")
        try:
            result = await self._in_thread(self._send)
            if result.digests or result.errors or result.pending:
                log.info(
                    "alerts: sent %d digest(s) for %d alert(s); %d pending",
                    result.digests,
                    result.alerts,
                    result.pending,
                )
            for err in result.errors:
                log.warning("alerts: %s", err)
        finally:
            self.busy.discard("alerts")

    async def job_weekly(self) -> None:
        if self.stopping.is_set():
            return
        self.busy.add("weekly")
        try:
            result = await self._in_thread(self._weekly)
            log.info(
                "weekly report %s: sent to %d recipient(s), skipped %d",
                result.week,
                len(result.sent),
                len(result.skipped),
            )
            for err in result.errors:
                log.warning("weekly report: %s", err)
        finally:
            self.busy.discard("weekly")

    async def job_heartbeat(self) -> None:
        state = "running" + (f" ({', '.join(sorted(self.busy))})" if self.busy else "")
        await self._in_thread(self._beat, state)

    def _guard(self, name: str, fn: Callable[[], Any]) -> Callable[[], Any]:
        async def wrapped() -> None:
            try:
                await fn()
            except asyncio.CancelledError:
                # Only shutdown cancels a job (one still running after the grace period):
                # that is expected, not an error with a traceback.
                log.info("%s job cut short by shutdown", name)
            except Exception as exc:  # noqa: BLE001 - a failed run is logged; the next one tries again
                from pantau.storage.errors import is_disk_full

                if is_disk_full(exc):
                    # Not a bug to trace: say it in one line, as the CLI does.
                    log.error(
                        "%s job: disk full, nothing was saved; free some space (it runs again at its next time)", name
                    )
                    return
                log.exception("%s job failed; it runs again at its next time", name)

        wrapped.__name__ = name
        return wrapped

    # --- life cycle --------------------------------------------------------------------
    def _start_scheduler(self) -> None:
        tz = self.cfg.timezone
        day, hour, minute = parse_weekly(self.cfg.schedule["weekly_report"])
        sched = AsyncIOScheduler(event_loop=reactor.loop(), timezone=tz)
        # Late runs are still wanted (a long check pass delays the next tick); the 1 s
        # default grace would silently skip them.
        common = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        now = self.now()
        sched.add_job(
            self._guard("checks", self.job_checks),
            IntervalTrigger(seconds=check_tick(self.check_every)),
            id="checks",
            next_run_time=now,
            **common,
        )
        sched.add_job(
            self._guard("alerts", self.job_alerts),
            IntervalTrigger(seconds=self.alerts_every.total_seconds()),
            id="alerts",
            next_run_time=now + timedelta(seconds=2),
            **common,
        )
        sched.add_job(
            self._guard("weekly", self.job_weekly),
            CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=tz),
            id="weekly",
            **common,
        )
        sched.add_job(
            self._guard("heartbeat", self.job_heartbeat),
            IntervalTrigger(seconds=30),
            id="heartbeat",
            next_run_time=now,
            **common,
        )
        sched.start()
        self.scheduler = sched

    async def _shutdown(self) -> None:
        from pantau.crawler.runner import stop_all

        # Pause first: APScheduler's shutdown cancels the jobs in flight, which cut an alert
        # run short and logged a CancelledError traceback at ERROR. Jobs get the grace period
        # to finish; only what is still running after it is cancelled.
        if self.scheduler is not None:
            self.scheduler.pause()
        await stop_all()
        # Let a job in flight finish its current transaction (observations are one
        # transaction each; an alert run marks each digest as it goes).
        deadline = asyncio.get_running_loop().time() + STOP_GRACE_S
        while self.busy and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)

    def run(self) -> int:
        lock = InstanceLock(self.cfg.db_path)
        lock.acquire()
        try:
            from pantau.storage.db import open_db

            open_db(self.cfg.db_path).conn.close()  # migrate once, before any job runs
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stopping.set())
            reactor.run(self._start_async)
            log.info(
                "pantau daemon started (pid %d); checks every %s, alerts every %s, weekly report %s %s",
                os.getpid(),
                self.check_every,
                self.alerts_every,
                self.cfg.schedule["weekly_report"],
                self.cfg.timezone,
            )
            while not self.stopping.wait(0.5):
                pass
            log.info("stopping: finishing work in flight")
            try:
                reactor.submit(self._shutdown).result(timeout=STOP_GRACE_S + 1)
            except Exception:  # noqa: BLE001 - we are leaving anyway; say what was cut short
                log.warning("work still in flight at shutdown: %s", ", ".join(sorted(self.busy)) or "none")
            self._with_db(self._beat, "stopped")
            log.info("pantau daemon stopped")
            return 0
        finally:
            lock.release()

    async def _start_async(self) -> None:
        self._start_scheduler()


def run_daemon(cfg: Config) -> int:
    logging.getLogger().setLevel(logging.INFO)
    return Daemon(cfg).run()
