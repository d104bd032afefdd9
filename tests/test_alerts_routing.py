"""Alerts reach every recipient whose regions cover the account, plus its owner — once each."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from pantau.alerts.routing import owner_addresses, routes_for
from pantau.alerts.send import send_pending
from pantau.config.settings import from_dict
from pantau.monitor.policy import alert_kind
from pantau.storage import outbox
from pantau.storage.accounts import get_account, import_accounts
from pantau.storage.db import open_db
from pantau.storage.observations import record_observation
from pantau.storage.status import apply_status

pytest_plugins = ["tests.smtp_server"]

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)

REGENCY = "kadis@kominfo.mubakab.go.id"
PROVINCE = "kadis@diskominfo.sumselprov.go.id"
NATIONAL = "pantau@komdigi.go.id"
OWNER = "humas@dinkes.mubakab.go.id"

RECIPIENTS = [
    {"name": "Kepala Dinas Kominfo Kab. Musi Banyuasin", "email": REGENCY, "regions": ["16.06"]},
    {"name": "Kepala Dinas Kominfo Prov. Sumatera Selatan", "email": PROVINCE, "regions": ["16"]},
    {"name": "Komdigi", "email": NATIONAL, "regions": ["*"]},
]

REGISTRY = [
    {
        "institution": "Dinas Kesehatan Kab. Musi Banyuasin",
        "region": "16.06",
        "platform": "website",
        "url": "https://dinkes.mubakab.go.id/",
        "owner_email": OWNER,
    },
    {
        "institution": "Dinas Pendidikan Kab. Musi Banyuasin",
        "region": "16.06",
        "platform": "youtube",
        "url": "https://www.youtube.com/@disdikmuba",
    },
    {
        "institution": "Kecamatan Sekayu",
        "region": "16.06.01",
        "platform": "feed",
        "url": "https://sekayu.mubakab.go.id/feed",
    },
    {
        "institution": "Dinas Kominfo Kab. Ogan Komering Ilir",
        "region": "16.02",
        "platform": "website",
        "url": "https://diskominfo.kaboki.go.id/",
    },
    {
        "institution": "Dinas Kominfo Kab. Bandung",
        "region": "32.04",
        "platform": "website",
        "url": "https://diskominfo.bandungkab.go.id/",
    },
]


def make_db(tmp_path):
    db = open_db(tmp_path / "p.db")
    import_accounts(db, REGISTRY, NOW - timedelta(days=200))
    return db


def account_id(db, url: str) -> int:
    return next(a["id"] for a in db["accounts"].rows if a["url"] == url)


def go_dormant(db, url: str, *, days: int = 45, new: str = "dormant", now: datetime = NOW) -> None:
    aid = account_id(db, url)
    record_observation(
        db,
        {
            "account_id": aid,
            "checked_at": now,
            "outcome": "ok",
            "evidence": "feed",
            "activity_at": now - timedelta(days=days),
            "activity_url": url + "berita/1",
            "activity_title": "Rapat koordinasi",
        },
    )
    acc = get_account(db, aid)
    apply_status(
        db,
        acc,
        new,
        f"last activity {days} days ago (feed), over 30 days",
        now,
        alert_kind=alert_kind(acc["status"], new),
        days_inactive=days,
    )


def config(server, recipients=RECIPIENTS):
    return from_dict({"smtp": server.smtp_config(), "recipients": recipients}, None)


def rcpts(server) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in server.received:
        for to in r.rcpt_tos:
            out[to] = out.get(to, 0) + 1
    return out


def test_it_routes_a_regency_alert_to_regency_province_nation_and_owner(tmp_path, smtp_server):
    db = make_db(tmp_path)
    go_dormant(db, "https://dinkes.mubakab.go.id/")

    result = send_pending(db, config(smtp_server), NOW)

    assert result.errors == []
    assert result.alerts == 1
    # It should reach the regency (16.06), the province (16), the nation (*) and the owner.
    assert rcpts(smtp_server) == {REGENCY: 1, PROVINCE: 1, NATIONAL: 1, OWNER: 1}


def test_it_routes_by_region_prefix_only(tmp_path, smtp_server):
    db = make_db(tmp_path)
    go_dormant(db, "https://sekayu.mubakab.go.id/feed")  # 16.06.01: regency and up
    go_dormant(db, "https://diskominfo.kaboki.go.id/")  # 16.02: province and nation
    go_dormant(db, "https://diskominfo.bandungkab.go.id/")  # 32.04: the nation only

    send_pending(db, config(smtp_server), NOW)

    urls_by_rcpt = {
        r.rcpt_tos[0]: r.message.get_body(preferencelist=("plain",)).get_content() for r in smtp_server.received
    }
    assert "sekayu" in urls_by_rcpt[REGENCY]
    # It should keep another regency's and another province's accounts out of a regency's digest.
    assert "kaboki" not in urls_by_rcpt[REGENCY] and "bandungkab" not in urls_by_rcpt[REGENCY]
    assert "kaboki" in urls_by_rcpt[PROVINCE] and "bandungkab" not in urls_by_rcpt[PROVINCE]
    assert all(u in urls_by_rcpt[NATIONAL] for u in ("sekayu", "kaboki", "bandungkab"))


def test_it_sends_one_digest_per_recipient(tmp_path, smtp_server):
    db = make_db(tmp_path)
    go_dormant(db, "https://dinkes.mubakab.go.id/")
    go_dormant(db, "https://www.youtube.com/@disdikmuba")
    go_dormant(db, "https://sekayu.mubakab.go.id/feed", days=120, new="close_recommended")

    result = send_pending(db, config(smtp_server), NOW)

    assert result.alerts == 3
    # It should send one mail per recipient, not one per alert: 3 alerts, 4 addresses, 4 mails.
    assert rcpts(smtp_server) == {REGENCY: 1, PROVINCE: 1, NATIONAL: 1, OWNER: 1}
    assert result.digests == 4
    regency = next(r.message for r in smtp_server.received if r.rcpt_tos == [REGENCY])
    assert regency["Subject"] == "[pantau] 3 akun perlu perhatian: 2 dormant, 1 direkomendasikan ditutup"
    owner = next(r.message for r in smtp_server.received if r.rcpt_tos == [OWNER])
    assert owner["Subject"] == "[pantau] 1 akun perlu perhatian: 1 dormant"


def test_it_processes_an_alert_nobody_covers_without_deliveries(tmp_path, smtp_server, caplog):
    db = make_db(tmp_path)
    go_dormant(db, "https://diskominfo.bandungkab.go.id/")
    cfg = config(smtp_server, recipients=RECIPIENTS[:1])

    with caplog.at_level(logging.WARNING, logger="pantau.alerts.send"):
        result = send_pending(db, cfg, NOW)

    assert result.alerts == 1 and result.unrouted == 1 and result.digests == 0
    # It should mark the alert processed so it is not routed again, and say which account and region.
    assert outbox.unprocessed_alerts(db) == []
    assert "32.04" in caplog.text and "Dinas Kominfo Kab. Bandung" in caplog.text
    assert smtp_server.received == []


def test_it_keeps_a_recipients_language_when_it_is_also_the_owner():
    cfg = from_dict(
        {
            "recipients": [
                {"email": "Kadis@Kominfo.mubakab.go.id", "regions": ["16.06"], "language": "en"},
            ]
        },
        None,
    )

    routes = routes_for(cfg, "16.06", "kadis@kominfo.mubakab.go.id")

    # It should list the address once, in the language the recipient asked for.
    assert [(r.email, r.language) for r in routes] == [("Kadis@Kominfo.mubakab.go.id", "en")]


def test_it_routes_an_account_without_region_to_the_national_view_only():
    cfg = from_dict({"recipients": RECIPIENTS}, None)

    # It should not guess a region: only "*" covers an account registered without one.
    assert [r.email for r in routes_for(cfg, "", None)] == [NATIONAL]


def test_it_accepts_several_owners_and_drops_what_is_not_an_address():
    # It should split a cell of several owners and never pass a display name into a header.
    assert owner_addresses("humas@a.go.id; admin@a.go.id") == ["humas@a.go.id", "admin@a.go.id"]
    assert owner_addresses("bukan alamat") == []
    assert owner_addresses(None) == []


def test_it_sends_one_digest_to_a_mailbox_spelled_two_ways(tmp_path, smtp_server):
    db = make_db(tmp_path)
    # The registry names the province's head as owner of a regency account outside its region.
    import_accounts(
        db,
        [
            {
                "institution": "Dinas Kominfo Prov. Jambi",
                "region": "15",
                "platform": "website",
                "url": "https://diskominfo.jambiprov.go.id/",
                "owner_email": PROVINCE.upper(),
            }
        ],
        NOW,
    )
    go_dormant(db, "https://diskominfo.jambiprov.go.id/")
    go_dormant(db, "https://diskominfo.kaboki.go.id/")

    send_pending(db, config(smtp_server), NOW)

    # It should treat addresses without regard to case: one mailbox, one digest.
    province = [r for r in smtp_server.received if r.rcpt_tos[0].lower() == PROVINCE]
    assert len(province) == 1
    text = province[0].message.get_body(preferencelist=("plain",)).get_content()
    assert "jambiprov" in text and "kaboki" in text
