"""The digest and the weekly report share one account view, one row macro and one composer:
an account reads the same in both, and both mails carry the same headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pantau.alerts.report import weekly_report
from pantau.alerts.send import send_pending
from pantau.config.settings import from_dict
from pantau.monitor.policy import alert_kind
from pantau.storage.accounts import get_account, import_accounts
from pantau.storage.db import open_db
from pantau.storage.observations import record_observation
from pantau.storage.status import apply_status

pytest_plugins = ["tests.smtp_server"]

# Tuesday of 2024-W48: the weekly report covers W47, in which the account turned dormant.
NOW = datetime(2024, 11, 26, 3, 0, tzinfo=UTC)
KADIS = "kadis@kominfo.mubakab.go.id"
URL = "https://dinkes.mubakab.go.id"


def _dormant_account(tmp_path):
    db = open_db(tmp_path / "p.db")
    import_accounts(
        db,
        [
            {
                "institution": "Dinas Kesehatan Kab. Musi Banyuasin",
                "region": "16.06",
                "platform": "instagram",
                "handle": "@dinkesmuba",
                "url": URL,
            }
        ],
        NOW - timedelta(days=200),
    )
    [acc] = list(db["accounts"].rows)
    changed = NOW - timedelta(days=4)
    record_observation(
        db,
        {
            "account_id": acc["id"],
            "checked_at": changed,
            "outcome": "ok",
            "evidence": "feed",
            "activity_at": NOW - timedelta(days=45),
            "activity_url": URL + "/p/1",
            "activity_title": "Rapat koordinasi",
        },
    )
    current = get_account(db, acc["id"])
    apply_status(
        db,
        current,
        "dormant",
        "last activity 41 days ago",
        changed,
        alert_kind=alert_kind(current["status"], "dormant"),
        days_inactive=41,
    )
    return db


def _config(smtp_server):
    return from_dict(
        {"smtp": smtp_server.smtp_config(), "recipients": [{"name": "Kadis", "email": KADIS, "regions": ["16.06"]}]},
        None,
    )


def _row_cells(html: str) -> list[str]:
    """The cells of the first table row naming the account (what the account_row macro writes)."""
    row = next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S) if "@dinkesmuba" in r)
    return re.findall(r"<td[^>]*>.*?</td>", row, re.S)


def test_an_account_reads_the_same_in_the_digest_and_the_weekly_report(tmp_path, smtp_server):
    db = _dormant_account(tmp_path)
    cfg = _config(smtp_server)

    send_pending(db, cfg, NOW)
    report = weekly_report(db, cfg, NOW, send=True)

    assert report.errors == [] and report.sent == [KADIS]
    digest, weekly = (r.message.get_body(preferencelist=("html",)).get_content() for r in smtp_server.received)
    # Digest: institution, account, status, days, last post, reason. Weekly's "newly dormant":
    # the time of the change, then institution, account, days, last post.
    in_digest, in_weekly = _row_cells(digest), _row_cells(weekly)
    # It should write who the account is (institution, region by name, account and its link) in the same cells
    assert in_digest[:2] == in_weekly[1:3]
    assert "Kabupaten Musi Banyuasin · 16.06" in in_digest[0]
    assert f'<a href="{URL}">{URL}</a>' in in_digest[1]
    # and the same days without activity and last post (the digest adds when it was posted)
    assert in_digest[3] == in_weekly[3] == '<td style="text-align: right;">41</td>'
    assert in_digest[4].startswith(in_weekly[4].removesuffix("</td>") + "<br>")


def test_the_digest_and_the_weekly_report_carry_the_same_headers(tmp_path, smtp_server):
    db = _dormant_account(tmp_path)
    cfg = _config(smtp_server)

    send_pending(db, cfg, NOW)
    weekly_report(db, cfg, NOW, send=True)

    digest, weekly = (r.message for r in smtp_server.received)
    for msg in (digest, weekly):
        encodings = {p["Content-Transfer-Encoding"] for p in msg.walk() if not p.is_multipart()}
        # It should compose both mails alike: robot-marked, language-tagged, 7-bit clean, ids on pantau's domain
        assert msg["Auto-Submitted"] == "auto-generated" and msg["Content-Language"] == "id"
        assert msg["To"] == KADIS and msg["Date"] and msg["Subject"].startswith("[pantau] ")
        assert encodings <= {"7bit", "quoted-printable", "base64"}
        assert re.fullmatch(r"<pantau-(digest|weekly)-[\w.-]+@kominfo\.example\.go\.id>", msg["Message-ID"])
        assert msg.get_body(preferencelist=("plain",)) is not None
    assert digest["X-Pantau-Kinds"] == "dormant" and weekly["X-Pantau-Kinds"] is None
    assert [p.get_filename() for p in weekly.iter_attachments()][-1].endswith(".csv")
