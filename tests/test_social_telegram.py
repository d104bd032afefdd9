"""Telegram channels, end to end: the public preview, private channels and vanished names."""

from __future__ import annotations

from social_support import NOW, serve

from pantau.monitor.demo.server import Route


def telegram_config(site):
    return {"platforms": {"telegram": {"preview_url": site.url + "/s/{handle}"}}}


def test_it_takes_the_newest_message_of_a_public_channel_as_evidence(watch, sites):
    site = sites.serve({"/s/kominfomuba": serve("telegram_preview_active.html")})
    w = watch(**telegram_config(site))
    acct = w.add("https://t.me/kominfomuba", "telegram")

    w.check()
    w.evaluate(NOW)

    # It should store the newest message's time, link and text, from the preview page
    obs = w.last(acct)
    assert obs["outcome"] == "ok", obs["error"]
    assert obs["activity_at"] == "2024-11-20T03:15:00+00:00"
    assert obs["activity_url"] == "https://t.me/kominfomuba/1201"
    assert obs["activity_title"].startswith("Bupati Muba meresmikan jembatan")
    assert obs["evidence"] == "page-date"
    assert w.account(acct)["status"] == "active"


def test_a_channel_whose_last_post_is_old_is_dormant(watch, sites):
    site = sites.serve({"/s/dispar_oku": serve("telegram_preview_dormant.html")})
    w = watch(**telegram_config(site))
    acct = w.add("https://t.me/s/dispar_oku", "telegram")

    w.check()
    w.evaluate(NOW)

    # It should ignore Telegram's "photo updated" note and judge by the last post (9 September)
    assert w.last(acct)["activity_at"] == "2024-09-09T09:30:00+00:00"
    assert w.account(acct)["status"] == "dormant"


def test_a_public_channel_without_posts_is_read_but_has_no_activity(watch, sites):
    site = sites.serve({"/s/bappedamuba": serve("telegram_preview_empty.html")})
    w = watch(**telegram_config(site))
    acct = w.add("https://t.me/bappedamuba", "telegram")

    w.check()

    # It should succeed without inventing a date
    obs = w.last(acct)
    assert (obs["outcome"], obs["activity_at"]) == ("ok", None)


def test_a_name_without_a_public_preview_is_reported_as_unreadable_not_gone(watch, sites):
    site = sites.serve(
        {"/s/grupdiskominfo": Route(redirect="/grupdiskominfo"), "/grupdiskominfo": serve("telegram_private.html")}
    )
    w = watch(**telegram_config(site))
    acct = w.add("https://t.me/grupdiskominfo", "telegram")

    w.check()
    w.evaluate(NOW)

    # It should say there is no public preview and what the operator can do, not "not found"
    obs = w.last(acct)
    assert obs["outcome"] == "unsupported"
    assert "no public preview" in obs["error"] and "pantau attest" in obs["error"]
    account = w.account(acct)
    assert account["status"] == "unknown"
    assert "no public preview" in account["status_reason"]


def test_a_name_that_does_not_exist_is_not_found(watch, sites):
    site = sites.serve(
        {"/s/kominfohilang": Route(redirect="/kominfohilang"), "/kominfohilang": serve("telegram_not_found.html")}
    )
    w = watch(**telegram_config(site))
    acct = w.add("https://t.me/kominfohilang", "telegram")

    for _ in range(3):
        w.check()
    w.evaluate(NOW)

    # It should report the account gone; three checks in a row make it unreachable
    obs = w.last(acct)
    assert obs["outcome"] == "not_found"
    assert obs["error"].startswith("account not found")
    assert w.account(acct)["status"] == "unreachable"
    assert w.account(acct)["status_reason"].startswith("account not found")


def test_telegram_being_down_is_an_error_not_a_vanished_account(watch, sites):
    site = sites.serve({"/s/kominfomuba": Route("<h1>502 Bad Gateway</h1>", status=502)})
    w = watch(**telegram_config(site))
    acct = w.add("https://t.me/kominfomuba", "telegram")

    w.check()

    # It should keep "site down" apart from "account gone"
    obs = w.last(acct)
    assert obs["outcome"] == "error"
    assert "502" in obs["error"]
