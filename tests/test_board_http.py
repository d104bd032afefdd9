"""The board over plain HTTP (httpx against the real uvicorn server on loopback): scopes, the
API, metrics, CSRF, answers, and the signed links the mails carry."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from pantau.alerts.links import sign_link
from pantau.monitor.board.serve import BackgroundBoard
from pantau.monitor.demo.server import free_port
from pantau.monitor.projection import status_rows
from pantau.storage.db import open_db
from pantau.storage.responses import current_response
from tests.board_support import (
    BANDUNG,
    MUBA,
    NOW,
    OWNER,
    PASSWORD,
    PASSWORD_ENV,
    SECRET,
    SECRET_ENV,
    build_country,
    clock,
    config_for,
)
from tests.conftest import pantau_command


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv(SECRET_ENV, SECRET)
    mp.setenv(PASSWORD_ENV, PASSWORD)
    cfg = config_for(tmp_path_factory.mktemp("board"))
    country = build_country(cfg)
    server = BackgroundBoard(cfg, clock(), background_snapshots=False).start()
    yield cfg, country, server
    server.stop()
    mp.undo()


@contextmanager
def client_for(board, email: str | None = None, *, at=NOW) -> Iterator[httpx.Client]:
    """A browser-like client (it keeps cookies) that opened ``email``'s mailed link."""
    cfg, _, server = board
    with httpx.Client(base_url=server.url, timeout=10) as client:
        if email:
            token = sign_link(cfg, email, at).rsplit("/", 1)[1]
            assert client.get(f"/l/{token}").status_code == 303
        yield client


@contextmanager
def admin(board) -> Iterator[httpx.Client]:
    with client_for(board) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        assert client.post("/login", data={"csrf": csrf, "password": PASSWORD}).status_code == 303
        yield client


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_the_api_answers_the_status_json_of_the_links_scope_only(board):
    cfg, country, _ = board
    with client_for(board, MUBA) as c:
        got = c.get("/api/v1/accounts")
    db = open_db(cfg.db_path)
    want = json.loads(json.dumps(status_rows(cfg, db, NOW, regions=["16.06"])))
    db.conn.close()
    # It should answer a bare array with the same elements as `status --format json`, in scope,
    # and forbid framing and foreign content like every page
    assert (
        got.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in got.headers["content-security-policy"]
    )
    assert got.headers["content-type"].startswith("application/json")
    assert got.json() == want
    assert {r["region"] for r in got.json()} == {"16.06"}


def test_the_admin_api_answers_every_account_like_status_json(board, project_cli):
    cfg, _, _ = board
    with admin(board) as c:
        got = c.get("/api/v1/accounts").json()
    # It should be exactly what `pantau status --format json` prints
    assert got == project_cli(cfg)


def test_the_api_refuses_a_reader_without_a_link(board):
    with client_for(board) as c:
        r = c.get("/api/v1/accounts")
    # It should answer 401 and no data
    assert r.status_code == 401
    assert "institution" not in r.text


def test_an_account_outside_the_scope_answers_404_like_one_that_does_not_exist(board):
    _, country, _ = board
    with client_for(board, MUBA) as c:
        outside = c.get(f"/accounts/{country.ids['bdg_dead']}")
        missing = c.get("/accounts/999999")
        region = c.get("/regions/32.73")
        inside = c.get(f"/accounts/{country.ids['muba_close']}")
    with client_for(board, MUBA) as c:
        province = c.get("/regions/16").text
    # It should show a regency's head only their regency inside their province's page
    assert "Dinas Perpustakaan Kab. Musi Banyuasin" in province and "Ogan Komering Ilir" not in province
    # It should not tell an account in another region from one that does not exist
    assert outside.status_code == missing.status_code == region.status_code == 404
    assert outside.text.replace(f"/accounts/{country.ids['bdg_dead']}", "/accounts/N") == missing.text.replace(
        "/accounts/999999", "/accounts/N"
    )
    assert inside.status_code == 200 and "Dinas Perpustakaan" in inside.text


def test_a_tampered_or_expired_link_gets_no_session(board):
    cfg, _, _ = board
    token = sign_link(cfg, MUBA, NOW).rsplit("/", 1)[1]
    expired = sign_link(cfg, MUBA, NOW - timedelta(days=31)).rsplit("/", 1)[1]
    for bad in (token[:-2] + ("xx" if not token.endswith("xx") else "yy"), expired):
        with client_for(board) as c:
            r = c.get(f"/l/{bad}")
            after = c.get("/api/v1/accounts")
        # It should answer 4xx with the login page, and the API stays closed
        assert r.status_code == 403 and 'name="password"' in r.text
        assert after.status_code == 401


def test_a_link_stops_working_after_link_days(board):
    cfg, _, _ = board
    issued = NOW - timedelta(days=cfg.web["link_days"]) + timedelta(hours=1)
    with client_for(board, MUBA, at=issued) as c:
        # It should still work an hour before it expires
        assert c.get("/api/v1/accounts").status_code == 200


def test_an_owners_link_shows_only_the_accounts_it_owns(board):
    _, country, _ = board
    with client_for(board, OWNER) as c:
        rows = c.get("/api/v1/accounts").json()
    # It should show the owner's one account, not its whole regency
    assert [r["id"] for r in rows] == [country.ids["oki_close"]]


def test_the_overview_counts_each_region_worst_first(board):
    with client_for(board, "kadis@sumselprov.example.go.id") as c:
        page = c.get("/").text
    order = re.findall(r'<tr class="regency" data-region="([\d.]+)"', page)
    # It should list 16.06 (one close_recommended, one dormant) before 16.02 (one close_recommended)
    assert order == ["16.06", "16.02"]
    assert "Situs yang disusupi" in page


def test_the_english_switch_changes_the_words(board):
    _, country, _ = board
    with client_for(board, MUBA) as c:
        c.get("/lang/en?next=/")
        page = c.get(f"/accounts/{country.ids['muba_close']}").text
    # It should speak English once asked, the reason included
    assert "Send the answer" in page
    assert "close the account or run it again" in page


def test_the_account_page_draws_its_history_chart(board):
    _, country, _ = board
    with client_for(board, BANDUNG) as c:
        page = c.get(f"/accounts/{country.ids['bdg_dead']}").text
    svg = re.search(r'<svg[^>]*id="history-chart".*?</svg>', page, re.S).group(0)
    # It should mark each of its four failed checks on the chart
    assert svg.count('class="check failed"') == 4


def test_an_answer_without_the_forms_token_is_refused(board):
    cfg, country, _ = board
    aid = country.ids["muba_dormant"]
    with client_for(board, MUBA) as c:
        r = c.post(f"/accounts/{aid}/respond", data={"kind": "closed", "csrf": "forged"})
    db = open_db(cfg.db_path)
    # It should refuse it and record nothing
    assert r.status_code == 403
    assert current_response(db, aid) is None
    db.conn.close()


def test_answers_are_recorded_with_their_kind_date_and_reason(board):
    cfg, country, _ = board
    aid = country.ids["muba_dormant"]
    with client_for(board, MUBA) as c:
        csrf = csrf_of(c.get(f"/accounts/{aid}").text)
        no_date = c.post(f"/accounts/{aid}/respond", data={"kind": "will_reactivate", "csrf": csrf})
        no_reason = c.post(f"/accounts/{aid}/respond", data={"kind": "exception", "csrf": csrf})
        outside = c.post(f"/accounts/{country.ids['bdg_active']}/respond", data={"kind": "closed", "csrf": csrf})
        ok = c.post(
            f"/accounts/{aid}/respond",
            data={"kind": "will_reactivate", "by": "2026-12-31", "note": "admin baru", "csrf": csrf},
        )
    db = open_db(cfg.db_path)
    answer = current_response(db, aid)
    db.conn.close()
    # It should refuse incomplete answers and answers outside the scope, and record the good one
    assert no_date.status_code == no_reason.status_code == 400
    assert outside.status_code == 404
    assert ok.status_code == 303
    assert (answer["kind"], answer["by_date"], answer["who"]) == ("will_reactivate", "2026-12-31", MUBA)


def test_metrics_are_for_the_admin_only(board):
    with client_for(board, MUBA) as c:
        refused = c.get("/metrics")
    with admin(board) as c:
        text = c.get("/metrics").text
    # It should refuse a link's reader and give the admin Prometheus text
    assert refused.status_code == 403
    assert 'pantau_accounts{status="close_recommended"} 2.0' in text
    assert "pantau_check_failures_total 4.0" in text
    assert "pantau_outbox_backlog" in text and "pantau_daemon_last_heartbeat_timestamp_seconds" in text


@pytest.fixture(scope="module")
def project_cli():
    def status_json(cfg):
        env = dict(os.environ, PANTAU_NOW=NOW.isoformat())
        toml = cfg.db_path.parent / "cli.toml"
        toml.write_text(f'[database]\npath = "{cfg.db_path}"\n', encoding="utf-8")
        out = subprocess.run(
            pantau_command() + ["--config", str(toml), "status", "--format", "json"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=60,
        )
        return json.loads(out.stdout)

    return status_json


def listening_addresses(port: int) -> set[str]:
    """The local IPv4 addresses with a socket listening on ``port`` (Linux: /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, hexport = local.split(":")
        if state == "0A" and int(hexport, 16) == port:  # 0A = LISTEN
            found.add(".".join(str(int(addr[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def test_serve_listens_on_loopback_and_stops_on_sigterm_with_status_0(tmp_path):
    port = free_port()
    (tmp_path / "pantau.toml").write_text(f'[web]\nport = {port}\nsecret_env = "{SECRET_ENV}"\n', encoding="utf-8")
    env = dict(os.environ, **{SECRET_ENV: SECRET})
    proc = subprocess.Popen(
        pantau_command() + ["--config", str(tmp_path / "pantau.toml"), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "the board did not start"
                time.sleep(0.1)
        assert r.status_code == 200
        # It should listen on [web] host only (127.0.0.1 by default), not on every interface
        assert listening_addresses(port) == {"127.0.0.1"}
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
        # It should stop within 10 seconds of SIGTERM, with exit status 0
        assert code == 0
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_serve_refuses_to_start_without_its_signing_key(tmp_path):
    (tmp_path / "pantau.toml").write_text('[web]\nsecret_env = "PANTAU_TEST_NO_SUCH_SECRET"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PANTAU_TEST_NO_SUCH_SECRET"}
    r = subprocess.run(
        pantau_command() + ["--config", str(tmp_path / "pantau.toml"), "serve"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    # It should exit 1 naming the variable to set
    assert r.returncode == 1
    assert "PANTAU_TEST_NO_SUCH_SECRET" in r.stderr


def test_a_large_scope_is_served_from_the_snapshot_with_the_same_rows(board, monkeypatch):
    from pantau.alerts.links import scope_for
    from pantau.monitor.board import data as board_data

    cfg, _, _ = board
    scope = scope_for(cfg, "kadis@sumselprov.example.go.id")
    source = board_data.BoardData(cfg, clock(), background=True)  # the snapshot in a worker process
    db = open_db(cfg.db_path)
    try:
        fresh = json.loads(json.dumps(source.fresh(scope, db)))
        monkeypatch.setattr(board_data, "FRESH_MAX", 0)
        assert source.large(scope, db)
        from_snapshot = json.loads(source.api(scope, db))
        filtered = json.loads(source.api(scope, db, statuses=["close_recommended"], platforms=["website"]))
        in_region = json.loads(source.api(scope, db, regions=["16.02"]))
        counts = source.overview(scope, db).totals
    finally:
        db.conn.close()
        source.close()
    # It should give a province the same elements from the national snapshot as projected fresh
    assert sorted(from_snapshot, key=lambda r: r["id"]) == sorted(fresh, key=lambda r: r["id"])
    assert sum(counts.values()) == len(fresh) == 4
    # ... and filter them like `status --status --platform --region`
    assert sorted(r["id"] for r in filtered) == sorted(r["id"] for r in fresh if r["status"] == "close_recommended")
    assert [r["region"] for r in in_region] == ["16.02"]


def test_a_link_opens_the_board_in_the_recipients_language(board):
    with client_for(board, BANDUNG) as c:  # configured with language = "en"
        page = c.get("/").text
    # It should greet an English-reading recipient in English
    assert "Overview" in page and "Ringkasan" not in page


def test_the_account_page_lists_the_candidates_of_its_last_check_like_explain(board):
    from pantau.storage.db import open_db
    from pantau.storage.explanations import record_candidates

    cfg, country, _ = board
    account = country.ids["bdg_dead"]
    db = open_db(cfg.db_path)
    record_candidates(
        db,
        account,
        NOW,
        [
            {
                "at": "2024-10-01T03:00:00+00:00",
                "url": "https://bandung.example.go.id/berita/rapat",
                "title": "Rapat",
                "source": "page-date",
                "where": "post page: byline",
                "accepted": True,
                "why": "the post's own byline",
            },
            {
                "at": "2024-11-20T03:00:00+00:00",
                "url": None,
                "title": None,
                "source": "page-date",
                "where": "home page: sidebar (timeago)",
                "accepted": False,
                "why": "a relative phrase in a sidebar",
            },
        ],
    )
    db.conn.close()
    with client_for(board, BANDUNG) as c:
        page = c.get(f"/accounts/{account}").text
    table = re.search(r'<table id="candidates">.*?</table>', page, re.S).group(0)
    # It should show each candidate with where it was found and why it was taken or refused
    assert "the post&#39;s own byline" in table or "the post's own byline" in table
    assert "a relative phrase in a sidebar" in table and "home page: sidebar (timeago)" in table
