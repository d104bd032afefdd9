"""Compromised government sites on loopback: every injected one found, no legitimate one flagged.

Real checks through Scrapy against loopback sites built from the shapes judi-online
injections take on .go.id sites (hidden link blocks, off-screen sponsor lists, footer link
farms, bot-conditional redirect scripts, "hacked by" pages, spam pages in sitemaps and
feeds, pages served only to Googlebot) and from legitimate sites that publish news about
fighting online gambling. Then the `compromised` alert reaches a real SMTP server, the site
is cleaned, the `recovered` alert follows exactly once, and the weekly report lists it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pantau.alerts.report import weekly_report
from pantau.alerts.send import send_pending
from pantau.config.settings import from_dict
from pantau.monitor.demo.server import Route
from pantau.monitor.projection import status_rows
from pantau.storage.findings import findings_of

FIX = Path(__file__).parent / "fixtures" / "compromise"
KADIS = "kadis@kominfo.mubakab.go.id"
KOMDIGI = "pantau@komdigi.go.id"
KADIS_OKI = "kadis@kominfo.okikab.go.id"
RECIPIENTS = [
    {"name": "Kepala Dinas Kominfo Kab. Musi Banyuasin", "email": KADIS, "regions": ["16.06"]},
    {"name": "Komdigi", "email": KOMDIGI, "regions": ["*"], "language": "en"},
    {"name": "Kepala Dinas Kominfo Kab. OKI", "email": KADIS_OKI, "regions": ["16.02"]},
]


def page(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def by_agent(normal: str, crawler: str, seen: list[str]) -> Route:
    """A home page that shows visitors one thing and Googlebot another (cloaking)."""

    def handle(h: Any) -> None:
        agent = h.headers.get("User-Agent", "")
        seen.append(agent)
        body = crawler if "Googlebot" in agent else normal
        h._send(200, body.encode("utf-8"), "text/html; charset=utf-8", {})

    return Route(handler=handle)


NO_FEED = {"/robots.txt": Route("User-agent: *\nAllow: /\n", content_type="text/plain")}
FEED_LINK = '<link rel="alternate" type="application/rss+xml" href="/feed/">'


def with_feed(html: str) -> str:
    return html.replace("</head>", FEED_LINK + "\n</head>")


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    from tests.smtp_server import SmtpServer

    server = SmtpServer(tmp_path_factory.mktemp("smtp")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def setup(module_sites, tmp_path_factory, smtp):
    """Eleven websites in Musi Banyuasin (16.06) and one in OKI (16.02), checked once.

    Module-scoped (one real pass for the whole file): the tests that change a site or
    check again come last in the file.
    """
    from tests.conftest import Watch

    sites = module_sites
    googlebot: list[str] = []
    w = Watch(
        from_dict(
            {
                "database": {"path": str(tmp_path_factory.mktemp("db") / "pantau.db")},
                "crawler": {"allow_private_addresses": True, "obey_robots": False, "timeout_s": 5, "retries": 0},
                "recipients": RECIPIENTS,
                "smtp": smtp.smtp_config(),
            },
            None,
        )
    )
    served = {
        # Injected, served to everyone.
        "hidden": sites.serve({"/": "../compromise/hidden_links_home.html", **NO_FEED}),
        "offscreen": sites.serve({"/": "../compromise/offscreen_links_home.html", **NO_FEED}),
        "footer": sites.serve({"/": "../compromise/footer_links_home.html", **NO_FEED}),
        "script": sites.serve({"/": "../compromise/script_redirect_home.html", **NO_FEED}),
        "title": sites.serve({"/": "../compromise/spam_title_home.html", **NO_FEED}),
        "hacked": sites.serve({"/": "../compromise/hacked_by_home.html", **NO_FEED}),
        "sitemap": sites.serve(
            {
                "/": "../compromise/clean_portal_home.html",
                "/robots.txt": Route(
                    "User-agent: *\nAllow: /\nSitemap: {{base}}/sitemap.xml\n", content_type="text/plain"
                ),
                "/sitemap.xml": "../compromise/spam_sitemap.xml",
            }
        ),
        "feed": sites.serve(
            {
                "/": Route(with_feed(page("clean_portal_home.html"))),
                "/feed/": "../compromise/spam_posts.rss.xml",
                **NO_FEED,
            }
        ),
        # Injected for Googlebot only.
        "cloaked": sites.serve(
            {"/": by_agent(page("clean_portal_home.html"), page("cloaked_for_googlebot.html"), googlebot), **NO_FEED}
        ),
        # Legitimate: news about fighting online gambling, in pages, sitemaps and feeds.
        "news": sites.serve(
            {
                "/": "../compromise/news_fighting_gambling_home.html",
                "/robots.txt": Route("User-agent: *\nSitemap: {{base}}/sitemap.xml\n", content_type="text/plain"),
                "/sitemap.xml": "../compromise/clean_news_sitemap.xml",
            }
        ),
        "newsfeed": sites.serve(
            {
                "/": Route(with_feed(page("news_fighting_gambling_home.html"))),
                "/feed/": "../compromise/anti_gambling_posts.rss.xml",
                **NO_FEED,
            }
        ),
        "clean": sites.serve({"/": "../compromise/clean_portal_home.html", **NO_FEED}),
    }
    ids = {
        name: w.add(
            site.url,
            institution=f"Dinas {name.title()} Kab. Musi Banyuasin",
            region="16.02" if name == "clean" else "16.06",
        )
        for name, site in served.items()
    }
    registered_long_ago(w)
    w.check()
    return w, served, ids, googlebot


def registered_long_ago(w) -> None:
    """Sites registered days ago: their daily Googlebot fetch is due (a new one waits up to a day)."""
    stamp = (datetime.now(UTC) - timedelta(days=3)).isoformat(timespec="seconds")
    w.db.execute("update accounts set created_at = ?", [stamp])


def compromise_of(w, account_id: int) -> dict[str, Any] | None:
    row = next(r for r in status_rows(w.cfg, w.db, datetime.now(UTC)) if r["id"] == account_id)
    return row["compromise"]


def test_every_injected_site_is_found_and_no_legitimate_one(setup):
    w, served, ids, _ = setup
    expected = {
        "hidden": "gambling_injection",
        "offscreen": "gambling_injection",
        "footer": "gambling_injection",
        "script": "gambling_injection",
        "title": "gambling_injection",
        "hacked": "defacement",
        "sitemap": "gambling_injection",
        "feed": "gambling_injection",
        "cloaked": "cloaking",
        "news": None,
        "newsfeed": None,
        "clean": None,
    }
    found = {name: (compromise_of(w, aid) or {}).get("kind") for name, aid in ids.items()}
    # It should find every injected site, with the right kind, and flag no legitimate one.
    assert found == expected
    # Spam every visitor sees needs no Googlebot fetch; the others were fetched once.
    assert w.account(ids["title"])["cloak_checked_at"] is None
    assert w.account(ids["clean"])["cloak_checked_at"] is not None


def test_the_status_json_carries_the_evidence(setup):
    w, served, ids, _ = setup
    hidden = compromise_of(w, ids["hidden"])
    assert hidden["url"] == served["hidden"].url + "/"
    assert "slot gacor" in hidden["evidence"] and hidden["detected_at"].endswith("+07:00")
    sitemap = compromise_of(w, ids["sitemap"])
    # It should point at the injected page itself, not only the site.
    assert sitemap["url"] == served["sitemap"].url + "/wp-content/uploads/slot-gacor-hari-ini/"
    cloaked = compromise_of(w, ids["cloaked"])
    assert cloaked["evidence"].startswith("<title>SITUS TOTO: Bandar Togel Online")
    [finding] = findings_of(w.db, ids["hidden"])
    assert len(finding["sha256"]) == 64 and finding["place"] == "hidden_block"


def test_spam_pages_in_a_sitemap_are_not_the_sites_activity(setup):
    w, _, ids, _ = setup
    obs = w.last(ids["sitemap"])
    # It should keep the newest real article (400 days old), not the spam page of 2 days ago.
    assert "slot" not in (obs["activity_url"] or "")
    assert obs["activity_at"] is None or (datetime.now(UTC) - datetime.fromisoformat(obs["activity_at"])).days >= 399


def test_googlebot_is_not_impersonated_where_robots_txt_forbids_it(sites, watch):
    seen: list[str] = []
    site = sites.serve(
        {
            "/": by_agent(page("clean_portal_home.html"), page("cloaked_for_googlebot.html"), seen),
            "/robots.txt": Route("User-agent: Googlebot\nDisallow: /\n", content_type="text/plain"),
        }
    )
    w = watch()
    aid = w.add(site.url)
    registered_long_ago(w)
    w.check()
    # It should respect robots.txt as that crawler: no Googlebot fetch, and no guess.
    assert not any("Googlebot" in a for a in seen)
    assert compromise_of(w, aid) is None
    assert w.account(aid)["cloak_checked_at"] is not None


def test_what_robots_txt_says_of_googlebot_is_kept_for_a_week(sites, watch):
    seen: list[str] = []
    home = with_feed(page("clean_portal_home.html"))
    site = sites.serve(
        {"/": by_agent(home, home, seen), "/feed/": "../compromise/anti_gambling_posts.rss.xml", **NO_FEED}
    )
    w = watch()
    aid = w.add(site.url)
    registered_long_ago(w)
    w.check()
    day_ago = (datetime.now(UTC) - timedelta(days=1, minutes=1)).isoformat(timespec="seconds")
    w.db.execute("update accounts set cloak_checked_at = ? where id = ?", [day_ago, aid])
    w.check()
    # It should fetch as Googlebot each day but read robots.txt for it once a week.
    assert sum("Googlebot" in a for a in seen) == 2 and site.hits.count("/robots.txt") == 1
    assert w.account(aid)["cloak_allowed"] == 1


def test_a_spam_feed_answering_304_stays_a_finding_while_another_feed_changes(sites, watch):
    two_feeds = page("clean_portal_home.html").replace(
        "</head>", FEED_LINK + '\n<link rel="alternate" type="application/rss+xml" href="/berita/feed/">\n</head>'
    )
    site = sites.serve(
        {
            "/": Route(two_feeds),
            "/feed/": "../compromise/spam_posts.rss.xml",
            "/berita/feed/": "../compromise/anti_gambling_posts.rss.xml",
            **NO_FEED,
        }
    )
    w = watch()
    aid = w.add(site.url)
    w.check()
    assert compromise_of(w, aid)["kind"] == "gambling_injection"
    news = site.routes["/berita/feed/"]
    site.routes["/berita/feed/"] = Route(news.body.replace("Dikukuhkan", "Dilantik"), content_type=news.content_type)
    w.check()
    # It should not call the spam gone because it read a different feed this time.
    assert site.not_modified >= 2 and compromise_of(w, aid) is not None


def test_the_scan_can_be_switched_off(sites, watch):
    site = sites.serve({"/": "../compromise/hidden_links_home.html", **NO_FEED})
    w = watch(security={"scan": False})
    aid = w.add(site.url)
    w.check()
    assert compromise_of(w, aid) is None
    # It should not even ask as Googlebot.
    assert not any("Googlebot" in str(h) for h in site.hits) and site.hits.count("/") == 1


def test_an_unchanged_page_checked_before_the_scan_existed_is_scanned_once_switched_on(sites, watch):
    site = sites.serve({"/": "../compromise/hidden_links_home.html", **NO_FEED})
    w = watch(security={"scan": False})
    aid = w.add(site.url)
    w.check()
    w.cfg.data["security"]["scan"] = True
    w.check()
    # It should read the page in full once, though the server would answer 304.
    assert compromise_of(w, aid)["kind"] == "gambling_injection"
    w.check()
    assert site.not_modified >= 2 and compromise_of(w, aid) is not None


def test_the_weekly_report_lists_the_compromised_sites(setup, tmp_path):
    w, served, ids, _ = setup
    now = datetime.now(UTC)
    year, week, _ = now.astimezone().isocalendar()
    result = weekly_report(w.db, w.cfg, now, week=f"{year}-W{week:02d}", out_dir=tmp_path)
    text = next(p for p in result.files if p.name.endswith(".html") and "kadis-kominfo-mubakab" in p.name)
    html = text.read_text(encoding="utf-8")
    # It should carry a section of the compromised sites in scope, with their evidence.
    assert "Situs terindikasi disusupi (judi online, cloaking, defacement) (9)" in html
    assert "sisipan judi online" in html and "Hacked By GanosecTeam" in html
    oki = next(p for p in result.files if p.name.endswith(".html") and "okikab" in p.name).read_text("utf-8")
    assert "Situs terindikasi disusupi (judi online, cloaking, defacement) (0)" in oki


def test_status_compromised_lists_only_compromised_sites(sites, project):
    hidden = sites.serve({"/": "../compromise/hidden_links_home.html", **NO_FEED})
    news = sites.serve({"/": "../compromise/news_fighting_gambling_home.html", **NO_FEED})
    project.write(
        "registry.csv",
        "institution,region,platform,url\n"
        f"BKPSDM Kab. Lahat,16.04,website,{hidden.url}\n"
        f"Pemkab OKI,16.02,website,{news.url}\n",
    )
    assert project.run("registry", "import", "registry.csv").returncode == 0
    assert project.run("check", "--all").returncode == 0
    out = project.run("status", "--compromised", "--format", "json")
    rows = json.loads(out.stdout)
    # It should list only the injected site, with its finding.
    assert [r["url"] for r in rows] == [hidden.url]
    assert rows[0]["compromise"]["kind"] == "gambling_injection"
    everything = json.loads(project.run("status", "--format", "json").stdout)
    assert {r["url"]: r["compromise"] for r in everything}[news.url] is None
    table = project.run("status", "--compromised").stdout
    assert "gambling_injection" in table and news.url not in table


def test_the_googlebot_fetches_of_a_national_import_spread_over_its_first_day():
    from pantau.spiders.website import _cloak_due

    now = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)
    accounts = [{"id": i, "created_at": now.isoformat(), "cloak_checked_at": None} for i in range(1, 1001)]
    due = [sum(_cloak_due(a, now + timedelta(hours=h)) for a in accounts) for h in (0, 6, 12, 18, 24)]
    # It should make about a quarter of them due in each 6-hour pass, and all within a day.
    assert due[0] <= 5 and 200 <= due[1] <= 300 and 450 <= due[2] <= 550 and due[4] == 1000
    assert _cloak_due({"id": 1, "cloak_checked_at": (now - timedelta(hours=23)).isoformat()}, now) is False
    assert _cloak_due({"id": 1, "cloak_checked_at": (now - timedelta(hours=24)).isoformat()}, now) is True


def test_the_config_defaults_to_scanning():
    # It should scan unless the operator says otherwise (INTERFACE.md).
    assert from_dict({}, None).data["security"]["scan"] is True


def test_a_finding_seen_again_is_the_same_finding(setup):
    w, _, ids, _ = setup
    first = findings_of(w.db, ids["footer"])
    w.check(ids["footer"])
    again = findings_of(w.db, ids["footer"])
    # It should not open a second finding (nor a second alert) for what is still there.
    assert [f["id"] for f in again] == [f["id"] for f in first] and again[0]["resolved_at"] is None
    kinds = [r["kind"] for r in w.db.query("select kind from alerts where account_id = ?", [ids["footer"]])]
    assert kinds == ["compromised"]


def test_the_crawler_fetch_is_made_at_most_once_a_day(setup):
    w, served, ids, googlebot = setup
    assert sum("Googlebot" in a for a in googlebot) == 1
    w.check(ids["cloaked"])
    # It should not fetch as Googlebot again the same day, and keep the cloaking finding open.
    assert sum("Googlebot" in a for a in googlebot) == 1
    assert compromise_of(w, ids["cloaked"])["kind"] == "cloaking"
    stamp = (datetime.now(UTC) - timedelta(days=1, minutes=1)).isoformat(timespec="seconds")
    w.db.execute("update accounts set cloak_checked_at = ? where id = ?", [stamp, ids["cloaked"]])
    w.check(ids["cloaked"])
    assert sum("Googlebot" in a for a in googlebot) == 2


def test_the_compromised_alert_is_mailed_with_the_evidence_then_recovered_once(setup, smtp):
    w, served, ids, _ = setup
    now = datetime.now(UTC)
    send_pending(w.db, w.cfg, now)
    by_rcpt = {r.rcpt_tos[0]: r.message for r in smtp.received}
    kadis = by_rcpt[KADIS].get_body(preferencelist=("plain",)).get_content()
    # It should tell the region's head and the national view, with the excerpt, in their languages.
    assert "Situs disusupi (judi online, cloaking, defacement) (9)" in kadis
    assert "slot gacor <https://gacor-hari-ini.example/>" in kadis
    assert "respons untuk Googlebot" in kadis
    assert "Compromised sites (gambling injection, cloaking, defacement) (9)" in (
        by_rcpt[KOMDIGI].get_body(preferencelist=("plain",)).get_content()
    )
    # The legitimate site in OKI raises nothing for its head of office.
    assert KADIS_OKI not in by_rcpt
    print(kadis)

    # The office cleans the hidden links; the next check finds the site clean.
    served["hidden"].routes["/"] = Route(page("clean_portal_home.html"))
    before = len(smtp.received)
    w.check(ids["hidden"])
    assert compromise_of(w, ids["hidden"]) is None
    send_pending(w.db, w.cfg, now)
    new = [r for r in smtp.received[before:]]
    assert {r.rcpt_tos[0] for r in new} == {KADIS, KOMDIGI}
    recovered = {r.rcpt_tos[0]: r.message for r in new}
    assert recovered[KADIS]["Subject"] == "[pantau] 1 situs bersih kembali"
    text = recovered[KADIS].get_body(preferencelist=("plain",)).get_content()
    assert "Situs bersih kembali (1)" in text and "slot gacor" in text

    # A check that finds it clean again and another send change nothing: once per episode.
    w.check(ids["hidden"])
    send_pending(w.db, w.cfg, now)
    assert len(smtp.received) == before + 2
