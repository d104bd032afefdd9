"""``pantau explain`` and ``pantau probe``: every dated candidate a check considered, where it was
found and why it was taken or refused, so an operator who doubts a status sees why in one command
and a developer can fix a miss from that output alone.

``explain`` reads what the account's last check stored; ``probe`` runs one real check of any
address (through the same spiders and Scrapy engine) without registering it and writes nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pantau.config.platforms import SOCIAL_HOSTS, IdentityError, normalise_account
from pantau.config.settings import Config
from pantau.monitor.policy import evaluate

__all__ = ["explain_account", "infer_platform", "probe_url", "render_text"]

CANDIDATE_KEYS = ("at", "url", "title", "source", "where", "accepted", "why")
_FEED_PATH_RE = re.compile(r"(?:\.rss|\.xml|\.atom|/feed/?|/rss/?|/atom/?)$", re.IGNORECASE)


def _local(iso: str | None, tz: str) -> str | None:
    if not iso:
        return None
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if at.tzinfo is None:
        from datetime import UTC

        at = at.replace(tzinfo=UTC)
    return at.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds")


def _shape(cands: list[dict[str, Any]], tz: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Candidates with exactly the promised keys, times in the configured zone; the winner is one of
    them (the same object), or None."""
    out = []
    for c in cands:
        row = {k: c.get(k) for k in CANDIDATE_KEYS}
        row["at"] = _local(row["at"], tz)
        row["accepted"] = bool(row["accepted"])
        out.append(row)
    winner = next((c for c in out if c["accepted"]), None)
    return winner, out


def explain_account(cfg: Config, db: Any, account_id: int) -> dict[str, Any]:
    """The explanation of an account's last check that read anything."""
    from pantau.storage.explanations import last_candidates

    checked_at, cands = last_candidates(db, account_id)
    winner, shaped = _shape(cands, cfg.timezone)
    return {
        "account": account_id,
        "checked_at": _local(checked_at, cfg.timezone),
        "winner": winner,
        "candidates": shaped,
    }


def infer_platform(url: str) -> str:
    """The platform of an address, as a registry row would name it: youtube.com → youtube,
    t.me → telegram, instagram.com → instagram, …; a /@name profile on another host is
    Mastodon, an address ending in .rss/.xml or /feed a feed, anything else a website."""
    raw = url if "://" in url else "https://" + url
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower().removeprefix("www.")
    for platform, (_canonical, hosts) in SOCIAL_HOSTS.items():
        if host in hosts:
            return platform
    if re.match(r"^/@[A-Za-z0-9_.\-]+/?$", parts.path or ""):
        return "mastodon"
    if _FEED_PATH_RE.search(parts.path or ""):
        return "feed"
    return "website"


def probe_url(cfg: Config, url: str, platform: str | None, now: datetime) -> dict[str, Any]:
    """Check ``url`` once as an unregistered account; nothing is written anywhere.

    Raises :class:`IdentityError` when the address is not one of the platform's.
    """
    from pantau.crawler.runner import check_accounts

    platform = platform or infer_platform(url)
    norm, handle = normalise_account(platform, url)
    account = {
        "id": 0,
        "platform": platform,
        "url": norm,
        "handle": handle or None,
        "feed_url": None,
        "institution": "(probe)",
        "region": None,
        "dormant_after_days": None,
        "resolved_id": None,
        "confirmed_post": None,
    }
    seen: list[Any] = []
    check_accounts(cfg, [account], progress=seen.append, store=False)
    if not seen:
        raise IdentityError(f"no check of {url} could be run")
    obs = seen[-1]
    winner, shaped = _shape(obs.considered, cfg.timezone)
    # The policy as it would judge this one check: the account's facts are what it found.
    facts = dict(account)
    if obs.activity_at is not None:
        facts.update(
            last_activity_at=obs.activity_at.isoformat(),
            last_activity_url=obs.activity_url,
            last_activity_title=obs.activity_title,
            evidence=obs.evidence,
        )
    verdict = evaluate(facts, [{"outcome": obs.outcome, "error": obs.error}], cfg.policy_for(platform), now)
    return {
        "account": None,
        "url": norm,
        "platform": platform,
        "checked_at": _local(obs.checked_at.isoformat(), cfg.timezone),
        "winner": winner,
        "candidates": shaped,
        "status": str(verdict.status),
        "reason": str(verdict.reason),
        "outcome": obs.outcome,
        "error": obs.error,
    }


def render_text(doc: dict[str, Any]) -> str:
    """The explanation for a person: the winner, then every candidate with where and why."""
    head = f"account {doc['account']}" if doc.get("account") is not None else f"probe of {doc.get('url')}"
    lines = [f"{head}, checked at {doc.get('checked_at') or 'never'}"]
    if "status" in doc:
        lines.append(f"status: {doc['status']} ({doc['reason']})")
        if doc.get("error"):
            lines.append(f"check: {doc.get('outcome')}: {doc['error']}")
    win = doc.get("winner")
    if win:
        lines.append(f"winner: {win['at']} {win['source']} {win['url'] or '-'}")
        lines.append(f"        found in {win['where']}: {win['why']}")
    else:
        lines.append("winner: none (no credible dated candidate)")
    cands = doc.get("candidates") or []
    if not cands:
        lines.append(
            "no dated candidates were considered"
            + ("" if "status" in doc else " (the account was never read, or not since pantau kept them)")
        )
        return "\n".join(lines)
    lines.append(f"candidates ({len(cands)}):")
    for c in cands:
        mark = "TAKEN  " if c["accepted"] else "refused"
        lines.append(f"  {mark} {c['at']}  {c['source']:<9} {c['where']}")
        lines.append(f"          why: {c['why']}")
        if c.get("url"):
            lines.append(f"          url: {c['url']}")
    return "\n".join(lines)
