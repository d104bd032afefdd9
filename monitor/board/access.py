"""Who may see what on the board: sessions from signed links, the admin password, CSRF.

* A mail's link (``/l/TOKEN``, see ``alerts/links.py``) becomes a session cookie holding its
  scope and the link's own expiry; the token never stays in the address bar (nor in a
  Referer sent to the sites the board links to).
* The admin password is read once from ``[web] admin_password_env`` and kept only as a scrypt
  hash with a random salt; a login attempt is hashed the same way and compared in constant
  time. Failed attempts are rate-limited per client address and overall (the ``limits``
  library's moving window), so guessing costs days, not seconds.
* Every form carries a per-session token compared in constant time (CSRF).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from pantau.alerts.links import Scope
from pantau.config.settings import Config

ADMIN = "admin"
ADMIN_SESSION = timedelta(hours=12)
# Failed logins: per client address, and for everyone together (many addresses guessing).
PER_CLIENT = parse("5/15 minutes")
OVERALL = parse("50/15 minutes")


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)


class AdminPassword:
    """The admin password as a salted hash; ``None`` when the operator set none."""

    def __init__(self, password: str | None) -> None:
        self.salt = secrets.token_bytes(16)
        self.hash = _scrypt(password, self.salt) if password else None

    @property
    def enabled(self) -> bool:
        return self.hash is not None

    def check(self, attempt: str) -> bool:
        if self.hash is None:
            return False
        return hmac.compare_digest(_scrypt(attempt, self.salt), self.hash)


class LoginLimiter:
    def __init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def allowed(self, client: str) -> bool:
        return self.limiter.test(PER_CLIENT, "client", client) and self.limiter.test(OVERALL, "all")

    def failed(self, client: str) -> None:
        self.limiter.hit(PER_CLIENT, "client", client)
        self.limiter.hit(OVERALL, "all")


def admin_password(cfg: Config) -> AdminPassword:
    return AdminPassword(cfg.secret(cfg.web["admin_password_env"]))


# --- the session ------------------------------------------------------------------------------


def start_session(session: dict[str, Any], scope: Scope, expires: datetime) -> None:
    lang = session.get("lang")
    session.clear()
    session.update({"scope": scope.as_dict(), "exp": int(expires.timestamp()), "csrf": secrets.token_urlsafe(32)})
    if lang:
        session["lang"] = lang


def current_scope(session: dict[str, Any], now: datetime) -> Scope | None:
    """The signed-in scope, or None (never signed in, or the link/session has expired)."""
    data = session.get("scope")
    if not data:
        return None
    try:
        if now.timestamp() >= float(session["exp"]):
            for key in ("scope", "exp"):
                session.pop(key, None)
            return None
        return Scope.from_dict(data)
    except (KeyError, TypeError, ValueError):
        session.clear()
        return None


def is_admin(scope: Scope | None) -> bool:
    return scope is not None and scope.who == ADMIN and scope.national


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def csrf_ok(session: dict[str, Any], submitted: str | None) -> bool:
    token = session.get("csrf")
    return bool(token and submitted) and hmac.compare_digest(str(token), str(submitted))
