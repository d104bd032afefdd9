"""Shared fixtures: a config and database in tmp_path, and real HTTP sites on loopback.

Fixture files under ``tests/fixtures/sites/`` may hold placeholders filled in when a site
is served, so their dates stay relative to the real clock the crawler reads:

    {{base}}            the site's own origin, e.g. http://127.0.0.1:41234
    {{ago:N:FORMAT}}    the moment N days before now (N may be negative: the future)
    {{year}}            this year (for copyright lines)

FORMAT is one of ``id`` ("Senin, 23 November 2026"), ``idtime`` ("23 November 2026
pukul 09.30 WIB"), ``num`` ("23/11/2026"), ``rfc822``, ``iso`` (with +07:00) and ``gmt``
("2026-11-23T02:30:00", WordPress' date_gmt).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pantau.config.registry import validate_row
from pantau.config.settings import Config, from_dict
from pantau.monitor.demo.server import Route, Site
from pantau.monitor.demo.sites import BULAN, HARI

FIXTURES = Path(__file__).parent / "fixtures"
SITES = FIXTURES / "sites"
JAKARTA = ZoneInfo("Asia/Jakarta")

_PLACEHOLDER = re.compile(r"\{\{(base|year|ago:(-?\d+):(\w+))\}\}")


def format_ago(days: int, fmt: str, now: datetime | None = None) -> str:
    at = ((now or datetime.now(UTC)) - timedelta(days=days)).astimezone(JAKARTA)
    at = at.replace(second=0, microsecond=0)
    if fmt == "id":
        return f"{HARI[at.weekday()]}, {at.day} {BULAN[at.month - 1]} {at.year}"
    if fmt == "idtime":
        return f"{at.day} {BULAN[at.month - 1]} {at.year} pukul {at:%H.%M} WIB"
    if fmt == "num":
        return f"{at:%d/%m/%Y}"
    if fmt == "rfc822":
        return at.strftime("%a, %d %b %Y %H:%M:%S +0700")
    if fmt == "iso":
        return at.isoformat()
    if fmt == "gmt":
        return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    raise ValueError(f"unknown date format {fmt!r} in a fixture")


def days_since(iso: str | None) -> int:
    """Whole days from a stored time to now (an activity's age, as the tests read it)."""
    from pantau.storage.timefmt import from_iso

    assert iso, "no activity was recorded"
    return (datetime.now(UTC) - from_iso(iso)).days


def render(text: str, base: str = "", now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)

    def fill(m: re.Match[str]) -> str:
        if m.group(1) == "base":
            return base
        if m.group(1) == "year":
            return str(now.astimezone(JAKARTA).year)
        return format_ago(int(m.group(2)), m.group(3), now)

    return _PLACEHOLDER.sub(fill, text)


def _deep_merge(into: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value
    return into


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Config]:
    """``make_config(crawler={"obey_robots": True})`` → a Config with its database in tmp_path.

    Defaults suit loopback tests: private addresses allowed, robots.txt not obeyed, no
    retries and a short timeout, so a broken site costs seconds, not minutes.
    """

    def build(**tables: dict[str, Any]) -> Config:
        raw: dict[str, Any] = {
            "database": {"path": str(tmp_path / "pantau.db")},
            "crawler": {"allow_private_addresses": True, "obey_robots": False, "timeout_s": 5, "retries": 0},
        }
        return from_dict(_deep_merge(raw, copy.deepcopy(tables)), None)

    return build


class Sites:
    """Starts loopback sites for a test and stops them all afterwards."""

    def __init__(self) -> None:
        self.started: list[Site] = []

    def serve(self, routes: dict[str, Route | str], **kwargs: Any) -> Site:
        """Start a Site; a route given as a string names a fixture file under fixtures/sites/.

        ``{{base}}`` and the date placeholders in bodies are filled in once the port is known.
        """
        site = Site({}, **kwargs)
        for path, route in routes.items():
            if isinstance(route, str):
                route = Route((SITES / route).read_text(encoding="utf-8"), content_type=_ctype(route))
            if isinstance(route.body, str):
                route = copy.copy(route)
                route.body = render(route.body, site.url)
            site.routes[path] = route
        self.started.append(site.start())
        return site

    def stop(self) -> None:
        for site in self.started:
            site.stop()


def _ctype(name: str) -> str:
    if name.endswith(".json"):
        return "application/json; charset=utf-8"
    if name.endswith((".rss.xml", ".rss")):
        return "application/rss+xml; charset=utf-8"
    if name.endswith(".atom.xml"):
        return "application/atom+xml; charset=utf-8"
    if name.endswith(".xml"):
        return "application/xml; charset=utf-8"
    if name.endswith(".txt"):
        return "text/plain; charset=utf-8"
    return "text/html; charset=utf-8"


@pytest.fixture
def sites() -> Any:
    running = Sites()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def module_sites() -> Any:
    """Like ``sites``, for a module that checks once and then asks many questions."""
    running = Sites()
    yield running
    running.stop()


class Watch:
    """A database with accounts, checked for real through ``crawler.runner.check_accounts``."""

    def __init__(self, cfg: Config) -> None:
        from pantau.storage.db import open_db

        self.cfg = cfg
        self.db = open_db(cfg.db_path)

    def add(self, url: str, platform: str = "website", **fields: Any) -> int:
        """Import one registry row (validated like a registry file's) and return its id."""
        from pantau.storage.accounts import import_accounts

        data = {
            "institution": "Dinas Kominfo Kab. Musi Banyuasin",
            "region": "16.06",
            "platform": platform,
            "url": url,
            **fields,
        }
        row = validate_row(2, data)
        import_accounts(self.db, [row.as_record()], datetime.now(UTC))
        found = self.db.execute(
            "select id from accounts where platform = ? and url = ?", [row.platform, row.url]
        ).fetchone()
        return found[0]

    def check(self, *ids: int) -> Any:
        """Check the accounts (all that are not retired when no id is given), as the CLI does."""
        from pantau.crawler.runner import check_accounts
        from pantau.storage.accounts import select_accounts

        return check_accounts(self.cfg, select_accounts(self.db, ids=ids, include_retired=False))

    def evaluate(self, now: datetime | None = None) -> None:
        from pantau.monitor.evaluate import evaluate_all

        evaluate_all(self.db, self.cfg, now or datetime.now(UTC))

    def account(self, account_id: int) -> dict[str, Any]:
        from pantau.storage.accounts import get_account

        found = get_account(self.db, account_id)
        assert found is not None
        return found

    def observations(self, account_id: int) -> list[dict[str, Any]]:
        """Every observation of the account, oldest first."""
        return list(self.db.query("select * from observations where account_id = ? order by id", [account_id]))

    def last(self, account_id: int) -> dict[str, Any]:
        return self.observations(account_id)[-1]


@pytest.fixture
def watch(make_config: Callable[..., Config]) -> Any:
    """``watch(crawler={...})`` → a :class:`Watch` over a fresh config and database."""
    made: list[Watch] = []

    def build(**tables: dict[str, Any]) -> Watch:
        w = Watch(make_config(**tables))
        made.append(w)
        return w

    yield build
    for w in made:
        w.db.conn.close()


# --- the command line -------------------------------------------------------------------


def pantau_command() -> list[str]:
    """The installed console script, or the module when it is not on the PATH."""
    found = shutil.which("pantau", path=str(Path(sys.executable).parent)) or shutil.which("pantau")
    return [found] if found else [sys.executable, "-m", "pantau.monitor.cli"]


def run_in_process(argv: list[str], *, cwd: Path, now: str | None = None) -> subprocess.CompletedProcess:
    """``pantau ARGV`` through its ``main()``, with stdout, stderr, environment and folder of its own."""
    import io
    import logging

    from pantau.monitor.cli import main

    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_out, saved_err = sys.stdout, sys.stderr
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    # What basicConfig would give a fresh process: warnings and worse on its stderr.
    handler = logging.StreamHandler(err)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for key in ("PANTAU_CONFIG", "PANTAU_NOW"):
        os.environ.pop(key, None)
    if now:
        os.environ["PANTAU_NOW"] = now
    root.addHandler(handler)
    try:
        os.chdir(cwd)
        sys.stdout, sys.stderr = out, err
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: bad usage
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdout, sys.stderr = saved_out, saved_err
        root.removeHandler(handler)
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    out.flush()
    err.flush()
    text_out = out.buffer.getvalue().decode("utf-8", errors="replace")  # type: ignore[attr-defined]
    text_err = err.buffer.getvalue().decode("utf-8", errors="replace")  # type: ignore[attr-defined]
    return subprocess.CompletedProcess(["pantau", *argv], code, text_out, text_err)


class Project:
    """A folder with a pantau.toml; runs the real `pantau` command inside it."""

    def __init__(self, root: Path, toml: str = "", db: str = "pantau.db"):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.config = root / "pantau.toml"
        self.config.write_text(f'[database]\npath = "{db}"\n{toml}', encoding="utf-8")
        self.db_path = root / db

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.root / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def run(self, *args: str, now: str | None = None, config: bool = True) -> subprocess.CompletedProcess:
        """Run `pantau [--config pantau.toml] ARGS`; ``now`` sets PANTAU_NOW (ISO 8601).

        The command's own ``main()`` runs in this process (its argv, environment, working folder,
        stdout and stderr as a separate process would have them): the same code as the console
        script without a Python start and Scrapy import per call. What needs a real process of its
        own (signals, kill -9, a daemon, a pipe) starts one explicitly (``pantau_command()``).
        """
        head = ["--config", str(self.config)] if config else []
        return run_in_process([*head, *args], cwd=self.root, now=now)

    def accounts(self) -> list[dict[str, Any]]:
        from pantau.storage.accounts import export_accounts
        from pantau.storage.db import open_db

        db = open_db(self.db_path)
        try:
            return export_accounts(db)
        finally:
            db.conn.close()


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A project folder whose config reads loopback sites quickly."""
    return Project(tmp_path / "kominfo", LOOPBACK_TOML)


LOOPBACK_TOML = """
[crawler]
allow_private_addresses = true
obey_robots = false
timeout_s = 5
retries = 0
"""


@pytest.fixture(scope="session")
def new_project() -> type[Project]:
    """The :class:`Project` class, for fixtures of a wider scope than ``project``."""
    return Project
