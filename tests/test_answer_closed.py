"""A `closed` answer is verified by the next real check of the account, both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pantau.config.vocabulary import stored_reason
from pantau.monitor.answers import respond
from pantau.monitor.demo.server import Route
from pantau.monitor.demo.sites import wordpress_feed
from pantau.monitor.projection import status_rows

START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)


def idle_feed(sites):
    site = sites.serve({})
    site.routes["/feed/"] = Route(
        wordpress_feed("Dispar OKI", site.url, datetime.now(UTC), [("Festival Bidar Kayuagung", 130)]),
        content_type="application/rss+xml; charset=UTF-8",
    )
    return site


def at(monkeypatch, hours: int) -> datetime:
    """Move pantau's clock (PANTAU_NOW, which the checks follow too) to ``hours`` from the start."""
    when = START + timedelta(hours=hours)
    monkeypatch.setenv("PANTAU_NOW", when.isoformat())
    return when


def answered_closed(w, account_id, monkeypatch):
    w.evaluate(at(monkeypatch, 0))
    w.check()
    w.evaluate(START)
    assert w.account(account_id)["status"] == "close_recommended"
    # The office answers between two checks.
    respond(
        w.db,
        w.cfg,
        account_id,
        "closed",
        who="kadis@kominfo.okikab.go.id",
        now=at(monkeypatch, 1),
        note="akun sudah dihapus",
    )
    at(monkeypatch, 2)


def test_it_retires_an_account_answered_closed_once_a_check_finds_it_gone(sites, watch, monkeypatch):
    site = idle_feed(sites)
    w = watch()
    account_id = w.add(f"{site.url}/feed/", platform="feed")
    answered_closed(w, account_id, monkeypatch)

    site.routes["/feed/"] = Route("<h1>Not Found</h1>", status=404)
    w.check(account_id)
    w.evaluate(START + timedelta(hours=2))
    account = w.account(account_id)
    reason = stored_reason(account)

    # It should retire the account with the office's answer as the reason
    assert account["retired_at"] and account["status"] == "retired"
    assert str(reason).startswith("retired: the office answered it was closed (kadis@kominfo.okikab.go.id, ")
    assert "akun sudah dihapus" in str(reason) and "found it gone" in str(reason)
    assert reason.text("id").startswith("dinonaktifkan: instansi menjawab akun sudah ditutup")
    row = status_rows(w.cfg, w.db, START + timedelta(hours=2))[0]
    assert row["status"] == "retired" and row["response"]["kind"] == "closed"


def test_it_keeps_the_answer_and_says_so_when_an_account_answered_closed_is_still_online(sites, watch, monkeypatch):
    site = idle_feed(sites)
    w = watch()
    account_id = w.add(f"{site.url}/feed/", platform="feed")
    answered_closed(w, account_id, monkeypatch)

    w.check(account_id)
    w.evaluate(START + timedelta(hours=2))
    row = status_rows(w.cfg, w.db, START + timedelta(hours=2))[0]

    # It should keep the account and the answer, and say in the reason it is still online
    assert row["status"] == "close_recommended" and not w.account(account_id)["retired_at"]
    assert row["response"]["kind"] == "closed" and row["response"]["note"] == "akun sudah dihapus"
    assert "but the check of" in row["reason"] and "found it still online; last activity 1" in row["reason"]
    assert "masih menemukannya daring" in stored_reason(w.account(account_id)).text("id")


def test_it_waits_for_a_check_after_the_answer_before_judging_it(sites, watch, monkeypatch):
    site = idle_feed(sites)
    w = watch()
    account_id = w.add(f"{site.url}/feed/", platform="feed")
    answered_closed(w, account_id, monkeypatch)
    w.evaluate(START + timedelta(hours=2))
    row = status_rows(w.cfg, w.db, START + timedelta(hours=2))[0]

    # It should neither retire nor contradict an answer no check has seen yet
    assert row["status"] == "close_recommended"
    assert "closed" not in row["reason"] and row["response"]["kind"] == "closed"
