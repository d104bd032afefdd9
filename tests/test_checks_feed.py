"""Checking feed accounts end to end: RSS and Atom over loopback, broken feeds, feed_url."""

from __future__ import annotations

from pantau.monitor.demo.server import Route
from tests.conftest import days_since

# A WordPress posts feed lives at /feed/ (the slash matters: /feed is only a redirect to it).
WORDPRESS_FEED = {"/feed/": "kominfo_wp_feed.rss.xml"}


def test_an_rss_feed_gives_its_newest_entry(sites, watch):
    site = sites.serve(WORDPRESS_FEED)
    w = watch()
    account_id = w.add(f"{site.url}/feed/", platform="feed")

    w.check()
    account = w.account(account_id)

    # It should fetch the registered address itself and keep the newest item as the proof
    assert site.hits == ["/feed/"]
    assert w.last(account_id)["outcome"] == "ok"
    assert account["evidence"] == "feed"
    assert account["last_activity_title"] == "Kominfo Muba Gelar Sosialisasi Keamanan Informasi untuk OPD"
    assert (
        account["last_activity_url"]
        == f"{site.url}/2024/11/kominfo-muba-gelar-sosialisasi-keamanan-informasi-untuk-opd/"
    )
    assert days_since(account["last_activity_at"]) == 1


def test_an_atom_feed_is_dated_by_publication_not_by_its_last_edit(sites, watch):
    site = sites.serve({"/atom.xml": "bpbd_atom.atom.xml"})
    w = watch()
    account_id = w.add(
        f"{site.url}/atom.xml", platform="feed", institution="BPBD Provinsi Sumatera Selatan", region="16"
    )

    w.check()
    account = w.account(account_id)

    # It should date the newest entry by <published>: an edit today is not a new post
    assert account["evidence"] == "feed"
    assert account["last_activity_url"] == f"{site.url}/informasi/peringatan-dini-cuaca-ekstrem-sumsel"
    assert account["last_activity_title"] == "Peringatan Dini Cuaca Ekstrem Wilayah Sumatera Selatan"
    assert days_since(account["last_activity_at"]) == 6


def test_a_feed_cut_off_before_its_first_entry_is_an_error(sites, watch):
    site = sites.serve({"/rss": "truncated.rss.xml"})
    w = watch()
    account_id = w.add(f"{site.url}/rss", platform="feed")

    w.check()

    # It should record an error saying the feed cannot be read, and no activity
    obs = w.last(account_id)
    assert obs["outcome"] == "error"
    assert obs["error"].startswith(f"{site.url}/rss is not a readable feed")
    assert w.account(account_id)["last_activity_at"] is None


def test_an_html_page_served_as_a_feed_is_an_error(sites, watch):
    # A CMS update that sends every unknown path to a maintenance page, with status 200.
    site = sites.serve({"/rss.xml": Route(_fixture("error_page.html"), content_type="application/rss+xml")})
    w = watch()
    account_id = w.add(f"{site.url}/rss.xml", platform="feed")

    w.check()

    # It should say it is not a feed rather than report a site with no posts
    obs = w.last(account_id)
    assert obs["outcome"] == "error"
    assert "is not a readable feed" in obs["error"]
    assert "no RSS/Atom/RDF root element" in obs["error"]


def test_a_feed_that_is_gone_is_not_found_and_then_unreachable(sites, watch):
    site = sites.serve({})
    w = watch()
    account_id = w.add(f"{site.url}/rss.xml", platform="feed")

    for _ in range(3):
        w.check()
    w.evaluate()
    account = w.account(account_id)

    # It should call a 404 "not found", and after three checks "account not found"
    assert [o["outcome"] for o in w.observations(account_id)] == ["not_found"] * 3
    assert w.last(account_id)["http_status"] == 404
    assert account["status"] == "unreachable"
    assert account["status_reason"].startswith("account not found")


def test_feed_url_is_polled_instead_of_url(sites, watch):
    site = sites.serve({"/rss/berita.xml": "kominfo_wp_feed.rss.xml"})
    w = watch()
    # The registry names the institution's public page; the feed lives elsewhere.
    account_id = w.add(
        "https://dishub.palembang.go.id/berita",
        platform="feed",
        feed_url=f"{site.url}/rss/berita.xml",
        institution="Dinas Perhubungan Kota Palembang",
        region="16.71",
    )

    w.check()
    account = w.account(account_id)

    # It should read feed_url (and never the url, which is not on this network)
    assert w.last(account_id)["outcome"] == "ok"
    assert site.hits == ["/rss/berita.xml"]
    assert account["url"] == "https://dishub.palembang.go.id/berita"
    assert account["evidence"] == "feed"
    assert days_since(account["last_activity_at"]) == 1


def test_a_websites_feed_url_replaces_the_feeds_it_announces(sites, watch):
    site = sites.serve(
        {"/": "kominfo_wp_home.html", "/feed/": "kominfo_wp_feed.rss.xml", "/rss/berita.xml": "bpbd_atom.atom.xml"}
    )
    w = watch()
    account_id = w.add(site.url, feed_url=f"{site.url}/rss/berita.xml")

    w.check()
    account = w.account(account_id)

    # It should poll the registry's feed_url rather than the announced /feed/
    assert "/rss/berita.xml" in site.hits
    assert "/feed/" not in site.hits
    assert account["last_activity_url"] == f"{site.url}/informasi/peringatan-dini-cuaca-ekstrem-sumsel"


def test_an_unchanged_feed_is_rechecked_with_a_304(sites, watch):
    site = sites.serve(WORDPRESS_FEED)
    w = watch()
    account_id = w.add(f"{site.url}/feed/", platform="feed")
    w.check()
    before = w.account(account_id)

    w.check()

    # It should ask with If-None-Match and keep the activity from the first read
    assert site.not_modified == 1
    assert site.hits == ["/feed/", "/feed/"]
    obs = w.last(account_id)
    assert (obs["outcome"], obs["not_modified"]) == ("not_modified", 1)
    assert w.account(account_id)["last_activity_at"] == before["last_activity_at"]


def _fixture(name: str) -> str:
    from pathlib import Path

    return (Path(__file__).parent / "fixtures" / "sites" / name).read_text(encoding="utf-8")
