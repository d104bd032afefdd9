"""Date parsing for pantau: Indonesian and English dates as printed by government sites and feeds.

Everything returned is an aware datetime in UTC. The common shapes (ISO 8601, RFC 822, Indonesian
"Rabu, 13 November 2024 pukul 09.30 WIB", day-first numeric "12/11/2024", "3 hari yang lalu") go
through one compiled regex; dateparser is only the fallback for odd leftovers, because it costs
about a millisecond per call and a home page has thousands of text nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from pantau.crawler.datecheck import consistent

__all__ = [
    "JAKARTA",
    "Candidate",
    "find_dates",
    "is_credible",
    "newest_credible",
    "parse_date",
]

JAKARTA = ZoneInfo("Asia/Jakarta")

# Activity before the Indonesian government web existed is a parsing accident, not a post.
EARLIEST_CREDIBLE = datetime(1995, 1, 1, tzinfo=UTC)
# Feeds and CMSs routinely get their own time zone wrong by a few hours; a day of slack keeps a
# genuine fresh post while still rejecting agenda dates and far-future typos.
FUTURE_SLACK = timedelta(days=1)

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "januari january jan",
        "februari pebruari february feb peb",
        "maret march mar",
        "april apr",
        "mei may",
        "juni june jun",
        "juli july jul",
        "agustus august agust agu agt ags aug",
        "september sept sep",
        "oktober october okt oct",
        "november nopember nov nop",
        "desember december des dec",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

# German, French and Dutch names: regional sites' themes print them as often as English ones.
for _number, _names in enumerate(
    [
        "janvier jänner",
        "février fevrier",
        "märz maerz mars maart mrt",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août aout augustus",
        "septembre",
        "octobre okt",
        "novembre",
        "dezember décembre decembre dez",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)

# Longest first, so "Agustus" is not read as "Agu" + junk and "Sept" not as "Sep" + "t".
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_NAMES = (
    r"senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun"
)
# Years are limited to 19xx/20xx: four-digit numbers outside that range on a government page are
# phone extensions, budget figures or regulation numbers, never post dates.
_YEAR = r"(?:19|20)\d{2}"

_DATE_RE = re.compile(
    rf"""
    # Every form starts with a digit or a month's first letter; failing other positions at once
    # halves the scan time.
    (?=[\dadfjmnops])
    (?:(?P<iso>(?<![\d/.-])(?P<iy>{_YEAR})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?!\d))
    |(?P<ymd>(?<![\d/.-])(?P<yy>{_YEAR})(?P<ys>[/.])(?P<ym>\d{{1,2}})(?P=ys)(?P<yd>\d{{1,2}})(?![\d]))
    |(?P<dmy>(?<![\d/.:-])(?P<nd>\d{{1,2}})(?P<ns>[/.-])(?P<nm>\d{{1,2}})(?P=ns)(?P<ny>{_YEAR})(?!\d))
    |(?P<dnm>(?<!\d)(?P<td>\d{{1,2}})(?:st|nd|rd|th)?[\s./-]*(?P<tm>{_MONTH_ALT})(?![a-z])\.?
        [\s.,/-]*(?P<ty>{_YEAR})(?!\d))
    |(?P<mnd>(?<![a-z])(?P<um>{_MONTH_ALT})(?![a-z])\.?\s*(?P<ud>\d{{1,2}})(?:st|nd|rd|th)?,?\s+
        (?P<uy>{_YEAR})(?!\d)))
    """,
    re.IGNORECASE | re.VERBOSE,
)

# Every absolute form above contains a four-digit year; scanning only a window around each year
# keeps long paragraphs cheap (the month-name branch would otherwise be tried at every position).
_YEAR_HINT_RE = re.compile(rf"(?<!\d){_YEAR}(?!\d)")
_WINDOW_BEFORE_YEAR = 25  # "September 13th, " or "13 - Nopember - " and the like
_WINDOW_AFTER_YEAR = 7  # "-11-13" of an ISO date, plus the character its lookahead reads
_RELATIVE_HINT_RE = re.compile(r"lalu|ago|silam|yll", re.IGNORECASE)

# A time right after the date: "pukul 09.30", "| 14:05", "T09:30:00.123", "at 2:30 pm".
_TIME_AFTER_RE = re.compile(
    r"""
    (?:T|[\s,|–—-]*(?:(?:pukul|pkl\.?|jam|at|@)\s*)?)
    (?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2})(?:[.,]\d+)?)?(?![\d])
    (?:\s*(?P<ampm>[ap]\.?m\.?)(?![a-z]))?
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A time printed before the date: "09:30 WIB, Rabu 13 November 2024", "14.05 | 13/11/2024".
_TIME_BEFORE_RE = re.compile(
    rf"""
    (?<![\d.:])(?P<h>\d{{1,2}})[:.](?P<m>\d{{2}})(?:[:.](?P<s>\d{{2}}))?
    (?P<tz>\s*(?:WITA|WIB|WIT)\b)?
    [\s,|–—-]*(?:(?:{_DAY_NAMES})\b[\s,]*)?$
    """,
    re.IGNORECASE | re.VERBOSE,
)
_TZ_RE = re.compile(
    r"""
    \s*\(?\s*(?:
        (?P<zone>WITA|WIB|WIT)(?![a-z])
       |(?:UTC|GMT|UT)\s*(?P<s1>[+-])(?P<h1>\d{1,2})(?::?(?P<m1>\d{2}))?(?!\d)
       |(?P<s2>[+-])(?P<h2>\d{2}):?(?P<m2>\d{2})(?!\d)
       |(?P<utc>UTC|GMT|UT|Z)(?![a-z])
       |(?P<us>[ECMP][SD]T)(?![a-z])
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
_ZONES = {"wib": 7, "wita": 8, "wit": 9}
_US_ZONES = {"est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7}

_RELATIVE_RE = re.compile(
    r"""
    (?<![\w])(?:(?P<n>\d{1,3})\s*|(?P<se>se)|(?P<one>satu|a|an|one)\s+)
    (?P<unit>detik|menit|jam|hari|minggu|pekan|bulan|tahun
        |seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)
    \s+(?:yang\s+)?(?:lalu|ago|silam|yll)(?![a-z])
    """,
    re.IGNORECASE | re.VERBOSE,
)
# "kemarin" / "hari ini" are only trusted when they are (almost) the whole text: inside a longer
# sentence ("Berita Hari Ini") they are a heading, not a timestamp.
_DAY_WORD_RE = re.compile(
    r"""
    ^\W*(?P<word>kemarin|hari\s+ini|yesterday|today|baru\s+saja|just\s+now)\b
    (?P<rest>.{0,40})$
    """,
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_UNIT_SECONDS = {
    "detik": 1,
    "sec": 1,
    "second": 1,
    "menit": 60,
    "min": 60,
    "minute": 60,
    "jam": 3600,
    "hr": 3600,
    "hour": 3600,
    "hari": 86400,
    "day": 86400,
    "minggu": 7 * 86400,
    "pekan": 7 * 86400,
    "week": 7 * 86400,
}
_UNIT_MONTHS = {"bulan": 1, "month": 1, "tahun": 12, "year": 12}

# dateparser is only worth calling when the text names a month next to a number: a lone number
# ("2024", "© 2024", "Versi 2.3") or a lone clock ("Jam buka 08.00") would become a made-up date.
_FALLBACK_HINT_RE = re.compile(rf"(?<![a-z])(?:{_MONTH_ALT})(?![a-z])", re.IGNORECASE)
_FALLBACK_MAX_LEN = 80
_DAY_NAME_RE = re.compile(rf"(?<![a-z])(?:{_DAY_NAMES})(?![a-z])\.?,?", re.IGNORECASE)
_FILLER_RE = re.compile(r"(?<![a-z])(?:pukul|pkl\.?|jam)(?![a-z])", re.IGNORECASE)
_ZONE_WORD_RE = re.compile(r"(?<![a-z])(WITA|WIB|WIT)(?![a-z])", re.IGNORECASE)
_SPACES_RE = re.compile(r"\s+")
_DATEPARSER_SETTINGS_BASE = {
    "DATE_ORDER": "DMY",
    "PREFER_DAY_OF_MONTH": "first",
    "PREFER_DATES_FROM": "past",
    "STRICT_PARSING": False,
}


@dataclass(frozen=True)
class Candidate:
    """One dated piece of evidence: a post (or page) and when it appeared."""

    at: datetime  # aware, UTC
    url: str | None  # absolute link of the post it dates, if known
    title: str | None
    source: str  # "feed", "wp-api", "sitemap", "page-date"
    how: str = ""  # detail within the source, e.g. "jsonld", "meta", "time", "text"


# schema.org types of a news post (JSON-LD ``@type``, lower-cased): a date in one of these is the
# post's own. The listing reader (extract) takes ``ARTICLE_TYPES``, the post-page reader
# (pagedate) its own wider set; both start from this core.
NEWS_ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "liveblogposting",
    }
)
ARTICLE_TYPES = NEWS_ARTICLE_TYPES | {
    "askpublicnewsarticle",
    "socialmediaposting",
    "discussionforumposting",
    "report",
    "scholarlyarticle",
    "techarticle",
    "governmentpermit",
    "pressrelease",
}


def is_credible(at: datetime, now: datetime) -> bool:
    """True when `at` can be real activity: not in the future (beyond a day of slack), not pre-web."""
    now = _aware_utc(now)
    at = _aware_utc(at)
    return EARLIEST_CREDIBLE <= at <= now + FUTURE_SLACK


def newest_credible(cands: Iterable[Candidate], now: datetime) -> Candidate | None:
    """The most recent credible candidate; on a tie the first one given wins (callers list the
    better-evidenced sources first)."""
    best: Candidate | None = None
    for cand in cands:
        if not is_credible(cand.at, now):
            continue
        if best is None or cand.at > best.at:
            best = cand
    return best


def parse_date(text: str, now: datetime, default_tz: tzinfo = JAKARTA) -> datetime | None:
    """Parse one date as printed on an Indonesian site or in a feed; return it aware in UTC.

    `now` (aware) is the base for relative forms ("3 hari yang lalu", "kemarin"). A date without an
    offset is read in `default_tz`; a date without a time is midnight there. A bare year is not a
    date. Never raises on junk: returns None.
    """
    if not isinstance(text, str) or not text:
        return None
    now = _aware_utc(now)
    norm = _normalise(text)
    if not norm:
        return None
    try:
        for found in _iter_absolute(norm, default_tz):
            return found
        rel = _relative(norm, now, default_tz)
        if rel is not None:
            return rel
        return _fallback(norm, now, default_tz)
    except (ValueError, OverflowError, TypeError):
        return None


def find_dates(text: str, now: datetime, default_tz: tzinfo = JAKARTA) -> list[datetime]:
    """Every date printed in `text` (absolute forms and "N unit lalu"), in reading order.

    Fast path only, no dateparser: this is what page scanning calls on each text node.
    """
    if not text:
        return []
    now = _aware_utc(now)
    norm = _normalise(text)
    found: list[tuple[int, datetime]] = []
    try:
        for m in _absolute_matches(norm):
            at = _from_match(norm, m, default_tz)
            if at is not None:
                found.append((m.start(), at))
        if _RELATIVE_HINT_RE.search(norm) is not None:
            for m in _RELATIVE_RE.finditer(norm):
                at = _from_relative_match(m, now)
                if at is not None:
                    found.append((m.start(), at))
    except (ValueError, OverflowError, TypeError):
        pass  # keep what was read before the bad piece
    return [at for _, at in sorted(found, key=lambda pair: pair[0])]


def _absolute_matches(norm: str) -> Iterable[re.Match[str]]:
    last_end = 0
    for year in _YEAR_HINT_RE.finditer(norm):
        start = max(year.start() - _WINDOW_BEFORE_YEAR, last_end)
        end = min(len(norm), year.end() + _WINDOW_AFTER_YEAR)
        if start >= end:
            continue
        for m in _DATE_RE.finditer(norm, start, end):
            if m.start() >= last_end:
                last_end = m.end()
                yield m


def _aware_utc(value: datetime) -> datetime:
    # A naive `now` is a caller bug, but guessing UTC beats crashing a crawl.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _normalise(text: str) -> str:
    # Typographic apostrophes (Jum’at) and non-breaking spaces are common in CMS output.
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return _SPACES_RE.sub(" ", text).strip()


def _iter_absolute(norm: str, default_tz: tzinfo) -> Iterable[datetime]:
    for m in _absolute_matches(norm):
        at = _from_match(norm, m, default_tz)
        if at is not None:
            yield at


def _from_match(text: str, m: re.Match[str], default_tz: tzinfo) -> datetime | None:
    g = m.groupdict()
    try:
        if g["iso"]:
            day = date(int(g["iy"]), int(g["im"]), int(g["id"]))
        elif g["ymd"]:
            day = date(int(g["yy"]), int(g["ym"]), int(g["yd"]))
        elif g["dmy"]:
            # Indonesia writes day first; 02/03/2025 is 2 March, never February 3rd.
            day = date(int(g["ny"]), int(g["nm"]), int(g["nd"]))
        elif g["dnm"]:
            day = date(int(g["ty"]), _MONTHS[g["tm"].lower()], int(g["td"]))
        else:
            day = date(int(g["uy"]), _MONTHS[g["um"].lower()], int(g["ud"]))
    except (ValueError, KeyError):
        return None

    clock = time(0, 0)
    tz: tzinfo | None = None
    rest_at = m.end()
    tm = _TIME_AFTER_RE.match(text, rest_at)
    if tm is not None and (parsed := _clock(tm)) is not None:
        clock = parsed
        rest_at = tm.end()
        tz = _zone_at(text, rest_at)
    else:
        before = _TIME_BEFORE_RE.search(text[max(0, m.start() - 30) : m.start()])
        if before is not None and (parsed := _clock(before)) is not None:
            clock = parsed
            if before.group("tz"):
                tz = _ZONE_OFFSETS[before.group("tz").strip().lower()]
        else:
            # "13 November 2024 WIB" has no time but still says which zone midnight is in.
            tz = _zone_at(text, rest_at)
    local = datetime.combine(day, clock, tzinfo=tz or default_tz)
    return local.astimezone(UTC)


def _clock(m: re.Match[str]) -> time | None:
    hour, minute = int(m.group("h")), int(m.group("m"))
    second = int(m.group("s") or 0)
    # Only the after-date form has an am/pm group; Indonesian sites use the 24-hour clock.
    ampm = (m.groupdict().get("ampm") or "").lower().replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


_ZONE_OFFSETS: dict[str, tzinfo] = {
    name: timezone(timedelta(hours=hours), name.upper()) for name, hours in _ZONES.items()
}


def _zone_at(text: str, pos: int) -> tzinfo | None:
    zm = _TZ_RE.match(text, pos)
    if zm is None:
        return None
    if zm.group("zone"):
        return _ZONE_OFFSETS[zm.group("zone").lower()]
    if zm.group("utc"):
        return UTC
    if zm.group("us"):
        return timezone(timedelta(hours=_US_ZONES[zm.group("us").lower()]))
    sign = zm.group("s1") or zm.group("s2")
    hours = int(zm.group("h1") or zm.group("h2"))
    minutes = int(zm.group("m1") or zm.group("m2") or 0)
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if sign == "-" else delta)


def _from_relative_match(m: re.Match[str], now: datetime) -> datetime | None:
    count = int(m.group("n")) if m.group("n") else 1
    unit = m.group("unit").lower()
    if unit not in _UNIT_SECONDS and unit not in _UNIT_MONTHS:
        unit = unit.rstrip("s")  # English plurals: "days" -> "day"
    if unit in _UNIT_MONTHS:
        return _minus_months(now, count * _UNIT_MONTHS[unit])
    if unit in _UNIT_SECONDS:
        return now - timedelta(seconds=count * _UNIT_SECONDS[unit])
    return None


def _minus_months(now: datetime, months: int) -> datetime | None:
    total = now.year * 12 + (now.month - 1) - months
    year, month0 = divmod(total, 12)
    if year < 1:
        return None
    month = month0 + 1
    # 31 March minus one month is the end of February, not an error.
    for day in range(now.day, 27, -1):
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return now.replace(year=year, month=month, day=min(now.day, 28))


def _relative(norm: str, now: datetime, default_tz: tzinfo) -> datetime | None:
    m = _RELATIVE_RE.search(norm)
    if m is not None:
        return _from_relative_match(m, now)
    m = _DAY_WORD_RE.match(norm)
    if m is None:
        return None
    word = _SPACES_RE.sub(" ", m.group("word").lower())
    if word in ("baru saja", "just now"):
        return now
    local_today = now.astimezone(default_tz).date()
    day = local_today - timedelta(days=1) if word in ("kemarin", "yesterday") else local_today
    clock = time(0, 0)
    tz: tzinfo | None = None
    rest = m.group("rest")
    tm = _TIME_AFTER_RE.match(rest)
    if tm is not None and (parsed := _clock(tm)) is not None:
        clock = parsed
        tz = _zone_at(rest, tm.end())
    return datetime.combine(day, clock, tzinfo=tz or default_tz).astimezone(UTC)


def _fallback(norm: str, now: datetime, default_tz: tzinfo) -> datetime | None:
    # Long text is prose, not a timestamp; dateparser would guess at it and cost milliseconds.
    if len(norm) > _FALLBACK_MAX_LEN or not any(ch.isdigit() for ch in norm):
        return None
    if _FALLBACK_HINT_RE.search(norm) is None:
        return None
    cleaned = _DAY_NAME_RE.sub(" ", norm)
    cleaned = _FILLER_RE.sub(" ", cleaned)
    cleaned = _ZONE_WORD_RE.sub(lambda zm: f"+0{_ZONES[zm.group(1).lower()]}00", cleaned)
    cleaned = _SPACES_RE.sub(" ", cleaned).strip(" ,|-")
    if not cleaned:
        return None
    try:
        # RFC 822 with a two-digit year or an obsolete zone: the stdlib knows those.
        parsed = parsedate_to_datetime(cleaned)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is None:
        parsed = _dateparser(cleaned, now, default_tz)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    # The lenient readers above turn "01 Jan 0001" into 2001: an invalid date is no date.
    return parsed.astimezone(UTC) if consistent(norm, parsed) else None


def _dateparser(text: str, now: datetime, default_tz: tzinfo) -> datetime | None:
    import dateparser  # imported lazily: it takes ~100 ms and most texts never need it

    settings = dict(_DATEPARSER_SETTINGS_BASE)
    # RELATIVE_BASE is naive local time: dateparser resolves "13 Nov" to a year relative to it.
    settings["RELATIVE_BASE"] = now.astimezone(default_tz).replace(tzinfo=None)
    try:
        return dateparser.parse(text, languages=["id", "en"], settings=settings)
    except Exception:  # noqa: BLE001 - dateparser raises assorted internals on junk; junk is None
        return None
