"""One address's problem stays with that address: the other digests are still delivered.

The mail server here is aiosmtpd as it ships: it does not offer SMTPUTF8, like many
government relays, so a non-ASCII address is a real problem for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pantau.alerts.report import weekly_report
from pantau.alerts.send import send_pending
from pantau.config.settings import from_dict
from pantau.monitor.policy import alert_kind
from pantau.storage.accounts import get_account, import_accounts
from pantau.storage.db import open_db
from pantau.storage.observations import record_observation
from pantau.storage.status import apply_status

pytest_plugins = ["tests.smtp_server"]


@pytest.fixture
def smtp_server(make_smtp_server):
    return make_smtp_server(smtputf8=False)


NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)
KADIS = "kadis@kominfo.mubakab.go.id"
IDN_OWNER = "admin@kominfö.go.id"
UTF8_OWNER = "ädmin@kominfo.okikab.go.id"
HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"


def _dormant(db, url: str) -> None:
    aid = next(a["id"] for a in db["accounts"].rows if a["url"] == url)
    record_observation(
        db,
        {
            "account_id": aid,
            "checked_at": NOW,
            "outcome": "ok",
            "evidence": "feed",
            "activity_at": NOW - timedelta(days=45),
            "activity_url": url + "berita/1",
            "activity_title": "Rapat",
        },
    )
    acc = get_account(db, aid)
    apply_status(
        db,
        acc,
        "dormant",
        "last activity 45 days ago",
        NOW,
        alert_kind=alert_kind(acc["status"], "dormant"),
        days_inactive=45,
    )


def _setup(tmp_path, server, owners: list[str]):
    db = open_db(tmp_path / "p.db")
    rows = [
        {
            "institution": f"Dinas {i}",
            "region": "16.06",
            "platform": "website",
            "url": f"https://dinas{i}.mubakab.go.id/",
            "owner_email": owner,
        }
        for i, owner in enumerate(owners)
    ]
    import_accounts(db, rows, NOW - timedelta(days=200))
    for row in rows:
        _dormant(db, row["url"])
    cfg = from_dict(
        {"smtp": server.smtp_config(), "recipients": [{"name": "Kadis", "email": KADIS, "regions": ["16.06"]}]}, None
    )
    return db, cfg


def test_it_sends_to_an_internationalised_domain_in_idna_without_smtputf8(tmp_path, smtp_server):
    db, cfg = _setup(tmp_path, smtp_server, [IDN_OWNER, "humas@dinkes.mubakab.go.id"])

    result = send_pending(db, cfg, NOW)

    rcpts = sorted(r.rcpt_tos[0] for r in smtp_server.received)
    # It should reach the owner at the IDNA form of the domain, and everyone else as well
    assert rcpts == sorted(["admin@xn--kominf-1xa.go.id", "humas@dinkes.mubakab.go.id", KADIS])
    assert result.errors == [] and result.pending == 0


def test_an_address_the_server_cannot_take_fails_alone_and_the_others_are_delivered(tmp_path, smtp_server):
    # A non-ASCII local part needs SMTPUTF8, which this server does not offer; the owner sorts
    # first, so the run must go on past it.
    db, cfg = _setup(tmp_path, smtp_server, [UTF8_OWNER, "humas@dinkes.mubakab.go.id"])

    result = send_pending(db, cfg, NOW)

    rcpts = sorted(r.rcpt_tos[0] for r in smtp_server.received)
    # It should deliver every other digest and name the address that failed, and why
    assert rcpts == sorted(["humas@dinkes.mubakab.go.id", KADIS])
    assert len(result.errors) == 1 and result.errors[0].startswith(UTF8_OWNER)
    assert "SMTPUTF8" in result.errors[0]
    # It should give that address up for good rather than retry it on every run
    assert result.pending == 0
    again = send_pending(db, cfg, NOW + timedelta(hours=1))
    assert again.errors == [] and len(smtp_server.received) == 2


def test_a_stored_address_that_is_no_address_fails_alone(tmp_path, smtp_server):
    # An old database may hold what the registry check now refuses.
    db, cfg = _setup(tmp_path, smtp_server, ["humas@dinkes..go.id"])

    result = send_pending(db, cfg, NOW)

    # It should deliver the recipient's digest and report the owner's address as unusable
    assert [r.rcpt_tos for r in smtp_server.received] == [[KADIS]]
    assert len(result.errors) == 1 and "humas@dinkes..go.id" in result.errors[0]


@pytest.mark.parametrize("owner", ["humas@dinkes..go.id", "humas@-dinkes.go.id", "humas@dinkes_kab.go.id"])
def test_the_registry_rejects_an_owner_email_that_is_no_address_at_its_line(project, owner):
    project.write(
        "registry.csv",
        HEADER
        + "Dinas Kominfo,16.06,website,,https://mubakab.go.id,,kominfo@mubakab.go.id,,\n"
        + f"Dinas Kesehatan,16.06,website,,https://dinkes.mubakab.go.id,,{owner},,\n",
    )

    result = project.run("registry", "import", "registry.csv")

    # It should reject that row at its line and keep the good one
    assert result.returncode == 2
    assert result.stderr.startswith(f'registry.csv:3: owner_email "{owner}" is not an email address')
    assert "added 1," in result.stdout


def test_the_registry_accepts_an_internationalised_domain(project):
    project.write("registry.csv", HEADER + f"Dinas Kominfo,16.06,website,,https://mubakab.go.id,,{IDN_OWNER},,\n")

    result = project.run("registry", "import", "registry.csv")

    # It should keep the address as written (it is sent in IDNA form)
    assert result.returncode == 0, result.stderr
    assert [a["owner_email"] for a in project.accounts()] == [IDN_OWNER]


def test_an_internationalised_sender_and_recipient_in_the_config_get_through_too(tmp_path, smtp_server):
    db = open_db(tmp_path / "p.db")
    import_accounts(
        db,
        [
            {
                "institution": "Dinas Kominfo",
                "region": "16.06",
                "platform": "website",
                "url": "https://kominfo.mubakab.go.id/",
            }
        ],
        NOW - timedelta(days=200),
    )
    _dormant(db, "https://kominfo.mubakab.go.id/")
    cfg = from_dict(
        {
            "smtp": smtp_server.smtp_config(sender="pantau@kominfö.go.id"),
            "recipients": [{"name": "Kadis", "email": "kadis@mubakabö.go.id", "regions": ["16.06"]}],
        },
        None,
    )

    digest = send_pending(db, cfg, NOW)
    report = weekly_report(db, cfg, NOW, week="2024-W47", send=True)

    # It should deliver the digest and the weekly report with both addresses in IDNA, in the
    # envelope and in the headers
    assert digest.errors == [] and report.errors == []
    assert [r.rcpt_tos for r in smtp_server.received] == [["kadis@xn--mubakab-g1a.go.id"]] * 2
    assert {r.mail_from for r in smtp_server.received} == {"pantau@xn--kominf-1xa.go.id"}
    assert {str(m["From"]) for m in smtp_server.messages} == {"pantau@xn--kominf-1xa.go.id"}
    assert {str(m["To"]) for m in smtp_server.messages} == {"kadis@xn--mubakab-g1a.go.id"}
