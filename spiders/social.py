"""Instagram, Facebook, X, TikTok and Threads: official APIs or a self-hosted RSSHub, never guesses.

None of these platforms publishes a feed, and their pages are built by JavaScript behind login
walls, so pantau reads them only through a source that answers with dated posts:

* an official API, when ``[platforms.<name>] token_env`` names an environment variable that is
  set (the token goes in an ``Authorization: Bearer`` header, never in the URL);
* else the RSSHub bridge at ``[bridges] rsshub`` with the platform's ``rsshub_route``;
* else the account is ``unsupported``, and the reason names what to configure.

Sources are tried in that order. A source that cannot see *this* account (a personal Instagram
account, a token of another Threads user, a refused token) hands over to the next one; an
authoritative "this account does not exist" ends the check as ``not_found``.

:class:`PlatformSpider` is the base of every social reader here and in ``youtube``,
``telegram`` and ``mastodon``: it scrubs tokens from every error it stores and honours an
account's own ``feed_url``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from parsel import Selector
from scrapy.http import Response

from pantau.crawler.dates import Candidate, parse_date
from pantau.crawler.items import Observation
from pantau.spiders.base import AccountSpider, Check, CheckFailed
from pantau.spiders.feed import read_feed

ATTEST_HINT = "until then record activity with `pantau attest`"
_TITLE_MAX = 120


# --- shared by every platform spider -----------------------------------------------------------


def account_not_found(what: str, status: int | None = None) -> CheckFailed:
    """The account is gone. The status policy turns repeated ones into ``unreachable``."""
    return CheckFailed("not_found", f"account not found: {what}", status)


def handle_of(account: dict[str, Any]) -> str:
    """The account's name on its platform: the registry's handle, else the URL's first segment."""
    handle = (account.get("handle") or "").strip().lstrip("@")
    if handle:
        return handle
    parts = urlsplit(account.get("url") or "")
    if parts.path.endswith("profile.php"):
        return (parse_qs(parts.query).get("id") or [""])[0]
    segs = [s for s in parts.path.split("/") if s and s != "s"]
    return segs[0].lstrip("@") if segs else ""


def post_title(text: Any) -> str | None:
    """A caption or message as a one-line title: the first line, cut to a readable length."""
    if not isinstance(text, str):
        return None
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return (line[: _TITLE_MAX - 1] + "…") if len(line) > _TITLE_MAX else (line or None)


def epoch(value: Any) -> datetime | None:
    """Epoch seconds as aware UTC; None for what no calendar holds (1e20, NaN, a huge header)."""
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError, TypeError):
        return None


def when(value: Any, now: datetime) -> datetime | None:
    """An API timestamp (ISO 8601, Meta's ``+0000``, epoch seconds) as aware UTC."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return epoch(value)
    if not isinstance(value, str) or not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return parse_date(value, now)
    if at.tzinfo is None:
        return parse_date(value, now)  # a naive stamp: let the shared parser apply its zone rules
    return at.astimezone(UTC)


def json_body(response: Response, label: str) -> Any:
    try:
        return json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        raise CheckFailed("error", f"{label} answered HTTP {response.status} without JSON", response.status) from None
    except RecursionError:
        # 100,000 nested brackets: no API answers like that, and json recurses per level.
        raise CheckFailed(
            "error", f"{label} answered HTTP {response.status} with JSON nested too deeply to read", response.status
        ) from None


class PlatformSpider(AccountSpider):
    """Base of the platform readers: tokens never reach a stored error; ``feed_url`` wins."""

    name = "platform"  # a base: Scrapy's spider loader lists it, no platform maps to it

    @functools.cached_property
    def secrets(self) -> tuple[str, ...]:
        """The token values this spider may send; :meth:`Check.observation` masks them (and
        credential-looking URL parameters) in every error and link it stores."""
        found = []
        for platform in self.platforms:
            conf = self.cfg.platform(platform) if self.cfg else {}
            for key in ("token_env", "api_key_env"):
                value = self.cfg.secret(conf.get(key) or "") if self.cfg else None
                if value:
                    found.append(value)
        return tuple(found)

    @staticmethod
    def own_feed(account: dict[str, Any]) -> str | None:
        """The registry's ``feed_url`` for this account: polled instead of the platform default."""
        return (account.get("feed_url") or "").strip() or None

    async def read_own_feed(self, check: Check, response: Response) -> Observation:
        if response.status in (404, 410):
            raise account_not_found(f"its feed {response.url} answered HTTP {response.status}", response.status)
        return check.observation("ok", await read_feed(self, check, response, label="feed"))


# --- sources --------------------------------------------------------------------------------


class CannotRead(Exception):
    """This source cannot see this account (configuration, permissions, account type): try the next."""


class Source:
    """One way of reading an account: the first URL, its headers, and how to read the answer."""

    label = "source"
    conditional = False

    def __init__(self, spider: SocialSpider, platform: str, token: str | None = None):
        self.spider = spider
        self.platform = platform
        self.conf = spider.cfg.platform(platform)
        self.token = token

    def headers(self) -> dict[str, str] | None:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"} if self.token else None

    def url(self, account: dict[str, Any]) -> str:
        raise NotImplementedError

    async def read(self, check: Check, response: Response) -> Candidate | None:
        raise NotImplementedError

    async def fetch(self, check: Check, url: str) -> Response:
        return await check.fetch(url, headers=self.headers(), robots=False)

    def api(self, path: str) -> str:
        return self.conf["api_url"].rstrip("/") + path


def _meta_error(doc: Any) -> dict[str, Any] | None:
    err = doc.get("error") if isinstance(doc, dict) else None
    return err if isinstance(err, dict) else None


class GraphSource(Source):
    """Meta's Graph APIs (Facebook, Instagram, Threads) share one error shape and its codes."""

    label = "Graph API"

    def check_answer(self, response: Response, handle: str) -> Any:
        doc = json_body(response, f"{self.platform} {self.label}")
        err = _meta_error(doc)
        if err is None and response.status < 400:
            if not isinstance(doc, dict):
                raise CheckFailed(
                    "error", f"{self.platform} {self.label} answered JSON that is not an object", response.status
                )
            return doc
        err = err or {}
        code, sub = err.get("code"), err.get("error_subcode")
        message = str(err.get("message") or f"HTTP {response.status}")
        where = f"[platforms.{self.platform}] token_env"
        if code == 803:
            # "(#803) Some of the aliases you requested do not exist": the name resolves to nothing.
            raise account_not_found(f"{self.platform} has no account named {handle} ({message})", response.status)
        if code in (4, 17, 32, 613) or response.status == 429:
            raise CheckFailed(
                "error",
                f"{self.platform} {self.label} rate limit reached ({message}); the next check will try again",
                response.status,
            )
        if code == 190 or response.status == 401:
            raise CannotRead(f"the {self.platform} token in {where} is invalid or expired ({message})")
        if code in (10, 200) or (code == 100 and sub == 33) or response.status == 403:
            # Code 100/33 reads "does not exist, cannot be loaded due to missing permissions":
            # Meta will not say which, so this is not proof the account is gone.
            raise CannotRead(
                f"the {self.platform} {self.label} will not show {handle} to this token "
                f"({message}); check the permissions of the token in {where}"
            )
        if response.status >= 500 or err.get("is_transient"):
            raise CheckFailed("error", f"{self.platform} {self.label} failed: {message}", response.status)
        raise CheckFailed("error", f"{self.platform} {self.label} refused the request: {message}", response.status)


class FacebookPosts(GraphSource):
    label = "Graph API"

    def url(self, account: dict[str, Any]) -> str:
        # A few posts, not one: Meta's ordering puts nothing pinned first today, but taking
        # the newest of five costs nothing and survives it if it ever does.
        return self.api(
            f"/{quote(handle_of(account), safe='')}/posts?fields=created_time,permalink_url,message&limit=5"
        )

    async def read(self, check: Check, response: Response) -> Candidate | None:
        doc = self.check_answer(response, handle_of(check.account))
        cands = [
            Candidate(at, p.get("permalink_url"), post_title(p.get("message")), "api", "graph")
            for p in doc.get("data") or []
            if isinstance(p, dict) and (at := when(p.get("created_time"), check.now))
        ]
        return check.consider(cands, "Facebook Graph API post")


class InstagramDiscovery(GraphSource):
    label = "Graph API (business discovery)"

    def url(self, account: dict[str, Any]) -> str:
        handle = handle_of(account)
        fields = f"business_discovery.username({handle}){{username,media.limit(5){{timestamp,permalink,caption}}}}"
        return self.api(f"/{self.conf['business_account_id']}?fields={quote(fields, safe='(),.')}")

    async def read(self, check: Check, response: Response) -> Candidate | None:
        handle = handle_of(check.account)
        doc_err = None
        try:
            doc = self.check_answer(response, handle)
        except CheckFailed as exc:
            doc_err = exc
        if doc_err is not None:
            text = str(doc_err)
            # Business discovery answers "cannot be found" both for a name that does not exist
            # and for a personal account, which the Graph API may not read: not proof of absence.
            if b"2207013" in response.body or "cannot be found" in text.lower() or "invalid user id" in text.lower():
                raise CannotRead(
                    f"Instagram business discovery cannot see @{handle}: it does not exist, "
                    "or it is a personal account (the Graph API reads only business and "
                    "creator accounts)"
                ) from None
            raise doc_err
        disc = doc.get("business_discovery") or {}
        media = (disc.get("media") or {}).get("data") or []
        cands = [
            Candidate(at, m.get("permalink"), post_title(m.get("caption")), "api", "graph")
            for m in media
            if isinstance(m, dict) and (at := when(m.get("timestamp"), check.now))
        ]
        return check.consider(cands, "Instagram Graph API media")


class ThreadsPosts(GraphSource):
    """The Threads API: the token owner's own posts, or another public profile's posts through
    profile discovery (``GET /profile_posts?username=``, which needs the token to hold the
    ``threads_profile_discovery`` permission)."""

    label = "Threads API"
    FIELDS = "id,timestamp,permalink,text,username"

    def url(self, account: dict[str, Any]) -> str:
        return self.api(f"/me/threads?fields={self.FIELDS}&limit=5")

    def discovery_url(self, handle: str) -> str:
        return self.api(f"/profile_posts?username={quote(handle, safe='')}&fields={self.FIELDS}&limit=5")

    async def read(self, check: Check, response: Response) -> Candidate | None:
        handle = handle_of(check.account)
        doc = self.check_answer(response, handle)
        posts = [p for p in doc.get("data") or [] if isinstance(p, dict)]
        owner = next((p.get("username") for p in posts if p.get("username")), None)
        if owner is None:
            me = self.check_answer(await self.fetch(check, self.api("/me?fields=username")), handle)
            owner = me.get("username")
        if not owner or owner.lower() != handle.lower():
            # Posts of the token's owner are not evidence for another account: ask profile discovery.
            posts = await self.discover(check, handle, owner)
        cands = [
            Candidate(at, p.get("permalink"), post_title(p.get("text")), "api", "threads")
            for p in posts
            if (at := when(p.get("timestamp"), check.now))
        ]
        return check.consider(cands, "Threads API post")

    async def discover(self, check: Check, handle: str, owner: str | None) -> list[dict[str, Any]]:
        why = (
            f"the Threads token in [platforms.threads] token_env belongs to @{owner or '?'}; reading "
            f"@{handle} needs profile discovery (the threads_profile_discovery permission)"
        )
        try:
            doc = self.check_answer(await self.fetch(check, self.discovery_url(handle)), handle)
        except CannotRead as exc:
            raise CannotRead(f"{why}: {exc}") from None
        except CheckFailed as exc:
            status = exc.http_status or 0
            if exc.outcome == "not_found" or status == 429 or status >= 500 or not status:
                raise
            raise CannotRead(f"{why}: {exc}") from None
        posts = [p for p in doc.get("data") or [] if isinstance(p, dict)]
        # Discovery answers for the name asked; a post of someone else would not be evidence.
        return [p for p in posts if (p.get("username") or handle).lower() == handle.lower()]


class XTimeline(Source):
    """X API v2: the user id (kept as ``resolved_id``; it survives renames) then recent posts."""

    label = "X API"

    def url(self, account: dict[str, Any]) -> str:
        uid = account.get("resolved_id")
        if uid:
            return self.timeline(uid)
        return self.api(f"/users/by/username/{quote(handle_of(account), safe='')}")

    def timeline(self, uid: str) -> str:
        # max_results=5 is the API's minimum; replies and reposts count as activity.
        return self.api(f"/users/{uid}/tweets?max_results=5&tweet.fields=created_at")

    def answer(self, response: Response, handle: str) -> dict[str, Any]:
        doc = json_body(response, "X API")
        if response.status == 429:
            reset = response.headers.get(b"x-rate-limit-reset")
            until = epoch(int(reset)) if reset and reset.isdigit() and len(reset) <= 12 else None
            later = f" until {until.isoformat()}" if until else ""
            raise CheckFailed("error", f"X API rate limit reached{later}; the next check will try again", 429)
        if not isinstance(doc, dict):
            raise CheckFailed("error", "X API answered something other than a JSON object", response.status)
        if response.status in (401, 403):
            detail = doc.get("detail") or doc.get("title") or f"HTTP {response.status}"
            raise CannotRead(
                f"the X API refused the token in [platforms.x] token_env ({detail}); "
                "reading posts needs pay-per-use credits or a legacy Basic/Pro plan"
            )
        if response.status >= 400:
            raise CheckFailed(
                "error", f"X API failed: HTTP {response.status} {doc.get('detail') or ''}".rstrip(), response.status
            )
        return doc

    async def read(self, check: Check, response: Response) -> Candidate | None:
        handle = handle_of(check.account)
        uid = check.account.get("resolved_id")
        if not uid:
            doc = self.answer(response, handle)
            user = doc.get("data") or {}
            uid = user.get("id") if isinstance(user, dict) else None
            if not uid:
                self.raise_errors(doc, handle)
                raise CheckFailed("error", f"X API did not return an id for @{handle}", response.status)
            check.resolved_id = str(uid)
            response = await self.fetch(check, self.timeline(str(uid)))
        doc = self.answer(response, handle)
        posts = doc.get("data")
        if posts is None and doc.get("errors"):
            self.raise_errors(doc, handle)
        name = handle or "i"
        cands = [
            Candidate(at, f"https://x.com/{name}/status/{p.get('id')}", post_title(p.get("text")), "api", "x")
            for p in (posts if isinstance(posts, list) else [])
            if isinstance(p, dict) and (at := when(p.get("created_at"), check.now))
        ]
        return check.consider(cands, "X API v2 post")

    @staticmethod
    def raise_errors(doc: dict[str, Any], handle: str) -> None:
        errors = doc.get("errors")
        for err in errors if isinstance(errors, list) else []:
            if not isinstance(err, dict):
                continue
            kind = str(err.get("type") or "")
            detail = str(err.get("detail") or err.get("title") or kind)
            if kind.endswith("resource-not-found") or "suspended" in detail.lower():
                raise account_not_found(f"X says: {detail}")
            if kind.endswith("not-authorized-for-resource"):
                raise CannotRead(f"@{handle}'s posts are protected; the X API shows them only to approved followers")
            raise CheckFailed("error", f"X API: {detail}")


class RSSHubFeed(Source):
    """A route of the operator's own RSSHub, which renders the platform's posts as RSS."""

    label = "RSSHub"
    conditional = True

    def __init__(self, spider: SocialSpider, platform: str, base: str):
        super().__init__(spider, platform)
        self.base = base.rstrip("/")

    def headers(self) -> dict[str, str] | None:
        return None

    def route(self, account: dict[str, Any]) -> str:
        return self.conf["rsshub_route"].format(handle=quote(handle_of(account), safe=""))

    def url(self, account: dict[str, Any]) -> str:
        return self.base + self.route(account)

    async def fetch(self, check: Check, url: str) -> Response:
        check.via = "rsshub"
        return await check.fetch(url, conditional=True, robots=False)

    async def read(self, check: Check, response: Response) -> Candidate | None:
        check.via = "rsshub"
        route = self.route(check.account)
        if response.status in (200, 304):
            best = await read_feed(self.spider, check, response, label="RSSHub feed")
            if best is None and check.account.get("last_activity_at"):
                # RSSHub answers a well-formed feed without items when its upstream fails
                # (expired cookies or tokens, a blocked IP): for an account that has posted,
                # that is a failed read, never a clean "ok" with nothing new.
                raise CheckFailed(
                    "error",
                    f"RSSHub answered an empty feed for {route}, but this account has "
                    "posts (RSSHub does that when its upstream fails; check its logs and "
                    "credentials)",
                    response.status,
                )
            return best
        message = rsshub_message(response)
        # RSSHub appends this sentence to every NotFoundError, also those a route throws for a
        # missing user; what is left tells a missing account from a missing route.
        route_missing = "route does not exist" in message.lower()
        told = re.sub(r"(?i)\s*the route does not exist or has been deleted\.?", "", message).strip()
        told = re.sub(r"^NotFoundError:\s*$", "", told)
        if _GONE_RE.search(told):
            raise account_not_found(f"RSSHub {route}: {_short(told)}", response.status)
        if route_missing:
            raise CheckFailed(
                "error",
                f"RSSHub at {self.base} has no route {route}; check "
                f"[platforms.{self.platform}] rsshub_route and that RSSHub is up to date",
                response.status,
            )
        if response.status in (404, 410):
            raise account_not_found(
                f"RSSHub {route} answered HTTP {response.status}" + (f": {_short(told)}" if told else ""),
                response.status,
            )
        raise CheckFailed(
            "error",
            f"RSSHub could not read {route} (HTTP {response.status})" + (f": {_short(told)}" if told else ""),
            response.status,
        )


# What RSSHub's routes say when the upstream account is gone ("This account doesn't exist",
# "Twitter user is unavailable", "User not found"), as opposed to the upstream blocking RSSHub.
_GONE_RE = re.compile(
    r"(?i)\b(?:user|account|page|profile|channel|username)\b[^.]{0,60}?"
    r"\b(?:doesn'?t exist|does not exist|not found|cannot be found|is unavailable|suspended|deactivated|banned)"
    r"|\b(?:could not|couldn'?t|can'?t|cannot) find (?:the |this )?(?:user|account|page)"
    r"|tidak ditemukan"
)


def _short(text: str, n: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def rsshub_message(response: Response) -> str:
    """The error message of an RSSHub error answer (HTML page or JSON), or ''."""
    try:
        doc = json.loads(response.body)
        if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
            return str(doc["error"].get("message") or "")
    except (ValueError, UnicodeDecodeError, RecursionError):
        pass
    try:
        sel = Selector(text=response.body.decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - an unreadable error page is just an unexplained error
        return ""
    for query in ("//code[contains(@class,'details')]//text()", "//*[contains(@class,'message')]//text()"):
        text = " ".join(t.strip() for t in sel.xpath(query).getall() if t.strip())
        if text:
            return text
    return " ".join(
        t.strip()
        for t in sel.xpath("//body//text()[not(ancestor::script)][not(ancestor::style)]").getall()
        if t.strip()
    )[:300]


# --- the spider -------------------------------------------------------------------------------


@dataclass
class Plan:
    """How one account can be read: its sources in order, and what configuration is lacking."""

    sources: list[Source] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what could be configured to read it
    broken: list[str] = field(default_factory=list)  # configured, but cannot work as it stands


# What each platform's official API needs, and which reader uses it. TikTok has none: its
# Display API reads only the account that authorised the app, and its Research API is for
# approved academic researchers — neither can watch an office's account for pantau.
API_READERS: dict[str, type[Source]] = {
    "facebook": FacebookPosts,
    "instagram": InstagramDiscovery,
    "x": XTimeline,
    "threads": ThreadsPosts,
}
TOKEN_KIND = {
    "facebook": "a Graph API token with Page Public Content Access",
    "instagram": "a Graph API token for a business account",
    "x": "an X API v2 bearer token with pay-per-use credits (about $0.025 a check)",
    "threads": "a Threads API token of this account, or one with the threads_profile_discovery permission",
}
NO_API = {
    "tiktok": "TikTok has no public API that reads another account's videos (the Display API reads "
    "only the account that authorised it, the Research API is for approved researchers)",
}


class SocialSpider(PlatformSpider):
    name = "social"
    platforms = ("instagram", "facebook", "x", "tiktok", "threads")

    def plan(self, account: dict[str, Any]) -> Plan:
        """The sources that can read this account, in order, and why the others cannot."""
        platform = account["platform"]
        conf = self.cfg.platform(platform)
        plan = Plan()
        env = conf.get("token_env") or ""
        token = self.cfg.secret(env)
        reader = API_READERS.get(platform)  # None for TikTok: there is no API to configure
        if reader is not None and not token:
            plan.missing.append(f"[platforms.{platform}] token_env ({TOKEN_KIND[platform]})")
            if env:
                plan.broken.append(
                    f"[platforms.{platform}] token_env names {env}, which is not set in pantau's environment"
                )
        elif reader is not None and platform == "instagram" and not conf.get("business_account_id"):
            plan.missing.append(
                "[platforms.instagram] business_account_id (the id of the business account the token belongs to)"
            )
        elif reader is not None:
            plan.sources.append(reader(self, platform, token))
        rsshub = (self.cfg.data.get("bridges") or {}).get("rsshub") or ""
        if rsshub and conf.get("rsshub_route"):
            plan.sources.append(RSSHubFeed(self, platform, rsshub))
        elif rsshub:
            plan.missing.append(f"[platforms.{platform}] rsshub_route")
        else:
            plan.missing.append("[bridges] rsshub")
        return plan

    def first_url(self, account: dict[str, Any]) -> str | None:
        if self.own_feed(account):
            return self.own_feed(account)
        if not handle_of(account):
            raise CheckFailed(
                "unsupported",
                f"{account['platform']} account {account['url']} has no handle; give its handle in the registry",
            )
        sources = self.plan(account).sources
        return sources[0].url(account) if sources else None

    def first_via(self, account: dict[str, Any]) -> str | None:
        if self.own_feed(account):
            return None
        sources = self.plan(account).sources
        return "rsshub" if sources and isinstance(sources[0], RSSHubFeed) else None

    def first_request_options(self, account: dict[str, Any]) -> dict[str, Any]:
        if self.own_feed(account):
            return {"conditional": True, "robots": False, "headers": None}
        first = self.plan(account).sources[0]
        return {"conditional": first.conditional, "robots": False, "headers": first.headers()}

    def unsupported_reason(self, account: dict[str, Any]) -> str:
        platform = account["platform"]
        plan = self.plan(account)
        wanted = " or ".join(plan.missing)
        if platform in NO_API:
            head = f"{NO_API[platform]}; configure {wanted}, or record activity with `pantau attest`"
            return "; ".join([head, *plan.broken])
        return "; ".join([f"{platform} needs {wanted}", *plan.broken, ATTEST_HINT])

    async def observe(self, check: Check, response: Response) -> Observation:
        account = check.account
        if self.own_feed(account):
            return await self.read_own_feed(check, response)
        plan = self.plan(account)
        failures: list[CheckFailed] = []
        cannot: list[str] = []
        for i, source in enumerate(plan.sources):
            try:
                if i > 0:
                    response = await source.fetch(check, source.url(account))
                best = await source.read(check, response)
            except CannotRead as exc:
                cannot.append(str(exc))
                continue
            except CheckFailed as exc:
                if exc.outcome == "not_found":
                    raise
                failures.append(exc)
                continue
            # Say what was skipped on the way: an expiring token should be seen before it matters.
            skipped = [str(f) for f in failures] + cannot + plan.broken
            note = f"read through {source.label}; " + "; ".join(skipped) if skipped else None
            return check.observation("ok", best, error=note)
        if failures:
            first = failures[0]
            raise CheckFailed(
                first.outcome, "; ".join([str(f) for f in failures] + cannot + plan.broken), first.http_status
            )
        hint = [f"or configure {' or '.join(plan.missing)}"] if plan.missing else []
        return check.observation("unsupported", error="; ".join([*cannot, *plan.broken, *hint, ATTEST_HINT]))
