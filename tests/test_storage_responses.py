"""An office's answer is kept with who gave it and when; a newer answer supersedes the older."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from pantau.storage import responses
from pantau.storage.accounts import import_accounts
from pantau.storage.db import open_db

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "pantau.db")
    import_accounts(
        db,
        [
            {
                "institution": "Dinas Kominfo Kab. Musi Banyuasin",
                "region": "16.06",
                "platform": "website",
                "url": "https://kominfo.mubakab.go.id",
            }
        ],
        NOW,
    )
    return db


def test_it_keeps_the_newest_answer_and_supersedes_the_older(db):
    acc = db.execute("select id from accounts").fetchone()[0]
    first = responses.record_response(
        db, acc, "will_reactivate", who="kadis@mubakab.go.id", at=NOW, by=date(2024, 12, 31)
    )
    responses.record_response(db, acc, "closed", who="cli:root", at=NOW + timedelta(hours=1), note="ditutup")
    current = responses.current_response(db, acc)
    # It should answer with the newest unresolved record, who gave it and when
    assert current["kind"] == "closed" and current["who"] == "cli:root" and current["note"] == "ditutup"
    assert db["responses"].get(first)["resolution"] == "superseded"
    assert list(responses.current_responses(db)) == [acc]
    assert [r["kind"] for r in responses.responses_between(db, NOW, NOW + timedelta(days=1))] == [
        "will_reactivate",
        "closed",
    ]


def test_a_will_reactivate_answer_needs_its_date(db):
    acc = db.execute("select id from accounts").fetchone()[0]
    with pytest.raises(ValueError, match="date"):
        responses.record_response(db, acc, "will_reactivate", who="cli:root", at=NOW)
    with pytest.raises(ValueError):
        responses.record_response(db, acc, "maybe", who="cli:root", at=NOW)
