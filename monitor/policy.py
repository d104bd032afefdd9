"""The status policy: a pure function of an account's facts, its recent checks, policy and ``now``.

Nothing here reads the clock or the database, so tests move time by passing ``now``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.timefmt import from_iso

STATUSES = ("active", "warning", "dormant", "close_recommended", "unreachable", "unknown", "retired")
ALERT_ON_ENTER = ("dormant", "close_recommended", "unreachable")
# Coming back to `active` is news only after the account was in trouble.
REVIVAL_FROM = ("dormant", "close_recommended", "unreachable")


@dataclass(frozen=True)
class Activity:
    at: datetime
    url: str | None
    title: str | None
    evidence: str


@dataclass(frozen=True)
class Verdict:
    status: str
    reason: str
    activity: Activity | None
    days_inactive: int | None


def effective_activity(account: Mapping[str, Any], attestation: Mapping[str, Any] | None) -> Activity | None:
    """The newest of the automatic last activity and a person's attestation.

    An attestation counts only until an automatic observation finds something newer.
    """
    auto = None
    if account.get("last_activity_at"):
        auto = Activity(
            from_iso(account["last_activity_at"]),
            account.get("last_activity_url"),
            account.get("last_activity_title"),
            account.get("evidence") or "unknown",
        )
    att = None
    if attestation and attestation.get("activity_at"):
        att = Activity(from_iso(attestation["activity_at"]), attestation.get("url"),
                       attestation.get("note"), "attested")
    if auto and att:
        return att if att.at > auto.at else auto
    return auto or att


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def evaluate(
    account: Mapping[str, Any],
    recent: Sequence[Mapping[str, Any]],
    policy: Mapping[str, int],
    now: datetime,
    attestation: Mapping[str, Any] | None = None,
) -> Verdict:
    """Decide an account's status.

    ``recent`` are its latest observations, newest first; ``policy`` has the four
    thresholds already merged for the platform; an account's own ``dormant_after_days``
    overrides the policy's.
    """
    activity = effective_activity(account, attestation)
    days = None
    if activity:
        # A post after `now` cannot be (the crawler drops them); clamp so a clock skew
        # between servers never yields negative days.
        days = max(0, (now - activity.at).days)

    if account.get("retired_at"):
        return Verdict("retired", f"retired: {account.get('retired_reason') or 'closed on purpose'}",
                       activity, days)

    need = max(1, int(policy["unreachable_after_failures"]))
    failures = [o for o in recent[:need] if o.get("outcome") in ("error", "not_found")]
    if len(recent) >= need and len(failures) == need:
        latest = failures[0]
        if latest.get("outcome") == "not_found":
            err = latest.get("error") or ""
            reason = err if err.startswith("account not found") else f"account not found ({err or 'gone'})"
            return Verdict("unreachable", reason, activity, days)
        return Verdict(
            "unreachable",
            f"the last {need} checks failed; latest: {latest.get('error') or 'error'}",
            activity,
            days,
        )

    latest = recent[0] if recent else None
    if activity is None:
        if latest is None:
            return Verdict("unknown", "not checked yet", None, None)
        outcome = latest.get("outcome")
        if outcome in ("unsupported", "blocked"):
            return Verdict("unknown", latest.get("error") or "cannot be read with this configuration", None, None)
        if outcome in ("error", "not_found"):
            return Verdict("unknown", f"never read successfully; latest: {latest.get('error') or outcome}", None, None)
        return Verdict("unknown", "read, but no dated post was found (no feed, API, sitemap or dated article)",
                       None, None)

    dormant_after = account.get("dormant_after_days") or policy["dormant_after_days"]
    close_after = max(policy["close_after_days"], dormant_after)
    warning_after = min(policy["warning_after_days"], dormant_after)
    seen = f"last activity {_days(days)} ago ({activity.evidence})"
    trouble = ""
    if latest is not None and latest.get("outcome") in ("error", "not_found"):
        trouble = f"; the latest check failed: {latest.get('error') or latest.get('outcome')}"
    if days > close_after:
        return Verdict("close_recommended",
                       f"{seen}, over {close_after} days: close the account or run it again{trouble}",
                       activity, days)
    if days > dormant_after:
        return Verdict("dormant", f"{seen}, over {dormant_after} days{trouble}", activity, days)
    if days > warning_after:
        return Verdict("warning", f"{seen}, over {warning_after} days{trouble}", activity, days)
    return Verdict("active", f"{seen}{trouble}", activity, days)


def alert_kind(old: str, new: str) -> str | None:
    """The alert a transition calls for, if any."""
    if new == old:
        return None
    if new in ALERT_ON_ENTER:
        return new
    if new == "active" and old in REVIVAL_FROM:
        return "revived"
    return None


# The reasons above are English (the JSON `reason` scripts read). Mail and reports are
# Indonesian by default, so each sentence shape is given here in Indonesian too, beside the
# code that writes it; a text of unknown shape (a spider's error) is shown as it is.
_EVIDENCE_ID = {"feed": "feed", "wp-api": "API WordPress", "sitemap": "sitemap", "page-date": "tanggal di halaman",
                "api": "API resmi", "attested": "dicatat petugas"}
_REASONS_ID: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^not checked yet$"), lambda m: "belum diperiksa"),
    (re.compile(r"^account not found(.*)$"), lambda m: "akun tidak ditemukan" + m.group(1)),
    (re.compile(r"^the last (\d+) checks failed; latest: (.*)$"),
     lambda m: f"{m.group(1)} pemeriksaan terakhir gagal; terakhir: {m.group(2)}"),
    (re.compile(r"^never read successfully; latest: (.*)$"),
     lambda m: f"belum pernah berhasil dibaca; terakhir: {m.group(1)}"),
    (re.compile(r"^read, but no dated post was found.*$"),
     lambda m: "terbaca, tetapi tidak ada unggahan bertanggal (tidak ada feed, API, sitemap, atau artikel bertanggal)"),
    (re.compile(r"^retired: (.*)$"), lambda m: f"dinonaktifkan: {m.group(1)}"),
    (re.compile(r"^last activity (\d+) days? ago \(([^)]*)\)(?:, over (\d+) days)?(: close the account or run it again)?"
                r"(?:; the latest check failed: (.*))?$"),
     lambda m: "aktivitas terakhir {d} hari lalu ({ev}){over}{close}{fail}".format(
         d=m.group(1), ev=_EVIDENCE_ID.get(m.group(2), m.group(2)),
         over=f", lebih dari {m.group(3)} hari" if m.group(3) else "",
         close=": tutup akun atau kelola kembali" if m.group(4) else "",
         fail=f"; pemeriksaan terakhir gagal: {m.group(5)}" if m.group(5) else "")),
]


def reason_in(reason: str | None, language: str) -> str:
    """The status reason in the reader's language (``id`` or ``en``)."""
    text = reason or ""
    if language != "id":
        return text
    for pattern, render in _REASONS_ID:
        m = pattern.match(text)
        if m:
            return render(m)
    return text
