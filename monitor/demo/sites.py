"""Realistic local sites for the demo: Indonesian portals and WordPress sites on loopback.

Dates are written relative to ``now`` so the demo tells the same story on any day:
an active regency portal, an active WordPress office site, a dormant one, one that
should be closed, a dead one, and social accounts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from zoneinfo import ZoneInfo

from pantau.monitor.demo.server import Route

WIB = ZoneInfo("Asia/Jakarta")
BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def tanggal(dt: datetime, with_day: bool = True) -> str:
    """``Jumat, 22 November 2024`` — how Indonesian portals print dates."""
    local = dt.astimezone(WIB)
    text = f"{local.day} {BULAN[local.month - 1]} {local.year}"
    return f"{HARI[local.weekday()]}, {text}" if with_day else text


def portal(name: str, now: datetime, news: list[tuple[str, int]], base: str) -> str:
    """A regency portal home page: today's date in the header (a trap), a news list with
    Indonesian dates, a future agenda, a calendar widget and a copyright footer."""
    items = "\n".join(
        f'''      <div class="col-md-4 berita-item">
        <img src="/uploads/{i}.jpg" alt="">
        <h3><a href="{base}/berita/{i}-{title.lower().replace(" ", "-")[:40]}">{escape(title)}</a></h3>
        <span class="tanggal"><i class="fa fa-calendar"></i> {tanggal(now - timedelta(days=age))}</span>
      </div>'''
        for i, (title, age) in enumerate(news, 1)
    )
    agenda = tanggal(now + timedelta(days=12))
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{escape(name)}</title></head>
<body>
  <div class="top-bar"><span class="tanggal-hari-ini">{tanggal(now)}</span> | Selamat datang di portal resmi</div>
  <header><h1>{escape(name)}</h1>
    <nav><a href="/">Beranda</a> <a href="/profil">Profil</a> <a href="/berita">Berita</a></nav></header>
  <main>
    <section class="berita-terkini"><h2>Berita Terkini</h2>
{items}
    </section>
    <aside class="agenda"><h2>Agenda</h2>
      <div class="agenda-item"><a href="{base}/agenda/rapat-koordinasi">Rapat Koordinasi Humas</a>
        <span>{agenda}</span></div>
      <table class="kalender"><caption>{BULAN[now.month - 1]} {now.year}</caption>
        <tr><td>1</td><td>2</td><td>3</td></tr></table>
    </aside>
  </main>
  <footer>&copy; {now.year} Dinas Komunikasi dan Informatika. Hak Cipta Dilindungi.</footer>
</body></html>"""


def wordpress_home(name: str, base: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="id-ID"><head><meta charset="UTF-8"><title>{escape(name)}</title>
<link rel="alternate" type="application/rss+xml" title="{escape(name)} &raquo; Feed" href="{base}/feed/" />
<link rel="https://api.w.org/" href="{base}/wp-json/" />
<meta name="generator" content="WordPress 6.6.2" />
</head><body class="home blog"><header class="site-header"><p class="site-title">{escape(name)}</p></header>
<main id="main"><p>Selamat datang.</p></main>
<footer>&copy; 2025 {escape(name)} &middot; Proudly powered by WordPress</footer></body></html>"""


def wordpress_feed(name: str, base: str, now: datetime, posts: list[tuple[str, int]]) -> str:
    items = "\n".join(
        f"""    <item>
      <title>{escape(title)}</title>
      <link>{base}/{(now - timedelta(days=age)).strftime("%Y/%m/%d")}/{title.lower().replace(" ", "-")[:40]}/</link>
      <pubDate>{format_datetime((now - timedelta(days=age)).astimezone(WIB))}</pubDate>
      <dc:creator><![CDATA[admin]]></dc:creator>
      <category><![CDATA[Berita]]></category>
      <description><![CDATA[{escape(title)} &#8230;]]></description>
    </item>"""
        for title, age in posts
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
  xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{escape(name)}</title>
    <atom:link href="{base}/feed/" rel="self" type="application/rss+xml" />
    <link>{base}</link>
    <description>Situs resmi</description>
    <lastBuildDate>{format_datetime(now.astimezone(WIB))}</lastBuildDate>
    <language>id</language>
    <generator>https://wordpress.org/?v=6.6.2</generator>
{items}
  </channel>
</rss>"""


def telegram_preview(handle: str, title: str, now: datetime, ages_days: list[int], base: str) -> str:
    bubbles = "\n".join(
        f"""<div class="tgme_widget_message_wrap js-widget_message_wrap">
  <div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{handle}/{100 + i}">
    <div class="tgme_widget_message_text js-message_text" dir="auto">Informasi layanan publik #{100 + i}</div>
    <div class="tgme_widget_message_footer compact js-message_footer">
      <div class="tgme_widget_message_info short js-message_info">
        <span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="{base}/{handle}/{100 + i}">
        <time datetime="{(now - timedelta(days=age)).astimezone(WIB).isoformat(timespec="seconds")}" class="time">09:15</time></a></span>
      </div></div></div></div>"""
        for i, age in enumerate(sorted(ages_days, reverse=True))
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)} – Telegram</title>
<meta property="og:title" content="{escape(title)}"></head>
<body class="widget_frame_base tgme_webpreview">
<div class="tgme_channel_info"><div class="tgme_channel_info_header_title"><span dir="auto">{escape(title)}</span></div>
<div class="tgme_channel_info_header_username"><a href="{base}/{handle}">@{handle}</a></div></div>
<section class="tgme_channel_history js-message_history">
{bubbles}
</section></body></html>"""


def site_routes(name: str, now: datetime, base: str, at: datetime | None = None) -> dict[str, Route]:
    """The route table of one demo site (each site has its own loopback server).

    Posts are dated relative to ``now``; ``at`` (an earlier moment, for the demo's history)
    serves the site as it stood then: only the posts made by ``at``, and ``at`` as today.
    """
    shift = max(0, (now - at).days) if at is not None else 0
    return _routes(at or now, base, shift)[name]


SITE_NAMES = ("portal", "wp_active", "wp_dormant", "wp_close", "telegram")

# The shape judi-online injections take on abandoned .go.id sites: links no visitor sees.
INJECTED_LINKS = (
    '<div style="position:absolute;left:-9999px"><a href="https://slot-gacor.example/">slot gacor '
    'hari ini</a> <a href="https://toto88.example/">situs toto</a> '
    '<a href="https://rtp-live.example/">rtp live</a></div>'
)


def _seen(posts: list[tuple[str, int]], shift: int, keep: int | None = None) -> list[tuple[str, int]]:
    """The posts already made ``shift`` days ago, aged as they were then, newest first."""
    seen = sorted(((title, age - shift) for title, age in posts if age >= shift), key=lambda p: p[1])
    return seen[:keep] if keep else seen


def _routes(now: datetime, base: str, shift: int = 0) -> dict[str, dict[str, Route]]:
    return {
        "portal": {
            "/": Route(
                portal(
                    "Pemerintah Kabupaten Musi Banyuasin",
                    now,
                    _seen(
                        [
                            ("Bupati Resmikan Mal Pelayanan Publik", 2),
                            ("Vaksinasi Gratis di Puskesmas Sekayu", 5),
                            ("Pelatihan UMKM Digital Bersama Diskominfo", 9),
                            ("Musrenbang Kecamatan Babat Toman", 16),
                            ("Gotong Royong Bersihkan Sungai Musi", 23),
                            ("Pasar Murah Jelang Hari Besar", 30),
                            ("Lomba Desa Tingkat Kabupaten", 37),
                            ("Sosialisasi Pajak Kendaraan Bermotor", 44),
                            ("Penyaluran Bantuan Bibit Karet", 51),
                            ("Rapat Koordinasi Camat se-Kabupaten", 58),
                        ],
                        shift,
                        keep=3,
                    ),
                    base,
                )
            ),
        },
        "wp_active": {
            "/": Route(wordpress_home("Dinas Komunikasi dan Informatika Kab. Musi Banyuasin", base)),
            "/feed/": Route(
                wordpress_feed(
                    "Diskominfo Muba",
                    base,
                    now,
                    _seen(
                        [
                            ("Diskominfo Gelar Sosialisasi Keterbukaan Informasi", 3),
                            ("Rapat Koordinasi Humas Pemerintah Daerah", 11),
                            ("Pelatihan Jurnalistik untuk Humas OPD", 18),
                            ("Peluncuran Aplikasi Layanan Aduan", 26),
                            ("Bimtek Pengelolaan Website OPD", 33),
                            ("Diskominfo Pantau Jaringan Internet Desa", 40),
                            ("Sosialisasi Satu Data Indonesia", 47),
                            ("Forum Komunikasi Media Daerah", 54),
                        ],
                        shift,
                    ),
                ),
                content_type="application/rss+xml; charset=UTF-8",
            ),
        },
        "wp_dormant": {
            # Active seven weeks ago, dormant (over 30 days) since a week ago: the weekly
            # report's "newly dormant".
            "/": Route(wordpress_home("Dinas Pariwisata Kab. Ogan Komering Ilir", base)),
            "/feed/": Route(
                wordpress_feed(
                    "Dispar OKI",
                    base,
                    now,
                    _seen(
                        [
                            ("Festival Bidar Kayuagung Meriah", 38),
                            ("Pesona Wisata Danau Teluk Gelam", 61),
                        ],
                        shift,
                    ),
                ),
                content_type="application/rss+xml; charset=UTF-8",
            ),
        },
        "wp_close": {
            # Abandoned, and someone has planted gambling links in it (pantau status --compromised).
            "/": Route(
                wordpress_home("Dinas Perpustakaan Kab. Ogan Komering Ilir", base).replace(
                    "</body>", INJECTED_LINKS + "</body>"
                )
            ),
            "/feed/": Route(
                wordpress_feed(
                    "Dispusip OKI",
                    base,
                    now,
                    _seen(
                        [
                            ("Gerakan Gemar Membaca di Sekolah", 212),
                        ],
                        shift,
                    ),
                ),
                content_type="application/rss+xml; charset=UTF-8",
            ),
        },
        "telegram": {
            "/s/kominfomuba": Route(
                telegram_preview(
                    "kominfomuba",
                    "Diskominfo Muba",
                    now,
                    [age for _, age in _seen([("", a) for a in (1, 4, 8, 15, 22, 29, 36, 43, 50, 57)], shift, keep=8)],
                    base,
                )
            ),
        },
    }
