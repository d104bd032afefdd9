"""Is a parsed date what its text says? The last check before a date is accepted as activity.

Lenient readers normalise impossible dates instead of refusing them: the standard library
reads the year ``0001`` of an RFC 822 date as 2001, and feedparser's parsed tuples roll
``2024-02-30`` over to 1 March, ``2024-13-45T99:99:99Z`` into the next year and
``10000-01-01`` into 2010. An invalid date is no date: :func:`consistent` says whether a
reading may stand, and is called where a parsed date is accepted.
"""

from __future__ import annotations

import re
from datetime import date, datetime

_NUMBER = re.compile(r"\d+")
# 2024-02-30, 10000-01-01, 2024-13-45T99:99:99Z
_ISO = re.compile(r"(?<!\d)(\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")
# 31 Feb 2024, 30 Februari 2024
_DAY_MONTH_YEAR = re.compile(r"(?<!\d)(\d{1,2})\s+([A-Za-z]{3,})\.?,?\s+(\d{3,})")
_MONTHS = {
    "jan": 1,
    "feb": 2,
    "peb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "mei": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "agu": 8,
    "agt": 8,
    "sep": 9,
    "oct": 10,
    "okt": 10,
    "nov": 11,
    "nop": 11,
    "dec": 12,
    "des": 12,
}


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def consistent(text: str, at: datetime) -> bool:
    """False when ``at`` cannot be a faithful reading of ``text``.

    The year read must be one the text writes (give or take one, for a time zone at New
    Year) whenever the text writes a year at all, and any explicit date or time in the text
    must exist on the calendar and the clock.
    """
    years = {int(n) for n in _NUMBER.findall(text) if len(n) >= 3}
    if years and not years & {at.year - 1, at.year, at.year + 1}:
        return False
    for m in _ISO.finditer(text):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if not _valid(year, month, day):
            return False
        if m.group(4) is not None and (
            int(m.group(4)) > 24 or int(m.group(5)) > 59 or (m.group(6) is not None and int(m.group(6)) > 60)
        ):
            return False
    for m in _DAY_MONTH_YEAR.finditer(text):
        named = _MONTHS.get(m.group(2)[:3].lower())
        if named is not None and not _valid(int(m.group(3)), named, int(m.group(1))):
            return False
    return True
