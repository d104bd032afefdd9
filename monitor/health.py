"""Platform and bridge health: each pass judged per platform and per bridge (``pantau health``).

A platform (``youtube``) or bridge (``rsshub``) whose checks failed for most of its accounts
in the latest pass failed itself: those failed checks are then blamed on it
(``observations.platform_fault``), so they do not count towards an account's `unreachable`,
the accounts keep their last activity with ``platform_degraded: true``, and the operators get
one ``platform_down`` alert (to the ``"*"`` recipients) instead of hundreds of unreachable ones.

A check belongs to the bridge it went through, else to its account's platform: an RSSHub whose
X credentials expired is one outage of ``rsshub``, not also one of ``x``. *The latest pass* of a
source is each account's latest check within one ``check_every`` of the newest one (the daemon
spreads a pass over that interval). The judgement itself is the pure
:func:`pantau.monitor.policy.platform_state`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.config.settings import Config, parse_duration
from pantau.config.vocabulary import Outcome, PlatformState, Reason, ReasonCode
from pantau.monitor.policy import platform_alert_kind, platform_state
from pantau.storage import health as health_store
from pantau.storage.timefmt import from_iso

BRIDGES = ("rsshub",)
# Outcomes that are a check of the platform; `unsupported` and `blocked` never asked it anything.
CHECKED = (Outcome.OK, "not_modified", Outcome.ERROR, Outcome.NOT_FOUND)
FAILED = (Outcome.ERROR, Outcome.NOT_FOUND)
HEALTH_KEYS = ("platform", "accounts", "checked", "failed", "state", "since", "reason")


def configured_bridges(cfg: Config) -> list[str]:
    bridges = cfg.data.get("bridges") or {}
    return [b for b in BRIDGES if bridges.get(b)]


def judge_all(db: sqlite_utils.Database, cfg: Config, now: datetime) -> dict[str, PlatformState]:
    """Judge the latest pass of every platform and configured bridge and store the result.

    Failed checks of a degraded or down source are blamed on it; a change of state is
    recorded with its alert. Returns the state of each source.
    """
    window = parse_duration(cfg.schedule["check_every"])
    counts = health_store.account_counts(db)
    bridges = configured_bridges(cfg)
    checks: dict[str, list[dict[str, Any]]] = {p: [] for p in counts}
    for b in bridges:
        checks.setdefault(b, [])
    for c in health_store.latest_checks(db):
        if c["outcome"] not in CHECKED:
            continue
        checks.setdefault(c["via"] or c["platform"], []).append(c)
    states: dict[str, PlatformState] = {}
    for source, found in sorted(checks.items()):
        if source in BRIDGES and source not in bridges:
            continue
        at = now
        latest_pass: list[dict[str, Any]] = []
        if found:
            newest = max(from_iso(c["checked_at"]) for c in found)  # type: ignore[type-var]
            at = newest  # type: ignore[assignment]
            latest_pass = [c for c in found if from_iso(c["checked_at"]) >= newest - window]  # type: ignore[operator]
        failed = [c for c in latest_pass if c["outcome"] in FAILED]
        state = platform_state(len(latest_pass), len(failed))
        last_error = max(failed, key=lambda c: c["checked_at"])["error"] if failed else None
        reason = Reason.of(ReasonCode.PLATFORM_HEALTH, checked=len(latest_pass), failed=len(failed), latest=last_error)
        accounts = len(found) if source in BRIDGES else counts.get(source, 0)
        if state != PlatformState.OK:
            health_store.mark_platform_fault(db, [c["observation_id"] for c in failed], source)
        health_store.apply_platform_state(
            db,
            source,
            state,
            reason,
            accounts=accounts,
            checked=len(latest_pass),
            failed=len(failed),
            at=at,
            now=now,
            alert_for=platform_alert_kind,
        )
        states[source] = state
    return states


def health_rows(db: sqlite_utils.Database, cfg: Config) -> list[dict[str, Any]]:
    """One row per platform that has accounts and per configured bridge, as last judged."""
    from pantau.monitor.projection import local_iso

    counts = health_store.account_counts(db)
    stored = health_store.stored_health(db)
    out = []
    for source in sorted(counts) + configured_bridges(cfg):
        row = stored.get(source)
        if row is None:
            out.append(
                {
                    "platform": source,
                    "accounts": counts.get(source, 0),
                    "checked": 0,
                    "failed": 0,
                    "state": str(PlatformState.OK),
                    "since": None,
                    "reason": str(Reason.of(ReasonCode.PLATFORM_HEALTH, checked=0, failed=0)),
                }
            )
            continue
        out.append(
            {
                "platform": source,
                "accounts": counts.get(source, 0) if source not in BRIDGES else row["accounts"],
                "checked": row["checked"],
                "failed": row["failed"],
                "state": row["state"],
                "since": local_iso(row["since"], cfg.timezone),
                "reason": row["reason"],
            }
        )
    return out


def health_table(rows: Sequence[dict[str, Any]]) -> str:
    """The rows of :func:`health_rows` as a text table (the reason last, unpadded)."""
    head = ["platform", "accounts", "checked", "failed", "state", "since", "reason"]
    cells = [
        [
            str(r["platform"]),
            str(r["accounts"]),
            str(r["checked"]),
            str(r["failed"]),
            str(r["state"]),
            r["since"] or "-",
            str(r["reason"]),
        ]
        for r in rows
    ]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(head)]
    return "\n".join(
        "  ".join([row[i].ljust(widths[i]) for i in range(len(head) - 1)] + [row[-1]]) for row in [head, *cells]
    )
