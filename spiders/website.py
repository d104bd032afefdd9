"""Websites: feeds, the WordPress REST API, sitemaps and dated articles on the home page.

The order follows DESIGN.md — discovered feeds, then the WordPress API, then sitemaps —
and the home page's article dates always count; the newest credible date wins. Each
fallback is only fetched when the sources before it found nothing, which keeps a
national pass near two requests per site. When the newest activity comes only from a
listing (the home page, a sitemap without dates), that post's own page is read once for its
date (crawler/pagedate.py) and the answer cached by its URL on the account row.

A site is discovered once, then remembered (``accounts.site``, storage/sites.py): which source
answered and with which post, where its feed is or that it has none, that its WordPress API is
off, which sitemap worked. A recheck asks only that source, conditionally (usually one 304),
and walks the whole order again when that source fails, when the last discovery is a week old,
once a day for the compromise scan of the home page, and whenever the account's age crosses
one of the policy's thresholds: no status change is decided on the one remembered source.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.http import Response
from scrapy.robotstxt import ProtegoRobotParser
from twisted.python.failure import Failure

from pantau.config import clock
from pantau.config.settings import POLICY_KEYS
from pantau.config.vocabulary import Evidence
from pantau.crawler import compromise
from pantau.crawler.dates import Candidate
from pantau.crawler.extract import (
    newest_undated_post,
    parse_page,
    parse_sitemap,
    parse_wp_posts,
    sitemaps_from_robots,
)
from pantau.crawler.items import Observation
from pantau.crawler.pagedate import Considered, post_date
from pantau.crawler.robots import robots_cache
from pantau.spiders.base import (
    AccountSpider,
    Check,
    CheckFailed,
    candidate_from_json,
    candidate_to_json,
    host_unreachable,
)
from pantau.spiders.feed import read_feed
from pantau.storage.sites import read_site

COMMON_FEED_PATHS = ("/feed", "/rss", "/atom.xml")
# A sitemap this large is parsed on a worker thread: a legal index of 50,000 children takes
# seconds to read, and on the reactor thread every other check would wait for it.
BIG_SITEMAP = 256 * 1024
MAX_FEEDS = 2
MAX_PAGE_CANDIDATES = 12
# Off the reactor, like feeds (spiders/feed.py): a large post page costs tens of milliseconds of
# pure-Python work (htmldate, dateparser), which would stall every download in flight. One thread:
# the GIL makes more of them no faster.
_PAGE_PARSER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pantau-page-parser")
# When sources name the same post, the strongest evidence is the one shown (DESIGN.md's order).
SOURCE_RANK = {"feed": 0, "wp-api": 1, "sitemap": 2, "page-date": 3}
# A remembered site is discovered again at least this often, so a feed added or a sitemap
# moved is noticed within a week even while the old source keeps answering.
REDISCOVER_AFTER = timedelta(days=7)
# The sources a recheck may ask alone (a page-date winner is rechecked through the home page).
SHORT_SOURCES = (Evidence.FEED, Evidence.WP_API, Evidence.SITEMAP)


def strongest_of_same_post(best: Candidate | None, cands: list[Candidate]) -> Candidate | None:
    """The best candidate, told by its strongest source when several sources found that post."""
    if best is None:
        return None
    same = [
        c
        for c in cands
        if c.url and best.url and _post_key(c.url) == _post_key(best.url) and abs(c.at - best.at) <= timedelta(days=1)
    ]
    if not same:
        return best
    return min(same, key=lambda c: (SOURCE_RANK.get(c.source, 9), -c.at.timestamp()))


def _post_key(url: str) -> tuple[str, str, str]:
    p = urlsplit(url)
    return (p.hostname or "").removeprefix("www."), p.path.rstrip("/") or "/", p.query


# Cloaking is looked for with the user agent of the crawler spammers cloak for, at most this
# often per site: it is one more request, and injected content stays for weeks.
CRAWLER_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
CRAWLER_NAME = "Googlebot"
CLOAK_EVERY = timedelta(days=1)
# How long what robots.txt says of that crawler is trusted (Google itself caches it a day; a
# week halves the cost of the daily fetch, and a site changing it to shut Googlebot out of
# its home page is rare).
ROBOTS_EVERY = timedelta(days=7)


def _is_comments_feed(url: str) -> bool:
    # WordPress announces /comments/feed/ beside the posts feed on every page. Comments are
    # the public's (and spammers': abandoned sites collect them daily), not the institution's.
    segments = [s for s in urlsplit(url).path.lower().split("/") if s]
    return "comments" in segments or "komentar" in segments


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


class WebsiteSpider(AccountSpider):
    name = "website"
    platforms = ("website",)
    # A discovery makes about three requests besides robots.txt, a recheck of a remembered
    # site one (benchmarks/); crawler.runner shares the concurrency by them.
    requests_per_check = 3.0
    requests_per_recheck = 1.0
    reads_robots_txt = True

    def first_url(self, account: dict[str, Any]) -> str | None:
        return self.short_source(account, clock.now()) or _home_url(account)

    @classmethod
    def expected_requests(cls, account: dict[str, Any], now: datetime) -> float:
        """About what this account's check will cost, robots.txt aside (crawler.runner)."""
        facts = cls.remembered(account, now)
        if facts and facts.get("source") in SHORT_SOURCES:
            return cls.requests_per_recheck
        return cls.requests_per_check

    @staticmethod
    def remembered(account: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """What the site's last discovery found, when it is under a week old and still about
        the addresses the registry gives (a new address or feed is discovered at once)."""
        facts = read_site(account)
        if not facts or facts.get("home") != account["url"] or facts.get("feed_given") != account.get("feed_url"):
            return None
        at = _when(facts.get("discovered_at"))
        return facts if at is not None and timedelta(0) <= now - at < REDISCOVER_AFTER else None

    def short_source(self, account: dict[str, Any], now: datetime) -> str | None:
        """The remembered source's address when a recheck may ask it alone, else None."""
        facts = self.remembered(account, now)
        if facts is None or facts.get("source") not in SHORT_SOURCES or not facts.get("source_url"):
            return None
        if candidate_from_json(facts.get("winner")) is None:
            return None
        if self.scanning and _cloak_due(account, now):
            return None  # the day's scan: the home page, and the site as Googlebot sees it
        if self._look_at_all(account, now):
            return None
        return str(facts["source_url"])

    def _look_at_all(self, account: dict[str, Any], now: datetime) -> bool:
        """Whether this check must ask every source, whatever the memory says: while a
        compromise finding is open for the site, and when the status may change by age."""
        return bool(self.scanning and account.get("open_findings")) or self._age_crosses_threshold(account, now)

    def _age_crosses_threshold(self, account: dict[str, Any], now: datetime) -> bool:
        """Whether the account's last activity has grown past a policy threshold since its last
        check: the status may change, so every source is asked before it does."""
        last, checked = _when(account.get("last_activity_at")), _when(account.get("last_checked_at"))
        if last is None or checked is None:
            return False  # no age to cross (nothing found yet, or never checked)
        policy = self.cfg.policy_for("website") if self.cfg is not None else POLICY_KEYS
        for key in ("warning_after_days", "dormant_after_days", "close_after_days"):
            edge = last + timedelta(days=int(policy[key]))
            if checked < edge <= now:
                return True
        return False

    def first_request_options(self, account: dict[str, Any]) -> dict[str, Any]:
        return {"conditional": True, "robots": True}

    @property
    def scanning(self) -> bool:
        """``[security] scan``: look for gambling injection, cloaking and defacement."""
        security = (self.cfg.data.get("security") or {}) if self.cfg is not None else {}
        return bool(security.get("scan", True))

    def _failed(self, failure: Failure) -> Iterable[Any]:
        """The remembered source failed to download (a timeout, robots.txt now refusing it, a
        broken answer): ask the home page instead, as a first check would. A host that does not
        resolve or refuses connections fails here as the check's answer."""
        request = failure.request  # type: ignore[attr-defined]
        check: Check = request.meta["check"]
        home_url = _home_url(check.account)
        if check.first_url not in (None, home_url) and not host_unreachable(failure.value):
            check.requests += 1
            check.first_url = None  # observe(): the memory is not to be trusted this check
            yield self.opening_request(check, home_url)
            return
        yield from super()._failed(failure)

    async def observe(self, check: Check, response: Response) -> Observation:
        home_url = _home_url(check.account)
        known = self.remembered(check.account, check.now) if check.first_url is not None else None
        if known is not None and check.first_url == known.get("source_url") and check.first_url != home_url:
            shortcut = await self._recheck(check, known, response)
            if shortcut is not None:
                return shortcut
            # The source that answered last time did not: discover again from the home page.
            known = None
            response = await check.fetch(home_url, conditional=True)
        return await self._discover(check, response, known)

    async def _recheck(self, check: Check, known: dict[str, Any], response: Response) -> Observation | None:
        """What the remembered source says now, or None when it no longer answers with a
        dated post. On a 304 the post the last check settled on stands (the one confirmed on
        its own page included), not the raw listing date."""
        if response.status >= 400:
            return None
        if self.scanning:
            check.scan_scopes = []  # only the scopes this source covers are rescanned
        errors: list[str] = []
        source = known["source"]
        if response.status == 304:
            if source == Evidence.FEED:
                self._not_rescanned(check, "feed")
            elif source == Evidence.SITEMAP:
                self._not_rescanned(check, "sitemap")
            return check.observation("ok", candidate_from_json(known["winner"]))
        got: Candidate | None = None
        if source == Evidence.FEED:
            got = await self._read_feed(check, response, errors)
        elif source == Evidence.WP_API:
            got = self._parse_wp(check, response, errors)
        elif source == Evidence.SITEMAP:
            got = await self._read_sitemap(check, response.url, errors, depth=0, response=response)
        if got is None:
            return None
        check.site = {**known, "winner": candidate_to_json(got)}
        return check.observation("ok", got)

    async def _discover(self, check: Check, response: Response, known: dict[str, Any] | None) -> Observation:
        """Every source in DESIGN.md's order. ``known``: facts of a discovery under a week old,
        which spare the probes they already answered."""
        if response.status >= 400:
            # A website's missing home page is a broken site, not a vanished account.
            raise CheckFailed("error", f"HTTP {response.status} from {response.url}", response.status)
        home = self._home(check, response)
        if self.scanning and response.status == 304 and "compromise" not in home:
            # Validators kept from before the scan existed (or with it switched off): read the
            # page once in full, so an unchanged home page is not left unscanned for ever.
            try:
                full = await check.fetch(response.url)
                if full.status == 200:
                    response, home = full, self._home(check, full)
            except CheckFailed:
                pass
        home_url = _home_url(check.account)
        page_cands = [c for c in (candidate_from_json(d) for d in home.get("page_cands") or []) if c]
        if not page_cands and home.get("page_best"):
            page_cands = [c for c in (candidate_from_json(home.get("page_best")),) if c]
        page_best = check.consider(page_cands, "home page (a date tied to an article link)")
        cands: list[Candidate] = [page_best] if page_best else []
        # Which source, at which address, each candidate came from: the winner's is remembered.
        came_from: dict[int, tuple[str, str]] = {}
        if page_best is not None:
            came_from[id(page_best)] = (Evidence.PAGE_DATE, home_url)
        errors: list[str] = []
        if self.scanning and "compromise" in home:
            check.scan_scopes = ["home"]
            check.findings.extend(home["compromise"])
        if known is not None and self._look_at_all(check.account, check.now):
            known = None  # the probes the memory would spare are made too: a full discovery
        facts = _Facts.start(check, known)
        if known is not None and response.status == 304:
            # An unchanged home page lists no new post: the post the last check settled on
            # stands (the home page is read here for its source, or for the day's scan).
            remembered = candidate_from_json(known.get("winner"))
            if remembered is not None:
                await self._cloak_if_due(check, response.url, home)
                return check.observation("ok", remembered)

        feeds = (
            [check.account["feed_url"]]
            if check.account.get("feed_url")
            else [f for f in home["feeds"] if not _is_comments_feed(f)][:MAX_FEEDS]
        )
        for url in feeds:
            got = await self._try_feed(check, url, errors)
            if got:
                cands.append(got)
                came_from[id(got)] = (Evidence.FEED, url)
                facts.feed_url = facts.feed_url or url
        if not feeds and not home.get("wp_api") and not facts.no_feed:
            for path in COMMON_FEED_PATHS:
                url = _origin(response.url) + path
                got = await self._try_feed(check, url, errors, quiet=True)
                if got:
                    cands.append(got)
                    came_from[id(got)] = (Evidence.FEED, url)
                    facts.feed_url = url
                    break
            facts.no_feed = facts.feed_url is None
        found_feed = any(c.source == "feed" for c in cands)
        if not found_feed and home.get("wp_api") and not facts.wp_api_off:
            got, url, facts.wp_api_off = await self._try_wp(check, home["wp_api"], errors)
            if got:
                cands.append(got)
                came_from[id(got)] = (Evidence.WP_API, url)
        if not any(c.source in ("feed", "wp-api") for c in cands) and not facts.no_sitemap:
            failed = len(errors)
            got, url = await self._try_sitemaps(check, response.url, errors, facts.sitemap_url)
            facts.sitemap_url = url
            facts.no_sitemap = url is None and len(errors) == failed  # none there, none failing
            if got and url:
                cands.append(got)
                came_from[id(got)] = (Evidence.SITEMAP, url)
        await self._cloak_if_due(check, response.url, home)
        best = self.newest(cands, check.now)
        if best is None and home.get("first_post"):
            # A listing without dates still says which post is newest: read it on its page.
            best = await self._confirm(check, home["first_post"], None)
        elif best is None and home.get("own_date"):
            best = self._own_date(check, response.url, home["own_date"])
        elif (
            best is not None
            and best.source == "page-date"
            and best.url
            and best.how != "post page"
            and _post_key(best.url) != _post_key(response.url)
        ):
            # The newest activity comes only from the home page: confirm it on the post's page.
            listed = best
            confirmed = await self._confirm(check, best.url, listed)
            if confirmed is not None:
                best = self.newest([c for c in cands if c is not listed] + [confirmed], check.now)
            elif listed.how == "relative":
                # "2 jam yang lalu" on a listing is read against today's clock: without the
                # post's own page to confirm it, it is no evidence (a dead site's "popular"
                # widget would otherwise keep it active forever).
                for cand in check.considered:
                    if cand.accepted and cand.at == listed.at and cand.url == listed.url:
                        cand.accepted = False
                        cand.why = "a relative phrase on a listing, not confirmed on the post's own page"
                absolute = self.newest([c for c in page_cands if c.how != "relative"], check.now)
                best = self.newest([c for c in cands if c is not listed] + ([absolute] if absolute else []), check.now)
        best = strongest_of_same_post(best, cands)
        if best is None and errors:
            check.notes.extend(errors)
        else:
            # A feed, the API or a sitemap named by address; else the home page (a post read on
            # its own page because a listing led to it is rechecked through that listing).
            facts.source, facts.source_url = came_from.get(id(best), (Evidence.PAGE_DATE, home_url))
            facts.winner = candidate_to_json(best)
            if best is None:
                facts.source = facts.source_url = None
            check.site = facts.json()
        return check.observation("ok", best, error="; ".join(errors[:3]) or None)

    async def _cloak_if_due(self, check: Check, home_url: str, home: dict[str, Any]) -> None:
        served_to_all = any(f["kind"] == compromise.GAMBLING for f in home.get("compromise") or ())
        if (
            self.scanning
            and check.scan_scopes is not None
            and not served_to_all
            and _cloak_due(check.account, check.now)
        ):
            # (Spam every visitor sees is a finding already; what Googlebot sees adds nothing.)
            await self._look_for_cloaking(check, home_url, home)

    async def _confirm(self, check: Check, url: str, listed: Candidate | None) -> Candidate | None:
        """The date of the post at ``url`` read on its own page, once per URL (cached)."""
        cached = _cached_post(check.account)
        if cached is not None and cached["url"] == url:
            check.confirmed_post = cached
            if not cached.get("at"):
                # Read before and it gave no date (gone, or undated): not fetched again until a
                # newer post leads the listing.
                return None
            at = datetime.fromisoformat(cached["at"])
            cand = Candidate(
                at, url, cached.get("title") or (listed.title if listed else None), "page-date", "post page"
            )
            check.considered.append(
                Considered(
                    at,
                    url,
                    cand.title,
                    "page-date",
                    f"the post's own page: {cached.get('where')} (cached)",
                    True,
                    "read on the post's own page at an earlier check; its URL is unchanged, so it is not fetched again",
                )
            )
            return self._replace_listed(check, listed, cand)
        try:
            response = await check.fetch(url)
        except (CheckFailed, ValueError):  # ValueError: a link no request can carry (UnicodeError too)
            return None
        if response.status >= 400:
            check.confirmed_post = {"url": url, "at": None, "where": f"HTTP {response.status}"}
            return None
        read = functools.partial(
            post_date, response.body, response.url, check.now, encoding=getattr(response, "encoding", None)
        )
        found = await asyncio.get_running_loop().run_in_executor(_PAGE_PARSER, read)
        for seen in found.candidates:
            seen.url = url
            seen.where = f"the post's own page: {seen.where}"
        check.considered.extend(found.candidates)
        if found.winner is None:
            check.confirmed_post = {"url": url, "at": None, "where": "no date on the post's own page"}
            return None
        title = (listed.title if listed and listed.title else None) or found.title
        check.confirmed_post = {
            "url": url,
            "at": found.winner.at.isoformat(),
            "where": found.winner.where,
            "title": title,
        }
        return self._replace_listed(check, listed, Candidate(found.winner.at, url, title, "page-date", "post page"))

    @staticmethod
    def _own_date(check: Check, url: str, own: list[dict[str, Any]]) -> Candidate | None:
        """The page's own date, when the account's address is one page (not a site's root): that
        page is the post. A site's front page dates only its render or last edit: refused."""
        # The registry's address, not where it redirected: "/" often redirects to "/id/".
        is_page = urlsplit(check.account["url"]).path.strip("/") != ""
        best = None
        for row in own:
            cand = Considered(
                datetime.fromisoformat(row["at"]),
                url,
                row.get("title"),
                "page-date",
                f"the page's own date: {row['where']}",
                bool(row.get("accepted")),
                row.get("why") or "",
            )
            if cand.accepted and not is_page:
                cand.accepted = False
                cand.why = "the front page's own date (its render or last edit), not a post's"
            elif cand.accepted and (cand.where.startswith("the page's own date: htmldate") or "relative" in cand.why):
                # Without a post to tie it to, only what the page states as its date counts:
                # not a library's guess among its dates, not a phrase read against today.
                cand.accepted = False
                cand.why = "a guess among the page's dates, with no post to tie it to"
            check.considered.append(cand)
            if cand.accepted:
                best = Candidate(cand.at, url, cand.title, "page-date", "page")
        return best

    @staticmethod
    def _replace_listed(check: Check, listed: Candidate | None, confirmed: Candidate) -> Candidate:
        for cand in check.considered:
            if listed is not None and cand.accepted and cand.at == listed.at and cand.url == listed.url:
                cand.accepted = False
                cand.why = "date on the listing; the post's own page is read instead"
        return confirmed

    def _home(self, check: Check, response: Response) -> dict[str, Any]:
        if response.status == 304 and check.cached(response):
            return check.cached(response)
        encoding = getattr(response, "encoding", None)
        info = parse_page(response.body, response.url, check.now, encoding=encoding, keep_root=self.scanning)
        newest_first = sorted(info.candidates, key=lambda c: c.at, reverse=True)[:MAX_PAGE_CANDIDATES]
        own_date = None
        if not info.candidates and not info.first_post:
            # No post to follow: what the page says of itself (metadata, byline, htmldate).
            found = post_date(response.body, response.url, check.now, encoding=encoding)
            # The winner first, so the cap never drops it.
            ranked = sorted(found.candidates, key=lambda c: not c.accepted)[:MAX_PAGE_CANDIDATES]
            own_date = [c.to_json() for c in ranked]
        home = {
            "feeds": info.feeds,
            "wp_api": info.wp_api,
            "page_best": candidate_to_json(self.newest(info.candidates, check.now)),
            "page_cands": [candidate_to_json(c) for c in newest_first],
            "first_post": info.first_post,
            "own_date": own_date,
        }
        if self.scanning:
            # Kept with the validators: a 304 next time means the same page, the same findings.
            scan = compromise.scan_page(response.body, response.url, encoding, root=info.root)
            home["compromise"] = [f.to_json() for f in scan.findings]
            home["sha256"] = scan.sha256
        info.root = None
        check.remember(response, home)
        return home

    async def _look_for_cloaking(self, check: Check, home_url: str, home: dict[str, Any]) -> None:
        """Fetch the home page as Googlebot (when its robots.txt lets Googlebot in) and compare.

        Spam served only to search engines is invisible to the office that runs the site:
        this is the one extra request the scan makes, once a day per site.
        """
        try:
            if not await self._crawler_allowed(check, home_url):
                check.cloak_checked = True
                return
            seen = await check.fetch(home_url, headers={"User-Agent": CRAWLER_UA}, robots=False)
        except CheckFailed:
            return  # tried again at the next check
        check.cloak_checked = True
        if seen.status >= 400 or not hasattr(seen, "text"):
            check.scan_scopes = [*(check.scan_scopes or []), "cloak"]
            return
        normal = compromise.HomeScan(
            home.get("sha256") or "", [compromise.Finding.from_json(f) for f in home.get("compromise") or []]
        )
        crawler = compromise.scan_page(seen.body, seen.url, getattr(seen, "encoding", None))
        found = compromise.compare_cloaked(normal, crawler, seen.url, home_url)
        check.scan_scopes = [*(check.scan_scopes or []), "cloak"]
        if found:
            check.findings.append(found.to_json())

    async def _crawler_allowed(self, check: Check, home_url: str) -> bool:
        """What the site's robots.txt says of Googlebot reading the home page: read this week
        (kept in the database), else read now (or reused from this check's sitemap lookup)."""
        account = check.account
        read_at = account.get("cloak_robots_at")
        if read_at and account.get("cloak_allowed") is not None and check.robots_txt is None:
            try:
                if check.now - datetime.fromisoformat(read_at) < ROBOTS_EVERY:
                    return bool(account["cloak_allowed"])
            except ValueError:
                pass
        cache = robots_cache(self.crawler)
        if check.robots_txt is None and cache is not None:
            # The copy the robots.txt middleware keeps for the day: no second fetch of it.
            allowed = await cache.allows(home_url, CRAWLER_NAME)
            if allowed is not None:
                check.cloak_allowed = allowed
                return allowed
        robots = check.robots_txt
        if robots is None:
            got = await check.fetch(_origin(home_url) + "/robots.txt", robots=False)
            robots = got.body if got.status == 200 else b""
        check.cloak_allowed = not robots or ProtegoRobotParser(robots, self).allowed(home_url, CRAWLER_NAME)
        return check.cloak_allowed

    def _activity(self, cand: Candidate) -> bool:
        """Spam pages planted on a site are not the institution's activity."""
        return not (self.scanning and compromise.is_spam_entry(cand.url, cand.title))

    @staticmethod
    def _not_rescanned(check: Check, scope: str) -> None:
        """A source of this scope answered 304 (not read again): what was found in it earlier
        must not be resolved by another source of the same scope that was read."""
        if check.scan_scopes is not None:
            check.scan_scopes = [s for s in check.scan_scopes if s != scope] + ["!" + scope]

    def _scan_entries(self, check: Check, found: compromise.Finding | None, scope: str) -> None:
        if not self.scanning or check.scan_scopes is None:
            return
        if scope not in check.scan_scopes and "!" + scope not in check.scan_scopes:
            check.scan_scopes.append(scope)
        if found and not any(f["place"] == found.place and f["url"] == found.url for f in check.findings):
            check.findings.append(found.to_json())

    async def _try_feed(self, check: Check, url: str, errors: list[str], quiet: bool = False) -> Candidate | None:
        try:
            response = await check.fetch(url, conditional=True)
            if quiet and response.status >= 400:
                return None
            return await self._read_feed(check, response, errors, raising=True)
        except CheckFailed as exc:
            if not quiet:
                errors.append(str(exc))
            return None

    async def _read_feed(
        self, check: Check, response: Response, errors: list[str], raising: bool = False
    ) -> Candidate | None:
        """The feed's newest entry (scanning its items when it was read anew)."""
        entries: list[Candidate] = []
        try:
            best = await read_feed(self, check, response, entries=entries, keep=self._activity)
        except CheckFailed as exc:
            if raising:
                raise
            errors.append(str(exc))
            return None
        if response.status == 200:
            self._scan_entries(
                check,
                compromise.scan_entries(((c.url, c.title) for c in entries), response.url, response.body),
                "feed",
            )
        elif response.status == 304:
            self._not_rescanned(check, "feed")
        return best

    async def _fetch_source(
        self, check: Check, url: str, errors: list[str]
    ) -> tuple[Response | None, Candidate | None, int | None]:
        """Fetch a fallback source: (response, None, None) to parse, or (None, what the last
        parse found, None) on a 304, or (None, None, its HTTP status) when the source is missing,
        (None, None, None) when the fetch failed."""
        try:
            response = await check.fetch(url, conditional=True)
        except CheckFailed as exc:
            errors.append(str(exc))
            return None, None, None
        if response.status == 304:
            return None, candidate_from_json(check.cached(response)), None
        if response.status >= 400:
            return None, None, response.status
        return response, None, None

    async def _try_wp(self, check: Check, api_root: str, errors: list[str]) -> tuple[Candidate | None, str, bool]:
        """(the newest post, the query's address, whether the API is switched off)."""
        url = urljoin(
            api_root if api_root.endswith("/") else api_root + "/",
            "wp/v2/posts?per_page=3&_fields=date,date_gmt,link,title",
        )
        response, cached, missing = await self._fetch_source(check, url, errors)
        if response is None:
            # Many sites switch the REST API off (401/403/404): not an error of the site.
            return cached, url, missing is not None and missing < 500
        return self._parse_wp(check, response, errors), url, False

    def _parse_wp(self, check: Check, response: Response, errors: list[str]) -> Candidate | None:
        cands, err = parse_wp_posts(response.body, response.url, check.now)
        if err:
            errors.append(f"WordPress API {response.url}: {err}")
            return None
        best = check.consider(cands, "WordPress REST API post")
        check.remember(response, candidate_to_json(best))
        return best

    async def _try_sitemaps(
        self, check: Check, home_url: str, errors: list[str], worked: str | None = None
    ) -> tuple[Candidate | None, str | None]:
        """(the newest post, the sitemap it came from): the sitemaps robots.txt names, else
        /sitemap.xml; the one that worked last time first."""
        origin = _origin(home_url)
        sitemaps: list[str] = []
        cache = robots_cache(self.crawler)
        if cache is not None:
            # The same parse that decided permission (Protego keeps the Sitemap: lines): no
            # second fetch of robots.txt.
            _read, sitemaps = await cache.sitemaps_for(home_url)
        else:  # robots.txt not obeyed: read it here for its sitemaps only
            try:
                robots = await check.fetch(origin + "/robots.txt", robots=False)
                check.robots_txt = robots.body if robots.status == 200 else b""
                if robots.status == 200:
                    sitemaps = sitemaps_from_robots(robots.body, origin)
            except CheckFailed:
                pass
        if not sitemaps:
            sitemaps = [origin + "/sitemap.xml"]
        if worked in sitemaps:
            sitemaps.remove(worked)
            sitemaps.insert(0, worked)
        for url in sitemaps[:2]:
            got = await self._read_sitemap(check, url, errors, depth=0)
            if got:
                return got, url
        return None, None

    async def _read_sitemap(
        self, check: Check, url: str, errors: list[str], depth: int, response: Response | None = None
    ) -> Candidate | None:
        """A sitemap's newest post; ``response``: the sitemap already fetched (a recheck)."""
        if response is None:
            response, cached, _missing = await self._fetch_source(check, url, errors)
            if response is None:
                return cached
        if len(response.body) > BIG_SITEMAP:
            cands, children, err = await asyncio.to_thread(parse_sitemap, response.body, url, check.now)
        else:
            cands, children, err = parse_sitemap(response.body, url, check.now)
        if err:
            errors.append(f"sitemap {url}: {err}")
            return None
        if not children:
            self._scan_entries(check, compromise.scan_sitemap(response.body, response.url), "sitemap")
        best = check.consider([c for c in cands if self._activity(c)], f"sitemap {url}")
        if best is None and children and depth == 0:
            # An index: its newest child sitemap holds the newest posts.
            best = await self._read_sitemap(check, children[0], errors, depth=1)
            # An unchanged index says nothing of its children: never answer it from cache.
            return best
        if best is None and not children:
            # No <lastmod> at all: the address that looks newest, dated on its own page.
            newest = newest_undated_post(response.body, url)
            if newest:
                best = await self._confirm(check, newest, None)
        check.remember(response, candidate_to_json(best))
        return best


def _home_url(account: dict[str, Any]) -> str:
    return account["url"] if account["url"].count("/") > 2 else account["url"] + "/"


def _when(text: Any) -> datetime | None:
    try:
        at = datetime.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


@dataclass
class _Facts:
    """What a discovery learns of a site (stored as ``accounts.site``, storage/sites.py)."""

    home: str
    feed_given: str | None
    discovered_at: str
    source: str | None = None
    source_url: str | None = None
    winner: dict[str, Any] | None = None
    feed_url: str | None = None
    no_feed: bool = False
    wp_api_off: bool = False
    sitemap_url: str | None = None
    no_sitemap: bool = False

    @classmethod
    def start(cls, check: Check, known: dict[str, Any] | None) -> _Facts:
        """A new discovery, or one sparing the probes a discovery under a week old answered
        (it keeps that discovery's date: the site is looked at whole again when it is a week old)."""
        facts = cls(check.account["url"], check.account.get("feed_url"), check.now.isoformat(timespec="seconds"))
        if known is not None:
            facts.discovered_at = str(known["discovered_at"])
            facts.no_feed = bool(known.get("no_feed"))
            facts.wp_api_off = bool(known.get("wp_api_off"))
            facts.sitemap_url = known.get("sitemap_url")
            facts.no_sitemap = bool(known.get("no_sitemap"))
        return facts

    def json(self) -> dict[str, Any]:
        return asdict(self)


def _cached_post(account: dict[str, Any]) -> dict[str, Any] | None:
    raw = account.get("confirmed_post")
    try:
        value = json.loads(raw) if raw else None
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) and value.get("url") else None


def _cloak_due(account: dict[str, Any], now: datetime) -> bool:
    """At most once a day per site (``accounts.cloak_checked_at``, kept by the pipeline).

    A site never fetched as Googlebot counts as fetched at a moment of the day before its
    registration fixed by its id, so a national import spreads these fetches over its first
    day instead of adding one to every check of the first pass.
    """
    last = account.get("cloak_checked_at")
    try:
        if last:
            return now - datetime.fromisoformat(last) >= CLOAK_EVERY
        registered = datetime.fromisoformat(account.get("created_at") or "")
    except (TypeError, ValueError):
        return True
    if registered.tzinfo is None:
        registered = registered.replace(tzinfo=now.tzinfo)
    share = (int(account.get("id") or 0) * 0.6180339887) % 1.0
    return now - (registered - share * CLOAK_EVERY) >= CLOAK_EVERY
