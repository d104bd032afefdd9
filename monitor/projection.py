"""One projection of an account for display: the status row that the CLI (table, JSON, CSV),
the API and the board show, built in one place so every output agrees.

It reads the account, its latest observations and attestation, runs the pure policy at ``now``
and turns the result into the keys INTERFACE.md promises (times in the configured zone).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pantau.config.regions import region_name
from pantau.config.settings import Config


def local_iso(iso: str | None, tz: str) -> str | None:
    if not iso:
        return None
    from pantau.storage.timefmt import from_iso

    return from_iso(iso).astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")  # type: ignore[union-attr]


def response_view(answer: dict[str, Any] | None, tz: str) -> dict[str, Any] | None:
    """The office's answer as INTERFACE.md's status JSON shows it."""
    if not answer:
        return None
    return {
        "kind": answer["kind"],
        "by": answer.get("by_date"),
        "note": answer.get("note"),
        "at": local_iso(answer["at"], tz),
    }


STATUS_COLUMNS = (
    "id",
    "institution",
    "region",
    "region_name",
    "platform",
    "handle",
    "url",
    "status",
    "last_activity_at",
    "last_activity_url",
    "evidence",
    "last_checked_at",
    "days_inactive",
    "reason",
    "platform_degraded",
)


# Below this many accounts the policy's inputs are read for those accounts only (a region's
# page on the board); above it, one pass over every account is cheaper than the id list.
SCOPED_INPUTS_MAX = 20_000


def compromise_view(finding: dict[str, Any] | None, tz: str) -> dict[str, Any] | None:
    """The status JSON's ``compromise``: the newest unresolved finding, or null."""
    if not finding:
        return None
    return {
        "kind": finding["kind"],
        "url": finding["url"],
        "evidence": finding["excerpt"],
        "detected_at": local_iso(finding["detected_at"], tz),
    }


def status_rows(
    cfg: Config,
    db: Any,
    now: datetime,
    *,
    statuses: Sequence[str] = (),
    regions: Sequence[str] = (),
    platforms: Sequence[str] = (),
    ids: Sequence[int] = (),
    compromised: bool = False,
) -> list[dict[str, Any]]:
    """Every account (or those selected) with its status as the policy sees it at ``now``.

    ``compromised`` keeps only the accounts with an unresolved compromise finding.
    """
    from pantau.monitor.evaluate import policy_inputs, verdict_for
    from pantau.monitor.policy import platform_degraded
    from pantau.storage.accounts import select_accounts
    from pantau.storage.findings import open_findings
    from pantau.storage.followups import answers_by_account
    from pantau.storage.timefmt import to_iso

    accounts = select_accounts(db, ids=ids, regions=regions, platforms=platforms)
    scoped = bool(ids or regions or platforms) and len(accounts) <= SCOPED_INPUTS_MAX
    recent, attest = policy_inputs(db, cfg, [a["id"] for a in accounts] if scoped else None)
    answers = answers_by_account(db)
    findings = open_findings(db)
    out = []
    for a in accounts:
        if compromised and a["id"] not in findings:
            continue
        answer = answers.get(a["id"])
        v = verdict_for(cfg, a, recent.get(a["id"], []), attest.get(a["id"]), now, answer)
        if statuses and v.status not in statuses:
            continue
        act = v.activity
        out.append(
            {
                "id": a["id"],
                "institution": a["institution"],
                "region": a["region"] or None,
                "region_name": region_name(a["region"]),
                "platform": a["platform"],
                "handle": a["handle"] or None,
                "url": a["url"],
                "status": v.status,
                "last_activity_at": local_iso(to_iso(act.at), cfg.timezone) if act else None,
                "last_activity_url": act.url if act else None,
                "last_activity_title": act.title if act else None,
                "evidence": act.evidence if act else None,
                "last_checked_at": local_iso(a["last_checked_at"], cfg.timezone),
                "days_inactive": v.days_inactive,
                "reason": v.reason,
                # The latest check failed because the platform or bridge failed (`pantau health`).
                "platform_degraded": platform_degraded(recent.get(a["id"], [])),
                "response": response_view(answer, cfg.timezone),
                "compromise": compromise_view(findings.get(a["id"]), cfg.timezone),
            }
        )
    return out
