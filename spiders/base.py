"""The base of every spider: one account in, one Observation out, whatever happens.

A spider for a new source kind subclasses :class:`AccountSpider`, sets ``platforms``
and implements :meth:`AccountSpider.first_url` and :meth:`AccountSpider.observe`.
Extra requests inside a check go through :meth:`Check.fetch` (Scrapy's engine, so the
downloader middlewares — address guard, robots.txt, conditional GET, retries, size cap —
apply to each). Every failure becomes an Observation with a clear error.
"""

from __future__ import annotations

import functools
import gzip
import logging
import time
import zlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import scrapy
from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from pantau.crawler.dates import Candidate, newest_credible
from pantau.crawler.items import Observation
from pantau.spiders.secrets import redact

log = logging.getLogger(__name__)


MAX_ERROR = 500  # characters of an observation's error kept


class CheckFailed(Exception):
    """Ends a check early with an outcome and an error message."""

    def __init__(self, outcome: str, message: str, http_status: int | None = None):
        super().__init__(message)
        self.outcome = outcome
        self.http_status = http_status


def describe_failure(exc: BaseException, url: str, max_bytes: int | None = None) -> tuple[str, str]:
    """Map a download exception to (outcome, human message)."""
    from scrapy.exceptions import IgnoreRequest
    from twisted.internet import error as terr
    from twisted.internet.defer import CancelledError
    from twisted.web._newclient import ResponseFailed, ResponseNeverReceived
    from twisted.web.http import _DataLoss

    # Scrapy wraps Twisted's ResponseFailed in its own DownloadFailedError, whose text is
    # only the reprs of the Failures inside; the reasons say what went wrong.
    if isinstance(exc.__cause__, ResponseFailed):
        exc = exc.__cause__
    name = type(exc).__name__
    text = str(exc)
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in text.lower() or name == "IgnoreRequest" and not text:
            return "blocked", f"robots.txt forbids pantau to read {url}"
        if "DOWNLOAD_MAXSIZE" in text:
            # A small compressed body that inflates past the cap (a gzip bomb).
            cap = f" {max_bytes:,} bytes" if max_bytes else ""
            return "error", f"response from {url} is larger than the{cap} cap once decompressed"
        if "redirect" in text.lower():
            return "error", f"too many redirects (a redirect loop?) from {url}"
        if "private" in text.lower():
            return "blocked", text
        return "error", text or f"request to {url} was dropped"
    # Scrapy wraps Twisted's DNSLookupError in its own CannotResolveHostError.
    if isinstance(exc, terr.DNSLookupError) or name == "CannotResolveHostError":
        from urllib.parse import urlsplit

        from pantau.crawler.middlewares import refusal_for

        refused = refusal_for(urlsplit(url).hostname)
        if refused:
            return "blocked", refused
        if "private" in text:
            return "blocked", text.split(": ", 1)[-1] if text.startswith("DNS lookup failed") else text
        return "error", f"host not found (DNS) for {url}"
    if isinstance(exc, (terr.TimeoutError, terr.TCPTimedOutError)) or "timed out" in text.lower() or "took longer than" in text:
        return "error", f"timed out reading {url}"
    if isinstance(exc, terr.ConnectionRefusedError) or "ConnectionRefused" in name:
        return "error", f"connection refused by {url}"
    if isinstance(exc, CancelledError) or "maxsize" in text.lower() or "larger than" in text.lower():
        cap = f" {max_bytes:,} bytes" if max_bytes else ""
        return "error", f"response from {url} is larger than the{cap} cap"
    if isinstance(exc, ResponseFailed):
        reasons = [r.value for r in getattr(exc, "reasons", []) if hasattr(r, "value")]
        inner = "; ".join(str(r) for r in reasons)
        if "larger than" in inner or "maxsize" in inner.lower():
            cap = f" {max_bytes:,} bytes" if max_bytes else ""
            return "error", f"response from {url} is larger than the{cap} cap"
        closed = (terr.ConnectionDone, terr.ConnectionLost)
        broken = [r for r in reasons if not isinstance(r, (_DataLoss, *closed))]
        if broken or not reasons:
            detail = "; ".join(dict.fromkeys(_reason(r) for r in broken)) or name
            return "error", f"not a valid HTTP answer from {url} ({detail})"
        if any(isinstance(r, _DataLoss) for r in reasons):
            return "error", f"the connection closed before the whole response from {url} arrived"
        if isinstance(exc, ResponseNeverReceived):
            return "error", f"the server closed the connection without answering {url}"
        return "error", f"the server closed the connection in the middle of its answer from {url}"
    if isinstance(exc, (zlib.error, gzip.BadGzipFile, EOFError)):
        return "error", f"the response from {url} is declared compressed but does not decompress ({text or name})"
    if isinstance(exc, ValueError) and not isinstance(exc, UnicodeError):
        # Registry urls are valid http(s) ones, so a bad address here came from a redirect.
        if text.startswith("Missing scheme in request url:"):
            target = text.partition(":")[2].strip()
            return "error", (f"a redirect from {url} to {target[:200]!r} not followed "
                             "(pantau reads only http:// and https:// addresses)")
        return "error", f"an invalid address on the way to {url} (a broken redirect?): {text or name}"
    if "SSL" in name or "ssl" in text.lower() or "certificate" in text.lower():
        return "error", f"TLS error with {url}: {text or name}"
    return "error", f"{name} reading {url}" + (f": {text}" if text else "")


def _reason(exc: BaseException) -> str:
    """A Twisted failure reason in words (its first text argument, else its class name)."""
    first = exc.args[0] if exc.args else None
    if isinstance(first, str) and first:
        return first
    text = str(exc)
    return text if text and not text.startswith(("b'", 'b"', "(", "<")) else type(exc).__name__


def unusable_response(response: Response) -> CheckFailed | None:
    """Why a response that arrived cannot be read as an answer, if it cannot.

    A status outside 100–999 is not HTTP (Twisted passes any integer on). A redirect that
    reached the spider was not followed — a scheme other than http(s), or no Location at
    all — and its empty body is not the page: an error, not a result.
    """
    if not 100 <= response.status <= 999:
        return CheckFailed("error", f"not a valid HTTP answer from {response.url} (status {str(response.status)[:20]})")
    if not 300 <= response.status < 400 or response.status == 304:
        return None
    location = (response.headers.get(b"Location") or b"").decode("latin-1").strip()
    if not location:
        return CheckFailed("error", f"HTTP {response.status} from {response.url}: a redirect without a "
                                    "Location to go to", response.status)
    return CheckFailed("error", f"HTTP {response.status} from {response.url}: redirect to {location[:200]!r} "
                                "not followed (pantau reads only http:// and https:// addresses)", response.status)


@dataclass
class Check:
    """One account's check in progress: counts and validators for its Observation."""

    spider: AccountSpider
    account: dict[str, Any]
    started: float = field(default_factory=time.monotonic)
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    requests: int = 0
    bytes: int = 0
    http_status: int | None = None
    fetched: int = 0
    not_modified: int = 0
    validators: list[dict[str, Any]] = field(default_factory=list)
    resolved_id: str | None = None
    notes: list[str] = field(default_factory=list)
    # The compromise scan's results (websites only; see spiders/website.py).
    findings: list[dict[str, Any]] = field(default_factory=list)
    scan_scopes: list[str] | None = None
    cloak_checked: bool = False
    robots_txt: bytes | None = None  # the site's robots.txt when this check read it (b"": none)
    cloak_allowed: bool | None = None  # robots.txt read for the crawler this check: allowed?

    @property
    def now(self) -> datetime:
        return self.checked_at

    def count(self, response: Response) -> None:
        self.requests += 1
        self.bytes += len(response.body)
        if response.status == 304:
            self.not_modified += 1
        else:
            self.fetched += 1

    async def fetch(self, url: str, *, conditional: bool = False, headers: dict[str, str] | None = None,
                    robots: bool = True, method: str = "GET") -> Response:
        """Fetch one more URL for this check through Scrapy's engine.

        Raises :class:`CheckFailed` for a network failure; HTTP statuses are returned,
        the caller decides what a 404 means.
        """
        meta: dict[str, Any] = {"conditional": conditional, "dont_obey_robotstxt": not robots}
        req = Request(url, method=method, headers=headers, meta=meta, dont_filter=True)
        engine = self.spider.crawler.engine
        try:
            response = await engine.download_async(req)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an observation
            self.requests += 1
            outcome, message = describe_failure(exc, url, self.spider.max_bytes)
            raise CheckFailed(outcome, message) from None
        self.count(response)
        unusable = unusable_response(response)
        if unusable is not None:
            raise unusable
        return response

    def cached(self, response: Response) -> Any:
        """What the last full parse of this URL found, when the server answered 304."""
        if response.status == 304:
            stored = response.meta.get("validator") or {}
            return stored.get("result")
        return None

    def remember(self, response: Response, result: Any) -> None:
        """Keep the response's validators with what we parsed, for the next conditional GET."""
        if response.status != 200:
            return
        etag = response.headers.get(b"ETag")
        lm = response.headers.get(b"Last-Modified")
        if etag or lm:
            self.validators.append({
                "url": response.url,
                "etag": etag.decode("latin-1") if etag else None,
                "last_modified": lm.decode("latin-1") if lm else None,
                "result": result,
            })

    def observation(self, outcome: str, best: Candidate | None = None, error: str | None = None) -> Observation:
        """Every Observation is made here, so masking tokens here covers every way out."""
        if outcome == "ok" and self.fetched == 0 and self.not_modified:
            outcome = "not_modified"
        activity_url = best.url if best else None
        secrets = self.spider.secrets
        if secrets is not None:
            # Before the length cap, so a token cut in two at the cap is still masked whole.
            error = redact(error, secrets)
            activity_url = redact(activity_url, secrets)
        return Observation(
            account_id=self.account["id"],
            checked_at=self.checked_at,
            outcome=outcome,
            http_status=self.http_status,
            activity_at=best.at if best else None,
            activity_url=activity_url,
            activity_title=(best.title or None) if best else None,
            evidence=best.source if best else None,
            # A message may quote a URL from the page, and a page may hold a 2 MB one.
            error=error if error is None or len(error) <= MAX_ERROR else error[:MAX_ERROR - 1] + "…",
            duration_ms=int((time.monotonic() - self.started) * 1000),
            bytes=self.bytes,
            requests=self.requests,
            not_modified=bool(self.not_modified and not self.fetched),
            validators=self.validators,
            resolved_id=self.resolved_id,
            findings=self.findings if outcome == "ok" or outcome == "not_modified" else [],
            scan_scopes=self.scan_scopes if outcome in ("ok", "not_modified") else None,
            cloak_checked=self.cloak_checked,
            cloak_allowed=self.cloak_allowed,
        )


def candidate_to_json(c: Candidate | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"at": c.at.isoformat(), "url": c.url, "title": c.title, "source": c.source, "how": c.how}


def candidate_from_json(d: dict[str, Any] | None) -> Candidate | None:
    if not d:
        return None
    return Candidate(datetime.fromisoformat(d["at"]), d.get("url"), d.get("title"), d["source"], d.get("how", ""))


class AccountSpider(scrapy.Spider):
    """Checks accounts of one source kind; yields exactly one Observation per account."""

    name: ClassVar[str] = "account"
    platforms: ClassVar[tuple[str, ...]] = ()
    # About how many requests one check makes; the runner shares concurrency by it.
    requests_per_check: ClassVar[float] = 1.0

    def __init__(self, accounts: Iterable[dict[str, Any]], cfg: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.accounts = accounts
        self.cfg = cfg
        self.max_bytes: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> AccountSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE") or None
        return spider

    @functools.cached_property
    def secrets(self) -> tuple[str, ...] | None:
        """Token values to mask in every stored error and link, or None when this kind of
        source sends none (its errors are then stored as they are)."""
        return None

    # --- what a source kind implements -------------------------------------------------
    def first_url(self, account: dict[str, Any]) -> str | None:
        """The URL the check starts with; None when the account cannot be read (``unsupported``)."""
        raise NotImplementedError

    def first_request_options(self, account: dict[str, Any]) -> dict[str, Any]:
        return {"conditional": False, "robots": True, "headers": None}

    def unsupported_reason(self, account: dict[str, Any]) -> str:
        return f"{account['platform']} cannot be read with this configuration"

    async def observe(self, check: Check, response: Response) -> Observation:
        raise NotImplementedError

    # --- the machinery -----------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        for account in self.accounts:
            check = Check(self, account)
            try:
                url = self.first_url(account)
            except CheckFailed as exc:
                yield check.observation(exc.outcome, error=str(exc))
                continue
            if not url:
                yield check.observation("unsupported", error=self.unsupported_reason(account))
                continue
            opts = self.first_request_options(account)
            yield Request(
                url,
                headers=opts.get("headers"),
                callback=self._observe,
                errback=self._failed,
                dont_filter=True,
                meta={"check": check, "conditional": opts.get("conditional", False),
                      "dont_obey_robotstxt": not opts.get("robots", True)},
            )

    async def _observe(self, response: Response) -> AsyncIterator[Observation]:
        check: Check = response.meta["check"]
        check.count(response)
        check.http_status = response.status if 100 <= response.status <= 999 else None
        try:
            unusable = unusable_response(response)
            if unusable is not None:
                raise unusable
            obs = await self.observe(check, response)
        except CheckFailed as exc:
            if exc.http_status:
                check.http_status = exc.http_status
            obs = check.observation(exc.outcome, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - a parser bug on one page is that account's error
            log.exception("check of account %s failed", check.account.get("id"))
            obs = check.observation("error", error=f"internal error while reading {response.url}: {type(exc).__name__}: {exc}")
        yield obs

    def _failed(self, failure: Failure) -> Iterable[Observation]:
        request = failure.request  # type: ignore[attr-defined]
        check: Check = request.meta["check"]
        check.requests += 1
        outcome, message = describe_failure(failure.value, request.url, self.max_bytes)
        yield check.observation(outcome, error=message)

    # --- helpers for subclasses --------------------------------------------------------
    @staticmethod
    def newest(cands: Iterable[Candidate], now: datetime) -> Candidate | None:
        return newest_credible(cands, now)

    def http_error(self, response: Response, what: str = "") -> CheckFailed:
        status = response.status
        label = what or response.url
        if status in (404, 410):
            return CheckFailed("not_found", f"HTTP {status}: {label} not found", status)
        return CheckFailed("error", f"HTTP {status} from {label}", status)
