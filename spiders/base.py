"""The base of every spider: one account in, one Observation out, whatever happens.

A spider for a new source kind subclasses :class:`AccountSpider`, sets ``platforms``
and implements :meth:`AccountSpider.first_url` and :meth:`AccountSpider.observe`.
Extra requests inside a check go through :meth:`Check.fetch` (Scrapy's engine, so the
downloader middlewares — address guard, robots.txt, conditional GET, retries, size cap —
apply to each). Every failure becomes an Observation with a clear error.
"""

from __future__ import annotations

import builtins
import functools
import gzip
import logging
import time
import zlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import scrapy
from scrapy import Request
from scrapy.http import Response
from twisted.python.failure import Failure

from pantau.config import clock
from pantau.crawler.dates import Candidate, is_credible, newest_credible
from pantau.crawler.items import Observation
from pantau.crawler.pagedate import Considered
from pantau.spiders.secrets import redact

log = logging.getLogger(__name__)


MAX_ERROR = 500  # characters of an observation's error kept


class CheckFailed(Exception):
    """Ends a check early with an outcome and an error message."""

    def __init__(self, outcome: str, message: str, http_status: int | None = None):
        super().__init__(message)
        self.outcome = outcome
        self.http_status = http_status


def _cap(max_bytes: int | None) -> str:
    return f" {max_bytes:,} bytes" if max_bytes else ""


def _ignored(exc: BaseException, url: str, max_bytes: int | None) -> tuple[str, str]:
    """A request a middleware dropped. pantau's own refusals have their own type
    (:class:`~pantau.crawler.middlewares.GuardRefused`); Scrapy's middlewares raise the bare
    ``IgnoreRequest`` and say which one in its text, so that text is read here, in one place."""
    from pantau.crawler.middlewares import GuardRefused

    text = str(exc)
    if isinstance(exc, GuardRefused):
        return "blocked", text
    if "robots.txt" in text.lower() or not text:
        return "blocked", f"robots.txt forbids pantau to read {url}"  # RobotsTxtMiddleware
    if "DOWNLOAD_MAXSIZE" in text:
        # HttpCompressionMiddleware: a small compressed body that inflates past the cap (a gzip bomb).
        return "error", f"response from {url} is larger than the{_cap(max_bytes)} cap once decompressed"
    if "redirect" in text.lower():
        return "error", f"too many redirects (a redirect loop?) from {url}"  # RedirectMiddleware
    return "error", text


def _unresolved(exc: BaseException, url: str, max_bytes: int | None) -> tuple[str, str]:
    from urllib.parse import urlsplit

    from pantau.crawler.middlewares import refusal_for

    # The guarded resolver refuses a name that points inward; Twisted reports it as "no
    # results", so the refusal is looked up by name.
    refused = refusal_for(urlsplit(url).hostname)
    if refused:
        return "blocked", refused
    return "error", f"host not found (DNS) for {url}"


def _broken_answer(exc: BaseException, url: str, max_bytes: int | None) -> tuple[str, str]:
    """Twisted's ResponseFailed: why the answer could not be read, from the failures inside."""
    from twisted.internet import error as terr
    from twisted.web.client import ResponseNeverReceived

    reasons = [r.value for r in getattr(exc, "reasons", []) if hasattr(r, "value")]
    if any(isinstance(r, _too_large()) for r in reasons):
        return "error", f"response from {url} is larger than the{_cap(max_bytes)} cap"
    closed = (terr.ConnectionDone, terr.ConnectionLost)
    lost = [r for r in reasons if _is_data_loss(r)]
    broken = [r for r in reasons if not isinstance(r, closed) and r not in lost]
    if broken or not reasons:
        detail = "; ".join(dict.fromkeys(_reason(r) for r in broken)) or type(exc).__name__
        return "error", f"not a valid HTTP answer from {url} ({detail})"
    if lost:
        return _data_loss(exc, url, max_bytes)
    if isinstance(exc, ResponseNeverReceived):
        return "error", f"the server closed the connection without answering {url}"
    return "error", f"the server closed the connection in the middle of its answer from {url}"


def _data_loss(exc: BaseException, url: str, max_bytes: int | None) -> tuple[str, str]:
    return "error", f"the connection closed before the whole response from {url} arrived"


def _is_data_loss(reason: BaseException) -> bool:
    # Twisted's own data-loss reason is private (twisted.web.http._DataLoss); Scrapy raises its
    # public ResponseDataLossError for the same event. Both are recognised without importing
    # the private module.
    from scrapy.exceptions import ResponseDataLossError

    return isinstance(reason, ResponseDataLossError) or type(reason).__name__ == "_DataLoss"


def _bad_address(exc: BaseException, url: str, max_bytes: int | None) -> tuple[str, str]:
    # Registry urls are valid http(s) ones, so a bad address here came from a redirect.
    text = str(exc)
    if text.startswith("Missing scheme in request url:"):
        target = text.partition(":")[2].strip()
        return "error", (
            f"a redirect from {url} to {target[:200]!r} not followed (pantau reads only http:// and https:// addresses)"
        )
    return "error", f"an invalid address on the way to {url} (a broken redirect?): {text or type(exc).__name__}"


def _simple(template: str) -> Any:
    return lambda exc, url, max_bytes: (
        "error",
        template.format(url=url, cap=_cap(max_bytes), detail=str(exc) or type(exc).__name__),
    )


@functools.cache
def _too_large() -> tuple[type[BaseException], ...]:
    """Scrapy cancels a download only when its body outgrows DOWNLOAD_MAXSIZE; an endless
    chunked stream arrives as its DownloadCancelledError (or Twisted's CancelledError)."""
    from scrapy.exceptions import DownloadCancelledError
    from twisted.internet.defer import CancelledError

    return (DownloadCancelledError, CancelledError)


@functools.cache
def _failure_table() -> tuple[tuple[tuple[type[BaseException], ...], Any], ...]:
    """Exception types -> what the check records, first match wins (Scrapy's own download
    exceptions, as its RETRY_EXCEPTIONS lists them, and Twisted's beneath them)."""
    from OpenSSL.SSL import Error as TLSError
    from scrapy import exceptions as sx
    from twisted.internet import error as terr
    from twisted.web.client import ResponseFailed

    unresolved, refused = _host_failures()
    return (
        ((sx.IgnoreRequest,), _ignored),
        (unresolved, _unresolved),
        ((sx.DownloadTimeoutError, terr.TimeoutError, terr.TCPTimedOutError), _simple("timed out reading {url}")),
        (refused, _simple("connection refused by {url}")),
        (_too_large(), _simple("response from {url} is larger than the{cap} cap")),
        ((sx.ResponseDataLossError,), _data_loss),
        ((ResponseFailed,), _broken_answer),
        (
            (zlib.error, gzip.BadGzipFile, EOFError),
            _simple("the response from {url} is declared compressed but does not decompress ({detail})"),
        ),
        ((TLSError, terr.SSLError), _simple("TLS error with {url}: {detail}")),
        ((sx.UnsupportedURLSchemeError,), _bad_address),
        ((ValueError,), _bad_address),
    )


@functools.cache
def _host_failures() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(a name that does not resolve, a host refusing connections): the failures of a host
    itself, Scrapy's download exceptions and Twisted's beneath them."""
    from scrapy import exceptions as sx
    from twisted.internet import error as terr

    return (sx.CannotResolveHostError, terr.DNSLookupError), (
        sx.DownloadConnectionRefusedError,
        terr.ConnectionRefusedError,
    )


def host_unreachable(exc: BaseException) -> bool:
    """Whether a failure says the host itself cannot be reached (its name does not resolve, or
    it refuses connections): asking another address of that host would fail the same way."""
    unresolved, refused = _host_failures()
    return isinstance(exc, unresolved + refused)


def describe_failure(exc: BaseException, url: str, max_bytes: int | None = None) -> tuple[str, str]:
    """Map a download exception to (outcome, human message), by its type (one table above)."""
    from scrapy.exceptions import DownloadFailedError
    from twisted.web.client import ResponseFailed

    # Scrapy wraps Twisted's ResponseFailed in its own DownloadFailedError, whose text is
    # only the reprs of the Failures inside; the reasons say what went wrong.
    if isinstance(exc, DownloadFailedError) and isinstance(exc.__cause__, ResponseFailed):
        exc = exc.__cause__
    table = _failure_table()
    if isinstance(exc, UnicodeError):  # a ValueError, but no address problem
        table = tuple(row for row in table if ValueError not in row[0])
    for types, describe in table:
        if isinstance(exc, types):
            return describe(exc, url, max_bytes)
    text = str(exc)
    return "error", f"{type(exc).__name__} reading {url}" + (f": {text}" if text else "")


def robots_hint(message: str, account: dict[str, Any]) -> str:
    """A refusal by robots.txt names the setting that decides it, so it is never a mystery."""
    if not message.startswith("robots.txt forbids"):
        return message
    return (
        f"{message}; [platforms.{account.get('platform')}] obey_robots decides whether pantau obeys "
        "robots.txt for this platform (see docs/platforms.md, robots.txt)"
    )


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
        return CheckFailed(
            "error",
            f"HTTP {response.status} from {response.url}: a redirect without a Location to go to",
            response.status,
        )
    return CheckFailed(
        "error",
        f"HTTP {response.status} from {response.url}: redirect to {location[:200]!r} "
        "not followed (pantau reads only http:// and https:// addresses)",
        response.status,
    )


@dataclass
class Check:
    """One account's check in progress: counts and validators for its Observation."""

    spider: AccountSpider
    account: dict[str, Any]
    started: float = field(default_factory=time.monotonic)
    checked_at: datetime = field(default_factory=clock.now)
    requests: int = 0
    bytes: int = 0
    http_status: int | None = None
    fetched: int = 0
    not_modified: int = 0
    validators: list[dict[str, Any]] = field(default_factory=list)
    resolved_id: str | None = None
    notes: list[str] = field(default_factory=list)
    via: str | None = None  # the bridge this check went through, if any
    platform_fault: str | None = None  # set when the platform failed but the account is alive
    # Every dated candidate this check looked at, for `pantau explain` (see consider()).
    considered: list[Considered] = field(default_factory=list)
    # {"url", "at", "where"}: the newest post's date as read on its own page (website checks).
    confirmed_post: dict[str, Any] | None = None

    # The compromise scan's results (websites only; see spiders/website.py).
    findings: list[dict[str, Any]] = field(default_factory=list)
    scan_scopes: list[str] | None = None
    cloak_checked: bool = False
    # The site's robots.txt when this check read it (b"": none); builtins.bytes because the
    # field `bytes` above shadows the type inside this class.
    robots_txt: builtins.bytes | None = None
    cloak_allowed: bool | None = None  # robots.txt read for the crawler this check: allowed?
    # The URL this check asked first (spiders choosing between addresses tell which by it), and
    # what a website check learnt of the site (storage/sites.py), to keep.
    first_url: str | None = None
    site: dict[str, Any] | None = None

    MAX_PER_SOURCE: ClassVar[int] = 12  # a feed of 50 entries needs its newest few to explain it

    def consider(self, cands: Iterable[Candidate], where: str = "") -> Candidate | None:
        """The newest credible candidate, keeping every one looked at (and why) for explain."""
        cands = list(cands)
        best = newest_credible(cands, self.now)
        ranked = sorted(cands, key=lambda c: c.at, reverse=True)
        kept = 0
        for cand in ranked:
            if cand is best:
                why = "the newest credible date of this source"
            elif not is_credible(cand.at, self.now):
                why = "in the future: not activity yet" if cand.at > self.now else "before 1995: a parsing accident"
            else:
                why = "older than the newest credible date of this source"
            if cand is not best and kept >= self.MAX_PER_SOURCE:
                continue
            kept += cand is not best
            place = f"{where} ({cand.how})" if where and cand.how else (where or cand.how or cand.source)
            self.considered.append(Considered(cand.at, cand.url, cand.title, cand.source, place, cand is best, why))
        return best

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

    async def fetch(
        self,
        url: str,
        *,
        conditional: bool = False,
        headers: dict[str, str] | None = None,
        robots: bool = True,
        method: str = "GET",
    ) -> Response:
        """Fetch one more URL for this check through Scrapy's engine.

        Raises :class:`CheckFailed` for a network failure; HTTP statuses are returned,
        the caller decides what a 404 means.
        """
        meta: dict[str, Any] = {
            "conditional": conditional,
            "dont_obey_robotstxt": not (robots and self.spider.obeys_robots(self.account)),
        }
        req = Request(url, method=method, headers=headers, meta=meta, dont_filter=True)
        engine = self.spider.crawler.engine
        try:
            response = await engine.download_async(req)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an observation
            self.requests += 1
            outcome, message = describe_failure(exc, url, self.spider.max_bytes)
            raise CheckFailed(outcome, robots_hint(message, self.account)) from None
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
            self.validators.append(
                {
                    "url": response.url,
                    "etag": etag.decode("latin-1") if etag else None,
                    "last_modified": lm.decode("latin-1") if lm else None,
                    "result": result,
                }
            )

    def observation(self, outcome: str, best: Candidate | None = None, error: str | None = None) -> Observation:
        """Every Observation is made here, so masking tokens here covers every way out."""
        if outcome == "ok" and self.fetched == 0 and self.not_modified:
            outcome = "not_modified"
        activity_url = best.url if best else None
        considered = self._final_candidates(best)
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
            error=error if error is None or len(error) <= MAX_ERROR else error[: MAX_ERROR - 1] + "…",
            duration_ms=int((time.monotonic() - self.started) * 1000),
            bytes=self.bytes,
            requests=self.requests,
            not_modified=bool(self.not_modified and not self.fetched),
            via=self.via,
            platform_fault=self.platform_fault if outcome in ("error", "not_found") else None,
            validators=self.validators,
            resolved_id=self.resolved_id,
            considered=[_masked(c.to_json(), secrets) for c in considered],
            confirmed_post=self.confirmed_post,
            findings=self.findings if outcome == "ok" or outcome == "not_modified" else [],
            scan_scopes=self.scan_scopes if outcome in ("ok", "not_modified") else None,
            cloak_checked=self.cloak_checked,
            cloak_allowed=self.cloak_allowed,
            site=self.site if outcome in ("ok", "not_modified") else None,
        )

    def _final_candidates(self, best: Candidate | None) -> list[Considered]:
        """The candidates with the one the observation keeps marked as the winner."""
        out = list(self.considered)
        winner = None
        if best is not None:
            winner = next(
                (c for c in out if c.accepted and c.at == best.at and c.url == best.url and c.source == best.source),
                None,
            )
            if winner is None:
                # Read from what the last full parse found (a 304), or by a source that does
                # not report its candidates: the winner is still shown.
                why = (
                    "what the last full read found (the server answered 304 Not Modified)"
                    if self.not_modified
                    else "the newest credible date found"
                )
                winner = Considered(best.at, best.url, best.title, best.source, best.how or best.source, True, why)
                out.insert(0, winner)
        for cand in out:
            if cand is winner:
                continue
            if cand.accepted:
                cand.accepted = False
                if best is not None and cand.at <= best.at:
                    cand.why = f"{cand.why}; older than the winner"
        if winner is not None:
            winner.accepted = True
            if "the evidence" not in winner.why:
                winner.why = f"{winner.why}; the newest credible date of all sources: the evidence"
        return out


def _masked(row: dict[str, Any], secrets: tuple[str, ...] | None) -> dict[str, Any]:
    if secrets:
        row["url"] = redact(row.get("url"), secrets)
        row["where"] = redact(row.get("where"), secrets)
    return row


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

    name = "account"  # typed by scrapy.Spider (an instance attribute there; one per class here)
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

    def first_via(self, account: dict[str, Any]) -> str | None:
        """The bridge the first request goes through, if any (so a failed connection to the
        bridge is counted against the bridge's health, not the platform's)."""
        return None

    def obeys_robots(self, account: dict[str, Any]) -> bool:
        """``[platforms.NAME] obey_robots`` (default: ``[crawler] obey_robots``). A request
        asked with ``robots=True`` obeys robots.txt only when this is true; APIs and the
        operator's own bridge are asked with ``robots=False``."""
        if self.cfg is None:
            return True
        conf = self.cfg.platform(account.get("platform") or "")
        return bool(conf.get("obey_robots", self.cfg.crawler["obey_robots"]))

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
            check.first_url = url
            check.via = self.first_via(account)
            yield self.opening_request(check, url)

    def opening_request(self, check: Check, url: str) -> Request:
        """The request a check starts from, answered by :meth:`observe` (or :meth:`_failed`),
        with this source kind's options (:meth:`first_request_options`)."""
        opts = self.first_request_options(check.account)
        robots = opts.get("robots", True) and self.obeys_robots(check.account)
        return Request(
            url,
            headers=opts.get("headers"),
            callback=self._observe,
            errback=self._failed,
            dont_filter=True,
            meta={"check": check, "conditional": opts.get("conditional", False), "dont_obey_robotstxt": not robots},
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
        except RecursionError:
            # A hostile body nested 100,000 deep (JSON, XML): a failed read, not a bug to trace.
            obs = check.observation("error", error=f"the answer from {response.url} is nested too deeply to read")
        except Exception as exc:  # noqa: BLE001 - a parser bug on one page is that account's error
            log.exception("check of account %s failed", check.account.get("id"))
            obs = check.observation(
                "error", error=f"internal error while reading {response.url}: {type(exc).__name__}: {exc}"
            )
        yield obs

    def _failed(self, failure: Failure) -> Iterable[Observation]:
        request = failure.request  # type: ignore[attr-defined]
        check: Check = request.meta["check"]
        check.requests += 1
        outcome, message = describe_failure(failure.value, request.url, self.max_bytes)
        yield check.observation(outcome, error=robots_hint(message, check.account))

    # --- helpers for subclasses --------------------------------------------------------
    @staticmethod
    def newest(cands: Iterable[Candidate], now: datetime) -> Candidate | None:
        # Spiders that keep their candidates for explain call check.consider() instead.
        return newest_credible(cands, now)

    def http_error(self, response: Response, what: str = "") -> CheckFailed:
        status = response.status
        label = what or response.url
        if status in (404, 410):
            return CheckFailed("not_found", f"HTTP {status}: {label} not found", status)
        return CheckFailed("error", f"HTTP {status} from {label}", status)
