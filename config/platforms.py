"""Platform names, their aliases, and the identity of an account on each platform.

An account's identity is (platform, normalised url): whatever form an operator pastes
(``@kominfomuba``, ``instagram.com/kominfomuba/``, ``https://twitter.com/x``) must come out
as the same url, or one account becomes two rows and two alerts.
"""

from __future__ import annotations

import difflib
import re
from urllib.parse import parse_qs, urlsplit, urlunsplit

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


# Scrapy's URLLENGTH_LIMIT default, set explicitly in the crawler settings from here: a
# longer address would be dropped by its UrlLengthMiddleware without an answer, so the
# registry refuses it at import instead.
MAX_URL_LENGTH = 2083


# "mailto:a@b.c", "javascript:…", "http:/x.go.id" (one slash): a scheme without "//". A
# host name followed by a port ("mubakab.go.id:8080") is not one.
_SCHEME_WITHOUT_SLASHES = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:(?![0-9])")
_URL_SPACE = re.compile(r"[\x00-\x20\x7f-\x9f\u2028\u2029]")


def _check_raw_url(raw: str) -> None:
    """Refuse what a URL parser would silently rewrite, rather than watch another address."""
    if _URL_SPACE.search(raw):
        # urlsplit drops tabs and line breaks inside a URL: "a\nb" would become "ab".
        raise IdentityError(f"url {raw[:200]!r} holds a space, tab or line break; give one address per cell")
    if "://" not in raw and _SCHEME_WITHOUT_SLASHES.match(raw):
        raise IdentityError(f'url "{raw[:200]}" must start with http:// or https://')


def _real_handle(name: str) -> bool:
    """A handle names something: "." or ".." (a path step) does not."""
    return any(ch.isalnum() for ch in name)


def normalise_web_url(url: str) -> str:
    """Scheme and host in lower case, no default port, no fragment, no bare ``/`` path.

    ``www.`` is kept: it is the address pantau fetches, and many government sites answer
    only on one of the two names. :func:`same_site_urls` makes both spellings one account.
    """
    raw = (url or "").strip()
    if not raw:
        raise IdentityError("url is empty")
    _check_raw_url(raw)
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise IdentityError(f'url "{url}" must start with http:// or https://')
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or " " in host:
        raise IdentityError(f'url "{url}" has no host name')
    if "@" in parts.netloc:
        # "https://user@host" would be read as the host alone: say so rather than drop it.
        raise IdentityError(f'url "{url}" holds a user name before the host (user@host); give the address without it')
    netloc = host
    if ":" in host:  # IPv6 literal
        netloc = f"[{host}]"
    if parts.port and not ((scheme == "http" and parts.port == 80) or (scheme == "https" and parts.port == 443)):
        netloc += f":{parts.port}"
    # Only the home page's slash goes: "/feed/" and "/feed" are different resources on
    # many servers (WordPress answers the first and redirects the second).
    path = "" if parts.path in ("", "/") else parts.path
    return urlunsplit((scheme, netloc, path, parts.query, ""))


# Platforms that resolve handles whatever their case: "KominfoMuba" and "kominfomuba" are one
# account there, so they must be one row (and one alert), not two.
_CASELESS = ("instagram", "x", "telegram", "tiktok", "threads", "facebook", "youtube")

# First path segments that name a post, an invite or a page of the platform itself, never an
# account: "instagram.com/p/Cxyz" pasted from a share button must not become account "p".
_NOT_ACCOUNTS = {
    "instagram": {"p", "reel", "reels", "tv", "explore", "accounts", "direct"},
    "x": {"i", "intent", "home", "search", "hashtag", "share", "explore", "settings"},
    "facebook": {
        "groups",
        "watch",
        "share",
        "events",
        "photo.php",
        "story.php",
        "permalink.php",
        "sharer.php",
        "sharer",
        "hashtag",
        "reel",
        "marketplace",
    },
    "telegram": {"joinchat", "addstickers", "share", "proxy", "socks", "iv", "c", "s"},
    "tiktok": {"discover", "tag", "music", "video", "t"},
    "threads": {"search", "t"},
    "youtube": {"watch", "shorts", "playlist", "results", "feed", "live", "embed", "hashtag"},
}


def _mastodon_account(url: str, handle: str) -> tuple[str, str]:
    # "@user@host" is often pasted into the url column; read it as the handle it is, or it
    # would normalise to the bare instance ("https://host") and watch the wrong thing.
    if url.startswith("@") and url.count("@") >= 2 and "/" not in url:
        handle, url = handle or url, ""
    if not url and handle.count("@") >= 2:
        user, _, host = handle.lstrip("@").partition("@")
        url = f"https://{host}/@{user}"
    norm = normalise_web_url(url)
    p = urlsplit(norm)
    # "/users/name" is the ActivityPub form of the same profile as "/@name", and "/@name/" is
    # the same page too; Mastodon usernames are unique without regard to case.
    m = re.match(r"^/(?:@|users/)([A-Za-z0-9_.\-]+)/?$", p.path)
    if m:
        user = m.group(1).lower()
        norm = urlunsplit((p.scheme, p.netloc, f"/@{user}", "", ""))
        handle = handle.lower() if handle else f"@{user}@{p.hostname}"
    return norm, handle


def same_site_urls(url: str) -> tuple[str, str]:
    """A normalised web url and its twin with/without ``www.`` — one account either way."""
    parts = urlsplit(url)
    host = parts.netloc
    twin = host[4:] if host.startswith("www.") else "www." + host
    return url, urlunsplit((parts.scheme, twin, parts.path, parts.query, ""))


def normalise_account(platform: str, url: str, handle: str = "") -> tuple[str, str]:
    """Return (normalised url, handle) for an account; raises :class:`IdentityError`."""
    platform = canonical_platform(platform)
    url = (url or "").strip()
    handle = (handle or "").strip()
    if url:
        _check_raw_url(url)
    if platform == "mastodon":
        return _mastodon_account(url, handle)
    if platform in ("website", "feed"):
        return normalise_web_url(url), handle
    canonical_host, hosts = SOCIAL_HOSTS[platform]
    if url.startswith("@") or (url and "/" not in url and "." not in url.split("@")[-1]):
        handle, url = handle or url, ""
    if not url:
        m = _HANDLE.match(handle)
        if not m or not _real_handle(m.group(1)):
            raise IdentityError(f'{platform} account needs a url or a handle like "@kominfomuba"')
        handle = m.group(1).lower() if platform in _CASELESS else m.group(1)
        at = "@" if platform in ("youtube", "tiktok", "threads") else ""
        # Read back as the address it makes: a handle such as "p" (instagram) or "s" (telegram)
        # names a page of the platform, and what is accepted here must import again once
        # exported as that url.
        return normalise_account(platform, f"https://{canonical_host}/{at}{handle}", handle)
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host.removeprefix("www.")
    if host not in hosts:
        raise IdentityError(f'url "{url}" is not a {platform} address ({canonical_host})')
    segs = [s for s in parts.path.split("/") if s]
    if platform == "telegram" and segs and segs[0] == "s":
        segs = segs[1:]
    if not segs:
        raise IdentityError(f'url "{url}" does not name a {platform} account')
    if segs[0].lower() in _NOT_ACCOUNTS.get(platform, ()):
        raise IdentityError(
            f'url "{url}" links to a post, an invite or a page of {platform} itself, not to an account; '
            f"give the account's own address (e.g. https://{canonical_host}/kominfomuba)"
        )
    if platform == "youtube":
        if segs[0] in ("channel", "c", "user") and len(segs) > 1:
            path = f"/{segs[0]}/{segs[1]}"
            if not handle:
                handle = segs[1] if segs[0] != "channel" else ""
        elif segs[0].startswith("@"):
            # Handles are caseless on YouTube; channel ids (UC…) are not, so only these fold.
            path = f"/{segs[0].lower()}"
            handle = (handle or segs[0][1:]).lower()
        else:
            path = f"/c/{segs[0]}"
            handle = handle or segs[0]
        return f"https://{canonical_host}{path}", handle.lstrip("@")
    if platform == "facebook" and segs[0] == "profile.php":
        # Only the id names the profile; tracking and tab parameters (&sk=about) do not.
        ids = parse_qs(parts.query).get("id") or [""]
        if not ids[0].isdigit():
            raise IdentityError(f'url "{url}" does not name a facebook profile (no id=...)')
        return f"https://{canonical_host}/profile.php?id={ids[0]}", handle
    if platform == "facebook" and segs[0] == "pages" and len(segs) > 1:
        segs = segs[-1:] if segs[-1].isdigit() else segs[1:2]
    name = segs[0].lstrip("@")
    if not _HANDLE.match(name) or not _real_handle(name):
        raise IdentityError(f'url "{url}" does not name a {platform} account')
    handle = (handle or name).lstrip("@")
    if platform in _CASELESS:
        name = name.lower()
        handle = handle.lower()
    if platform in ("tiktok", "threads"):
        return f"https://{canonical_host}/@{name}", handle
    return f"https://{canonical_host}/{name}", handle
