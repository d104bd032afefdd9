"""The newest post confirmed on its own page, end to end: real loopback sites, real crawls."""

from __future__ import annotations

from tests.conftest import days_since

NODATES = {"/": "listing_nodates_home.html", "/berita/77/rapat-koordinasi-angkutan-lebaran": "post_rapat_angkutan.html"}
RELATIVE = {"/": "listing_relative_home.html", "/berita/90/pasar-murah-kecamatan-sekayu": "post_pasar_murah.html"}


def test_a_listing_without_dates_is_dated_by_its_newest_posts_own_page(sites, watch):
    site = sites.serve(NODATES)
    w = watch()
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should read "Diposting pada …" on the post's page, 40 days ago, with the post as proof
    assert account["evidence"] == "page-date"
    assert account["last_activity_url"] == f"{site.url}/berita/77/rapat-koordinasi-angkutan-lebaran"
    assert days_since(account["last_activity_at"]) == 40
    w.evaluate()
    assert w.account(account_id)["status"] == "dormant"


def test_a_recheck_does_not_fetch_an_unchanged_newest_post_again(sites, watch):
    site = sites.serve(NODATES)
    w = watch()
    account_id = w.add(site.url)
    w.check()
    first = w.account(account_id)

    w.check()

    # It should answer from the date cached by the post's URL: one fetch of the post in two checks
    assert site.hits.count("/berita/77/rapat-koordinasi-angkutan-lebaran") == 1
    assert w.account(account_id)["last_activity_at"] == first["last_activity_at"]
    assert w.last(account_id)["outcome"] in ("ok", "not_modified")


def test_a_relative_phrase_on_a_listing_never_makes_an_old_site_active(sites, watch):
    # "2 jam yang lalu" on the home page, read against today's clock, would say active; the
    # post's own page says it appeared 200 days ago.
    site = sites.serve(RELATIVE)
    w = watch()
    account_id = w.add(site.url)

    w.check()
    w.evaluate()
    account = w.account(account_id)

    # It should take the post page's date and judge the site by it
    assert account["last_activity_url"] == f"{site.url}/berita/90/pasar-murah-kecamatan-sekayu"
    assert days_since(account["last_activity_at"]) == 200
    assert account["status"] == "close_recommended"


def test_when_a_feed_and_the_home_page_name_the_same_post_the_feed_is_the_evidence(sites, watch):
    site = sites.serve({"/": "listing_feed_same_post_home.html", "/feed/": "same_post_feed.rss.xml"})
    w = watch()
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should name the strongest source of the same post: feed > wp-api > sitemap > page-date
    assert account["last_activity_url"] == f"{site.url}/berita/501/pelatihan-website-desa"
    assert account["evidence"] == "feed"


def test_an_unconfirmed_relative_phrase_on_a_listing_is_no_evidence(sites, watch):
    # The post behind "2 jam yang lalu" is gone (404): the phrase alone cannot prove activity.
    site = sites.serve({"/": "listing_relative_home.html"})
    w = watch()
    account_id = w.add(site.url)

    w.check()
    w.evaluate()
    account = w.account(account_id)

    # It should fall back on the listing's absolute date (230 days ago), never on "2 jam"
    assert account["last_activity_url"] == f"{site.url}/berita/89/posyandu-lansia-kelurahan-balai-agung"
    assert days_since(account["last_activity_at"]) == 230
    assert account["status"] == "close_recommended"


def test_a_newest_post_whose_page_gives_no_date_is_not_fetched_at_every_check(sites, watch):
    site = sites.serve({"/": "listing_relative_home.html"})  # the newest post's page is gone
    w = watch()
    account_id = w.add(site.url)
    w.check()

    w.check()

    # It should remember by URL that the page gave nothing, and not ask again
    assert site.hits.count("/berita/90/pasar-murah-kecamatan-sekayu") == 1
    assert days_since(w.account(account_id)["last_activity_at"]) == 230


def test_an_account_that_is_one_page_is_dated_by_that_page(sites, watch):
    # Some registry rows name one page (an announcements page), not a site's root.
    site = sites.serve({"/pengumuman/seleksi-jpt-pratama": "single_page_announcement.html"})
    w = watch()
    account_id = w.add(f"{site.url}/pengumuman/seleksi-jpt-pratama")

    w.check()
    account = w.account(account_id)

    # It should read the page's own date; its <meta name="date"> is the render time (today)
    assert account["evidence"] == "page-date"
    assert days_since(account["last_activity_at"]) == 75


def test_a_front_pages_own_date_is_not_a_post(sites, watch):
    site = sites.serve({"/": "single_page_announcement.html"})
    w = watch()
    account_id = w.add(site.url)

    w.check()
    w.evaluate()

    # It should stay unknown: a front page's own date is its render or edit, and say so in explain
    from pantau.monitor.explain import explain_account

    assert w.account(account_id)["last_activity_at"] is None
    doc = explain_account(w.cfg, w.db, account_id)
    assert doc["winner"] is None
    assert any("front page" in c["why"] for c in doc["candidates"])


def test_widgets_comments_and_other_sites_news_do_not_keep_a_dormant_site_active(sites, watch):
    # A "popular" timeago sidebar, an Instagram widget "1 day ago", a recent-comments widget and
    # the province's news from yesterday sit beside posts that are 100 days old.
    site = sites.serve({"/": "portal_traps_home.html"})
    w = watch()
    account_id = w.add(site.url)

    w.check()
    w.evaluate()
    account = w.account(account_id)

    # It should judge the site by its own newest post, 100 days ago
    assert account["last_activity_url"] == f"{site.url}/berita/311/festival-danau-ranau-2024"
    assert days_since(account["last_activity_at"]) == 100
    assert account["status"] == "close_recommended"


def test_a_sitemap_without_lastmod_is_dated_on_its_newest_posts_page(sites, watch):
    site = sites.serve(
        {
            "/": "undated_sitemap_home.html",
            "/sitemap.xml": "undated_sitemap.xml",
            "/berita/205/rapat-forum-kewaspadaan-dini": "post_forum_kewaspadaan.html",
        }
    )
    w = watch()
    account_id = w.add(site.url)

    w.check()
    account = w.account(account_id)

    # It should pick the highest post number of the sitemap and read that post's page
    assert account["last_activity_url"] == f"{site.url}/berita/205/rapat-forum-kewaspadaan-dini"
    assert days_since(account["last_activity_at"]) == 20
    assert account["evidence"] == "page-date"
