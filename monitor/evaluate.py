"""The status pass: run the pure policy over every account and record what changed."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlite_utils

from pantau.config.settings import Config
from pantau.monitor.policy import Verdict, alert_kind, evaluate
from pantau.storage import accounts as acc_store
from pantau.storage import observations as obs_store
from pantau.storage import status as status_store

log = logging.getLogger(__name__)


def verdict_for(cfg: Config, account: dict[str, Any], recent: list[dict[str, Any]],
                attestation: dict[str, Any] | None, now: datetime) -> Verdict:
    return evaluate(account, recent, cfg.policy_for(account["platform"]), now, attestation)


def policy_inputs(db: sqlite_utils.Database, cfg: Config, ids: Iterable[int] | None = None
                  ) -> tuple[dict[int, list[dict[str, Any]]], dict[int, dict[str, Any]]]:
    """What the policy reads besides the account row: each account's latest observations
    (as many as the strictest `unreachable_after_failures` needs) and newest attestation —
    of every account, or only of ``ids``."""
    need = max(
        [cfg.policy_for(p)["unreachable_after_failures"] for p in cfg.data["policy"]["platform"]]
        + [cfg.data["policy"]["unreachable_after_failures"]]
    )
    ids = list(ids) if ids is not None else None
    return obs_store.recent_outcomes_by_account(db, need, ids), acc_store.attestations_by_account(db, ids)


def evaluate_all(
    db: sqlite_utils.Database, cfg: Config, now: datetime, *, ids: Iterable[int] | None = None
) -> Counter:
    """Evaluate accounts (all, or ``ids``), store their status and record transitions.

    Returns a count of the transitions by new status. A failure on one account is logged
    and skipped so one bad row cannot stop the pass.
    """
    recent, attest = policy_inputs(db, cfg)
    wanted = set(ids) if ids is not None else None
    changes: Counter = Counter()
    for account in acc_store.iter_accounts(db):
        if wanted is not None and account["id"] not in wanted:
            continue
        try:
            verdict = verdict_for(cfg, account, recent.get(account["id"], []), attest.get(account["id"]), now)
            old = account.get("status") or "unknown"
            changed = status_store.apply_status(
                db, account, verdict.status, verdict.reason, now,
                alert_kind=alert_kind(old, verdict.status), days_inactive=verdict.days_inactive,
            )
            if changed:
                changes[verdict.status] += 1
        except Exception:  # noqa: BLE001 - one bad account must not stop the pass
            log.exception("could not evaluate account %s", account.get("id"))
    return changes
