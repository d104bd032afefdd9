"""What the board shows, read through the one projection (``monitor.projection.status_rows``).

A regency's page computes its rows fresh on each request (a few hundred accounts:
milliseconds). The national view — 100,000 accounts — costs seconds to project, so it is a
*snapshot*: computed in a worker process of its own (niced; it never holds the server's GIL),
kept as JSON elements per region, counts per region and the whole array as JSON and gzip, and recomputed when the
database changed (SQLite's ``data_version`` on a connection kept for watching) — at most once a
minute — or when it is older than ``max_age`` (time alone moves statuses). Provinces read from
it too. While a newer snapshot is computed the previous one is served, so those views may lag
the database by a minute or two; an account page is always computed fresh.
"""

from __future__ import annotations

import gzip
import json
import logging
import multiprocessing
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.pool import AsyncResult, Pool
from typing import Any

from pantau.alerts.links import Scope
from pantau.config.regions import region_name
from pantau.config.settings import Config
from pantau.config.vocabulary import Status
from pantau.monitor.projection import status_rows

log = logging.getLogger(__name__)

# Worst first: the order statuses weigh in the overview's sort.
SEVERITY = ("close_recommended", "dormant", "unreachable", "warning", "unknown", "active", "retired")
PROBLEMS = ("close_recommended", "dormant", "unreachable")
# A scope with more accounts than this (a province, the nation) is read from the snapshot;
# a regency's few hundred are projected fresh on each request.
FRESH_MAX = 1_000
# Between two recomputations of the snapshot: at least this long, and at least this many
# times the last one took — so a daemon writing every second cannot keep the board busy
# recomputing (a recomputation takes seconds of CPU at national scale).
MIN_REFRESH_S = 60.0
REFRESH_FACTOR = 5.0


def province_of(region: str | None) -> str:
    return region.split(".")[0] if region else ""


def regency_of(region: str | None) -> str:
    return ".".join(region.split(".")[:2]) if region else ""


def worst_key(counts: Counter) -> tuple[int, ...]:
    return tuple(-counts.get(s, 0) for s in SEVERITY[:4])


def account_order(row: dict[str, Any]) -> tuple[Any, ...]:
    days = row.get("days_inactive")
    return (
        SEVERITY.index(row["status"]) if row["status"] in SEVERITY else 99,
        -(days if days is not None else -1),
        row["institution"],
        row["id"],
    )


@dataclass
class Overview:
    """Counts per status per province and regency, worst first, and the compromised sites."""

    totals: Counter
    provinces: list[dict[str, Any]]
    compromised: list[dict[str, Any]]
    names: dict[str, str] = field(default_factory=dict)


def overview(rows: Iterable[dict[str, Any]]) -> Overview:
    counts: dict[str, Counter] = {}
    names: dict[str, str] = {}
    compromised = []
    for r in rows:
        region = r["region"] or ""
        counts.setdefault(region, Counter())[r["status"]] += 1
        if r.get("region_name") and region not in names:
            names[region] = r["region_name"]
        if r.get("compromise"):
            compromised.append(r)
    return overview_of(counts, compromised, names)


def overview_of(by_region: dict[str, Counter], compromised: list[dict[str, Any]], names: dict[str, str]) -> Overview:
    """The overview from counts per region code (a snapshot keeps those, not the rows)."""
    totals: Counter = Counter()
    prov: dict[str, Counter] = {}
    reg: dict[str, dict[str, Counter]] = {}
    for region, counts in by_region.items():
        p, g = province_of(region), regency_of(region)
        totals.update(counts)
        prov.setdefault(p, Counter()).update(counts)
        reg.setdefault(p, {}).setdefault(g, Counter()).update(counts)
    provinces = []
    for p, counts in sorted(prov.items(), key=lambda kv: (worst_key(kv[1]), kv[0])):
        regencies = [
            {"code": g, "counts": c, "total": sum(c.values()), "problems": sum(c.get(s, 0) for s in PROBLEMS)}
            for g, c in sorted(reg[p].items(), key=lambda kv: (worst_key(kv[1]), kv[0]))
        ]
        provinces.append(
            {
                "code": p,
                "counts": counts,
                "total": sum(counts.values()),
                "problems": sum(counts.get(s, 0) for s in PROBLEMS),
                "regencies": regencies,
            }
        )
    compromised = sorted(
        compromised, key=lambda r: str((r.get("compromise") or {}).get("detected_at") or ""), reverse=True
    )
    # Provinces and regencies by their Kemendagri names, whatever level the accounts sit at.
    names = dict(names)
    codes = [*prov, *(g for regencies in reg.values() for g in regencies)]
    for code in codes:
        if code and code not in names:
            name = region_name(code)
            if name:
                names[code] = name
    return Overview(totals, provinces, compromised, names)


@dataclass
class Block:
    """One region's accounts in the snapshot: their JSON elements one per line (JSON never holds
    a raw newline), and one character per element for its status and its platform to filter on.
    A few large strings, not 100,000 small objects: the snapshot crosses from the worker process
    in milliseconds, without stalling the requests being served."""

    lines: str
    statuses: str
    platforms: str

    def pick(self, statuses: set[str], platforms: set[str]) -> str:
        """The block's elements joined for a JSON array, keeping those the filters want."""
        if not statuses and not platforms:
            return self.lines.replace("\n", ", ")
        s_codes = {_STATUS_CODE[x] for x in statuses if x in _STATUS_CODE}
        p_codes = {_PLATFORM_CODE[x] for x in platforms if x in _PLATFORM_CODE}
        lines = self.lines.split("\n")
        return ", ".join(
            line
            for line, st, pl in zip(lines, self.statuses, self.platforms, strict=True)
            if (not statuses or st in s_codes) and (not platforms or pl in p_codes)
        )


_STATUS_CODE = {s.value: chr(65 + i) for i, s in enumerate(Status)}


def _platform_codes() -> dict[str, str]:
    from pantau.config.platforms import PLATFORMS

    return {p: chr(97 + i) for i, p in enumerate(sorted(PLATFORMS))}


_PLATFORM_CODE = _platform_codes()


@dataclass
class Snapshot:
    """The national projection, kept as what the pages and the API serve from it: per region a
    :class:`Block` of JSON elements, counts per region, the compromised rows, and the whole
    array (in id order, as `pantau status --format json` prints it) as JSON and gzip."""

    version: int
    at: float  # time.monotonic() when computed
    took: float  # seconds the computation took
    count: int
    blocks: dict[str, Block]
    by_region: dict[str, Counter]
    compromised: list[dict[str, Any]]
    names: dict[str, str]
    json: bytes
    gzip: bytes  # the whole array's JSON compressed once, for clients that accept it
    overview: Overview

    def due(self, version: int, max_age: float, now: float) -> bool:
        """Whether to recompute: data changed (but not sooner than the refresh interval) or too old."""
        age = now - self.at
        if age >= max_age:
            return True
        return version != self.version and age >= max(MIN_REFRESH_S, REFRESH_FACTOR * self.took)

    def scoped(self, scope: Scope) -> Overview:
        if scope.national:
            return self.overview
        return overview_of(
            {r: c for r, c in self.by_region.items() if scope.covers(r or None)},
            [r for r in self.compromised if scope.covers(r["region"])],
            self.names,
        )

    def json_of(
        self, scope: Scope, regions: Iterable[str] = (), statuses: Iterable[str] = (), platforms: Iterable[str] = ()
    ) -> bytes:
        regions = list(regions)
        parts = [
            block.pick(set(statuses), set(platforms))
            for region, block in sorted(self.blocks.items())
            if (scope.national or scope.covers(region or None))
            and (not regions or any(_in(region, c) for c in regions))
        ]
        return ("[" + ", ".join(p for p in parts if p) + "]").encode("utf-8")


def project_national(cfg: Config, now: datetime, version: int) -> Snapshot:
    """Project every account once and keep what the board serves (run in a worker process)."""
    from pantau.storage.db import open_db

    started = time.monotonic()
    db = open_db(cfg.db_path, migrate=False)
    try:
        rows = status_rows(cfg, db, now)
    finally:
        db.conn.close()
    texts = [json.dumps(r, ensure_ascii=False) for r in rows]
    body = ("[" + ", ".join(texts) + "]").encode("utf-8")
    grouped: dict[str, tuple[list[str], list[str], list[str]]] = {}
    by_region: dict[str, Counter] = {}
    for r, text in zip(rows, texts, strict=True):
        region = r["region"] or ""
        lines, sts, pls = grouped.setdefault(region, ([], [], []))
        lines.append(text)
        sts.append(_STATUS_CODE.get(r["status"], "?"))
        pls.append(_PLATFORM_CODE.get(r["platform"], "?"))
        by_region.setdefault(region, Counter())[r["status"]] += 1
    blocks = {
        region: Block("\n".join(lines), "".join(sts), "".join(pls)) for region, (lines, sts, pls) in grouped.items()
    }
    ov = overview(rows)
    return Snapshot(
        version,
        started,
        time.monotonic() - started,
        len(rows),
        blocks,
        by_region,
        ov.compromised,
        ov.names,
        body,
        gzip.compress(body, compresslevel=1, mtime=0),
        ov,
    )


class BoardData:
    """Rows for a scope; the national ones from a snapshot (see the module's docstring)."""

    def __init__(
        self, cfg: Config, now: Callable[[], datetime], *, max_age: float = 300.0, background: bool = True
    ) -> None:
        from pantau.storage.db import open_db

        self.cfg = cfg
        self.now = now
        self.max_age = max_age
        self.background = background
        # Only ever reads `pragma data_version`: it changes when another connection commits.
        self._watch = open_db(cfg.db_path, migrate=False)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._pending: AsyncResult | None = None
        # The national projection takes seconds of CPU at 100,000 accounts; in a process of its
        # own it does not hold this one's GIL while requests are being answered.
        self._pool: Pool | None = None

    def connect(self) -> Any:
        from pantau.storage.db import open_db

        return open_db(self.cfg.db_path, migrate=False)

    def close(self) -> None:
        if self._pool is not None:
            # A recomputation in flight is thrown away: stopping must not wait seconds for it.
            self._pool.terminate()
            self._pool.join()
            self._pool = None
        self._watch.conn.close()

    # --- a scope's rows ---------------------------------------------------------------------
    def large(self, scope: Scope, db: Any) -> bool:
        """Whether the scope is read from the national snapshot (see the module's docstring)."""
        from pantau.storage.board import accounts_in_scope_count

        if scope.national:
            return True
        return bool(scope.regions) and not scope.owner and accounts_in_scope_count(db, scope.regions) > FRESH_MAX

    def overview(self, scope: Scope, db: Any) -> Overview:
        if self.large(scope, db):
            return self.national().scoped(scope)
        return overview(self.fresh(scope, db))

    def api(
        self,
        scope: Scope,
        db: Any,
        regions: Iterable[str] = (),
        statuses: Iterable[str] = (),
        platforms: Iterable[str] = (),
    ) -> bytes:
        if self.large(scope, db):
            return self.national().json_of(scope, regions, statuses, platforms)
        rows = self.fresh(scope, db, regions=regions, statuses=statuses, platforms=platforms)
        return json.dumps(rows, ensure_ascii=False).encode("utf-8")

    def fresh(
        self,
        scope: Scope,
        db: Any,
        *,
        regions: Iterable[str] = (),
        statuses: Iterable[str] = (),
        platforms: Iterable[str] = (),
    ) -> list[dict[str, Any]]:
        """The scope's rows projected now (a region page, a regency's overview and API)."""
        from pantau.storage.board import owned_account_ids

        now = self.now()
        rows: list[dict[str, Any]] = []
        regions = list(regions)
        # A region asked for is cut to the scope: the page of province 16 shows a regency's
        # head only their regency (16.06) inside it.
        wanted = (
            sorted(
                {r for r in regions if scope.covers_code(r)}
                | {s for s in scope.regions for r in regions if s.startswith(r + ".")}
            )
            if regions
            else list(scope.regions)
        )
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
            if snap is not None:
                if not self.background:
                    if snap.version == version and time.monotonic() - snap.at < self.max_age:
                        return snap
                else:
                    if snap.due(version, self.max_age, time.monotonic()) and self._pending is None:
                        self._start(version)
                    return snap
        if not self.background:
            snap = project_national(self.cfg, self.now(), version)
        else:
            with self._lock:
                if self._pending is None:
                    self._start(version)
                pending = self._pending
            assert pending is not None
            snap = pending.get()
        with self._lock:
            self._snapshot = snap
        return snap

    def _start(self, version: int) -> None:
        """Start a recomputation in the worker process (the caller holds the lock)."""
        if self._pool is None:
            # "spawn": a fresh interpreter, not a fork of this threaded server.
            # Niced, so the requests this process answers meanwhile come first on a busy machine.
            self._pool = multiprocessing.get_context("spawn").Pool(1, initializer=os.nice, initargs=(10,))
        self._pending = self._pool.apply_async(
            project_national, (self.cfg, self.now(), version), callback=self._finished, error_callback=self._failed
        )

    def _finished(self, snap: Snapshot) -> None:
        with self._lock:
            self._pending = None
            self._snapshot = snap
        log.info("board: national view of %d accounts computed in %.1f s", snap.count, snap.took)

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self._pending = None
        # The previous snapshot keeps serving; say why the new one is missing.
        log.error("could not recompute the board's national view: %s: %s", type(exc).__name__, exc)

    def _version(self) -> int:
        from pantau.storage.board import data_version

        return data_version(self._watch)


def _in(region: str | None, code: str) -> bool:
    return bool(region) and (region == code or str(region).startswith(code + "."))
