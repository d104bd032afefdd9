"""Escape sequences in names and titles never reach the operator's terminal or a plain-text mail.

The registry name and the post title below carry what a hostile Telegram channel title did:
``ESC[2J`` (clear the screen), ``ESC]0;…BEL`` (retitle the terminal window) and a bidi override.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import yaml

from pantau.config.settings import load_config
from pantau.monitor.evaluate import evaluate_all
from pantau.storage.db import open_db
from pantau.storage.observations import record_observation

pytest_plugins = ["tests.smtp_server"]

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)
NAME = "\x1b[2J\x1b]0;pantau diretas\x07Dinas Kominfo\u202e Kab. Musi Banyuasin"
TITLE = "\x1b[31mRapat\x1b[0m koordinasi\x9b1;1H humas"
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
KADIS = "kadis@kominfo.mubakab.go.id"


def setup(project, smtp_server) -> None:
    project.config.write_text(
        project.config.read_text()
        + f"""
[smtp]
host = "{smtp_server.host}"
port = {smtp_server.port}
sender = "pantau@kominfo.example.go.id"
timeout_s = 5

[[recipients]]
name = "Kadis"
email = "{KADIS}"
regions = ["16.06"]
"""
    )
    project.write(
        "registry.yaml",
        yaml.safe_dump(
            [{"institution": NAME, "region": "16.06", "platform": "telegram", "url": "https://t.me/kominfomuba"}],
            allow_unicode=True,
        ),
    )
    assert project.run("registry", "import", "registry.yaml").returncode == 0
    db = open_db(project.db_path)
    try:
        record_observation(
            db,
            {
                "account_id": 1,
                "checked_at": NOW - timedelta(hours=1),
                "outcome": "ok",
                "evidence": "feed",
                "activity_at": NOW - timedelta(days=45),
                "activity_url": "https://t.me/kominfomuba/812",
                "activity_title": TITLE,
            },
        )
        # The status change and its alert, as the daemon's evaluation writes them.
        evaluate_all(db, load_config(project.config), NOW)
    finally:
        db.conn.close()


def test_the_status_table_shows_names_without_control_characters(project, smtp_server):
    setup(project, smtp_server)

    shown = project.run("status", now=NOW.isoformat())

    # It should show the name with every control character taken out
    assert shown.returncode == 0, shown.stderr
    assert CONTROLS.findall(shown.stdout) == []
    assert "[2J]0;pantau diretasDinas Kominfo Kab" in shown.stdout
    # It should keep the stored name exact in the JSON, for scripts
    assert json.loads(project.run("status", "--format", "json", now=NOW.isoformat()).stdout)[0]["institution"] == NAME


def test_a_dry_run_and_the_plain_text_mail_show_no_control_characters(project, smtp_server):
    setup(project, smtp_server)

    dry = project.run("alerts", "send", "--dry-run", now=NOW.isoformat())
    sent = project.run("alerts", "send", now=NOW.isoformat())

    # It should print the preview without any control character (line breaks stay)
    assert dry.returncode == 0, dry.stderr
    assert "Rapat" in dry.stdout and CONTROLS.findall(dry.stdout) == []
    # It should send a plain-text part without any control character either
    assert sent.returncode == 0, sent.stderr
    (msg,) = smtp_server.messages
    text = msg.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "[31mRapat[0m koordinasi1;1H humas" in text
    assert CONTROLS.findall(text) == []
