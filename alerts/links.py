"""Signed links from mails to the board: each one opens its reader's own regions, for a while.

A link carries who it was sent to and what they may see, signed with itsdangerous (HMAC-SHA1
over the payload, keyed by ``[web] secret_env``; a different salt per use so a link can never
be replayed as a session cookie or the other way round). The issue time is inside the signed
payload and checked against ``[web] link_days`` when the link is opened — the board's clock,
``PANTAU_NOW`` included — so shortening ``link_days`` shortens every link already sent.

Scope: a configured recipient's ``regions`` (``"*"`` is the national view), or, for an
account's ``owner_email`` that is no recipient, the accounts that name that address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from pantau.config.settings import Config

log = logging.getLogger(__name__)

LINK_SALT = "pantau.board.link"


@dataclass(frozen=True)
class Scope:
    """What one reader of the board may see."""

    who: str  # the recipient's address, or "admin"
    regions: tuple[str, ...] = ()  # region codes or prefixes; ("*",) = everything
    owner: str | None = None  # accounts whose owner_email names this address

    @property
    def national(self) -> bool:
        return "*" in self.regions

    def covers(self, region: str | None, owner_email: str | None = None) -> bool:
        for code in self.regions:
            if code == "*" or (region and (region == code or region.startswith(code + "."))):
                return True
        if self.owner and owner_email:
            from pantau.alerts.routing import owner_addresses

            return self.owner.lower() in (a.lower() for a in owner_addresses(owner_email))
        return False

    def covers_code(self, code: str) -> bool:
        """Whether a whole region code (or ``"*"``) lies inside this scope."""
        if "*" in self.regions:
            return True
        return code != "*" and any(code == r or code.startswith(r + ".") for r in self.regions)

    def as_dict(self) -> dict[str, Any]:
        return {"who": self.who, "regions": list(self.regions), "owner": self.owner}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scope:
        return cls(str(data["who"]), tuple(str(r) for r in data.get("regions") or ()), data.get("owner") or None)


class LinkError(ValueError):
    """A link that is not ours, was altered, or has expired."""


def secret_key(cfg: Config) -> str | None:
    return cfg.secret(cfg.web["secret_env"])


def scope_for(cfg: Config, email: str) -> Scope:
    """A configured recipient's regions, else the owner scope of that address."""
    for r in cfg.recipients:
        if r.email.lower() == email.lower():
            return Scope(r.email, tuple(r.regions))
    return Scope(email, (), owner=email)


def sign_link(cfg: Config, email: str, now: datetime) -> str | None:
    """The board link for ``email`` (``None`` when no signing key is configured)."""
    key = secret_key(cfg)
    if not key:
        log.warning(
            "no board link in mails: set the environment variable %s (see [web] secret_env)", cfg.web["secret_env"]
        )
        return None
    scope = scope_for(cfg, email)
    token = URLSafeSerializer(key, salt=LINK_SALT).dumps(
        {"e": scope.who, "r": list(scope.regions), "o": scope.owner, "t": int(now.timestamp())}
    )
    return f"{cfg.board_url}/l/{token}"


def open_link(cfg: Config, token: str, now: datetime) -> tuple[Scope, datetime]:
    """The scope a link grants and when it expires; :class:`LinkError` if it is not valid now."""
    key = secret_key(cfg)
    if not key:
        raise LinkError("the board has no signing key")
    try:
        data = URLSafeSerializer(key, salt=LINK_SALT).loads(token)
        issued = datetime.fromtimestamp(int(data["t"]), tz=now.tzinfo)
        scope = Scope(str(data["e"]), tuple(str(r) for r in data.get("r") or ()), data.get("o") or None)
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkError("this link is not valid (altered or not from pantau)") from None
    expires = issued + timedelta(days=cfg.web["link_days"])
    # A link "issued" in the future is forged or from a wrong clock: refuse it too.
    if now >= expires or issued > now + timedelta(minutes=5):
        raise LinkError("this link has expired; the next mail from pantau carries a new one")
    # A recipient removed from the configuration (or moved to other regions) loses the access
    # their old links gave: what a link opens is never more than the configuration gives now.
    current = scope_for(cfg, scope.who)
    if scope.owner is None:
        regions = tuple(r for r in scope.regions if current.covers_code(r)) if current.regions else ()
        if not regions:
            raise LinkError("this link's recipient is no longer configured")
        scope = Scope(scope.who, regions)
    return scope, expires
