"""Items the spiders yield: one :class:`Observation` per account per check."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

OUTCOMES = ("ok", "not_modified", "error", "not_found", "unsupported", "blocked")


@dataclass
class Observation:
    account_id: int
    checked_at: datetime
    outcome: str
    http_status: int | None = None
    activity_at: datetime | None = None
    activity_url: str | None = None
    activity_title: str | None = None
    evidence: str | None = None
    error: str | None = None
    duration_ms: int = 0
    bytes: int = 0
    requests: int = 0
    not_modified: bool = False
    # The bridge the check went through ("rsshub"), so its health is judged apart from the
    # platform's; and the platform or bridge blamed for a failure (not the account).
    via: str | None = None
    platform_fault: str | None = None
    # Not stored as columns: HTTP validators to save, and ids resolved during the check.
    validators: list[dict[str, Any]] = field(default_factory=list)
    resolved_id: str | None = None
    # Every dated candidate the check considered (JSON rows of pagedate.Considered), kept for
    # `pantau explain`, and the newest post's date read on its own page (a per-URL cache).
    considered: list[dict[str, Any]] = field(default_factory=list)
    confirmed_post: dict[str, Any] | None = None

    # The compromise scan (crawler/compromise.py): what it found, which parts of the site it
    # covered ("home", "cloak", "sitemap", "feed"; None: no scan ran) and whether the daily
    # crawler-UA fetch was made.
    findings: list[dict[str, Any]] = field(default_factory=list)
    scan_scopes: list[str] | None = None
    cloak_checked: bool = False
    cloak_allowed: bool | None = None  # robots.txt read for the crawler: may it read the home page?
    # What a website turned out to be (storage/sites.py), when this check learnt it; None:
    # nothing new to keep.
    site: dict[str, Any] | None = None

    def row(self) -> dict[str, Any]:
        out = asdict(self)
        for key in (
            "validators",
            "resolved_id",
            "considered",
            "confirmed_post",
            "findings",
            "scan_scopes",
            "cloak_checked",
            "cloak_allowed",
            "site",
        ):
            out.pop(key)
        return out
