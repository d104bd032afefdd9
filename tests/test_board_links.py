"""Every digest and weekly report carries its recipient's own signed board link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pantau.alerts.links import LinkError, open_link, sign_link
from pantau.alerts.report import weekly_report
from pantau.alerts.send import send_pending
from pantau.config.settings import ConfigError, from_dict
from pantau.storage.db import open_db
from tests.board_support import BANDUNG, MUBA, NOW, SECRET, SECRET_ENV, build_country, config_for

pytest_plugins = ["tests.smtp_server"]


def link_in(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    found = re.search(r"https://papan\.example\.go\.id/l/\S+", text)
    assert found, "no board link in the plain-text part"
    assert found.group(0) in html
    return found.group(0)


def test_digests_and_weekly_reports_carry_a_link_to_the_recipients_own_regions(tmp_path, smtp_server, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    cfg = config_for(tmp_path, smtp_server.smtp_config(), base_url="https://papan.example.go.id")
    build_country(cfg)
    db = open_db(cfg.db_path)
    send_pending(db, cfg, NOW)
    weekly_report(db, cfg, NOW, send=True)
    db.conn.close()
    by_rcpt: dict[str, list] = {}
    for r in smtp_server.received:
        for rcpt in r.rcpt_tos:
            by_rcpt.setdefault(rcpt, []).append(r.message)
    for email, regions in ((MUBA, ("16.06",)), (BANDUNG, ("32.73",))):
        mails = by_rcpt[email]
        assert len(mails) == 2  # the digest and the weekly report
        for msg in mails:
            scope, _ = open_link(cfg, link_in(msg).rsplit("/", 1)[1], NOW)
            # It should open exactly that recipient's regions
            assert (scope.who, scope.regions) == (email, regions)


def test_a_link_names_no_more_than_the_configuration_gives_now(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    cfg = config_for(tmp_path)
    link = sign_link(cfg, MUBA, NOW).rsplit("/", 1)[1]
    narrowed = from_dict(
        {"web": cfg.data["web"], "recipients": [{"email": "someone.else@example.go.id", "regions": ["16.06"]}]}, None
    )
    # It should stop working for a recipient removed from the configuration
    with pytest.raises(LinkError):
        open_link(narrowed, link, NOW)
    # ... and expire after link_days
    with pytest.raises(LinkError):
        open_link(cfg, link, NOW + timedelta(days=cfg.web["link_days"]))


def test_mails_carry_no_link_when_no_signing_key_is_set(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    cfg = config_for(tmp_path)
    # It should leave the link out rather than sign with nothing
    assert sign_link(cfg, MUBA, NOW) is None


@pytest.mark.parametrize(
    "web, words",
    [
        ({"port": 0}, "web.port"),
        ({"link_days": 0}, "web.link_days"),
        ({"base_url": "pantau.example.go.id"}, "web.base_url"),
        ({"hots": "0.0.0.0"}, 'web.hots (did you mean "host"?)'),
    ],
)
def test_bad_web_settings_stop_pantau_naming_the_key(web, words):
    with pytest.raises(ConfigError) as err:
        from_dict({"web": web}, None)
    # It should name the key
    assert words in str(err.value)
