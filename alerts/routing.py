"""Who hears about an account: recipients by region code, plus the account's own owner."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr

from pantau.config.settings import Config


@dataclass(frozen=True)
class Route:
    email: str
    language: str
    name: str = ""


# A registry cell may hold several owners ("humas@x.go.id; admin@x.go.id").
_SPLIT = re.compile(r"[,;\s]+")


def owner_addresses(owner_email: str | None) -> list[str]:
    """The usable addresses in an ``owner_email`` cell; anything else is dropped.

    The cell comes from a registry file anyone may edit, so only a bare ``user@host``
    passes — a display name or a stray newline must never reach a mail header.
    """
    out = []
    for part in _SPLIT.split(owner_email or ""):
        name, addr = parseaddr(part)
        if addr and addr == part and "@" in addr and not name:
            out.append(addr)
    return out


def routes_for(cfg: Config, region: str | None, owner_email: str | None) -> list[Route]:
    """Every ``[[recipients]]`` whose regions cover ``region``, then the owner (in Indonesian).

    One address appears once: an owner who is also a configured recipient keeps the
    recipient's language, because that is what they asked for.
    """
    seen: set[str] = set()
    routes: list[Route] = []
    for r in cfg.recipients:
        key = r.email.lower()
        if r.covers(region) and key not in seen:
            seen.add(key)
            routes.append(Route(r.email, r.language, r.name))
    for addr in owner_addresses(owner_email):
        if addr.lower() not in seen:
            seen.add(addr.lower())
            routes.append(Route(addr, "id"))
    return routes


def language_of(cfg: Config, email: str, stored: str | None) -> str:
    """The language for a digest: the configured recipient's now, else what was stored."""
    for r in cfg.recipients:
        if r.email.lower() == email.lower():
            return r.language
    return stored if stored in ("id", "en") else "id"


def escalation_routes(cfg: Config, to: str) -> list[Route]:
    """Who an escalation step goes to: ``"*"`` is the national view; a region code is every
    recipient whose own (non-national) regions cover it — the province for a regency."""
    seen: set[str] = set()
    routes: list[Route] = []
    for r in cfg.recipients:
        if to == "*":
            hit = "*" in r.regions
        else:
            hit = any(s != "*" and (to == s or to.startswith(s + ".")) for s in r.regions)
        if hit and r.email.lower() not in seen:
            seen.add(r.email.lower())
            routes.append(Route(r.email, r.language, r.name))
    return routes


def routes_for_alert(cfg: Config, alert: dict) -> list[Route]:
    """The routes of an outbox alert: escalations follow their step, the rest their region."""
    if alert["kind"] in ("platform_down", "platform_recovered"):
        return escalation_routes(cfg, "*")  # a platform's outage is national news, not a region's
    if alert["kind"] == "escalated":
        import json

        data = json.loads(alert.get("alert_data") or "{}")
        return escalation_routes(cfg, data.get("to") or "*")
    return routes_for(cfg, alert["region"], alert["owner_email"])


def channel_targets(cfg: Config) -> dict[str, list[tuple[str, str]]]:
    """Each configured recipient's Apprise URLs as ``(target, url)``, by lower-case e-mail.

    ``target`` is a short hash of the URL: what the database keeps to tell targets apart
    (and find the URL again in the environment), never the URL itself, which holds a token.
    Read once per run: the environment is the operator's, and a run sees one state of it.
    """
    import hashlib

    from apprise.utils.parse import parse_urls

    out: dict[str, list[tuple[str, str]]] = {}
    for r in cfg.recipients:
        if r.apprise_env and r.email.lower() not in out:
            urls = parse_urls(cfg.secret(r.apprise_env) or "")
            out[r.email.lower()] = [(hashlib.sha256(u.encode()).hexdigest()[:16], u) for u in urls]
    return out
