"""Checking websites end to end: real loopback sites, real crawls, results read from the database."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from email.utils import format_datetime

from pantau.crawler.middlewares import is_private_address
from pantau.monitor.demo.server import Route, free_port
from pantau.storage.timefmt import from_iso
from tests.conftest import days_since

# A WordPress site announces its posts feed and its comments feed on every page.
WORDPRESS = {
    "/": "kominfo_wp_home.html",
    "/feed/": "kominfo_wp_feed.rss.xml",
    "/comments/feed/": "kominfo_wp_comments.rss.xml",
}


def test_it_reads_the_feed_a_wordpress_site_announces(sites, watch):
    site = sites.serve(WORDPRESS)
    w = watch()
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should keep the newest feed entry, with its link and title, as the proof
    assert account["evidence"] == "feed"
    assert (
        account["last_activity_url"]
        == f"{site.url}/2024/11/kominfo-muba-gelar-sosialisasi-keamanan-informasi-untuk-opd/"
    )
    assert account["last_activity_title"] == "Kominfo Muba Gelar Sosialisasi Keamanan Informasi untuk OPD"
    assert days_since(account["last_activity_at"]) == 1
    assert w.last(account_id)["outcome"] == "ok"
    assert "/feed/" in site.hits


def test_a_comments_feed_is_not_the_institutions_activity(sites, watch):
    # The newest comment is a citizen's question from today; abandoned WordPress sites also
    # collect spam comments every day. Neither is the institution running its site.
    site = sites.serve(WORDPRESS)
    w = watch()
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should take the newest post, not the newest comment
    assert "#comment-" not in account["last_activity_url"]
    assert days_since(account["last_activity_at"]) == 1


def test_an_active_site_is_active_after_the_status_pass(sites, watch):
    site = sites.serve(WORDPRESS)
    w = watch()
    account_id = w.add(site.url)
    w.check()

    w.evaluate()

    # It should derive `active` from the recorded feed entry
    assert w.account(account_id)["status"] == "active"
    assert w.account(account_id)["status_reason"] == "last activity 1 day ago (feed)"


def test_it_finds_a_feed_at_a_common_path_when_none_is_announced(sites, watch):
    site = sites.serve({"/": "dinas_pendidikan_home.html", "/feed": "kominfo_wp_feed.rss.xml"})
    w = watch()
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should try /feed and use what it finds there
    assert account["evidence"] == "feed"
    assert days_since(account["last_activity_at"]) == 1
    assert "/feed" in site.hits


def test_it_reads_the_wordpress_rest_api_when_the_theme_hides_the_feed(sites, watch):
    site = sites.serve({"/": "bapenda_wp_home.html", "/wp-json/wp/v2/posts": "bapenda_wp_posts.json"})
    w = watch()
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should take the newest post from /wp-json/wp/v2/posts
    assert account["evidence"] == "wp-api"
    assert account["last_activity_url"] == f"{site.url}/2024/11/batas-akhir-pembayaran-pbb-p2-tahun-2024/"
    assert account["last_activity_title"] == "Batas Akhir Pembayaran PBB-P2 Tahun 2024 Diperpanjang"
    assert days_since(account["last_activity_at"]) == 3


def test_it_reads_the_sitemap_named_in_robots_txt(sites, watch):
    site = sites.serve(
        {
            "/": "bkpsdm_home.html",
            "/robots.txt": "bkpsdm_robots.txt",
            "/sitemap-berita.xml": "bkpsdm_sitemap_berita.xml",
        }
    )
    w = watch(crawler={"obey_robots": True})
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should follow the robots.txt Sitemap line and take the newest <lastmod>
    assert account["evidence"] == "sitemap"
    assert account["last_activity_url"] == f"{site.url}/berita/2024/11/pengumuman-hasil-seleksi-pppk-tahap-ii"
    assert days_since(account["last_activity_at"]) == 2
    assert "/sitemap.xml" not in site.hits


def test_it_reads_sitemap_xml_when_robots_txt_names_none(sites, watch):
    site = sites.serve({"/": "bkpsdm_home.html", "/sitemap.xml": "bkpsdm_sitemap_berita.xml"})
    w = watch()
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should look at /sitemap.xml
    assert account["evidence"] == "sitemap"
    assert days_since(account["last_activity_at"]) == 2


def test_it_follows_a_sitemap_index_to_the_newest_child(sites, watch):
    site = sites.serve(
        {
            "/": "bkpsdm_home.html",
            "/robots.txt": Route(
                "User-agent: *\nDisallow: /wp-admin/\n\nSitemap: {{base}}/sitemap_index.xml\n",
                content_type="text/plain",
            ),
            "/sitemap_index.xml": "sitemap_index.xml",
            "/post-sitemap.xml": "post_sitemap.xml",
            "/page-sitemap.xml": "page_sitemap.xml",
        }
    )
    w = watch(crawler={"obey_robots": True})
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should read the child sitemap the index says changed last
    assert account["evidence"] == "sitemap"
    assert account["last_activity_url"] == f"{site.url}/2024/11/imunisasi-polio-serentak-di-kayuagung/"
    assert days_since(account["last_activity_at"]) == 5


def test_it_takes_the_newest_dated_article_on_a_regency_portal(sites, watch):
    site = sites.serve({"/": "portal_oki_home.html"})
    w = watch()
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should tie the Indonesian date to its article link and keep the newest
    assert account["evidence"] == "page-date"
    assert account["last_activity_url"] == f"{site.url}/berita/2291-bupati-oki-tinjau-perbaikan-jalan-poros-kayuagung"
    assert account["last_activity_title"] == "Bupati OKI Tinjau Perbaikan Jalan Poros Kayuagung"
    assert days_since(account["last_activity_at"]) == 2


def test_a_future_agenda_date_is_not_activity(sites, watch):
    # The portal's agenda lists tomorrow's coordination meeting next to a real article link.
    site = sites.serve({"/": "portal_oki_home.html"})
    w = watch()
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should never take what will happen as what has happened
    assert "/agenda/" not in account["last_activity_url"]
    assert from_iso(account["last_activity_at"]) < datetime.now(UTC)


def test_todays_date_in_the_header_is_not_activity(sites, watch):
    site = sites.serve({"/": "portal_header_date_only.html"})
    w = watch()
    account_id = w.add(site.url)

    w.check()
    w.evaluate()
    account = w.account(account_id)

    # It should record a successful read without activity, and say no dated post was found
    assert w.last(account_id)["outcome"] == "ok"
    assert account["last_activity_at"] is None
    assert account["status"] == "unknown"
    assert "no dated post" in account["status_reason"]


def test_a_copyright_year_is_not_activity(sites, watch):
    site = sites.serve({"/": "bkpsdm_home.html"})
    w = watch()
    account_id = w.add(site.url)

    w.check()
    w.evaluate()
    account = w.account(account_id)

    # It should not read "© 2019 - <this year>" as a post
    assert account["last_activity_at"] is None
    assert account["status"] == "unknown"


def test_a_site_that_does_not_answer_in_time_is_an_error(sites, watch):
    site = sites.serve({"/": Route("<h1>Lambat</h1>", delay=3)})
    w = watch(crawler={"timeout_s": 2})
    account_id = w.add(site.url)

    w.check()

    # It should give up after timeout_s and say so
    obs = w.last(account_id)
    assert obs["outcome"] == "error"
    assert obs["error"] == f"timed out reading {site.url}/"


def test_a_site_answering_500_is_an_error(sites, watch):
    site = sites.serve({"/": Route("<h1>500 Internal Server Error</h1>", status=500)})
    w = watch()
    account_id = w.add(site.url)

    w.check()

    # It should record the HTTP status and say where it came from
    obs = w.last(account_id)
    assert (obs["outcome"], obs["http_status"]) == ("error", 500)
    assert obs["error"] == f"HTTP 500 from {site.url}/"


def test_a_redirect_loop_is_an_error(sites, watch):
    site = sites.serve({"/": Route(redirect="/beranda", status=302), "/beranda": Route(redirect="/", status=302)})
    w = watch()
    account_id = w.add(site.url)

    w.check()

    # It should stop following and name the problem
    obs = w.last(account_id)
    assert obs["outcome"] == "error"
    assert "too many redirects" in obs["error"]


def test_a_body_larger_than_max_bytes_is_an_error(sites, watch):
    site = sites.serve({"/": Route(stream_bytes=3_000_000)})
    w = watch(crawler={"max_bytes": 200_000})
    account_id = w.add(site.url)

    w.check()

    # It should abandon the download at the cap and say how large the cap is
    obs = w.last(account_id)
    assert obs["outcome"] == "error"
    assert obs["error"] == f"response from {site.url}/ is larger than the 200,000 bytes cap"


def test_a_refused_connection_is_an_error(watch):
    url = f"http://127.0.0.1:{free_port()}"
    w = watch()
    account_id = w.add(url)

    w.check()

    # It should say the connection was refused
    obs = w.last(account_id)
    assert obs["outcome"] == "error"
    assert obs["error"] == f"connection refused by {url}/"


def test_a_host_that_does_not_exist_is_an_error(watch):
    # .invalid never resolves (RFC 2606): a typo in the registry, or a domain that lapsed.
    w = watch()
    account_id = w.add("http://situs-lama.mubakab.invalid")

    w.check()

    # It should say the name was not found
    obs = w.last(account_id)
    assert obs["outcome"] == "error"
    assert obs["error"] == "host not found (DNS) for http://situs-lama.mubakab.invalid/"


def test_a_name_under_invalid_is_answered_without_asking_dns():
    from twisted.internet import reactor
    from twisted.internet.error import DNSLookupError

    from pantau.crawler.middlewares import GuardedResolver

    resolver = GuardedResolver(reactor, cache_size=10000, timeout=5)  # Scrapy's DNSCACHE_SIZE
    failures: list = []

    d = resolver.getHostByName("situs-lama.mubakab.INVALID.")
    d.addErrback(failures.append)

    # It should fail at once (RFC 6761 §6.4), before any DNS server could have been asked
    assert d.called
    assert failures and failures[0].check(DNSLookupError)


def test_broken_sites_in_a_run_do_not_stop_the_others(sites, watch):
    good = sites.serve(WORDPRESS)
    slow = sites.serve({"/": Route("<h1>Lambat</h1>", delay=3)})
    broken = sites.serve({"/": Route("<h1>Error</h1>", status=500)})
    loop = sites.serve({"/": Route(redirect="/", status=301)})
    huge = sites.serve({"/": Route(stream_bytes=3_000_000)})
    w = watch(crawler={"timeout_s": 2, "max_bytes": 200_000})
    ids = [w.add(s.url) for s in (good, slow, broken, loop, huge)]
    ids.append(w.add(f"http://127.0.0.1:{free_port()}"))

    summary = w.check()

    # It should record exactly one observation per account and still read the good site
    assert summary.accounts == 6
    assert [len(w.observations(i)) for i in ids] == [1] * 6
    assert [w.last(i)["outcome"] for i in ids] == ["ok"] + ["error"] * 5
    assert all(w.last(i)["error"] for i in ids[1:])
    assert w.account(ids[0])["evidence"] == "feed"


def test_a_second_run_in_the_same_process_works(sites, watch):
    site = sites.serve(WORDPRESS)
    w = watch()
    account_id = w.add(site.url)

    first, second = w.check(), w.check()

    # It should be able to crawl again: the daemon checks many times in one process
    assert (first.accounts, second.accounts) == (1, 1)
    assert len(w.observations(account_id)) == 2


def test_three_failed_checks_make_a_site_unreachable(sites, watch):
    site = sites.serve({"/": Route("<h1>503 Service Unavailable</h1>", status=503)})
    w = watch()
    account_id = w.add(site.url)
    w.check()
    w.check()
    w.evaluate()
    after_two = w.account(account_id)

    w.check()
    w.evaluate()
    after_three = w.account(account_id)

    # It should stay unknown until the third failure, then be unreachable with the latest error
    assert after_two["status"] == "unknown"
    assert after_three["status"] == "unreachable"
    assert after_three["status_reason"] == f"the last 3 checks failed; latest: HTTP 503 from {site.url}/"
    assert after_three["consecutive_failures"] == 3


def test_a_site_whose_robots_txt_forbids_us_is_blocked_and_unknown(sites, watch):
    site = sites.serve(
        {"/": "portal_oki_home.html", "/robots.txt": Route("User-agent: *\nDisallow: /\n", content_type="text/plain")}
    )
    w = watch(crawler={"obey_robots": True})
    account_id = w.add(site.url)

    w.check()
    w.evaluate()
    account = w.account(account_id)

    # It should not read the site, record `blocked`, and explain the unknown status
    obs = w.last(account_id)
    assert obs["outcome"] == "blocked"
    assert "robots.txt" in obs["error"]
    assert account["status"] == "unknown"
    assert "robots.txt" in account["status_reason"]
    assert site.hits == ["/robots.txt"]


def test_a_recheck_of_an_unchanged_site_is_answered_by_304(sites, watch):
    site = sites.serve(WORDPRESS)
    w = watch()
    account_id = w.add(site.url)
    w.check()
    first = w.account(account_id)
    site.hits.clear()

    summary = w.check()
    second = w.account(account_id)

    # It should ask the feed that answered last time, with its validators, get a 304, and
    # keep the activity it found before (the home page is not asked again: issue 13)
    assert site.hits == ["/feed/"]
    assert site.not_modified == 1
    assert summary.not_modified == 1
    obs = w.last(account_id)
    assert (obs["outcome"], obs["not_modified"]) == ("not_modified", 1)
    assert obs["activity_url"] == first["last_activity_url"]
    for key in ("last_activity_at", "last_activity_url", "last_activity_title", "evidence"):
        assert second[key] == first[key]


def test_a_new_post_after_304s_is_read(sites, watch):
    site = sites.serve(WORDPRESS)
    w = watch()
    account_id = w.add(site.url)
    w.check()
    w.check()
    feed = site.routes["/feed/"]
    new_item = (
        f"<item><title>Diskominfo Muba Luncurkan Aplikasi Muba Satu Data</title>"
        f"<link>{site.url}/2024/11/diskominfo-muba-luncurkan-aplikasi-muba-satu-data/</link>"
        f"<pubDate>{format_datetime(datetime.now(UTC))}</pubDate></item>"
    )
    site.routes["/feed/"] = Route(
        feed.data().decode().replace("<item>", new_item + "<item>", 1), content_type=feed.content_type
    )

    w.check()

    # It should parse the changed feed (new ETag) instead of reusing the stored result
    assert w.last(account_id)["outcome"] == "ok"
    account = w.account(account_id)
    assert account["last_activity_title"] == "Diskominfo Muba Luncurkan Aplikasi Muba Satu Data"
    assert days_since(account["last_activity_at"]) == 0


def test_a_loopback_site_is_refused_without_allow_private_addresses(sites, watch):
    site = sites.serve({"/": "kominfo_wp_home.html"})
    w = watch(crawler={"allow_private_addresses": False})
    account_id = w.add(site.url)

    w.check()

    # It should refuse before sending anything, and say which setting allows it
    obs = w.last(account_id)
    assert obs["outcome"] == "blocked"
    assert "allow_private_addresses" in obs["error"]
    assert site.hits == []


def test_a_name_that_resolves_to_a_private_address_is_refused_before_any_request(sites, watch):
    # The machine's own host name resolves to a loopback or private address; a registry row
    # naming it must not make pantau probe the server's own network.
    host = socket.gethostname()
    address = socket.gethostbyname(host)
    assert is_private_address(address), f"{host} resolves to {address}, expected a private address"
    site = sites.serve({"/": "kominfo_wp_home.html"}, host=address)
    w = watch(crawler={"allow_private_addresses": False})
    account_id = w.add(f"http://{host}:{site.port}")

    w.check()

    # It should refuse at name resolution, so the site never sees a request
    obs = w.last(account_id)
    assert obs["outcome"] == "blocked"
    assert "allow_private_addresses" in obs["error"]
    assert site.hits == []


def test_the_guard_does_not_outlive_the_run_that_set_it(sites, watch):
    site = sites.serve(WORDPRESS)
    strict = watch(crawler={"allow_private_addresses": False})
    refused = strict.add(site.url)
    strict.check()
    relaxed = watch()  # same database, allow_private_addresses = true

    relaxed.check(refused)

    # It should apply each run's own setting
    assert relaxed.last(refused)["outcome"] == "ok"
