"""One account as a mail or a report shows it, and the account row the report's files carry.

``account_view`` is what the digest and the weekly report templates read of an account (the
``account_row`` macro in ``templates/macros.*``); each caller adds its few own keys (a digest's
follow-up note, a report's change time). Everything from the crawled web goes through
``oneline``/``web_href``: it stays data, never markup or a new line in a plain-text mail.
The status JSON of the CLI, the API and the board is ``monitor.projection.status_rows``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pantau.alerts.render import local_time, oneline, web_href
from pantau.config.regions import region_name
from pantau.config.vocabulary import stored_reason
from pantau.monitor.policy import effective_activity
from pantau.storage.timefmt import from_iso


def account_view(
    row: dict[str, Any], t: dict[str, Any], tz: str, *, status: str, activity_time: bool = True
) -> dict[str, Any]:
    """What the templates show of the account in ``row`` (an alert, a change or an account row).

    ``status`` is the status code to show (the caller knows which of the row's statuses that
    is); ``activity_time`` shows the last activity's time of day beside its date. A row with
    ``finding_kind`` carries a compromise finding, shown as ``finding``; else ``finding`` is
    ``None``.
    """
    return {
        "institution": oneline(row["institution"]),
        "region": row.get("region") or "",
        "region_name": region_name(row.get("region")) or "",
        "platform": row["platform"],
        "handle": oneline(row.get("handle")),
        "url": oneline(row["url"]),
        "href": web_href(row["url"]),
        "status": t["statuses"].get(status, status),
        "days_inactive": row.get("days_inactive"),
        "last_title": oneline(row.get("last_activity_title")),
        "last_url": oneline(row.get("last_activity_url")),
        "last_href": web_href(row.get("last_activity_url")),
        "last_at": local_time(row.get("last_activity_at"), tz, t["lang"], with_time=activity_time),
        "evidence": row.get("evidence") or "",
        "reason": oneline(stored_reason(row).text(t["lang"])),
        "finding": finding_view(row, t, tz),
    }


def finding_view(row: dict[str, Any], t: dict[str, Any], tz: str) -> dict[str, Any] | None:
    """A compromise finding's evidence (``finding_*`` keys): what, where, the excerpt, when."""
    if not row.get("finding_kind"):
        return None
    labels = t["compromise_labels"]
    return {
        "kind": labels.get(row["finding_kind"], row["finding_kind"]),
        "place": labels.get(row.get("finding_place") or "", row.get("finding_place") or ""),
        "url": oneline(row.get("finding_url")),
        "href": web_href(row.get("finding_url")),
        "excerpt": oneline(row.get("finding_excerpt")),
        "detected_at": local_time(row.get("finding_detected_at"), tz, t["lang"]),
        "resolved_at": local_time(row.get("finding_resolved_at"), tz, t["lang"]),
    }


def iso_local(value: str | None, tz: str) -> str | None:
    """A stored UTC time as ISO 8601 in ``tz`` (what the report's files carry)."""
    dt = from_iso(value)
    return dt.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds") if dt else None


def account_row(acc: dict[str, Any], attestation: dict[str, Any] | None, now: datetime, tz: str) -> dict[str, Any]:
    """An account as the weekly report counts, sorts and exports it (``ACCOUNT_COLUMNS``)."""
    # The same activity the policy used (an attestation counts until something newer is
    # seen), so the days here agree with the status beside them.
    activity = effective_activity(acc, attestation)
    status = "retired" if acc.get("retired_at") else (acc.get("status") or "unknown")
    return {
        "id": acc["id"],
        "institution": acc["institution"],
        "region": acc.get("region") or "",
        "region_name": region_name(acc.get("region")) or "",
        "platform": acc["platform"],
        "handle": acc.get("handle") or "",
        "url": acc["url"],
        "status": status,
        "days_inactive": max(0, (now - activity.at).days) if activity else None,
        "last_activity_at": activity.at.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds") if activity else None,
        "last_activity_url": activity.url if activity else None,
        "last_activity_title": activity.title if activity else None,
        "evidence": activity.evidence if activity else (acc.get("evidence") or None),
        "reason": stored_reason(acc),
        "last_checked_at": iso_local(acc.get("last_checked_at"), tz),
    }
