"""Downloader middlewares and the DNS resolver: the address guard and conditional GET."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from pantau.storage.db import open_db
from pantau.storage.observations import get_validator

PRIVATE_HOSTNAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_private_address(addr: str) -> bool:
    """Loopback, private, link-local, reserved, shared or unspecified — never a public website.

    Also the legacy IPv4 spellings the C library accepts (``2130706433``, ``0177.0.0.1``,
    ``0x7f.1``, ``127.1``): ``ipaddress`` rejects them, but a proxy or ``getaddrinfo``
    connects to the address they spell.
    """
    text = addr.strip("[]").rstrip(".")
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        try:
            ip = ipaddress.ip_address(socket.inet_aton(text))
        except (OSError, ValueError):
            return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # not is_global adds 100.64.0.0/10, where some clouds serve instance metadata.
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
        or ip.is_multicast
        or not ip.is_global
    )


class GuardRefused(IgnoreRequest):
    """A request to a private address was refused."""


def guard_message(host: str, addr: str | None = None) -> str:
    target = f"{host} ({addr})" if addr and addr != host else host
    return (
        f"refused to fetch {target}: a private/loopback address (set [crawler] allow_private_addresses = true to allow)"
    )


class GuardedResolver(CachingThreadedResolver):
    """Refuses names that resolve to private addresses, so DNS cannot point a check inward.

    The resolver is installed on the reactor (process-wide); the flag comes from the
    crawl that installed it.
    """

    allow_private = False
    # Twisted reports a failed lookup as "no results" and drops our reason; the refusal is
    # kept here by name so the check's observation can say what happened.
    refused: ClassVar[dict[str, str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        obj = super().from_crawler(crawler, reactor)
        GuardedResolver.allow_private = crawler.settings.getbool("PANTAU_ALLOW_PRIVATE")
        return obj

    def getHostByName(self, name: str, timeout: Any = ()) -> Any:
        if name.lower().rstrip(".").rsplit(".", 1)[-1] == "invalid":
            # RFC 6761 §6.4: a name under .invalid is answered "not found" at once, never asked
            # of a DNS server (one that does not answer would hold the check for the timeout).
            return defer.fail(DNSLookupError(f"{name} is under .invalid (RFC 6761)"))
        d = super().getHostByName(name, timeout)

        def check(addr: str) -> str:
            if not GuardedResolver.allow_private and is_private_address(addr):
                message = guard_message(name, addr)
                GuardedResolver.refused[name.lower()] = message
                raise DNSLookupError(message)
            GuardedResolver.refused.pop(name.lower(), None)
            return addr

        return d.addCallback(check)


def refusal_for(host: str | None) -> str | None:
    """The guard's message if the resolver refused ``host`` for its private address."""
    return GuardedResolver.refused.get((host or "").lower())


class AddressGuardMiddleware:
    """Refuses loopback/private/link-local targets, for every request and every redirect hop."""

    def __init__(self, allow_private: bool):
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Any) -> AddressGuardMiddleware:
        return cls(crawler.settings.getbool("PANTAU_ALLOW_PRIVATE"))

    def process_request(self, request: Request, spider: Any = None) -> None:
        if self.allow_private:
            return None
        host = (urlsplit(request.url).hostname or "").lower().rstrip(".")
        if host in PRIVATE_HOSTNAMES or host.endswith(".localhost") or is_private_address(host):
            raise GuardRefused(guard_message(host))
        return None

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        # The resolver already refuses private answers; this catches any path around it
        # (a cached answer from another crawl, a proxy) before the body is used.
        addr = getattr(response, "ip_address", None)
        if not self.allow_private and addr is not None and is_private_address(str(addr)):
            raise GuardRefused(guard_message(urlsplit(request.url).hostname or "", str(addr)))
        return response


class ConditionalGetMiddleware:
    """Adds If-None-Match / If-Modified-Since from stored validators.

    A request opts in with ``meta["conditional"] = True``. On a 304 the spider reuses
    ``meta["validator"]["result"]`` — what the last full parse of that URL found — so a
    recheck of an unchanged feed costs one small response and no parsing.
    """

    def __init__(self, db_path: str):
        self.db_path = db_path
        self.db: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ConditionalGetMiddleware:
        from scrapy import signals

        mw = cls(crawler.settings.get("PANTAU_DB"))
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_closed(self, spider: Any = None) -> None:
        if self.db is not None:
            self.db.conn.close()
            self.db = None

    def process_request(self, request: Request, spider: Any = None) -> None:
        if not request.meta.get("conditional") or not self.db_path:
            return None
        if self.db is None:
            self.db = open_db(self.db_path, migrate=False)
        stored = get_validator(self.db, request.url)
        if not stored or stored.get("result") is None:
            return None
        request.meta["validator"] = stored
        if stored.get("etag"):
            request.headers.setdefault(b"If-None-Match", stored["etag"].encode("latin-1"))
        if stored.get("last_modified"):
            request.headers.setdefault(b"If-Modified-Since", stored["last_modified"].encode("latin-1"))
        return None
