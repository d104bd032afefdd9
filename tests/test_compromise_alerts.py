"""Findings open and close episodes; each episode is mailed once, and the evidence stays data.

Storage-level: the findings a scan saves (``storage.findings.save_scan``), the outbox alerts it
writes with them, and the digest a real SMTP server receives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pantau.alerts.send import send_pending
from pantau.config.settings import from_dict
from pantau.storage.accounts import import_accounts
from pantau.storage.db import open_db
from pantau.storage.findings import findings_of, open_findings, save_scan

pytest_plugins = ["tests.smtp_server"]

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)
KADIS = "kadis@kominfo.mubakab.go.id"
SITE = "https://dispusip.mubakab.go.id/"


def finding(
    place: str = "hidden_block",
    url: str = SITE,
    excerpt: str = "slot gacor <https://g.example/>",
    kind: str = "gambling_injection",
) -> dict:
    return {"kind": kind, "place": place, "url": url, "excerpt": excerpt, "sha256": "0" * 64}


def make(tmp_path):
    db = open_db(tmp_path / "p.db")
    import_accounts(
        db,
        [
            {
                "institution": "Dinas Perpustakaan Kab. Musi Banyuasin",
                "region": "16.06",
                "platform": "website",
                "url": SITE,
            }
        ],
        NOW - timedelta(days=300),
    )
    return db, db.execute("select id from accounts").fetchone()[0]


def alerts(db) -> list[tuple[str, str]]:
    return [(r["kind"], r["episode"]) for r in db.query("select kind, episode from alerts order by id")]


def test_an_episode_raises_one_compromised_and_one_recovered_alert(tmp_path):
    db, aid = make(tmp_path)
    save_scan(db, aid, [finding()], ["home"], NOW)
    save_scan(
        db,
        aid,
        [finding(), finding("sitemap_entry", SITE + "slot-gacor/")],
        ["home", "sitemap"],
        NOW + timedelta(hours=6),
    )
    save_scan(db, aid, [], ["home", "sitemap"], NOW + timedelta(hours=12))
    save_scan(db, aid, [], ["home", "sitemap"], NOW + timedelta(hours=18))
    first = findings_of(db, aid)[-1]["id"]
    # It should open the episode once, close it once, however many scans see the same thing.
    assert alerts(db) == [("compromised", f"finding-{first}"), ("recovered", f"finding-{first}")]
    save_scan(db, aid, [finding("title", SITE, "<title>SLOT GACOR</title>")], ["home"], NOW + timedelta(days=9))
    # A new injection later is a new episode.
    assert [k for k, _ in alerts(db)] == ["compromised", "recovered", "compromised"]


def test_a_scan_resolves_only_the_parts_of_the_site_it_read(tmp_path):
    db, aid = make(tmp_path)
    save_scan(
        db,
        aid,
        [finding("sitemap_entry", SITE + "slot-gacor/"), finding("cloaked_response")],
        ["home", "sitemap", "cloak"],
        NOW,
    )
    save_scan(db, aid, [], ["home"], NOW + timedelta(hours=6))
    # It should keep the sitemap and Googlebot findings open until those are read again.
    assert sorted(f["place"] for f in findings_of(db, aid) if f["resolved_at"] is None) == [
        "cloaked_response",
        "sitemap_entry",
    ]
    save_scan(db, aid, [], ["home", "sitemap"], NOW + timedelta(hours=12))
    assert open_findings(db)[aid]["place"] == "cloaked_response"
    save_scan(db, aid, [], ["home", "cloak"], NOW + timedelta(days=1))
    assert aid not in open_findings(db) and alerts(db)[-1][0] == "recovered"


def test_the_evidence_from_the_web_stays_text_in_the_mail(tmp_path, smtp_server):
    db, aid = make(tmp_path)
    hostile = '<img src=x onerror="alert(1)"> slot gacor <a href="javascript:alert(2)">x</a>'
    save_scan(db, aid, [finding("page_links", "javascript:alert(3)//", hostile)], ["home"], NOW)
    cfg = from_dict(
        {"smtp": smtp_server.smtp_config(), "recipients": [{"name": "Kadis", "email": KADIS, "regions": ["16.06"]}]},
        None,
    )
    send_pending(db, cfg, NOW)
    [msg] = smtp_server.messages
    html = msg.get_body(preferencelist=("html",)).get_content()
    # It should escape what the page said and never make a link of a javascript: address.
    assert "&lt;img src=x onerror=" in html and "<img src=x" not in html
    assert 'href="javascript:' not in html
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Temuan: sisipan judi online — tautan di halaman" in text
