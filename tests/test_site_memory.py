"""A recheck asks the source that answered last time; the whole site is looked at again only
when that source fails, a week on, on the day's compromise scan, for a compromised site, and
when the account's age crosses a policy threshold (issue 13). Real loopback sites, real crawls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pantau.monitor.demo.server import Route
from pantau.storage.sites import read_site
from tests.conftest import SITES, days_since, render

WORDPRESS = {
    "/": "kominfo_wp_home.html",
    "/feed/": "kominfo_wp_feed.rss.xml",
    "/comments/feed/": "kominfo_wp_comments.rss.xml",
}
PORTAL = {"/": "portal_oki_home.html"}
PORTAL_SITEMAP = {
    "/": "bkpsdm_home.html",
    "/robots.txt": "bkpsdm_robots.txt",
    "/sitemap-berita.xml": "bkpsdm_sitemap_berita.xml",
}
# A listing whose newest post says "2 jam yang lalu"; the post's own page says 200 days ago.
RELATIVE = {"/": "listing_relative_home.html", "/berita/90/pasar-murah-kecamatan-sekayu": "post_pasar_murah.html"}


def fixture(name: str, base: str) -> str:
    return render((SITES / name).read_text(encoding="utf-8"), base)


def checked_once(sites, watch, routes: dict, **config: dict) -> tuple:
    """A site served on loopback, registered as a website and checked once: (site, watch, id)."""
    site = sites.serve(routes)
    w = watch(**config)
    account_id = w.add(site.url)
    w.check()
    return site, w, account_id


def last_seen(w, account_id: int, *, activity: str, checked: str) -> None:
    """Set when the account's newest post appeared and when it was last checked."""
    w.db.execute(
        "update accounts set last_activity_at = ?, last_checked_at = ? where id = ?", [activity, checked, account_id]
    )


def memory(w, account_id: int) -> dict:
    facts = read_site(w.account(account_id))
    assert facts is not None, "nothing was remembered"
    return facts


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat(timespec="seconds")


def test_it_remembers_the_feed_that_answered_and_its_post(sites, watch):
    site = sites.serve(WORDPRESS)
    w = watch()
    account_id = w.add(site.url)

    w.check()

    # It should keep the feed as the site's source, with the post it gave
    facts = memory(w, account_id)
    assert (facts["source"], facts["source_url"], facts["feed_url"]) == (
        "feed",
        f"{site.url}/feed/",
        f"{site.url}/feed/",
    )
    assert facts["winner"]["url"] == w.account(account_id)["last_activity_url"]
    assert facts["no_feed"] is False


def test_a_new_post_in_the_remembered_feed_is_read_with_one_request(sites, watch):
    site, w, account_id = checked_once(sites, watch, WORDPRESS)
    feed = site.routes["/feed/"]
    newer = (
        feed.data()
        .decode()
        .replace(
            "<item>",
            "<item><title>Rapat Evaluasi SPBE</title><link>"
            f"{site.url}/2026/rapat-evaluasi-spbe/</link><pubDate>"
            f"{datetime.now(UTC).strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item><item>",
            1,
        )
    )
    site.routes["/feed/"] = Route(newer, content_type=feed.content_type)
    site.hits.clear()

    w.check()

    # It should read the changed feed alone and take its new post
    assert site.hits == ["/feed/"]
    account = w.account(account_id)
    assert account["last_activity_url"] == f"{site.url}/2026/rapat-evaluasi-spbe/"
    assert days_since(account["last_activity_at"]) == 0
    assert memory(w, account_id)["winner"]["url"] == f"{site.url}/2026/rapat-evaluasi-spbe/"


def test_a_portal_without_a_feed_is_rechecked_with_its_home_page_alone(sites, watch):
    site, w, account_id = checked_once(sites, watch, PORTAL)
    first = w.account(account_id)
    assert memory(w, account_id)["no_feed"] is True
    site.hits.clear()

    w.check()

    # It should ask the home page once (a 304) and not probe /feed, /rss, /atom.xml or sitemaps again
    assert site.hits == ["/"]
    obs = w.last(account_id)
    assert (obs["outcome"], obs["requests"]) == ("not_modified", 1)
    assert w.account(account_id)["last_activity_at"] == first["last_activity_at"]
    assert w.account(account_id)["evidence"] == "page-date"


def test_an_unchanged_listing_keeps_the_date_read_on_the_posts_own_page(sites, watch):
    # Issue 8: a listing's date is evidence only once confirmed on the post's page. A 304 of
    # the listing must keep that confirmed date, not the listing's "2 jam yang lalu".
    site, w, account_id = checked_once(sites, watch, RELATIVE)
    assert days_since(w.account(account_id)["last_activity_at"]) == 200
    site.hits.clear()

    w.check()
    w.evaluate()

    # It should ask the home page alone (304) and still judge the site by the post's own page
    assert site.hits == ["/"]
    account = w.account(account_id)
    assert days_since(account["last_activity_at"]) == 200
    assert account["last_activity_url"] == f"{site.url}/berita/90/pasar-murah-kecamatan-sekayu"
    assert account["status"] == "close_recommended"


def test_a_portal_with_a_sitemap_is_rechecked_with_the_sitemap_alone(sites, watch):
    site, w, account_id = checked_once(sites, watch, PORTAL_SITEMAP, crawler={"obey_robots": True})
    assert memory(w, account_id)["source"] == "sitemap"
    site.hits.clear()

    w.check()

    # It should ask the sitemap that answered, conditionally, and nothing else (robots.txt is cached)
    assert site.hits == ["/sitemap-berita.xml"]
    assert w.last(account_id)["outcome"] == "not_modified"
    assert w.account(account_id)["evidence"] == "sitemap"


def test_it_discovers_again_when_the_remembered_feed_fails(sites, watch):
    site, w, account_id = checked_once(sites, watch, {**WORDPRESS, "/index.php/feed/": "kominfo_wp_feed.rss.xml"})
    # The site moves its feed: the old address answers 404, the home page names the new one.
    site.routes["/feed/"] = Route("<h1>404</h1>", status=404)
    home = site.routes["/"]
    site.routes["/"] = Route(home.data().decode().replace(f"{site.url}/feed/", f"{site.url}/index.php/feed/"))
    site.hits.clear()

    w.check()

    # It should fall back to the home page, find the new feed there and remember it
    assert site.hits[:2] == ["/feed/", "/"]
    assert "/index.php/feed/" in site.hits
    assert w.account(account_id)["evidence"] == "feed"
    assert w.last(account_id)["outcome"] == "ok"
    assert memory(w, account_id)["source_url"] == f"{site.url}/index.php/feed/"


def test_a_week_on_the_whole_site_is_looked_at_again(sites, watch):
    site, w, account_id = checked_once(sites, watch, WORDPRESS)
    w.db.execute("update accounts set site = json_set(site, '$.discovered_at', ?)", [ago(days=7, minutes=1)])
    site.hits.clear()

    w.check()

    # It should start from the home page again and date the discovery now
    assert site.hits[0] == "/" and "/feed/" in site.hits
    assert datetime.now(UTC) - datetime.fromisoformat(memory(w, account_id)["discovered_at"]) < timedelta(minutes=5)


def test_a_portal_that_gets_a_feed_is_read_from_it_after_the_weeks_discovery(sites, watch):
    site, w, account_id = checked_once(sites, watch, {**PORTAL, "/rss": Route("<h1>404</h1>", status=404)})
    assert memory(w, account_id)["no_feed"] is True
    # The portal gets a feed and announces it on its home page.
    home = site.routes["/"]
    site.routes["/"] = Route(
        home.data()
        .decode()
        .replace("</head>", f'<link rel="alternate" type="application/rss+xml" href="{site.url}/rss"></head>', 1)
    )
    site.routes["/rss"] = Route(fixture("kominfo_wp_feed.rss.xml", site.url), content_type="application/rss+xml")
    w.db.execute("update accounts set site = json_set(site, '$.discovered_at', ?)", [ago(days=8)])

    w.check()

    # It should read the home page again, find the new feed and remember it
    assert w.account(account_id)["evidence"] == "feed"
    assert memory(w, account_id)["feed_url"] == f"{site.url}/rss"


def test_a_switched_off_wordpress_api_is_not_asked_again_within_the_week(sites, watch):
    # A WordPress site with no feed and its REST API answering 401; its home page changes on
    # every request (no 304), so each check reads it again.
    site = sites.serve(
        {
            "/": "bapenda_wp_home.html",
            "/wp-json/wp/v2/posts": Route('{"code":"rest_disabled"}', status=401, content_type="application/json"),
        }
    )
    w = watch()
    account_id = w.add(site.url)
    w.check()
    assert memory(w, account_id)["wp_api_off"] is True
    site.routes["/"] = Route(site.routes["/"].data().decode().replace("</body>", "<!-- 2 --></body>"))
    site.hits.clear()

    w.check()

    # It should remember the API is off and not ask it on the next check
    assert "/" in site.hits
    assert not any(h.startswith("/wp-json") for h in site.hits)


def test_a_feed_named_anew_in_the_registry_is_read_at_once(sites, watch):
    site, w, account_id = checked_once(sites, watch, {**WORDPRESS, "/berita.xml": "kominfo_wp_feed.rss.xml"})
    w.add(site.url, feed_url=f"{site.url}/berita.xml")  # the office gives pantau its feed
    site.hits.clear()

    w.check()

    # It should read the feed the registry names, not the one it remembered
    assert "/berita.xml" in site.hits
    assert memory(w, account_id)["source_url"] == f"{site.url}/berita.xml"


def test_when_the_age_crosses_a_threshold_every_source_is_asked(sites, watch):
    # The feed's newest post was 13 days old at the last check and is 15 days old now: the
    # account would turn `warning` on the one remembered source's word. It must not.
    site, w, account_id = checked_once(sites, watch, WORDPRESS)
    last_seen(w, account_id, activity=ago(days=15), checked=ago(days=2))
    site.hits.clear()

    w.check()

    # It should look at the whole site (home page first) before the status changes
    assert site.hits[0] == "/" and "/feed/" in site.hits


def test_a_portal_whose_age_crosses_a_threshold_is_probed_for_sources_again(sites, watch):
    site, w, account_id = checked_once(sites, watch, PORTAL)
    # Its newest post was 29 days old at the last check and is 31 days old now (dormant at 30).
    last_seen(w, account_id, activity=ago(days=31), checked=ago(days=2))
    site.hits.clear()

    w.check()

    # It should probe for a feed and a sitemap again, though it remembers there were none
    assert site.hits[0] == "/"
    assert {"/feed", "/rss", "/atom.xml", "/sitemap.xml"} <= set(site.hits)


def test_a_recheck_without_a_crossing_stays_on_the_remembered_source(sites, watch):
    site, w, account_id = checked_once(sites, watch, WORDPRESS)
    # Dormant for months and already judged so at the last check: no threshold in between.
    last_seen(w, account_id, activity=ago(days=50), checked=ago(hours=6))
    site.hits.clear()

    w.check()

    # It should ask the remembered feed alone
    assert site.hits == ["/feed/"]


def test_the_days_compromise_scan_reads_the_home_page_and_looks_as_googlebot(sites, watch):
    site, w, account_id = checked_once(sites, watch, WORDPRESS)
    w.db.execute("update accounts set cloak_checked_at = ? where id = ?", [ago(hours=25), account_id])
    site.hits.clear()

    w.check()

    # It should read the home page (the scan; unchanged, so no new post and no need to ask the
    # feed) and fetch it as Googlebot once, then go back to the feed alone
    assert site.hits == ["/", "/robots.txt", "/"]
    assert w.account(account_id)["cloak_checked_at"] is not None
    site.hits.clear()
    w.check()
    assert site.hits == ["/feed/"]


def test_a_site_with_an_open_finding_is_looked_at_whole_every_check(sites, watch):
    site, w, account_id = checked_once(sites, watch, WORDPRESS)
    stamp = ago(hours=1)
    w.db["findings"].insert(
        {
            "account_id": account_id,
            "kind": "gambling_injection",
            "place": "home",
            "scope": "home",
            "url": site.url + "/",
            "excerpt": "slot gacor",
            "sha256": "0" * 64,
            "detected_at": stamp,
            "last_seen_at": stamp,
        }
    )
    site.hits.clear()

    w.check()

    # It should read the home page, where the finding is, not only the feed
    assert site.hits[0] == "/"


def test_the_runner_shares_slots_by_what_rechecks_will_cost(sites, watch):
    from pantau.crawler.runner import expected_requests
    from pantau.spiders.feed import FeedSpider
    from pantau.spiders.website import WebsiteSpider
    from pantau.storage.accounts import select_accounts

    site = sites.serve(WORDPRESS)
    other = sites.serve(WORDPRESS)
    w = watch(crawler={"obey_robots": True})
    w.add(site.url)
    w.add(other.url + "/feed/", platform="feed")

    def weights() -> dict:
        accounts = select_accounts(w.db)
        groups = {
            WebsiteSpider: [a for a in accounts if a["platform"] == "website"],
            FeedSpider: [a for a in accounts if a["platform"] == "feed"],
        }
        return expected_requests(w.cfg, groups)

    before = weights()
    w.check()
    after = weights()

    # It should expect a new site's discovery and a robots.txt for each origin first, then one request each
    assert before == {WebsiteSpider: 4.0, FeedSpider: 2.0}
    assert after == {WebsiteSpider: 1.0, FeedSpider: 1.0}


def test_the_days_googlebot_fetch_reads_robots_txt_from_the_cached_copy(sites, watch):
    site, w, account_id = checked_once(
        sites,
        watch,
        {**WORDPRESS, "/robots.txt": Route("User-agent: *\nDisallow: /wp-admin/\n")},
        crawler={"obey_robots": True},
    )
    w.db.execute("update accounts set cloak_checked_at = ? where id = ?", [ago(hours=25), account_id])
    site.hits.clear()

    w.check()

    # It should ask robots.txt no second time (the copy of the day says Googlebot may read "/")
    assert site.hits == ["/", "/"]
    assert w.account(account_id)["cloak_allowed"] == 1


def test_a_remembered_feed_that_times_out_is_answered_by_the_home_page(sites, watch):
    # The feed's generation got slow (past timeout_s); the home page still answers and lists
    # dated posts. The account is not an error of the site.
    site, w, account_id = checked_once(sites, watch, WORDPRESS, crawler={"timeout_s": 1})
    feed = site.routes["/feed/"]
    site.routes["/feed/"] = Route(feed.data(), content_type=feed.content_type, delay=3)
    site.hits.clear()

    w.check()

    # It should try the feed, then read the home page, and record an ok check with activity
    assert site.hits[:2] == ["/feed/", "/"]
    obs = w.last(account_id)
    assert obs["outcome"] in ("ok", "not_modified")
    assert obs["activity_at"] is not None
    assert w.account(account_id)["last_activity_at"] is not None


def test_a_site_that_refuses_connections_is_not_asked_twice(sites, watch):
    site, w, account_id = checked_once(sites, watch, WORDPRESS)
    site.stop()

    w.check()

    # It should record the refused connection once, as the check's answer
    obs = w.last(account_id)
    assert obs["outcome"] == "error" and "refused" in obs["error"]
    assert obs["requests"] == 1
