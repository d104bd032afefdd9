"""Keeping API tokens out of everything pantau writes down.

Tokens live in environment variables named by the config. pantau sends them in headers
(``Authorization: Bearer``, ``X-goog-api-key``) so they never sit in a URL, but URLs still
reach error messages from elsewhere: an operator may paste ``?key=…`` into a feed URL, an API
may echo a ``paging.next`` link that carries ``access_token=…``. Every error a platform spider
stores goes through :func:`redact` first — observations, ``accounts.last_error`` and
``pantau status`` all show what the spider stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

MASK = "[redacted]"

# Query parameters that carry credentials in the APIs pantau talks to (Google: key; Meta:
# access_token, appsecret_proof; RSSHub: key, code) and in the usual suspects elsewhere.
SECRET_PARAMS = (
    "key",
    "api_key",
    "apikey",
    "access_token",
    "token",
    "auth",
    "client_secret",
    "appsecret_proof",
    "code",
    "password",
    "secret",
    "signature",
    "sig",
)
_PARAM_NAMES = "|".join(re.escape(p) for p in SECRET_PARAMS)
_PARAM_RE = re.compile(rf"(?i)(?<![A-Za-z0-9_])((?:{_PARAM_NAMES})=)[^&#\s\"'<>]+")
# "Authorization: Bearer abc…" copied into an exception text by a library.
_SCHEME_RE = re.compile(r"(?i)\b(Bearer|OAuth|Basic)\s+[A-Za-z0-9._~+/=|%-]{8,}")
# A token shorter than this is more likely to be an accident ("1", "x") than a secret, and
# replacing it everywhere would mangle ordinary words in messages.
_MIN_SECRET = 6


def redact(text: str | None, secrets: Iterable[str | None] = ()) -> str | None:
    """``text`` with every known secret and every credential-looking URL parameter masked.

    ``secrets`` are the literal token values in use; they are masked wherever they appear,
    also percent-encoded (a Meta app token ``id|secret`` is ``id%7Csecret`` in a URL).
    """
    if not text:
        return text
    for secret in sorted({s for s in secrets if s and len(s) >= _MIN_SECRET}, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote(secret, safe="/:")}:
            text = text.replace(form, MASK)
    text = _PARAM_RE.sub(lambda m: m.group(1) + MASK, text)
    return _SCHEME_RE.sub(lambda m: f"{m.group(1)} {MASK}", text)
