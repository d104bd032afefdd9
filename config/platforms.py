"""Platform names, their aliases, and the identity of an account on each platform.

An account's identity is (platform, normalised url): whatever form an operator pastes
(``@kominfomuba``, ``instagram.com/kominfomuba/``, ``https://twitter.com/x``) must come out
as the same url, or one account becomes two rows and two alerts.
"""

from __future__ import annotations

import difflib
import re
from urllib.parse import urlsplit, urlunsplit

PLATFORMS = (
    "website",
    "feed",
    "youtube",
    "instagram",
    "facebook",
    "x",
    "tiktok",
    "telegram",
    "threads",
    "mastodon",
)

ALIASES = {
    "web": "website",
    "situs": "website",
    "site": "website",
    "rss": "feed",
    "atom": "feed",
    "twitter": "x",
    "x.com": "x",
    "ig": "instagram",
    "fb": "facebook",
    "yt": "youtube",
    "tg": "telegram",
    "tele": "telegram",
}

# Canonical host per social platform, and the hosts people paste for it.
SOCIAL_HOSTS = {
    "instagram": ("instagram.com", {"instagram.com", "instagr.am"}),
    "facebook": ("facebook.com", {"facebook.com", "fb.com", "m.facebook.com", "web.facebook.com"}),
    "x": ("x.com", {"x.com", "twitter.com", "mobile.twitter.com"}),
    "tiktok": ("tiktok.com", {"tiktok.com"}),
    "threads": ("threads.net", {"threads.net", "threads.com"}),
    "telegram": ("t.me", {"t.me", "telegram.me", "telegram.dog"}),
    "youtube": ("youtube.com", {"youtube.com", "m.youtube.com"}),
}

_HANDLE = re.compile(r"^@?([A-Za-z0-9_.\-]{1,100})$")


class IdentityError(ValueError):
    pass


def canonical_platform(name: str) -> str:
    """``"Twitter"`` → ``"x"``; unknown names raise with a suggestion."""
    key = (name or "").strip().lower()
    if key in PLATFORMS:
        return key
    if key in ALIASES:
        return ALIASES[key]
    close = difflib.get_close_matches(key, list(PLATFORMS) + list(ALIASES), n=1, cutoff=0.6)
    hint = f' (did you mean "{ALIASES.get(close[0], close[0])}"?)' if close else ""
    raise IdentityError(f'unknown platform "{name}"{hint}')


def normalise_web_url(url: str) -> str:
    """Scheme and host in lower case, no ``www.``, no default port, no fragment, no trailing slash."""
    raw = (url or "").strip()
    if not raw:
        raise IdentityError("url is empty")
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise IdentityError(f'url "{url}" must start with http:// or https://')
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or " " in host:
        raise IdentityError(f'url "{url}" has no host name')
    if host.startswith("www."):
        host = host[4:]
    netloc = host
    if ":" in host:  # IPv6 literal
        netloc = f"[{host}]"
    if parts.port and not ((scheme == "http" and parts.port == 80) or (scheme == "https" and parts.port == 443)):
        netloc += f":{parts.port}"
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def normalise_account(platform: str, url: str, handle: str = "") -> tuple[str, str]:
    """Return (normalised url, handle) for an account; raises :class:`IdentityError`."""
    platform = canonical_platform(platform)
    url = (url or "").strip()
    handle = (handle or "").strip()
    if platform in ("website", "feed", "mastodon"):
        if not url and platform == "mastodon" and handle.count("@") >= 2:
            user, _, host = handle.lstrip("@").partition("@")
            url = f"https://{host}/@{user}"
        norm = normalise_web_url(url)
        if platform == "mastodon" and not handle:
            p = urlsplit(norm)
            m = re.match(r"^/@([^/]+)$", p.path)
            if m:
                handle = f"@{m.group(1)}@{p.hostname}"
        return norm, handle
    canonical_host, hosts = SOCIAL_HOSTS[platform]
    if url.startswith("@") or (url and "/" not in url and "." not in url.split("@")[-1]):
        handle, url = handle or url, ""
    if not url:
        m = _HANDLE.match(handle)
        if not m:
            raise IdentityError(f'{platform} account needs a url or a handle like "@kominfomuba"')
        handle = m.group(1)
        if platform == "youtube":
            return f"https://{canonical_host}/@{handle}", handle
        if platform in ("tiktok", "threads"):
            return f"https://{canonical_host}/@{handle}", handle
        return f"https://{canonical_host}/{handle}", handle
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if host not in hosts:
        raise IdentityError(f'url "{url}" is not a {platform} address ({canonical_host})')
    segs = [s for s in parts.path.split("/") if s]
    if platform == "telegram" and segs and segs[0] == "s":
        segs = segs[1:]
    if not segs:
        raise IdentityError(f'url "{url}" does not name a {platform} account')
    if platform == "youtube":
        if segs[0] in ("channel", "c", "user") and len(segs) > 1:
            path = f"/{segs[0]}/{segs[1]}"
            if not handle:
                handle = segs[1] if segs[0] != "channel" else ""
        elif segs[0].startswith("@"):
            path = f"/{segs[0]}"
            handle = handle or segs[0][1:]
        else:
            path = f"/c/{segs[0]}"
            handle = handle or segs[0]
        return f"https://{canonical_host}{path}", handle.lstrip("@")
    if platform == "facebook" and segs[0] == "profile.php":
        return f"https://{canonical_host}/profile.php?{parts.query}", handle
    if platform == "facebook" and segs[0] == "pages" and len(segs) > 1:
        segs = segs[-1:] if segs[-1].isdigit() else segs[1:2]
    name = segs[0].lstrip("@")
    if not _HANDLE.match(name):
        raise IdentityError(f'url "{url}" does not name a {platform} account')
    handle = (handle or name).lstrip("@")
    if platform in ("tiktok", "threads"):
        return f"https://{canonical_host}/@{name}", handle
    # Instagram, X and Telegram handles are case-insensitive: one account, one row.
    if platform in ("instagram", "x", "telegram"):
        name = name.lower()
        handle = handle.lower()
    return f"https://{canonical_host}/{name}", handle
