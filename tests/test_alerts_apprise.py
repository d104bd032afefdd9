"""Digests reach a recipient's Apprise channels too (here Apprise's `json://` to a loopback
HTTP server), once per channel, and never twice after a crash between send and record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pantau.alerts.send import send_pending
from pantau.config.settings import from_dict
from pantau.monitor.evaluate import evaluate_all
from pantau.storage.accounts import import_accounts
from pantau.storage.channels import IN_DOUBT
from pantau.storage.db import open_db
from pantau.storage.observations import record_observation

pytest_plugins = ["tests.smtp_server"]

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
KADIS = "kadis@kominfo.mubakab.go.id"
TOKEN = "t0ken-rahasia-4242"  # webhook URLs carry secrets like this one


class ChatServer:
    """What a chat service's webhook sees: every JSON body POSTed to it, on loopback.

    ``on_post`` runs when a message arrives, before the answer (to kill the sender there).
    """

    def __init__(self, port: int = 0) -> None:
        self.bodies: list[dict] = []
        self.on_post = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.bodies.append(json.loads(data))
                if server.on_post:
                    server.on_post()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"json://127.0.0.1:{self.httpd.server_address[1]}/hook/{TOKEN}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def chat():
    server = ChatServer()
    yield server
    server.stop()


def setup(tmp_path, smtp_server, chat, monkeypatch):
    monkeypatch.setenv("PANTAU_APPRISE_KADIS", chat.url)
    cfg = from_dict(
        {
            "database": {"path": str(tmp_path / "p.db")},
            "smtp": smtp_server.smtp_config(),
            "web": {"base_url": "https://pantau.kominfo.example.go.id"},
            "recipients": [
                {"name": "Kadis", "email": KADIS, "regions": ["16.06"], "apprise_env": "PANTAU_APPRISE_KADIS"}
            ],
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
                "url": "https://dispar.mubakab.go.id/",
            }
        ],
        NOW - timedelta(days=90),
    )
    aid = db.execute("select id from accounts").fetchone()[0]
    record_observation(
        db,
        {
            "account_id": aid,
            "checked_at": NOW,
            "outcome": "ok",
            "evidence": "feed",
            "activity_at": NOW - timedelta(days=45),
            "activity_url": "https://dispar.mubakab.go.id/b/1",
            "activity_title": "Festival Musi",
        },
    )
    evaluate_all(db, cfg, NOW)
    return cfg, db


def test_it_sends_the_digest_to_the_apprise_channel_once(tmp_path, smtp_server, chat, monkeypatch):
    cfg, db = setup(tmp_path, smtp_server, chat, monkeypatch)

    first = send_pending(db, cfg, NOW)
    second = send_pending(db, cfg, NOW + timedelta(hours=1))

    assert first.chats == 1 and second.chats == 0 and first.errors == []
    # It should post one short text with the account and the board link, beside the mail
    assert len(chat.bodies) == 1
    body = chat.bodies[0]
    assert body["title"].startswith("[pantau] 1 akun perlu perhatian")
    assert "Dinas Pariwisata Kab. Musi Banyuasin (website) https://dispar.mubakab.go.id/" in body["message"]
    assert "Papan pantau: https://pantau.kominfo.example.go.id" in body["message"]
    assert [r.rcpt_tos for r in smtp_server.received] == [[KADIS]]
    # It should keep the URL (it holds a token) out of the database
    assert chat.url not in json.dumps(list(db["channel_deliveries"].rows))


def test_it_retries_a_channel_that_was_down_and_then_delivers_once(tmp_path, smtp_server, chat, monkeypatch):
    cfg, db = setup(tmp_path, smtp_server, chat, monkeypatch)
    chat.stop()
    down = send_pending(db, cfg, NOW)
    row = next(iter(db["channel_deliveries"].rows))
    assert down.chats == 0 and down.pending == 1 and row["last_error"] and row["started_at"] is None
    # It should keep the URL's token out of the stored error and the run's report
    assert TOKEN not in row["last_error"] and TOKEN not in " ".join(down.errors)

    back = ChatServer(port=chat.httpd.server_address[1])
    try:
        up = send_pending(db, cfg, NOW + timedelta(hours=1))
        after = send_pending(db, cfg, NOW + timedelta(hours=2))
    finally:
        back.stop()
    # It should deliver the waiting message once the service is back, and only once
    assert up.chats == 1 and after.chats == 0 and len(back.bodies) == 1
    assert next(iter(db["channel_deliveries"].rows))["attempts"] == 2


def test_it_gives_up_on_an_apprise_url_the_recipient_no_longer_has(tmp_path, smtp_server, chat, monkeypatch):
    cfg, db = setup(tmp_path, smtp_server, chat, monkeypatch)
    chat.stop()
    send_pending(db, cfg, NOW)
    monkeypatch.setenv("PANTAU_APPRISE_KADIS", "json://127.0.0.1:9/elsewhere")
    send_pending(db, cfg, NOW + timedelta(hours=1))
    row = next(iter(db["channel_deliveries"].rows))
    # It should stop trying a target that is gone from the environment, saying why
    assert row["failed_at"] and "no longer in the recipient's apprise_env" in row["last_error"]


SENDER = """
import sys
from datetime import datetime
from pantau.alerts.send import send_pending
from pantau.config.settings import from_dict
from pantau.storage.db import open_db
cfg = from_dict({cfg!r}, None)
send_pending(open_db(cfg.db_path), cfg, datetime.fromisoformat({now!r}))
"""


def test_it_does_not_repeat_a_chat_message_after_a_crash_between_send_and_record(
    tmp_path, smtp_server, chat, monkeypatch
):
    cfg, db = setup(tmp_path, smtp_server, chat, monkeypatch)
    raw = {
        "database": {"path": str(cfg.db_path)},
        "smtp": smtp_server.smtp_config(),
        "recipients": [{"name": "Kadis", "email": KADIS, "regions": ["16.06"], "apprise_env": "PANTAU_APPRISE_KADIS"}],
    }
    sender = subprocess.Popen([sys.executable, "-c", SENDER.format(cfg=raw, now=NOW.isoformat())], env=dict(os.environ))
    # The message arrives; the sender dies before it can record that it was sent.
    chat.on_post = lambda: os.kill(sender.pid, signal.SIGKILL)
    assert sender.wait(timeout=60) == -signal.SIGKILL
    assert len(chat.bodies) == 1
    chat.on_post = None

    soon = send_pending(db, cfg, NOW + timedelta(minutes=5))  # the dead sender's lease still holds
    later = send_pending(db, cfg, NOW + timedelta(hours=1))
    again = send_pending(db, cfg, NOW + timedelta(hours=2))

    # It should never post the same digest a second time, and say why it stopped
    assert len(chat.bodies) == 1
    assert soon.chats == later.chats == again.chats == 0
    row = next(iter(db["channel_deliveries"].rows))
    assert row["sent_at"] is None and row["failed_at"] and row["last_error"] == IN_DOUBT
    # The mail, sent before the crash, stays the record: one digest.
    assert [r.rcpt_tos for r in smtp_server.received] == [[KADIS]]
