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


def verdict_for(
    cfg: Config,
    account: dict[str, Any],
    recent: list[dict[str, Any]],
    attestation: dict[str, Any] | None,
    now: datetime,
    response: dict[str, Any] | None = None,
) -> Verdict:
    return evaluate(account, recent, cfg.policy_for(account["platform"]), now, attestation, response)


def policy_inputs(
    db: sqlite_utils.Database, cfg: Config, ids: Iterable[int] | None = None
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


def evaluate_all(db: sqlite_utils.Database, cfg: Config, now: datetime, *, ids: Iterable[int] | None = None) -> Counter:
    """Evaluate accounts (all, or ``ids``), store their status and record transitions.

    Returns a count of the transitions by new status. A failure on one account is logged
    and skipped so one bad row cannot stop the pass. A full pass (no ``ids``: the alerts
    run) also follows up the offices' answers (``monitor.answers.follow_up``).

    The platforms and bridges are judged first (``monitor.health``): a failed check of a
    platform that failed as a whole is blamed on it before any account is judged by it.
    """
    from pantau.monitor.answers import confirm_closed, follow_up
    from pantau.monitor.health import judge_all
    from pantau.storage.followups import answers_by_account

    try:
        judge_all(db, cfg, now)
    except Exception:  # noqa: BLE001 - health is advice; the accounts must still be evaluated
        log.exception("could not judge platform health")
    recent, attest = policy_inputs(db, cfg)
    answers = answers_by_account(db)
    wanted = set(ids) if ids is not None else None
    changes: Counter = Counter()
    for account in acc_store.iter_accounts(db):
        if wanted is not None and account["id"] not in wanted:
            continue
        try:
            checks = recent.get(account["id"], [])
            account, answer = confirm_closed(db, cfg, account, checks, answers.get(account["id"]), now)
            verdict = verdict_for(cfg, account, checks, attest.get(account["id"]), now, answer)
            old = account.get("status") or "unknown"
            changed = status_store.apply_status(
                db,
                account,
                verdict.status,
                verdict.reason,
                now,
                alert_kind=alert_kind(old, verdict.status),
                days_inactive=verdict.days_inactive,
            )
            if changed:
                changes[verdict.status] += 1
        except Exception:  # noqa: BLE001 - one bad account must not stop the pass
            log.exception("could not evaluate account %s", account.get("id"))
    if ids is None:
        follow_up(db, cfg, now)
    return changes
