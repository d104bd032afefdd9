"""Digests are delivered once, survive an SMTP outage, log in over TLS, and are safe to read."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pantau.alerts.send import send_pending
from pantau.config.settings import from_dict
from pantau.monitor.policy import alert_kind
from pantau.storage import outbox
from pantau.storage.accounts import get_account, import_accounts, retire_account
from pantau.storage.db import open_db
from pantau.storage.observations import record_observation
from pantau.storage.status import apply_status

pytest_plugins = ["tests.smtp_server"]

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)
SENDER = "pantau@kominfo.example.go.id"
KADIS = "kadis@kominfo.mubakab.go.id"
KOMDIGI = "pantau@komdigi.go.id"
OWNER = "humas@dinkes.mubakab.go.id"

RECIPIENTS = [
    {"name": "Kepala Dinas Kominfo Kab. Musi Banyuasin", "email": KADIS, "regions": ["16.06"]},
    {"name": "Komdigi", "email": KOMDIGI, "regions": ["*"], "language": "en"},
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
        "institution": "Dinas Pertanian <b>Kab.</b> Musi Banyuasin",
        "region": "16.06",
        "platform": "website",
        "url": "javascript:alert(document.cookie)//",
    },
]


def make_db(tmp_path):
    db = open_db(tmp_path / "p.db")
    import_accounts(db, REGISTRY, NOW - timedelta(days=200))
    return db


def account_id(db, url: str) -> int:
    return next(a["id"] for a in db["accounts"].rows if a["url"] == url)


def transition(
    db,
    url: str,
    new: str = "dormant",
    *,
    days: int = 45,
    title: str = "Rapat koordinasi",
    post_url: str | None = None,
    now: datetime = NOW,
) -> None:
    aid = account_id(db, url)
    record_observation(
        db,
        {
            "account_id": aid,
            "checked_at": now,
            "outcome": "ok",
            "evidence": "feed",
            "activity_at": now - timedelta(days=days),
            "activity_url": post_url or url.rstrip("/") + "/berita/1",
            "activity_title": title,
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


def config(server, **smtp):
    return from_dict({"smtp": server.smtp_config(**smtp), "recipients": RECIPIENTS}, None)


def to(server, email):
    return [r.message for r in server.received if r.rcpt_tos == [email]]


def html_of(msg) -> str:
    return msg.get_body(preferencelist=("html",)).get_content()


def text_of(msg) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_it_does_not_send_anything_twice_across_runs(tmp_path, smtp_server):
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")
    cfg = config(smtp_server)

    first = send_pending(db, cfg, NOW)
    second = send_pending(db, cfg, NOW + timedelta(hours=1))
    transition(db, "https://www.youtube.com/@disdikmuba", now=NOW + timedelta(hours=2))
    third = send_pending(db, cfg, NOW + timedelta(hours=2))

    assert (first.digests, second.digests, third.digests) == (3, 0, 2)
    assert second.alerts == 0 and third.pending == 0
    # It should mail each alert to each address exactly once, however often it runs.
    assert len(to(smtp_server, OWNER)) == 1
    assert len(to(smtp_server, KADIS)) == 2
    assert "disdikmuba" not in text_of(to(smtp_server, KADIS)[0])
    assert "dinkes" not in text_of(to(smtp_server, KADIS)[1])


def test_it_delivers_once_after_the_smtp_server_comes_back(tmp_path, smtp_server):
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")
    cfg = config(smtp_server)
    smtp_server.stop()

    down = send_pending(db, cfg, NOW)

    assert down.digests == 0 and down.alerts == 1 and down.pending == 3
    assert down.errors and "cannot reach SMTP server" in down.errors[0]
    rows = list(db["deliveries"].rows)
    # It should keep every delivery pending, counting the attempt and saying why.
    assert all(r["sent_at"] is None and r["failed_at"] is None for r in rows)
    assert all(r["attempts"] == 1 and "Connection refused" in r["last_error"] for r in rows)

    smtp_server.start()
    back = send_pending(db, cfg, NOW + timedelta(hours=1))
    again = send_pending(db, cfg, NOW + timedelta(hours=2))

    assert back.digests == 3 and back.pending == 0 and back.errors == []
    assert again.digests == 0
    # It should deliver the waiting digests exactly once when the server is back.
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted([KADIS, KOMDIGI, OWNER])
    assert all(r["sent_at"] and r["attempts"] == 2 and r["last_error"] is None for r in db["deliveries"].rows)


def test_it_keeps_sending_to_others_when_one_address_is_refused(tmp_path, make_smtp_server):
    server = make_smtp_server(reject=[OWNER])
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")

    result = send_pending(db, config(server), NOW)
    later = send_pending(db, config(server), NOW + timedelta(hours=1))

    # It should deliver to the others and give up on the refused address, not retry it forever.
    assert sorted(r.rcpt_tos[0] for r in server.received) == sorted([KADIS, KOMDIGI])
    assert result.digests == 2 and len(result.errors) == 1 and OWNER in result.errors[0]
    refused = next(r for r in db["deliveries"].rows if r["email"] == OWNER)
    assert refused["failed_at"] and refused["sent_at"] is None and "550" in refused["last_error"]
    assert later.digests == 0 and later.pending == 0 and refused["attempts"] == 1


def test_it_retries_an_address_the_server_defers(tmp_path, make_smtp_server):
    server = make_smtp_server(defer=[OWNER])
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")

    result = send_pending(db, config(server), NOW)

    assert result.digests == 2 and result.pending == 1 and "451" in result.errors[0]
    deferred = next(r for r in db["deliveries"].rows if r["email"] == OWNER)
    # It should keep a 4xx answer pending for the next run, unlike a 5xx.
    assert deferred["failed_at"] is None and deferred["attempts"] == 1

    server.defer.clear()
    later = send_pending(db, config(server), NOW + timedelta(hours=1))
    assert later.digests == 1 and later.pending == 0
    assert sorted(r.rcpt_tos[0] for r in server.received) == sorted([KADIS, KOMDIGI, OWNER])


def test_it_logs_in_over_starttls_with_the_password_from_the_environment(tmp_path, make_smtp_server, monkeypatch):
    server = make_smtp_server(security="starttls", auth=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
    monkeypatch.setenv("PANTAU_TEST_SMTP_PASSWORD", server.password)
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")

    result = send_pending(db, config(server), NOW)

    assert result.errors == [] and result.digests == 3
    # It should upgrade to TLS (verifying the certificate) before logging in.
    assert all(r.tls and r.login == "pantau" for r in server.received)
    assert {m for m, ok in server.logins} == {"PLAIN"}


def test_it_logs_in_over_implicit_ssl_with_auth_login(tmp_path, make_smtp_server, monkeypatch):
    server = make_smtp_server(security="ssl", auth=True, exclude_mechanisms=["PLAIN"])
    monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
    monkeypatch.setenv("PANTAU_TEST_SMTP_PASSWORD", server.password)
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")

    result = send_pending(db, config(server), NOW)

    assert result.errors == [] and result.digests == 3
    # It should speak TLS from the first byte and log in with AUTH LOGIN.
    assert all(r.tls and r.login == "pantau" for r in server.received)
    assert {m for m, ok in server.logins} == {"LOGIN"}


def test_it_keeps_deliveries_pending_when_the_login_is_refused(tmp_path, make_smtp_server, monkeypatch):
    server = make_smtp_server(security="ssl", auth=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
    monkeypatch.setenv("PANTAU_TEST_SMTP_PASSWORD", "salah")
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")

    result = send_pending(db, config(server), NOW)

    assert server.received == [] and result.pending == 3
    assert "login" in result.errors[0] and "PANTAU_TEST_SMTP_PASSWORD" in result.errors[0]
    # It should stop at the first refused login (the operator must fix it) and lose nothing:
    # one connection, where smtplib tries PLAIN and then LOGIN.
    assert server.logins == [("PLAIN", False), ("LOGIN", False)]
    assert all(r["failed_at"] is None and r["attempts"] == 1 for r in db["deliveries"].rows)

    monkeypatch.setenv("PANTAU_TEST_SMTP_PASSWORD", server.password)
    assert send_pending(db, config(server), NOW + timedelta(hours=1)).digests == 3


def test_it_refuses_to_send_without_a_trusted_certificate(tmp_path, make_smtp_server, monkeypatch):
    server = make_smtp_server(security="starttls")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "empty.pem"))
    (tmp_path / "empty.pem").write_text("")
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")

    result = send_pending(db, config(server), NOW)

    # It should not fall back to an unverified connection.
    assert server.received == [] and result.pending == 3
    assert "certificate" in result.errors[0]


def test_it_writes_english_for_an_english_recipient(tmp_path, smtp_server):
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")
    transition(db, "https://www.youtube.com/@disdikmuba", "close_recommended", days=120)

    send_pending(db, config(smtp_server), NOW)

    [english] = to(smtp_server, KOMDIGI)
    [indonesian] = to(smtp_server, KADIS)
    # It should write the subject and body in the recipient's language.
    assert english["Subject"] == "[pantau] 2 accounts need attention: 1 dormant, 1 close recommended"
    assert (
        "Minister of Communication and Digital (Feb 2025): an official account that is not run should be "
        "closed." in text_of(english)
    )
    assert "Days inactive: 120" in text_of(english) and "Hari" not in text_of(english)
    assert english["Content-Language"] == "en"
    assert indonesian["Subject"] == "[pantau] 2 akun perlu perhatian: 1 dormant, 1 direkomendasikan ditutup"
    assert "Arahan Menteri Komunikasi dan Digital (Feb 2025): akun resmi yang tidak dikelola harus ditutup." in html_of(
        indonesian
    )
    assert "direkomendasikan ditutup" in text_of(indonesian) and "tidak aktif (dormant)" in text_of(indonesian)


def test_it_builds_a_multipart_alternative_mail_with_stable_headers(tmp_path, smtp_server):
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")

    send_pending(db, config(smtp_server), NOW)

    [msg] = to(smtp_server, KADIS)
    # It should send plain text and HTML alternatives from the configured sender.
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["From"] == SENDER and msg["To"] == KADIS
    assert msg["Date"].datetime == NOW
    assert re.fullmatch(r"<pantau-digest-[0-9a-f]{32}@kominfo\.example\.go\.id>", msg["Message-ID"])
    assert smtp_server.received[0].mail_from == SENDER


def test_it_escapes_what_comes_from_the_web(tmp_path, smtp_server):
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/", title="<script>alert(1)</script>", post_url="javascript:alert(2)")
    transition(db, "javascript:alert(document.cookie)//")

    send_pending(db, config(smtp_server), NOW)

    html = html_of(to(smtp_server, KADIS)[0])
    # It should show a script title as text, never as markup.
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Kab.&lt;/b&gt;" in html
    # It should not make a link of a javascript: URL, only show it.
    assert 'href="javascript:' not in html.replace(" ", "")
    assert "javascript:alert(document.cookie)//" in html
    assert '<a href="https://dinkes.mubakab.go.id/">' in html
    assert "<script>alert(1)</script>" in text_of(to(smtp_server, KADIS)[0])


def test_it_writes_nothing_in_a_dry_run(tmp_path, smtp_server):
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")
    transition(db, "https://www.youtube.com/@disdikmuba", "close_recommended", days=120)
    before = {t: list(db[t].rows) for t in ("alerts", "deliveries", "reports", "status_changes")}
    total_changes = db.conn.total_changes

    result = send_pending(db, config(smtp_server), NOW, dry_run=True)

    # It should change nothing in the database and send nothing.
    assert db.conn.total_changes == total_changes
    assert {t: list(db[t].rows) for t in before} == before
    assert smtp_server.received == []
    # It should still show what a real run would send.
    assert result.alerts == 2 and result.digests == 3
    assert {p.email for p in result.previews} == {KADIS, KOMDIGI, OWNER}
    kadis = next(p for p in result.previews if p.email == KADIS)
    assert kadis.subject == "[pantau] 2 akun perlu perhatian: 1 dormant, 1 direkomendasikan ditutup"
    assert "https://dinkes.mubakab.go.id/" in kadis.text

    real = send_pending(db, config(smtp_server), NOW)
    assert real.digests == 3 and len(smtp_server.received) == 3


def test_it_previews_deliveries_left_pending_by_an_outage(tmp_path, smtp_server):
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")
    smtp_server.stop()
    send_pending(db, config(smtp_server), NOW)

    result = send_pending(db, config(smtp_server), NOW, dry_run=True)

    # It should preview what is still waiting, not only new alerts.
    assert result.alerts == 0 and result.digests == 3 and result.pending == 3


def test_it_does_not_alert_about_a_retired_account(tmp_path, smtp_server):
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")
    retire_account(db, account_id(db, "https://dinkes.mubakab.go.id/"), "merged into Dinas Kominfo", NOW)

    result = send_pending(db, config(smtp_server), NOW)

    # It should process the alert without mailing anyone about an account closed on purpose.
    assert result.alerts == 1 and result.digests == 0 and smtp_server.received == []


def test_it_leaves_deliveries_another_sender_holds_until_its_lease_expires(tmp_path, smtp_server):
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")
    send_pending(db, config(smtp_server), NOW, dry_run=True)
    # Another process (the daemon) routes the alert and leases the owner's delivery.
    other = open_db(tmp_path / "p.db")
    alert = outbox.unprocessed_alerts(other)[0]
    outbox.claim_alerts(other, [(alert["alert_id"], [(OWNER, "id"), (KADIS, "id")])], NOW)
    held = outbox.claim_deliveries(other, OWNER, "daemon-1", NOW, NOW + timedelta(minutes=15))
    assert len(held) == 1

    result = send_pending(db, config(smtp_server), NOW + timedelta(minutes=1))

    # It should not mail a delivery another sender is mailing right now.
    assert [r.rcpt_tos for r in smtp_server.received] == [[KADIS]]
    assert result.alerts == 0

    later = send_pending(db, config(smtp_server), NOW + timedelta(minutes=20))
    assert later.digests == 1 and smtp_server.received[-1].rcpt_tos == [OWNER]


def test_it_attaches_the_full_list_when_a_digest_is_long(tmp_path, smtp_server, monkeypatch):
    import pantau.alerts.send as send_module

    monkeypatch.setattr(send_module, "MAX_LISTED", 1)
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")
    transition(db, "https://www.youtube.com/@disdikmuba")

    send_pending(db, config(smtp_server), NOW)

    [msg] = to(smtp_server, KADIS)
    # It should list what fits and put every account in a CSV attachment.
    assert "dan 1 akun lainnya" in text_of(msg)
    [csv_part] = list(msg.iter_attachments())
    assert csv_part.get_filename() == "pantau-digest.csv"
    data = csv_part.get_content()
    assert "dinkes.mubakab.go.id" in data and "disdikmuba" in data


def test_it_tells_when_an_account_is_run_again(tmp_path, smtp_server):
    db = make_db(tmp_path)
    transition(db, "https://dinkes.mubakab.go.id/")
    send_pending(db, config(smtp_server), NOW)
    transition(db, "https://dinkes.mubakab.go.id/", "active", days=1, now=NOW + timedelta(days=3))

    result = send_pending(db, config(smtp_server), NOW + timedelta(days=3))

    assert result.alerts == 1 and result.digests == 3
    # It should send the good news too, labelled as such.
    assert to(smtp_server, KADIS)[-1]["Subject"] == "[pantau] 1 akun aktif kembali"
    assert to(smtp_server, KOMDIGI)[-1]["Subject"] == "[pantau] 1 account revived"
    assert "Status: aktif" in text_of(to(smtp_server, KADIS)[-1])
