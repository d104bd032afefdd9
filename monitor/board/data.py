"""What the board shows, read through the one projection (``monitor.projection.status_rows``).

A regency's or province's page computes its rows fresh on each request (a few hundred or
thousand accounts: milliseconds). The national view — 100,000 accounts — costs seconds to
project, so it is a *snapshot*: computed once, kept with its JSON, and recomputed when the
database changed (SQLite's ``data_version`` on a connection kept for watching) or when it is
older than ``max_age`` (time alone moves statuses). While a newer snapshot is being computed in
the background the previous one is served, so the national view may lag the database by one
recomputation (seconds); the account page is always computed fresh.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pantau.alerts.links import Scope
from pantau.config.settings import Config
from pantau.monitor.projection import status_rows

log = logging.getLogger(__name__)

# Worst first: the order statuses weigh in the overview's sort.
SEVERITY = ("close_recommended", "dormant", "unreachable", "warning", "unknown", "active", "retired")
PROBLEMS = ("close_recommended", "dormant", "unreachable")


def province_of(region: str | None) -> str:
    return region.split(".")[0] if region else ""


def regency_of(region: str | None) -> str:
    return ".".join(region.split(".")[:2]) if region else ""


def worst_key(counts: Counter) -> tuple[int, ...]:
    return tuple(-counts.get(s, 0) for s in SEVERITY[:4])


def account_order(row: dict[str, Any]) -> tuple[Any, ...]:
    days = row.get("days_inactive")
    return (SEVERITY.index(row["status"]) if row["status"] in SEVERITY else 99,
            -(days if days is not None else -1), row["institution"], row["id"])


@dataclass
class Overview:
    """Counts per status per province and regency, worst first, and the compromised sites."""

    totals: Counter
    provinces: list[dict[str, Any]]
    compromised: list[dict[str, Any]]
    names: dict[str, str] = field(default_factory=dict)


def overview(rows: Iterable[dict[str, Any]]) -> Overview:
    totals: Counter = Counter()
    prov: dict[str, Counter] = {}
    reg: dict[str, dict[str, Counter]] = {}
    names: dict[str, str] = {}
    compromised = []
    for r in rows:
        status = r["status"]
        region = r["region"] or ""
        p, g = province_of(region), regency_of(region)
        totals[status] += 1
        prov.setdefault(p, Counter())[status] += 1
        reg.setdefault(p, {}).setdefault(g, Counter())[status] += 1
        if r.get("region_name") and region not in names:
            names[region] = r["region_name"]
        if r.get("compromise"):
            compromised.append(r)
    provinces = []
    for p, counts in sorted(prov.items(), key=lambda kv: (worst_key(kv[1]), kv[0])):
        regencies = [{"code": g, "counts": c, "total": sum(c.values()), "problems": sum(c.get(s, 0) for s in PROBLEMS)}
                     for g, c in sorted(reg[p].items(), key=lambda kv: (worst_key(kv[1]), kv[0]))]
        provinces.append({"code": p, "counts": counts, "total": sum(counts.values()),
                          "problems": sum(counts.get(s, 0) for s in PROBLEMS), "regencies": regencies})
    compromised.sort(key=lambda r: str((r.get("compromise") or {}).get("detected_at") or ""), reverse=True)
    return Overview(totals, provinces, compromised, names)


@dataclass
class Snapshot:
    version: int
    at: float  # time.monotonic() when computed
    rows: list[dict[str, Any]]
    json: bytes
    overview: Overview


class BoardData:
    """Rows for a scope; the national ones from a snapshot (see the module's docstring)."""

    def __init__(self, cfg: Config, now: Callable[[], datetime], *, max_age: float = 60.0,
                 background: bool = True) -> None:
        from pantau.storage.db import open_db

        self.cfg = cfg
        self.now = now
        self.max_age = max_age
        self.background = background
        # Only ever reads `pragma data_version`: it changes when another connection commits.
        self._watch = open_db(cfg.db_path, migrate=False)
        self._lock = threading.Lock()
        self._compute_lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._refreshing = False

    def connect(self) -> Any:
        from pantau.storage.db import open_db

        return open_db(self.cfg.db_path, migrate=False)

    def close(self) -> None:
        self._watch.conn.close()

    # --- a scope's rows ---------------------------------------------------------------------
    def rows(self, scope: Scope, db: Any, **filters: Any) -> list[dict[str, Any]]:
        """The status rows a scope may see (fresh unless national), with the CLI's filters."""
        if scope.national:
            rows = self.national().rows
            return [r for r in rows if _matches(r, **filters)] if any(filters.values()) else rows
        return self.fresh(scope, db, **filters)

    def fresh(self, scope: Scope, db: Any, *, regions: Iterable[str] = (), statuses: Iterable[str] = (),
              platforms: Iterable[str] = ()) -> list[dict[str, Any]]:
        from pantau.storage.board import owned_account_ids

        now = self.now()
        rows: list[dict[str, Any]] = []
        wanted = [r for r in regions if scope.covers_code(r)] if regions else list(scope.regions)
        if regions and not wanted and not scope.owner:
            return []
        if wanted:
            rows = status_rows(self.cfg, db, now, regions=wanted, statuses=tuple(statuses), platforms=tuple(platforms))
        if scope.owner:
            ids = owned_account_ids(db, scope.owner)
            seen = {r["id"] for r in rows}
            ids = [i for i in ids if i not in seen]
            if ids:
                extra = status_rows(self.cfg, db, now, ids=ids, statuses=tuple(statuses), platforms=tuple(platforms))
                rows += [r for r in extra if not regions or any(_in(r["region"], c) for c in regions)]
        return rows

    def account(self, scope: Scope, db: Any, account_id: int) -> dict[str, Any] | None:
        """One account's row, fresh — or None when it does not exist *or* is out of scope."""
        from pantau.storage.accounts import get_account

        acc = get_account(db, account_id)
        if acc is None or not scope.covers(acc["region"] or None, acc.get("owner_email")):
            return None
        found = status_rows(self.cfg, db, self.now(), ids=[account_id])
        return found[0] if found else None

    # --- the national snapshot --------------------------------------------------------------
    def national(self) -> Snapshot:
        with self._lock:
            version = self._version()
            snap = self._snapshot
            if snap is not None and snap.version == version and time.monotonic() - snap.at < self.max_age:
                return snap
            if snap is not None and self.background:
                if not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh_quietly, name="board-snapshot", daemon=True).start()
                return snap
        return self._compute()

    def _version(self) -> int:
        from pantau.storage.board import data_version

        return data_version(self._watch)

    def _refresh_quietly(self) -> None:
        try:
            self._compute()
        except Exception:  # noqa: BLE001 - the previous snapshot keeps serving; say why
            log.exception("could not recompute the board's national view")
        finally:
            with self._lock:
                self._refreshing = False

    def _compute(self) -> Snapshot:
        with self._compute_lock:
            with self._lock:
                # Read before projecting: a commit during the projection makes the next
                # request compute again rather than keep a snapshot that missed it.
                version = self._version()
                snap = self._snapshot
                if snap is not None and snap.version == version and time.monotonic() - snap.at < self.max_age:
                    return snap
            started = time.monotonic()
            db = self.connect()
            try:
                rows = status_rows(self.cfg, db, self.now())
            finally:
                db.conn.close()
            snap = Snapshot(version, started, rows, json.dumps(rows, ensure_ascii=False).encode("utf-8"),
                            overview(rows))
            log.info("board: national view of %d accounts computed in %.2f s", len(rows), time.monotonic() - started)
            with self._lock:
                self._snapshot = snap
            return snap


def _in(region: str | None, code: str) -> bool:
    return bool(region) and (region == code or str(region).startswith(code + "."))


def _matches(row: dict[str, Any], *, regions: Iterable[str] = (), statuses: Iterable[str] = (),
             platforms: Iterable[str] = ()) -> bool:
    regions, statuses, platforms = list(regions), list(statuses), list(platforms)
    if regions and not any(_in(row["region"], c) for c in regions):
        return False
    if statuses and row["status"] not in statuses:
        return False
    return not platforms or row["platform"] in platforms
