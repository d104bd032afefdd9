"""robots.txt is read once a day per host, for permission and sitemaps alike (RFC 9309 §2.4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pantau.monitor.demo.server import Route

PORTAL = {
    "/": "bkpsdm_home.html",
    "/robots.txt": "bkpsdm_robots.txt",
    "/sitemap-berita.xml": "bkpsdm_sitemap_berita.xml",
}


def age_robots(w, hours: float) -> None:
    """Move every stored robots.txt back in time (the checks read the real clock)."""
    at = (datetime.now(UTC) - timedelta(hours=hours)).isoformat(timespec="seconds")
    w.db.execute("update robots_txt set fetched_at = ?", [at])


def test_a_portal_reads_its_robots_txt_once_for_permission_and_sitemaps(sites, watch):
    site = sites.serve(PORTAL)
    w = watch(crawler={"obey_robots": True})
    account_id = w.add(site.url)

    w.check()

    # It should find the sitemap robots.txt names from the same fetch that allowed the check
    assert w.account(account_id)["evidence"] == "sitemap"
    assert site.hits.count("/robots.txt") == 1


def test_every_check_of_a_host_within_a_day_shares_one_robots_txt(sites, watch):
    site = sites.serve({**PORTAL, "/feed/": "kominfo_wp_feed.rss.xml"})
    w = watch(crawler={"obey_robots": True})
    w.add(site.url)
    w.add(site.url + "/feed/", platform="feed")  # another account, another crawl, same host

    w.check()
    w.check()
    age_robots(w, 23)
    w.check()

    # It should have asked the host for robots.txt once in three passes of two accounts
    assert site.hits.count("/robots.txt") == 1


def test_it_asks_for_robots_txt_again_after_24_hours_and_a_304_renews_it(sites, watch):
    site = sites.serve(PORTAL)
    w = watch(crawler={"obey_robots": True})
    w.add(site.url)
    w.check()

    age_robots(w, 25)
    before = site.not_modified
    w.check()

    # It should ask again, conditionally (the file did not change: 304), and keep it a day more
    assert site.hits.count("/robots.txt") == 2
    assert site.not_modified > before
    fetched = w.db.execute("select fetched_at from robots_txt").fetchone()[0]
    assert datetime.now(UTC) - datetime.fromisoformat(fetched) < timedelta(minutes=5)


def test_a_cached_disallow_still_blocks_without_asking_again(sites, watch):
    site = sites.serve(
        {"/": "portal_oki_home.html", "/robots.txt": Route("User-agent: *\nDisallow: /\n", content_type="text/plain")}
    )
    w = watch(crawler={"obey_robots": True})
    account_id = w.add(site.url)
    w.check()

    w.check()

    # It should still refuse to read the site, from the stored robots.txt
    assert w.last(account_id)["outcome"] == "blocked"
    assert site.hits == ["/robots.txt"]


def test_a_server_error_for_robots_txt_is_not_kept(sites, watch):
    site = sites.serve({**PORTAL, "/robots.txt": Route("oops", status=503, content_type="text/plain")})
    w = watch(crawler={"obey_robots": True})
    w.add(site.url)
    w.check()

    w.check()

    # It should ask again on the next check: a 5xx says nothing of the site's rules
    assert w.db.execute("select count(*) from robots_txt").fetchone()[0] == 0
    assert site.hits.count("/robots.txt") >= 2


def test_requests_waiting_together_for_robots_txt_all_obey_it(sites, watch):
    # Several accounts of one host start at once; all wait for the same robots.txt download.
    site = sites.serve(
        {
            "/": "portal_oki_home.html",
            "/robots.txt": Route("User-agent: *\nDisallow: /\n", content_type="text/plain", delay=0.3),
        }
    )
    w = watch(crawler={"obey_robots": True})
    ids = [w.add(f"{site.url}/?opd={k}") for k in range(4)]

    w.check()

    # It should block every one of them, not only the first to get the answer
    assert [w.last(i)["outcome"] for i in ids] == ["blocked"] * 4
    assert site.hits == ["/robots.txt"]
