"""A few weeks of history for the demo, made the honest way: real checks at earlier moments.

Each round serves the demo sites as they stood then (only the posts made by that moment)
and runs ``pantau check --all`` with ``PANTAU_NOW`` set to it, so observations, status
changes and alerts carry their simulated times. The weekly chart, "newly dormant" and the
board's history then show something real instead of a brand-new database.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from pantau.monitor.demo.sites import site_routes

HISTORY_WEEKS = 7


@contextmanager
def simulated(at: datetime) -> Iterator[None]:
    """Run pantau's commands at ``at`` (INTERFACE.md's PANTAU_NOW), then give the clock back."""
    before = os.environ.get("PANTAU_NOW")
    os.environ["PANTAU_NOW"] = at.isoformat()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PANTAU_NOW", None)
        else:
            os.environ["PANTAU_NOW"] = before


def import_at(now: datetime) -> datetime:
    """When the demo registry is imported: just before the first round of history."""
    return now - timedelta(weeks=HISTORY_WEEKS, days=1)


def build_history(cfg: str, sites: dict[str, Any], now: datetime, say: Callable[[str], None]) -> None:
    """One real check round a week for ``HISTORY_WEEKS`` weeks before ``now``."""
    from pantau.monitor.cli import main

    for weeks in range(HISTORY_WEEKS, 0, -1):
        at = now - timedelta(weeks=weeks)
        for name, site in sites.items():
            site.routes = site_routes(name, now, site.url, at=at)
        say(f"PANTAU_NOW={at:%Y-%m-%dT%H:%M}Z pantau check --all    # history: {weeks} week(s) ago")
        with simulated(at):
            main(["--config", cfg, "check", "--all"])
    for name, site in sites.items():
        site.routes = site_routes(name, now, site.url)
