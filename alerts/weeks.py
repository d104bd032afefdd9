"""ISO weeks as the weekly report counts them: Monday 00:00 to Monday 00:00, local time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^\s*(\d{4})-[Ww](\d{1,2})\s*$")


def iso_week_bounds(week: str | None, tz: str, now: datetime) -> tuple[str, datetime, datetime]:
    """``"2024-W47"`` → (label, start, end) in UTC, the week being Monday 00:00 to the next
    Monday 00:00 in ``tz``. ``None`` is the last full week before ``now`` in ``tz``.

    The bounds are local midnights: a change at Sunday 23:30 WIB is 16:30 UTC on Sunday,
    but one at Monday 03:00 WIB is still Sunday 20:00 UTC — and belongs to the new week.
    """
    zone = ZoneInfo(tz)
    if week is None:
        today = now.astimezone(zone).date()
        monday = today - timedelta(days=today.weekday() + 7)
    else:
        m = _WEEK.match(week)
        if not m:
            raise ValueError(f'week "{week}" should look like "2024-W47"')
        year, num = int(m.group(1)), int(m.group(2))
        try:
            monday = date.fromisocalendar(year, num, 1)
        except ValueError:
            last = date(year, 12, 28).isocalendar().week
            raise ValueError(f'week "{week}" does not exist: {year} has weeks W01 to W{last:02d}') from None
    iso = monday.isocalendar()
    label = f"{iso.year}-W{iso.week:02d}"
    start = datetime.combine(monday, time(0), zone).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0), zone).astimezone(UTC)
    return label, start, end
