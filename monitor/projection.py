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

from pantau.config.settings import Config


def local_iso(iso: str | None, tz: str) -> str | None:
    if not iso:
        return None
    from pantau.storage.timefmt import from_iso

    return from_iso(iso).astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")  # type: ignore[union-attr]



STATUS_COLUMNS = ("id", "institution", "region", "platform", "handle", "url", "status",
                  "last_activity_at", "last_activity_url", "evidence", "last_checked_at",
                  "days_inactive", "reason")


def compromise_view(finding: dict[str, Any] | None, tz: str) -> dict[str, Any] | None:
    """The status JSON's ``compromise``: the newest unresolved finding, or null."""
    if not finding:
        return None
    return {"kind": finding["kind"], "url": finding["url"], "evidence": finding["excerpt"],
            "detected_at": local_iso(finding["detected_at"], tz)}


def status_rows(cfg: Config, db: Any, now: datetime, *, statuses: Sequence[str] = (),
                regions: Sequence[str] = (), platforms: Sequence[str] = (),
                compromised: bool = False) -> list[dict[str, Any]]:
    """Every account with its status as the policy sees it at ``now``.

    ``compromised`` keeps only the accounts with an unresolved compromise finding.
    """
    from pantau.monitor.evaluate import policy_inputs, verdict_for
    from pantau.storage.accounts import select_accounts
    from pantau.storage.findings import open_findings
    from pantau.storage.timefmt import to_iso

    recent, attest = policy_inputs(db, cfg)
    findings = open_findings(db)
    out = []
    for a in select_accounts(db, regions=regions, platforms=platforms):
        if compromised and a["id"] not in findings:
            continue
        v = verdict_for(cfg, a, recent.get(a["id"], []), attest.get(a["id"]), now)
        if statuses and v.status not in statuses:
            continue
        act = v.activity
        out.append({
            "id": a["id"],
            "institution": a["institution"],
            "region": a["region"] or None,
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
            "compromise": compromise_view(findings.get(a["id"]), cfg.timezone),
        })
    return out


