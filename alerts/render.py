"""Words and templates shared by the digest and the weekly report, in Indonesian and English.

One template per format (``digest.html``, ``digest.txt``, ``weekly.html``, ``weekly.txt``)
takes a translations dict ``t`` rather than a template per language, so the two
languages can never drift apart in structure.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_date

from pantau.config.text import printable
from pantau.storage.timefmt import from_iso

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("id", "en")

STATUS_LABELS = {
    "id": {
        "active": "aktif",
        "warning": "peringatan",
        "dormant": "tidak aktif (dormant)",
        "close_recommended": "direkomendasikan ditutup",
        "unreachable": "tidak dapat dijangkau",
        "unknown": "tidak diketahui",
        "retired": "ditutup",
    },
    "en": {
        "active": "active",
        "warning": "warning",
        "dormant": "dormant",
        "close_recommended": "close recommended",
        "unreachable": "unreachable",
        "unknown": "unknown",
        "retired": "retired",
    },
}

# The order sections appear in, in a digest and in its subject line.
KINDS = (
    "dormant",
    "close_recommended",
    "unreachable",
    "revived",
    "platform_down",
    "platform_recovered",
    "escalated",
    "will_reactivate_expired",
    "compromised",
    "recovered",
)
# Alerts about a whole platform or bridge, with no account: to the "*" recipients only.
PLATFORM_KINDS = ("platform_down", "platform_recovered")

# How each alert kind is named in the X-Pantau-Kinds header (INTERFACE.md): the outbox calls a
# return to active `revived`, the header says `active`. Listed in INTERFACE.md's order.
HEADER_KINDS = (
    "dormant",
    "close_recommended",
    "unreachable",
    "active",
    "compromised",
    "recovered",
    "escalated",
    "platform_down",
    "platform_recovered",
    "will_reactivate_expired",
)


def kinds_header(kinds: Any) -> str:
    """The ``X-Pantau-Kinds`` value for a mail holding alerts of ``kinds``."""
    named = {"active" if k == "revived" else str(k) for k in kinds}
    return ", ".join([k for k in HEADER_KINDS if k in named] + sorted(named - set(HEADER_KINDS)))


KIND_LABELS = {
    "id": {
        "dormant": "dormant",
        "close_recommended": "direkomendasikan ditutup",
        "unreachable": "tidak dapat dijangkau",
        "revived": "aktif kembali",
        "platform_down": "platform bermasalah",
        "platform_recovered": "platform pulih",
        "escalated": "diteruskan (belum dijawab)",
        "will_reactivate_expired": "janji aktif kembali terlewat",
        "compromised": "situs disusupi",
        "recovered": "situs bersih kembali",
    },
    "en": {
        "dormant": "dormant",
        "close_recommended": "close recommended",
        "unreachable": "unreachable",
        "revived": "revived",
        "platform_down": "platform down",
        "platform_recovered": "platform recovered",
        "escalated": "escalated (no answer)",
        "will_reactivate_expired": "promise to reactivate lapsed",
        "compromised": "compromised",
        "recovered": "recovered",
    },
}

# What a compromise finding is and where it was seen, for mails and reports.
COMPROMISE_LABELS = {
    "id": {
        "gambling_injection": "sisipan judi online",
        "cloaking": "cloaking (konten judi hanya untuk mesin pencari)",
        "defacement": "defacement (tampilan diganti peretas)",
        "hidden_block": "blok tersembunyi",
        "footer_links": "daftar tautan di footer",
        "page_links": "tautan di halaman",
        "title": "judul halaman",
        "meta_description": "deskripsi meta",
        "script": "skrip pengalih",
        "page_text": "teks halaman",
        "cloaked_response": "respons untuk Googlebot",
        "sitemap_entry": "entri sitemap",
        "feed_item": "entri feed",
        "defaced_page": "halaman depan",
    },
    "en": {
        "gambling_injection": "gambling injection",
        "cloaking": "cloaking (gambling content served to search engines only)",
        "defacement": "defacement (page replaced by an attacker)",
        "hidden_block": "hidden block",
        "footer_links": "footer link list",
        "page_links": "links on the page",
        "title": "page title",
        "meta_description": "meta description",
        "script": "redirect script",
        "page_text": "page text",
        "cloaked_response": "response to Googlebot",
        "sitemap_entry": "sitemap entry",
        "feed_item": "feed item",
        "defaced_page": "home page",
    },
}

MINISTER = {
    "id": "Arahan Menteri Komunikasi dan Digital (Feb 2025): akun resmi yang tidak dikelola harus ditutup.",
    "en": "Minister of Communication and Digital (Feb 2025): an official account that is not run should be closed.",
}

TEXT: dict[str, dict[str, Any]] = {
    "id": {
        "sections": "Tidak aktif (dormant)|Direkomendasikan ditutup|Tidak dapat dijangkau|Aktif kembali"
        "|Platform bermasalah|Platform pulih kembali"
        "|Diteruskan kepada Anda: belum ada jawaban|Janji aktif kembali terlewat"
        "|Situs disusupi (judi online, cloaking, defacement)|Situs bersih kembali",
        "escalated_note": "Belum ada jawaban instansi sejak {since} ({days} hari); diteruskan kepada Anda "
        "sebagai {level}.",
        "level_region": "pimpinan wilayah di atasnya",
        "level_national": "tingkat nasional",
        "expired_note": "Instansi ({who}, {answered}) berjanji mengaktifkan kembali paling lambat {by}; "
        "belum ada aktivitas baru.",
        "board": "Papan pantau",
        "chat_more": "dan {n} akun lainnya — daftar lengkap ada di surel pantau.",
        "intro": "Akun resmi berikut di wilayah Anda berubah status menurut pemantauan pantau.",
        "institution": "Instansi",
        "platform": "Platform",
        "account": "Akun",
        "status": "Status",
        "days_inactive": "Hari tanpa aktivitas",
        "days": "hari",
        "last_post": "Unggahan terakhir",
        "last_activity": "Aktivitas terakhir",
        "no_post": "tidak ada unggahan bertanggal yang ditemukan",
        "reason": "Alasan",
        "evidence": "Bukti",
        "region": "Wilayah",
        "changed_at": "Tercatat",
        "more": "dan {n} akun lainnya — daftar lengkap ada di lampiran CSV.",
        "footer": "Pesan ini dikirim otomatis oleh pantau. Status lengkap: `pantau status`.",
        "attention_one": "{n} akun perlu perhatian",
        "attention_many": "{n} akun perlu perhatian",
        "revived_one": "{n} akun aktif kembali",
        "revived_many": "{n} akun aktif kembali",
        "weekly_subject": "Laporan mingguan {week}",
        "weekly_title": "Laporan mingguan akun resmi",
        "week": "Minggu",
        "scope": "Cakupan",
        "all_regions": "seluruh wilayah",
        "totals": "Jumlah akun per status (saat ini)",
        "total": "Total",
        "trend": "Jumlah akun per status, {n} minggu terakhir",
        "new_dormant": "Baru tidak aktif (dormant) minggu ini",
        "dormant_now": "Tidak aktif (dormant) saat ini",
        "close_now": "Direkomendasikan ditutup",
        "revived": "Aktif kembali minggu ini",
        "unreachable_now": "Tidak dapat dijangkau",
        "unknown_now": "Tidak diketahui (perlu konfigurasi)",
        "none": "Tidak ada.",
        "more_in_attachment": "… dan {n} lainnya di lampiran.",
        "attachments": "Lampiran: daftar lengkap setiap bagian (XLSX) dan semua akun di cakupan Anda (CSV).",
        "all_accounts": "Semua akun",
        "summary": "Ringkasan",
        "count": "Jumlah",
        "url": "URL",
        "handle": "Handle",
        "last_activity_url": "URL aktivitas terakhir",
        "last_activity_title": "Judul aktivitas terakhir",
        "old_status": "Status lama",
        "new_status": "Status baru",
        "last_checked_at": "Terakhir diperiksa",
        "platform_intro": (
            "Pemeriksaan {platform} gagal untuk sebagian besar akunnya sekaligus: masalahnya ada "
            "pada platform atau jembatan (bridge), bukan pada akun. Akun-akun tersebut tidak "
            "ditandai tidak dapat dijangkau dan tetap memakai aktivitas terakhir yang diketahui."
        ),
        "platform_back": "Pemeriksaan {platform} kembali berhasil.",
        "platform_only_intro": "Keadaan platform atau jembatan (bridge) yang dipakai pantau untuk membaca akun resmi berubah.",
        "platform_state": "Keadaan",
        "platform_states": {"ok": "normal", "degraded": "terganggu (degraded)", "down": "mati (down)"},
        "since": "Sejak",
        # Sheet names: at most 31 characters in XLSX.
        "sheet_new_dormant": "Baru dormant",
        "sheet_close_now": "Direkomendasikan ditutup",
        "sheet_dormant_now": "Dormant",
        "sheet_revived": "Aktif kembali",
        "sheet_unreachable_now": "Tidak dapat dijangkau",
        "sheet_unknown_now": "Tidak diketahui",
        "region_name": "Nama wilayah",
        "by_region": "Per wilayah (provinsi, kabupaten/kota)",
        "no_region": "tanpa wilayah",
        "answers": "Jawaban instansi minggu ini",
        "escalated": "Diteruskan karena belum dijawab, minggu ini",
        "sheet_answers": "Jawaban",
        "sheet_escalated": "Diteruskan",
        "detail": "Keterangan",
        "escalation_detail": "langkah {step}: diteruskan ke {to} setelah {days} hari tanpa jawaban",
        "answer_kinds": "aktif kembali paling lambat|sudah ditutup|dikecualikan",
        "board_link": "Lihat wilayah Anda dan jawab temuan ini di papan pantau (tautan pribadi, berlaku {days} hari):",
        "compromise": "Temuan",
        "seen_at": "Terlihat di",
        "evidence_excerpt": "Cuplikan bukti",
        "detected_at": "Terdeteksi",
        "resolved_at": "Bersih sejak",
        "compromised_advice": (
            "Konten ini ditanam pihak lain. Segera periksa server dan CMS, hapus sisipan, "
            "ganti kata sandi, dan laporkan ke CSIRT/BSSN."
        ),
        "compromised_now": "Situs terindikasi disusupi (judi online, cloaking, defacement)",
        "sheet_compromised_now": "Situs disusupi",
    },
    "en": {
        "sections": "Dormant|Close recommended|Unreachable|Revived|Platform down|Platform recovered"
        "|Escalated to you: no answer|Promise to reactivate lapsed"
        "|Compromised sites (gambling injection, cloaking, defacement)|Sites clean again",
        "escalated_note": "No answer from the office since {since} ({days} days); escalated to you as {level}.",
        "level_region": "the region above",
        "level_national": "the national view",
        "expired_note": "The office ({who}, {answered}) promised to run it again by {by}; no new activity since.",
        "board": "pantau board",
        "chat_more": "and {n} more accounts — the full list is in pantau's mail.",
        "intro": "These official accounts in your area changed status according to pantau's monitoring.",
        "institution": "Institution",
        "platform": "Platform",
        "account": "Account",
        "status": "Status",
        "days_inactive": "Days inactive",
        "days": "days",
        "last_post": "Last post",
        "last_activity": "Last activity",
        "no_post": "no dated post found",
        "reason": "Reason",
        "evidence": "Evidence",
        "region": "Region",
        "changed_at": "Recorded",
        "more": "and {n} more accounts — the full list is in the attached CSV.",
        "footer": "This message was sent automatically by pantau. Full status: `pantau status`.",
        "attention_one": "{n} account needs attention",
        "attention_many": "{n} accounts need attention",
        "revived_one": "{n} account revived",
        "revived_many": "{n} accounts revived",
        "weekly_subject": "Weekly report {week}",
        "weekly_title": "Weekly report on official accounts",
        "week": "Week",
        "scope": "Scope",
        "all_regions": "all regions",
        "totals": "Accounts by status (now)",
        "total": "Total",
        "trend": "Accounts by status, last {n} weeks",
        "new_dormant": "Newly dormant this week",
        "dormant_now": "Dormant now",
        "close_now": "Close recommended",
        "revived": "Revived this week",
        "unreachable_now": "Unreachable",
        "unknown_now": "Unknown (needs configuration)",
        "none": "None.",
        "more_in_attachment": "… and {n} more in the attachment.",
        "attachments": "Attached: the full list of every section (XLSX) and every account in your scope (CSV).",
        "all_accounts": "All accounts",
        "summary": "Summary",
        "count": "Count",
        "url": "URL",
        "handle": "Handle",
        "last_activity_url": "Last activity URL",
        "last_activity_title": "Last activity title",
        "old_status": "Old status",
        "new_status": "New status",
        "last_checked_at": "Last checked",
        "platform_intro": (
            "Checks of {platform} failed for most of its accounts at once: the platform or bridge "
            "is failing, not the accounts. They are not marked unreachable and keep their last "
            "known activity."
        ),
        "platform_back": "Checks of {platform} succeed again.",
        "platform_only_intro": "The state of a platform or bridge pantau reads official accounts through has changed.",
        "platform_state": "State",
        "platform_states": {"ok": "ok", "degraded": "degraded", "down": "down"},
        "since": "Since",
        "sheet_new_dormant": "Newly dormant",
        "sheet_close_now": "Close recommended",
        "sheet_dormant_now": "Dormant",
        "sheet_revived": "Revived",
        "sheet_unreachable_now": "Unreachable",
        "sheet_unknown_now": "Unknown",
        "region_name": "Region name",
        "by_region": "By region (province, regency/city)",
        "no_region": "no region",
        "answers": "Answers this week",
        "escalated": "Escalated this week (no answer)",
        "sheet_answers": "Answers",
        "sheet_escalated": "Escalated",
        "detail": "Detail",
        "escalation_detail": "step {step}: escalated to {to} after {days} days without an answer",
        "answer_kinds": "will run it again by|closed|exception",
        "board_link": "See your region and answer these findings on the pantau board (personal link, valid {days} days):",
        "compromise": "Finding",
        "seen_at": "Seen at",
        "evidence_excerpt": "Evidence excerpt",
        "detected_at": "Detected",
        "resolved_at": "Clean since",
        "compromised_advice": (
            "This content was planted by someone else. Check the server and CMS now, remove "
            "the injection, change the passwords and report it to your CSIRT/BSSN."
        ),
        "compromised_now": "Compromised sites (gambling injection, cloaking, defacement)",
        "sheet_compromised_now": "Compromised",
    },
}

# Colours of the status chart, chosen to read in grey print too (dark = worse).
STATUS_COLOURS = {
    "active": "#2e7d32",
    "warning": "#f9a825",
    "dormant": "#ef6c00",
    "close_recommended": "#b71c1c",
    "unreachable": "#6a1b9a",
    "unknown": "#9e9e9e",
    "retired": "#455a64",
}


def translations(language: str) -> dict[str, Any]:
    lang = language if language in LANGUAGES else "id"
    t: dict[str, Any] = dict(TEXT[lang])
    t["statuses"] = STATUS_LABELS[lang]
    t["kinds"] = KIND_LABELS[lang]
    t["compromise_labels"] = COMPROMISE_LABELS[lang]
    t["section_titles"] = dict(zip(KINDS, TEXT[lang]["sections"].split("|"), strict=False))
    t["minister"] = MINISTER[lang]
    t["answer_kinds"] = dict(
        zip(("will_reactivate", "closed", "exception"), TEXT[lang]["answer_kinds"].split("|"), strict=True)
    )
    t["lang"] = lang
    return t


def web_href(url: Any) -> str | None:
    """The URL when it is safe to make a link of it: http(s) with a host, nothing else.

    Titles and URLs come from the crawled web; a ``javascript:`` or ``data:`` URL in a
    mail client would be a link the recipient trusts because pantau sent it.
    """
    if not isinstance(url, str) or not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


_SPACE = re.compile(r"\s+")


def oneline(value: Any) -> str:
    """Collapse whitespace so a title from the web cannot add lines to a plain-text mail."""
    if value is None:
        return ""
    # Whitespace first (a tab or line break becomes a space), then any control character
    # left (an escape sequence from a title) goes.
    return printable(_SPACE.sub(" ", str(value))).strip()


def local_time(value: Any, tz: str, language: str = "id", *, with_time: bool = True) -> str:
    """A stored UTC time shown in the configured zone, e.g. ``22 November 2024 10:00 WIB``."""
    dt = from_iso(value) if isinstance(value, str) else value
    if not isinstance(dt, datetime):
        return ""
    local = dt.astimezone(ZoneInfo(tz))
    lang = language if language in LANGUAGES else "id"
    # Babel's CLDR data names the months (Januari…Desember) as each language writes them.
    text = format_date(local, "d MMMM y", locale=lang)
    if with_time:
        text += f" {local:%H:%M} {local.tzname()}"
    return text


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        # HTML escapes everything that came from the web; the plain-text part must not.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["href"] = web_href
    env.filters["oneline"] = oneline
    return env


_ENV: jinja2.Environment | None = None


def render(name: str, **context: Any) -> str:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV.get_template(name).render(**context)
