"""What the checks after a `closed` answer prove, decided by the pure policy (time injected)."""

from __future__ import annotations

import pytest

from pantau.monitor.policy import closed_answer_check

POLICY = {"warning_after_days": 14, "dormant_after_days": 30, "close_after_days": 90, "unreachable_after_failures": 3}
ANSWER = {"kind": "closed", "at": "2025-03-03T02:00:00+00:00"}


def obs(day: int, outcome: str) -> dict:
    return {"checked_at": f"2025-03-{day:02d}T02:00:00+00:00", "outcome": outcome}


@pytest.mark.parametrize(
    ("recent", "expected"),
    [
        ([], None),
        ([obs(2, "ok")], None),  # the only check is older than the answer
        ([obs(3, "ok")], None),  # the check in the same second is not after it
        ([obs(4, "not_found"), obs(2, "ok")], "gone"),
        ([obs(4, "ok"), obs(2, "ok")], "online"),
        ([obs(4, "not_modified")], "online"),
        ([obs(4, "error"), obs(2, "ok")], None),  # one timeout proves nothing
        ([obs(6, "error"), obs(5, "error"), obs(4, "error")], "gone"),  # switched off: unreachable
        ([obs(6, "error"), obs(5, "error"), obs(2, "error")], "gone"),  # failing since before, still after
        ([obs(6, "error"), obs(5, "error"), obs(4, "ok")], None),
        ([obs(4, "unsupported")], None),  # a platform pantau cannot read proves nothing
    ],
)
def test_it_judges_a_closed_answer_only_by_checks_made_after_it(recent, expected):
    # It should say gone, online, or not yet, from the checks after the answer alone
    assert closed_answer_check(ANSWER, recent, POLICY) == expected
