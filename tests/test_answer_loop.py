"""The answer loop: lapsed promises are alerted again, silence is escalated up the regions,
each exactly once, through the outbox and a real SMTP server; time moves, nothing sleeps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pantau.alerts.send import send_pending
from pantau.config.settings import from_dict
from pantau.monitor.answers import AnswerError, parent_region, respond
from pantau.monitor.evaluate import evaluate_all
from pantau.monitor.projection import status_rows
from pantau.storage.accounts import import_accounts
from pantau.storage.db import open_db
from pantau.storage.observations import record_observation

pytest_plugins = ["tests.smtp_server"]

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
KADIS = "kadis@kominfo.mubakab.go.id"
PROV = "kadis@diskominfo.sumselprov.go.id"
KOMDIGI = "pantau@komdigi.go.id"
RECIPIENTS = [
    {"name": "Kadis Kominfo Musi Banyuasin", "email": KADIS, "regions": ["16.06"]},
    {"name": "Kadis Kominfo Sumatera Selatan", "email": PROV, "regions": ["16"]},
    {"name": "Komdigi", "email": KOMDIGI, "regions": ["*"], "language": "en"},
]
SITE = "https://dispar.mubakab.go.id/"


def setup(tmp_path, smtp_server, *, days_idle: int, escalate: int = 14):
    cfg = from_dict(
        {
            "database": {"path": str(tmp_path / "p.db")},
            "smtp": smtp_server.smtp_config(),
            "recipients": RECIPIENTS,
            "policy": {"escalate_after_days": escalate},
        },
        None,
    )
    db = open_db(cfg.db_path)
    import_accounts(
        db,
        [
            {
                "institution": "Dinas Pariwisata Kab. Musi Banyuasin",
                "region": "16.06",
                "platform": "website",
                "url": SITE,
            }
        ],
        NOW - timedelta(days=300),
    )
    aid = db.execute("select id from accounts").fetchone()[0]
    check(db, aid, NOW, activity=NOW - timedelta(days=days_idle))
    return cfg, db, aid


def check(db, aid, at, *, activity=None, outcome="ok"):
    record_observation(
        db,
        {
            "account_id": aid,
            "checked_at": at,
            "outcome": outcome,
            "evidence": "feed",
            "activity_at": activity,
            "activity_url": SITE + "berita/1" if activity else None,
            "activity_title": "Festival Musi" if activity else None,
        },
    )


def alerts_run(db, cfg, at):
    """What `pantau alerts send` does: the full status pass, then delivery."""
    evaluate_all(db, cfg, at)
    return send_pending(db, cfg, at)


def mails(server, email, kind=None):
    got = [r.message for r in server.received if r.rcpt_tos == [email]]
    return [m for m in got if kind is None or kind in m["X-Pantau-Kinds"].split(", ")]


def test_it_names_the_parent_region_of_a_regency_and_of_a_province():
    # It should go from a regency to its province and from a province to the nation
    assert (parent_region("16.06"), parent_region("16"), parent_region(None), parent_region("16.06.01")) == (
        "16",
        "*",
        "*",
        "16.06",
    )


def test_it_escalates_an_unanswered_close_recommendation_to_the_province_then_to_the_nation(tmp_path, smtp_server):
    cfg, db, aid = setup(tmp_path, smtp_server, days_idle=120)
    alerts_run(db, cfg, NOW)
    assert [m["X-Pantau-Kinds"] for m in mails(smtp_server, KADIS)] == ["close_recommended"]
    assert mails(smtp_server, PROV, "escalated") == []

    alerts_run(db, cfg, NOW + timedelta(days=13))
    assert mails(smtp_server, PROV, "escalated") == []
    alerts_run(db, cfg, NOW + timedelta(days=14, hours=1))
    alerts_run(db, cfg, NOW + timedelta(days=20))

    # It should escalate to the province once, after escalate_after_days, and not to the regency
    # or the nation yet
    step1 = mails(smtp_server, PROV, "escalated")
    assert len(step1) == 1
    assert step1[0]["X-Pantau-Kinds"] == "escalated"
    assert "Belum ada jawaban instansi sejak 3 Maret 2025 (14 hari)" in step1[0].get_body(("plain",)).get_content()
    assert mails(smtp_server, KADIS, "escalated") == [] and mails(smtp_server, KOMDIGI, "escalated") == []

    alerts_run(db, cfg, NOW + timedelta(days=28, hours=2))
    alerts_run(db, cfg, NOW + timedelta(days=40))
    alerts_run(db, cfg, NOW + timedelta(days=80))

    national = mails(smtp_server, KOMDIGI, "escalated")
    # It should then go to the national view once, escalate_after_days after the first step
    assert len(national) == 1
    assert "escalated to you as the national view" in national[0].get_body(("plain",)).get_content()
    assert len(mails(smtp_server, PROV, "escalated")) == 1


def test_it_does_not_escalate_an_account_the_office_answered(tmp_path, smtp_server):
    cfg, db, aid = setup(tmp_path, smtp_server, days_idle=120)
    alerts_run(db, cfg, NOW)
    respond(db, cfg, aid, "exception", who="cli:budi", now=NOW + timedelta(days=2), note="akun arsip Pilkada")

    alerts_run(db, cfg, NOW + timedelta(days=15))
    alerts_run(db, cfg, NOW + timedelta(days=60))

    # It should leave an answered account alone however long it stays idle
    assert [m for r in (KADIS, PROV, KOMDIGI) for m in mails(smtp_server, r, "escalated")] == []


def test_it_escalates_at_the_next_alerts_run_when_escalate_after_days_is_zero(tmp_path, smtp_server):
    cfg, db, aid = setup(tmp_path, smtp_server, days_idle=120, escalate=0)
    alerts_run(db, cfg, NOW)
    after_first = len(mails(smtp_server, PROV, "escalated"))
    alerts_run(db, cfg, NOW + timedelta(hours=1))
    alerts_run(db, cfg, NOW + timedelta(hours=2))

    # It should escalate at the first alerts run, then to the nation at the next, and stop there
    assert after_first == 1
    assert len(mails(smtp_server, PROV, "escalated")) == 1
    assert len(mails(smtp_server, KOMDIGI, "escalated")) == 1


def test_it_alerts_a_lapsed_promise_to_reactivate_once(tmp_path, smtp_server):
    cfg, db, aid = setup(tmp_path, smtp_server, days_idle=45)
    alerts_run(db, cfg, NOW)
    respond(
        db,
        cfg,
        aid,
        "will_reactivate",
        who="cli:budi",
        now=NOW + timedelta(hours=1),
        by=date(2025, 3, 10),
        note="admin baru",
    )

    alerts_run(db, cfg, NOW + timedelta(days=7))  # 10 March, the promised day itself
    assert mails(smtp_server, KADIS, "will_reactivate_expired") == []
    assert status_rows(cfg, db, NOW + timedelta(days=7))[0]["response"]["by"] == "2025-03-10"

    alerts_run(db, cfg, NOW + timedelta(days=8))
    alerts_run(db, cfg, NOW + timedelta(days=9))
    alerts_run(db, cfg, NOW + timedelta(days=30))

    lapsed = mails(smtp_server, KADIS, "will_reactivate_expired")
    # It should alert the account again once the promised day has passed with no new activity
    assert len(lapsed) == 1
    assert lapsed[0]["X-Pantau-Kinds"] == "will_reactivate_expired"
    assert "paling lambat 2025-03-10" in lapsed[0].get_body(("plain",)).get_content()
    assert status_rows(cfg, db, NOW + timedelta(days=30))[0]["response"] is None


def test_it_closes_a_promise_kept_without_alerting(tmp_path, smtp_server):
    cfg, db, aid = setup(tmp_path, smtp_server, days_idle=45)
    alerts_run(db, cfg, NOW)
    respond(db, cfg, aid, "will_reactivate", who="cli:budi", now=NOW + timedelta(hours=1), by=date(2025, 3, 10))
    check(db, aid, NOW + timedelta(days=5), activity=NOW + timedelta(days=4))

    alerts_run(db, cfg, NOW + timedelta(days=5))
    alerts_run(db, cfg, NOW + timedelta(days=20))

    # It should resolve a promise the account kept, with no lapsed-promise alert
    assert mails(smtp_server, KADIS, "will_reactivate_expired") == []
    assert db.execute("select resolution from responses").fetchone()[0] == "reactivated"


def test_it_refuses_a_promise_dated_in_the_past(tmp_path, smtp_server):
    cfg, db, aid = setup(tmp_path, smtp_server, days_idle=45)
    # It should refuse a will_reactivate date that has already gone by
    with pytest.raises(AnswerError, match="already past"):
        respond(db, cfg, aid, "will_reactivate", who="cli:budi", now=NOW, by=date(2025, 3, 1))


def test_every_alert_mail_says_which_kinds_it_holds(tmp_path, smtp_server):
    cfg, db, aid = setup(tmp_path, smtp_server, days_idle=45)
    alerts_run(db, cfg, NOW)
    check(db, aid, NOW + timedelta(days=1), activity=NOW + timedelta(days=1))
    alerts_run(db, cfg, NOW + timedelta(days=1))

    kinds = [m["X-Pantau-Kinds"] for m in mails(smtp_server, KADIS)]
    # It should name a return to active as `active`, as INTERFACE.md lists it
    assert kinds == ["dormant", "active"]
