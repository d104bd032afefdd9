"""Heads of office read Indonesian: every reason the policy writes has an Indonesian form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pantau.config.vocabulary import Reason, reason_text
from pantau.monitor.policy import evaluate

NOW = datetime(2024, 11, 22, 3, 0, tzinfo=UTC)
POLICY = {"warning_after_days": 14, "dormant_after_days": 30, "close_after_days": 90, "unreachable_after_failures": 3}


def _account(days: int | None, **extra):
    acc = {"id": 1, "platform": "website", "status": "unknown"}
    if days is not None:
        acc.update(
            last_activity_at=(NOW - timedelta(days=days)).isoformat(),
            evidence="feed",
            last_activity_url="https://mubakab.go.id/berita/1",
        )
    acc.update(extra)
    return acc


FAIL = {"outcome": "error", "error": "timed out reading https://mubakab.go.id/"}
CASES = [
    (_account(None), [], "belum diperiksa"),
    (_account(3), [{"outcome": "ok"}], "aktivitas terakhir 3 hari lalu (feed)"),
    (_account(45), [{"outcome": "ok"}], "aktivitas terakhir 45 hari lalu (feed), lebih dari 30 hari"),
    (
        _account(200),
        [{"outcome": "ok"}],
        "aktivitas terakhir 200 hari lalu (feed), lebih dari 90 hari: tutup akun atau kelola kembali",
    ),
    (
        _account(20),
        [FAIL],
        "aktivitas terakhir 20 hari lalu (feed), lebih dari 14 hari; "
        "pemeriksaan terakhir gagal: timed out reading https://mubakab.go.id/",
    ),
    (
        _account(None),
        [FAIL, FAIL, FAIL],
        "3 pemeriksaan terakhir gagal; terakhir: timed out reading https://mubakab.go.id/",
    ),
    (
        _account(None),
        [{"outcome": "not_found", "error": "account not found: HTTP 404"}] * 3,
        "akun tidak ditemukan: HTTP 404",
    ),
    (
        _account(None),
        [{"outcome": "ok"}],
        "terbaca, tetapi tidak ada unggahan bertanggal (tidak ada feed, API, sitemap, atau artikel bertanggal)",
    ),
    (_account(None, retired_at=NOW.isoformat(), retired_reason="ditutup"), [], "dinonaktifkan: ditutup"),
]


@pytest.mark.parametrize(("account", "recent", "expected"), CASES)
def test_each_reason_shape_reads_in_indonesian(account, recent, expected):
    verdict = evaluate(account, recent, POLICY, NOW)
    # It should give the head of office the same sentence in Indonesian
    assert verdict.reason.text("id") == expected
    assert verdict.reason.text("en") == str(verdict.reason)
    # It should read the same once stored as a code with parameters and loaded back
    stored = Reason.from_stored(verdict.reason.to_json(), str(verdict.reason))
    assert stored.text("id") == expected and stored == verdict.reason


def test_a_reason_of_unknown_shape_is_shown_as_it_is():
    text = "instagram needs [platforms.instagram] token_env or [bridges] rsshub"
    # It should never garble a spider's own message
    assert reason_text(text, "id") == text
    assert Reason.from_stored(None, text).text("id") == text
