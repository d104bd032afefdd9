"""Secrets never appear in pantau's logs, errors or exported files.

Two kinds of secret reach pantau, both through environment variables the config names:

* the SMTP password (``[smtp] password_env``), sent to the relay in ``AUTH PLAIN`` / ``AUTH
  LOGIN`` — base64 is an encoding, not a protection, so those forms count as the password;
* API tokens (``[platforms.x] token_env``, ``[platforms.facebook] token_env``), sent as
  ``Authorization: Bearer`` headers.

Each test runs the real ``pantau`` command against real loopback servers that misbehave the
way that leaks secrets in practice: a relay or an API that *quotes the credential it was sent*
in its refusal. Then every place the operator or a script can see is searched for every
form of the secret: stdout and stderr (``-v``), the database (every table, every column),
``pantau status`` in all formats, ``pantau registry export`` and the weekly report files.
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from social_support import recording

from pantau.storage.db import open_db
from pantau.storage.observations import record_observation

pytest_plugins = ["tests.smtp_server"]

SMTP_SECRET = "Kominfo-Muba#Rahasia-2024!"
X_TOKEN = "AAAAAAAAAAAAAAAAAAAAAKominfoMubaXBearer2024Rahasia"
FB_TOKEN = "1234567890|KominfoMubaAppSecretRahasia"
HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"
KADIS = "kadis@kominfo.mubakab.go.id"
USERNAME = "pantau"  # the login tests/smtp_server.py accepts
NOW = datetime.now(UTC)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def forms_of(secret: str, user: str = USERNAME) -> list[str]:
    """The secret as it may travel: as is, percent-encoded, and base64 as SMTP AUTH sends it."""
    return [secret, quote(secret, safe=""), b64(secret), b64(f"\0{user}\0{secret}")]


def assert_no_secret(text: str, secret: str, where: str) -> None:
    for form in forms_of(secret):
        assert form not in text, f"{where} shows the secret (as {form!r}):\n{text}"


def database_text(path: Path) -> str:
    """Every value of every row of every table in the database, as one string."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")]
        return "\n".join(str(row) for t in tables for row in conn.execute(f'select * from "{t}"'))
    finally:
        conn.close()


def files_text(folder: Path) -> str:
    """Every file under ``folder`` as text; an XLSX is unzipped and its XML read."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                out += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        elif path.is_file():
            out.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(out)


# --- the SMTP password ---------------------------------------------------------------------


def _quoting_relay_class() -> type:
    # Imported late: pytest first loads tests.smtp_server as a plugin (and rewrites its asserts).
    from tests.smtp_server import SmtpServer

    class QuotingRelay(SmtpServer):
        """An SMTP relay that refuses every login and quotes what it received in the refusal —
        the decoded password and the base64 AUTH argument — as debug-minded relays do."""

        def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
            assert isinstance(auth_data, LoginPassword)
            login, password = auth_data.login.decode(), auth_data.password.decode()
            self.logins.append((mechanism, False))
            return AuthResult(
                success=False,
                handled=False,
                message=f"535 5.7.8 AUTH {mechanism} {b64(chr(0) + login + chr(0) + password)} "
                f"refused for {login}:{password} ({b64(password)})",
            )

    return QuotingRelay


@pytest.fixture
def quoting_relay(tmp_path: Path) -> Any:
    directory = tmp_path / "relay"
    directory.mkdir()
    relay = _quoting_relay_class()(directory, auth=True).start()
    yield relay
    relay.stop()


def smtp_toml(server: Any) -> str:
    return f"""
[smtp]
host = "{server.host}"
port = {server.port}
security = "none"
username = "{USERNAME}"
password_env = "PANTAU_TEST_SMTP_PASSWORD"
sender = "pantau@kominfo.example.go.id"
timeout_s = 5

[[recipients]]
name = "Kepala Dinas Kominfo Kab. Musi Banyuasin"
email = "{KADIS}"
regions = ["16.06"]

[report]
format = "xlsx"
"""


def dormant_project(new_project: Any, root: Path, toml: str) -> Any:
    """A project with one account whose last post is 45 days old: `alerts send` has a digest to mail."""
    p = new_project(root, toml)
    p.write(
        "registry.csv",
        HEADER + "Dinas Kesehatan Kab. Musi Banyuasin,16.06,website,,https://dinkes.mubakab.go.id/,,,,\n",
    )
    assert p.run("registry", "import", "registry.csv").returncode == 0
    db = open_db(p.db_path)
    try:
        (account_id,) = db.execute("select id from accounts").fetchone()
        record_observation(
            db,
            {
                "account_id": account_id,
                "checked_at": NOW - timedelta(hours=1),
                "outcome": "ok",
                "evidence": "feed",
                "activity_at": NOW - timedelta(days=45),
                "activity_url": "https://dinkes.mubakab.go.id/berita/rapat",
                "activity_title": "Rapat koordinasi",
            },
        )
    finally:
        db.conn.close()
    return p


def last_errors(p: Any) -> list[str]:
    db = open_db(p.db_path)
    try:
        return [r["last_error"] for r in db["deliveries"].rows]
    finally:
        db.conn.close()


def test_a_refused_smtp_login_never_shows_the_password(make_smtp_server, new_project, tmp_path, monkeypatch):
    server = make_smtp_server(auth=True)  # accepts only its own password, not ours
    monkeypatch.setenv("PANTAU_TEST_SMTP_PASSWORD", SMTP_SECRET)
    p = dormant_project(new_project, tmp_path / "kominfo", smtp_toml(server))

    sent = p.run("-v", "alerts", "send")

    assert sent.returncode == 1 and server.received == []
    assert server.logins and not any(ok for _, ok in server.logins)
    errors = last_errors(p)
    assert errors and all(errors)
    # It should say which login failed and which variable to fix, and never show the password
    assert "PANTAU_TEST_SMTP_PASSWORD" in sent.stderr and "535" in sent.stderr
    assert_no_secret(sent.stdout + sent.stderr, SMTP_SECRET, "`pantau -v alerts send`")
    assert_no_secret("\n".join(errors), SMTP_SECRET, "deliveries.last_error")
    assert_no_secret(database_text(p.db_path), SMTP_SECRET, "the database")


def test_a_relay_quoting_the_password_in_its_refusal_does_not_leak_it(
    quoting_relay, new_project, tmp_path, monkeypatch
):
    """The relay's 535 line carries the password and the AUTH PLAIN argument; pantau shows the
    relay's reply to help the operator, so it must mask the password in it first."""
    monkeypatch.setenv("PANTAU_TEST_SMTP_PASSWORD", SMTP_SECRET)
    p = dormant_project(new_project, tmp_path / "kominfo", smtp_toml(quoting_relay))

    sent = p.run("-v", "alerts", "send")
    report = p.run("-v", "report", "weekly", "--send", "--out", "laporan")

    assert sent.returncode == 1 and report.returncode == 1
    assert quoting_relay.logins and quoting_relay.received == []
    # It should still show the relay's refusal, with the password masked wherever it stood
    assert "refused for pantau:" in sent.stderr and "refused for pantau:" in report.stderr
    assert_no_secret(sent.stdout + sent.stderr, SMTP_SECRET, "`pantau -v alerts send`")
    assert_no_secret(report.stdout + report.stderr, SMTP_SECRET, "`pantau -v report weekly --send`")
    assert_no_secret("\n".join(last_errors(p)), SMTP_SECRET, "deliveries.last_error")
    assert_no_secret(database_text(p.db_path), SMTP_SECRET, "the database")
    assert_no_secret(files_text(p.root / "laporan"), SMTP_SECRET, "the weekly report files")


# --- API tokens ----------------------------------------------------------------------------


def _echoing_x(h: Any) -> bytes:
    """X API v2 refusing a token, and quoting it back (also inside a link, URL-encoded)."""
    token = h.headers.get("Authorization", "").removeprefix("Bearer ")
    return json.dumps(
        {
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": f"Unauthorized: bearer token {token} was rejected, "
            f"see https://api.x.com/2/oauth2/invalidate_token?access_token={quote(token, safe='')}",
        }
    ).encode()


def _echoing_graph(h: Any) -> bytes:
    """Meta's Graph API refusing a token, quoting it raw and percent-encoded (app tokens hold '|')."""
    token = h.headers.get("Authorization", "").removeprefix("Bearer ")
    return json.dumps(
        {
            "error": {
                "message": f"Invalid OAuth access token - Cannot parse access token {token} "
                f"(https://graph.facebook.com/me?access_token={quote(token, safe='')})",
                "type": "OAuthException",
                "code": 190,
                "fbtrace_id": "AkominfoTrace",
            }
        }
    ).encode()


@pytest.fixture
def token_project(sites, new_project, tmp_path, monkeypatch):
    """An X and a Facebook account read through fake APIs that refuse the token and echo it."""
    monkeypatch.setenv("PANTAU_TEST_X_TOKEN", X_TOKEN)
    monkeypatch.setenv("PANTAU_TEST_FB_TOKEN", FB_TOKEN)
    seen: list[dict[str, str]] = []
    api = sites.serve(
        {
            "/2/users/by/username/kominfomuba": recording(_echoing_x, seen, status=401),
            "/graph/kominfomuba/posts": recording(_echoing_graph, seen, status=401),
        }
    )
    p = new_project(
        tmp_path / "kominfo",
        f"""
[crawler]
allow_private_addresses = true
obey_robots = false
timeout_s = 5
retries = 0

[platforms.x]
token_env = "PANTAU_TEST_X_TOKEN"
api_url = "{api.url}/2"

[platforms.facebook]
token_env = "PANTAU_TEST_FB_TOKEN"
api_url = "{api.url}/graph"

[[recipients]]
name = "Kepala Dinas Kominfo Kab. Musi Banyuasin"
email = "{KADIS}"
regions = ["16.06"]
""",
    )
    p.write(
        "registry.csv",
        HEADER
        + "Dinas Kominfo Kab. Musi Banyuasin,16.06,x,kominfomuba,https://x.com/kominfomuba,,,,\n"
        + "Dinas Kominfo Kab. Musi Banyuasin,16.06,facebook,kominfomuba,https://www.facebook.com/kominfomuba,,,,\n",
    )
    assert p.run("registry", "import", "registry.csv").returncode == 0
    p.api, p.seen = api, seen
    return p


def test_an_api_that_echoes_the_token_cannot_put_it_in_any_output(token_project):
    p = token_project

    checked = p.run("-v", "check", "--all")
    outputs = {
        "`pantau -v check --all`": checked,
        "`pantau status` (table)": p.run("status"),
        "`pantau status --format json`": p.run("status", "--format", "json"),
        "`pantau status --format csv`": p.run("status", "--format", "csv"),
        "`pantau registry export --format csv`": p.run("registry", "export", "--format", "csv"),
        "`pantau registry export --format yaml`": p.run("registry", "export", "--format", "yaml"),
        "`pantau report weekly --out`": p.run("report", "weekly", "--out", "laporan"),
    }

    assert all(r.returncode == 0 for r in outputs.values()), {k: r.stderr for k, r in outputs.items()}
    # The APIs were asked with the tokens, and answered with them: the echo really happened.
    assert {h["authorization"] for h in p.seen} == {f"Bearer {X_TOKEN}", f"Bearer {FB_TOKEN}"}
    rows = json.loads(outputs["`pantau status --format json`"].stdout)
    assert len(rows) == 2 and all("token" in r["reason"] for r in rows)
    assert any("[redacted]" in r["reason"] for r in rows)
    # It should keep both tokens, in every form, out of every output, the database and the report files
    for where, result in outputs.items():
        for token in (X_TOKEN, FB_TOKEN):
            assert_no_secret(result.stdout + result.stderr, token, where)
    for token in (X_TOKEN, FB_TOKEN):
        assert_no_secret(database_text(p.db_path), token, "the database")
        assert_no_secret(files_text(p.root / "laporan"), token, "the weekly report files")


def test_debug_logging_of_a_check_never_shows_a_token(token_project, caplog, capsys):
    """`pantau -v check` in this process, with every logger — Scrapy's own included — at DEBUG.

    The CLI's ``-v`` stops at INFO; Scrapy logs each request it makes ("Crawled (401) <GET …>")
    at DEBUG. Tokens travel in headers, never in URLs, so even that log has nothing to show.
    """
    from pantau.monitor.cli import main

    p = token_project
    for name in (None, "scrapy", "twisted", "spiders", "crawler"):
        caplog.set_level(logging.DEBUG, logger=name)

    code = main(["--config", str(p.config), "-v", "check", "--all"])

    out, err = capsys.readouterr()
    assert code == 0, err
    # Scrapy's DEBUG lines were really captured: the request to the fake X API is in them.
    assert "Crawled (401)" in caplog.text and "/2/users/by/username/kominfomuba" in caplog.text
    # It should show neither token in any log record, at any level, nor on stdout or stderr
    for token in (X_TOKEN, FB_TOKEN):
        assert_no_secret(caplog.text, token, "the DEBUG log")
        assert_no_secret("\n".join(str(r.args) for r in caplog.records), token, "log record arguments")
        assert_no_secret(out + err, token, "stdout/stderr")
