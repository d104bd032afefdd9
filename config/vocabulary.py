"""pantau's vocabulary, defined once: statuses, check outcomes, evidence kinds, alert kinds, reasons.

Each is a ``StrEnum``, so a value is still the plain string the database, the JSON and the
registry carry (``Status.DORMANT == "dormant"``), while code that names one is checked.

A status reason is a :class:`Reason`: a code with parameters. It *is* its English sentence
(a ``str``: what ``status --format json`` promises scripts), and :meth:`Reason.text` says it in
Indonesian for the mails, the reports and the board. The words for every code live here, in
``_WORDS``, beside each other, so a new reason is one entry with both languages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    ACTIVE = "active"
    WARNING = "warning"
    DORMANT = "dormant"
    CLOSE_RECOMMENDED = "close_recommended"
    UNREACHABLE = "unreachable"
    UNKNOWN = "unknown"
    RETIRED = "retired"


class Outcome(StrEnum):
    """What one check found."""

    OK = "ok"  # read; a dated post may or may not have been found
    ERROR = "error"  # the read failed (site down, timeout, bad answer)
    NOT_FOUND = "not_found"  # the account or site is gone
    UNSUPPORTED = "unsupported"  # cannot be read with this configuration
    BLOCKED = "blocked"  # refused on purpose (robots.txt, the address guard)

    @property
    def failed(self) -> bool:
        return self in (Outcome.ERROR, Outcome.NOT_FOUND)


class Evidence(StrEnum):
    """How a last activity was found, strongest first for websites."""

    FEED = "feed"
    WP_API = "wp-api"
    SITEMAP = "sitemap"
    PAGE_DATE = "page-date"
    API = "api"
    ATTESTED = "attested"


class AlertKind(StrEnum):
    DORMANT = "dormant"
    CLOSE_RECOMMENDED = "close_recommended"
    UNREACHABLE = "unreachable"
    REVIVED = "revived"  # back to active after trouble (shown as `active` in X-Pantau-Kinds)
    COMPROMISED = "compromised"
    RECOVERED = "recovered"
    ESCALATED = "escalated"
    PLATFORM_DOWN = "platform_down"
    PLATFORM_RECOVERED = "platform_recovered"
    WILL_REACTIVATE_EXPIRED = "will_reactivate_expired"


# Statuses that raise an alert when an account enters them, and the troubles a return to
# `active` is news after.
ALERT_ON_ENTER = (Status.DORMANT, Status.CLOSE_RECOMMENDED, Status.UNREACHABLE)
REVIVAL_FROM = ALERT_ON_ENTER

EVIDENCE_WORDS: dict[str, dict[str, str]] = {
    "en": {e.value: e.value for e in Evidence},
    "id": {
        Evidence.FEED: "feed",
        Evidence.WP_API: "API WordPress",
        Evidence.SITEMAP: "sitemap",
        Evidence.PAGE_DATE: "tanggal di halaman",
        Evidence.API: "API resmi",
        Evidence.ATTESTED: "dicatat petugas",
    },
}


class ReasonCode(StrEnum):
    NOT_CHECKED = "not_checked"
    RETIRED = "retired"
    NOT_FOUND = "not_found"
    CHECKS_FAILED = "checks_failed"
    NEVER_READ = "never_read"
    CANNOT_READ = "cannot_read"
    NO_DATED_POST = "no_dated_post"
    LAST_ACTIVITY = "last_activity"
    TEXT = "text"  # a sentence pantau did not compose (a spider's error, a stored legacy reason)
    PLATFORM_DEGRADED = "platform_degraded"  # the latest check failed with its platform or bridge
    PLATFORM_HEALTH = "platform_health"  # a platform's or bridge's state in `pantau health`
    CLOSED_CONFIRMED = "closed_confirmed"  # the office answered `closed` and a check found it gone
    CLOSED_STILL_ONLINE = "closed_still_online"  # answered `closed`, but a later check still reads it


def _days_en(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _last_activity(p: Mapping[str, Any], lang: str) -> str:
    ev = EVIDENCE_WORDS[lang].get(p["evidence"], p["evidence"])
    if lang == "id":
        text = f"aktivitas terakhir {p['days']} hari lalu ({ev})"
        if p.get("over") is not None:
            text += f", lebih dari {p['over']} hari"
        if p.get("close"):
            text += ": tutup akun atau kelola kembali"
        if p.get("failed"):
            text += f"; pemeriksaan terakhir gagal: {p['failed']}"
        return text
    text = f"last activity {_days_en(p['days'])} ago ({ev})"
    if p.get("over") is not None:
        text += f", over {p['over']} days"
    if p.get("close"):
        text += ": close the account or run it again"
    if p.get("failed"):
        text += f"; the latest check failed: {p['failed']}"
    return text


def _not_found(p: Mapping[str, Any], lang: str) -> str:
    detail = p.get("detail") or ""
    if lang == "id":
        if detail.startswith("account not found"):
            return "akun tidak ditemukan" + detail[len("account not found") :]
        return f"akun tidak ditemukan ({detail or 'hilang'})"
    return detail if detail.startswith("account not found") else f"account not found ({detail or 'gone'})"


def _platform_degraded(p: Mapping[str, Any], lang: str) -> str:
    """The latest check failed, but the platform or bridge failed, not the account."""
    head = _last_activity(p, lang) if p.get("days") is not None else ""
    source, latest = p.get("source") or "?", p.get("latest") or ""
    if lang == "id":
        tail = (
            f"pemeriksaan terakhir gagal karena {source} sedang bermasalah secara keseluruhan, bukan akunnya: {latest}"
        )
        return f"{head}; {tail}" if head else f"belum pernah berhasil dibaca; {tail}"
    tail = f"the latest check failed because {source} as a whole is failing, not the account: {latest}"
    return f"{head}; {tail}" if head else f"never read successfully; {tail}"


def _platform_health(p: Mapping[str, Any], lang: str) -> str:
    checked, failed, latest = p.get("checked") or 0, p.get("failed") or 0, p.get("latest")
    if lang == "id":
        if not checked:
            return "belum ada pemeriksaan"
        text = f"{failed} dari {checked} pemeriksaan pada putaran terakhir gagal"
        return text + (f"; galat terakhir: {latest}" if failed and latest else "")
    if not checked:
        return "no checks yet"
    text = f"{failed} of {checked} checks in the latest pass failed"
    return text + (f"; latest error: {latest}" if failed and latest else "")


def _answer(p: Mapping[str, Any], lang: str) -> str:
    """Who answered and when, with the office's own note (shown as written)."""
    text = f"{p.get('who') or '?'}, {p.get('answered') or '?'}"
    return f"{text}: {p['note']}" if p.get("note") else text


def _base(p: Mapping[str, Any], lang: str) -> str:
    """The reason the status would have had without the answer, in the reader's language."""
    base = p.get("base") or {}
    return Reason(base.get("code", ReasonCode.TEXT), base.get("params") or {}).text(lang)


# code -> language -> words. Parameters that are remote or free text (``detail``, ``latest``)
# are shown as they are in both languages.
_WORDS: dict[str, dict[str, Callable[[Mapping[str, Any]], str]]] = {
    ReasonCode.NOT_CHECKED: {"en": lambda p: "not checked yet", "id": lambda p: "belum diperiksa"},
    ReasonCode.RETIRED: {
        "en": lambda p: f"retired: {p.get('note') or 'closed on purpose'}",
        "id": lambda p: f"dinonaktifkan: {p.get('note') or 'ditutup dengan sengaja'}",
    },
    ReasonCode.NOT_FOUND: {"en": lambda p: _not_found(p, "en"), "id": lambda p: _not_found(p, "id")},
    ReasonCode.CHECKS_FAILED: {
        "en": lambda p: f"the last {p['count']} checks failed; latest: {p['latest']}",
        "id": lambda p: f"{p['count']} pemeriksaan terakhir gagal; terakhir: {p['latest']}",
    },
    ReasonCode.NEVER_READ: {
        "en": lambda p: f"never read successfully; latest: {p['latest']}",
        "id": lambda p: f"belum pernah berhasil dibaca; terakhir: {p['latest']}",
    },
    ReasonCode.CANNOT_READ: {
        "en": lambda p: p.get("detail") or "cannot be read with this configuration",
        "id": lambda p: p.get("detail") or "tidak dapat dibaca dengan konfigurasi ini",
    },
    ReasonCode.NO_DATED_POST: {
        "en": lambda p: "read, but no dated post was found (no feed, API, sitemap or dated article)",
        "id": lambda p: (
            "terbaca, tetapi tidak ada unggahan bertanggal (tidak ada feed, API, sitemap, atau artikel bertanggal)"
        ),
    },
    ReasonCode.LAST_ACTIVITY: {"en": lambda p: _last_activity(p, "en"), "id": lambda p: _last_activity(p, "id")},
    ReasonCode.TEXT: {"en": lambda p: p.get("text") or "", "id": lambda p: p.get("text") or ""},
    ReasonCode.PLATFORM_DEGRADED: {
        "en": lambda p: _platform_degraded(p, "en"),
        "id": lambda p: _platform_degraded(p, "id"),
    },
    ReasonCode.PLATFORM_HEALTH: {"en": lambda p: _platform_health(p, "en"), "id": lambda p: _platform_health(p, "id")},
    ReasonCode.CLOSED_CONFIRMED: {
        "en": lambda p: (
            f"retired: the office answered it was closed ({_answer(p, 'en')}), "
            f"and the check of {p['checked']} found it gone"
        ),
        "id": lambda p: (
            f"dinonaktifkan: instansi menjawab akun sudah ditutup ({_answer(p, 'id')}), "
            f"dan pemeriksaan {p['checked']} memastikan akun sudah tidak ada"
        ),
    },
    ReasonCode.CLOSED_STILL_ONLINE: {
        "en": lambda p: (
            f"the office answered it was closed ({_answer(p, 'en')}), but the check of "
            f"{p['checked']} found it still online; {_base(p, 'en')}"
        ),
        "id": lambda p: (
            f"instansi menjawab akun sudah ditutup ({_answer(p, 'id')}), tetapi pemeriksaan "
            f"{p['checked']} masih menemukannya daring; {_base(p, 'id')}"
        ),
    },
}


def register_reason(code: str, en: Callable[[Mapping[str, Any]], str], id: Callable[[Mapping[str, Any]], str]) -> None:
    """Give a reason code its words (for rooms that add their own reasons, e.g. the answer loop)."""
    _WORDS[code] = {"en": en, "id": id}


class Reason(str):
    """A status reason: a code with parameters that reads as its English sentence.

    >>> r = Reason.of(ReasonCode.LAST_ACTIVITY, days=3, evidence="feed")
    >>> str(r), r.text("id")
    ('last activity 3 days ago (feed)', 'aktivitas terakhir 3 hari lalu (feed)')
    """

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, params: Mapping[str, Any] | None = None) -> Reason:
        params = dict(params or {})
        words = _WORDS.get(code)
        english = words["en"](params) if words else str(params.get("text", code))
        self = super().__new__(cls, english)
        self.code = str(code)
        self.params = params
        return self

    @classmethod
    def of(cls, code: str, **params: Any) -> Reason:
        return cls(code, params)

    def text(self, language: str = "en") -> str:
        words = _WORDS.get(self.code)
        if not words:
            return str(self)
        return words.get(language, words["en"])(self.params)

    def to_json(self) -> str:
        return json.dumps({"code": self.code, "params": self.params}, ensure_ascii=False, default=str)

    @classmethod
    def from_stored(cls, data: str | None, english: str | None = None) -> Reason:
        """The reason as stored: its structured form when there is one, else the plain sentence."""
        if data:
            try:
                raw = json.loads(data)
                return cls(raw["code"], raw.get("params") or {})
            except (ValueError, KeyError, TypeError):
                pass
        return cls(ReasonCode.TEXT, {"text": english or ""})


def reason_text(reason: str | None, language: str) -> str:
    """Any reason (a :class:`Reason` or a plain sentence) in the reader's language."""
    if isinstance(reason, Reason):
        return reason.text(language)
    return reason or ""


def stored_reason(row: Mapping[str, Any]) -> Reason:
    """The reason of a stored row (an account, a status change, an outbox entry)."""
    reason = row.get("reason")
    if isinstance(reason, Reason):
        return reason
    data = row.get("reason_data") or row.get("status_reason_data")
    return Reason.from_stored(data, reason if reason is not None else row.get("status_reason"))


class ResponseKind(StrEnum):
    """An office's answer to a dormant or close-recommended finding (INTERFACE.md `respond`)."""

    WILL_REACTIVATE = "will_reactivate"  # will run the account again, by a date
    CLOSED = "closed"  # says it closed the account; verified by the next check
    EXCEPTION = "exception"  # keeps it idle on purpose, with a reason


class PlatformState(StrEnum):
    """The health of a platform or bridge in its latest pass (``pantau health``)."""

    OK = "ok"
    DEGRADED = "degraded"  # more than half of its checks failed
    DOWN = "down"  # every check failed (at least 2)
