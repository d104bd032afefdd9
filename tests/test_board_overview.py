"""The overview's arithmetic: counts per province and regency, worst first, compromised sites."""

from __future__ import annotations

from pantau.monitor.board.data import overview


def row(i, region, status, compromise=None):
    return {"id": i, "institution": f"Dinas {i}", "region": region, "status": status, "compromise": compromise}


def test_it_counts_per_province_and_regency_worst_first_and_lists_compromised_sites():
    rows = [
        row(1, "32.73", "active"),
        row(2, "32.73", "dormant"),
        row(3, "16.06", "close_recommended"),
        row(4, "16.06.01", "close_recommended"),
        row(5, "16.02", "dormant"),
        row(6, "16", "unknown"),
        row(7, None, "active"),
        row(
            8,
            "32.04",
            "active",
            {
                "kind": "gambling_injection",
                "url": "https://x.go.id/slot",
                "evidence": "slot gacor",
                "detected_at": "2026-11-20T10:00:00+07:00",
            },
        ),
    ]
    ov = overview(rows)
    # It should put the province with the most close_recommended first, then by dormant
    assert [p["code"] for p in ov.provinces] == ["16", "32", ""]
    sumsel = ov.provinces[0]
    # ... fold village-level codes into their regency, and keep province-level accounts apart
    assert [(g["code"], g["total"]) for g in sumsel["regencies"]] == [("16.06", 2), ("16.02", 1), ("16", 1)]
    assert sumsel["counts"]["close_recommended"] == 2 and sum(ov.totals.values()) == 8
    # ... and list the compromised sites from the rows' `compromise`
    assert [r["id"] for r in ov.compromised] == [8]
