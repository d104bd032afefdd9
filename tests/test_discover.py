"""`pantau discover`: the official website's own links name its official accounts.

A loopback regency site with a realistic footer (icon links, share buttons, embedded timelines
of other accounts, links to the platforms' home pages, wa.me and mailto: links) and a contact
page; Telegram's preview and a Mastodon instance answer from loopback too.
"""

from __future__ import annotations

import csv

import pytest
import yaml
from social_support import serve

from pantau.crawler.social_links import classify, contact_pages, social_links
from pantau.monitor.demo.server import Route

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"
KOMINFO = "Dinas Komunikasi dan Informatika Kab. Musi Banyuasin"


def _mastodon_feed() -> Route:
    return serve("mastodon_active.rss")


@pytest.fixture
def regency(sites, project):
    """The Diskominfo site, its registry, and a Telegram preview on loopback."""
    telegram = sites.serve({"/s/kominfomuba": serve("telegram_preview_active.html")})
    site = sites.serve(
        {
            "/": "discover_home.html",
            "/kontak": "discover_kontak.html",
            "/tentang-kami": Route("<html><body><h1>Tentang Kami</h1><p>Diskominfo Muba.</p></body></html>"),
            "/@kominfomuba.rss": _mastodon_feed(),
        }
    )
    project.config.write_text(
        project.config.read_text(encoding="utf-8")
        + f'\n[platforms.telegram]\npreview_url = "{telegram.url}/s/{{handle}}"\n',
        encoding="utf-8",
    )
    project.write(
        "registry.csv",
        HEADER
        + f"{KOMINFO},16.06,website,,{site.url},,kominfo@mubakab.go.id,,\n"
        + f"{KOMINFO},16.06,instagram,,https://www.instagram.com/kominfomuba/,,,,\n"
        + f"{KOMINFO},16.06,x,,https://x.com/kominfomuba,,,,\n"
        + f"{KOMINFO},16.06,instagram,,https://www.instagram.com/kominfomuba_official/,,,,\n"
        + f"{KOMINFO},16.06,tiktok,,https://www.tiktok.com/@kominfomuba.lama,,,,\n"
        + f"{KOMINFO},16.06,youtube,,https://www.youtube.com/@kominfomubatv,,,,\n"
        + "Pemerintah Kabupaten Musi Banyuasin,16.06,facebook,,https://www.facebook.com/pemkabmuba,,,,\n",
    )
    imported = project.run("registry", "import", "registry.csv")
    assert imported.returncode == 0, imported.stderr
    return site


def _ids(project) -> dict[str, int]:
    return {a["url"]: a["id"] for a in project.accounts()}


def test_it_finds_the_accounts_the_official_site_links_and_nothing_else(project, regency):
    result = project.run("discover", "--out", "ditemukan.csv")

    assert result.returncode == 0, result.stderr
    # It should count the linked accounts: two registered, six new, two registered ones unlinked
    assert result.stdout.strip() == "found 8, registered 2, new 6, unlinked 2"
    with open(project.root / "ditemukan.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    home, kontak = regency.url + "/", regency.url + "/kontak"
    # It should write only the site's own new accounts: no share buttons, embeds of BMKG,
    # Kominfo or Jokowi, platform home pages, wa.me or mailto:
    assert sorted((r["platform"], r["url"], r["note"]) for r in rows) == sorted(
        [
            ("facebook", "https://facebook.com/diskominfomuba", f"discovered on {home}"),
            ("tiktok", "https://tiktok.com/@kominfomuba", f"discovered on {home}"),
            ("telegram", "https://t.me/kominfomuba", f"discovered on {home}"),
            ("mastodon", f"{regency.url}/@kominfomuba", f"discovered on {home}"),
            ("instagram", "https://instagram.com/humasmuba", f"discovered on {kontak}"),
            ("threads", "https://threads.net/@kominfomuba", f"discovered on {kontak}"),
        ]
    )
    assert {(r["institution"], r["region"], r["owner_email"]) for r in rows} == {
        (KOMINFO, "16.06", "kominfo@mubakab.go.id")
    }


def test_it_reports_unlinked_registered_accounts_and_dead_links_on_stderr(project, regency):
    ids = _ids(project)

    result = project.run("discover", "--out", "ditemukan.yaml")

    assert result.returncode == 0, result.stderr
    home = regency.url + "/"
    # It should name the impostor-or-forgotten accounts of the same institution on platforms the
    # site links, and the linked accounts that are gone — and nothing about YouTube (not linked)
    # or another institution's Facebook page
    assert sorted(result.stderr.splitlines()) == sorted(
        [
            f"{ids['https://instagram.com/kominfomuba_official']} https://instagram.com/kominfomuba_official: "
            f"not linked from {regency.url}",
            f"{ids['https://tiktok.com/@kominfomuba.lama']} https://tiktok.com/@kominfomuba.lama: "
            f"not linked from {regency.url}",
            f"https://t.me/kominfomuba_lama: linked from {home} but gone",
            f"{regency.url}/@lama: linked from {home} but gone",
        ]
    )
    written = yaml.safe_load((project.root / "ditemukan.yaml").read_text(encoding="utf-8"))["accounts"]
    # It should leave the dead links out of the file
    assert "https://t.me/kominfomuba_lama" not in {a["url"] for a in written}
    assert len(written) == 6


def test_the_written_file_imports_as_new_accounts_and_a_second_run_finds_them_registered(project, regency):
    project.run("discover", "--out", "ditemukan.csv")

    imported = project.run("registry", "import", "ditemukan.csv")
    again = project.run("discover", "--out", "lagi.csv")

    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "added 6, updated 0, unchanged 0, rejected 0"
    # It should find every account registered the second time
    assert again.stdout.strip() == "found 8, registered 8, new 0, unlinked 2"


def test_discover_for_one_account_reads_only_its_institutions_websites(project, regency, sites):
    other = sites.serve({"/": Route('<a href="https://instagram.com/dinkesmuba">IG</a>')})
    project.write("more.csv", HEADER + f"Dinas Kesehatan Kab. Musi Banyuasin,16.06,website,,{other.url},,,,\n")
    project.run("registry", "import", "more.csv")
    ids = _ids(project)

    result = project.run("discover", "--account", str(ids[other.url]))

    # It should read the Dinkes site only
    assert result.stdout.strip() == "found 1, registered 0, new 1, unlinked 0"


def test_an_unknown_account_id_is_bad_usage(project, regency):
    result = project.run("discover", "--account", "999")

    # It should stop with exit 2 and say which id
    assert result.returncode == 2
    assert "no account with id 999" in result.stderr


@pytest.mark.parametrize(
    "href",
    [
        "https://www.facebook.com/sharer/sharer.php?u=https://mubakab.go.id/berita/1",
        "https://twitter.com/intent/tweet?text=x",
        "https://x.com/intent/follow?screen_name=kominfomuba",
        "https://twitter.com/share?url=https://mubakab.go.id",
        "https://t.me/share/url?url=https://mubakab.go.id",
        "https://www.instagram.com/",
        "https://www.instagram.com/p/C1xYz9AbCdE/",
        "https://www.facebook.com/help/",
        "https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2Fkemkominfo",
        "https://x.com/kominfomuba/status/1859123456789012345",
        "https://www.tiktok.com/@bmkgofficial/video/7301234567890123456",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/embed/dQw4w9WgXcQ",
        "https://wa.me/6281234567890",
        "mailto:diskominfo@mubakab.go.id",
        "https://medium.com/@kominfomuba",
    ],
)
def test_links_that_are_not_an_institutions_account_are_ignored(href):
    # It should not take a share button, a post, a platform page or a chat link for an account
    assert classify(href) is None


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://twitter.com/KominfoMuba", ("x", "https://x.com/kominfomuba")),
        ("https://www.youtube.com/@KominfoMuba/videos", ("youtube", "https://youtube.com/@kominfomuba")),
        (
            "https://www.youtube.com/channel/UC2kRDFU8yLUFQDT6hiqhaFA",
            ("youtube", "https://youtube.com/channel/UC2kRDFU8yLUFQDT6hiqhaFA"),
        ),
        (
            "https://m.facebook.com/profile.php?id=100068410654643&sk=about",
            ("facebook", "https://facebook.com/profile.php?id=100068410654643"),
        ),
        ("https://t.me/s/kominfomuba", ("telegram", "https://t.me/kominfomuba")),
        ("https://mastodon.social/@KominfoMuba", ("mastodon", "https://mastodon.social/@kominfomuba")),
    ],
)
def test_account_links_are_normalised_by_the_registrys_rules(href, expected):
    # It should give the url the registry stores, so a found account matches a registered one
    assert classify(href)[:2] == expected


def test_a_page_names_each_account_once_and_finds_its_contact_pages():
    html = (
        '<a href="/kontak">Kontak</a> <a href="/media-sosial">x</a> <a href="/berita">Berita</a>'
        '<a href="https://other.go.id/kontak">Kontak lain</a>'
        '<a href="https://instagram.com/kominfomuba">a</a><a href="https://www.instagram.com/KominfoMuba/">b</a>'
    )

    links = social_links(html, "https://kominfo.mubakab.go.id/")

    # It should list one account for two spellings, and only same-site contact pages
    assert [link.url for link in links] == ["https://instagram.com/kominfomuba"]
    assert contact_pages(html, "https://kominfo.mubakab.go.id/") == [
        "https://kominfo.mubakab.go.id/kontak",
        "https://kominfo.mubakab.go.id/media-sosial",
    ]


def test_a_linked_account_wikidata_lists_is_written_as_confirmed(project, sites):
    site = sites.serve({"/": Route('<footer><a href="https://www.instagram.com/pemko.medan/">IG</a></footer>')})
    project.write("medan.csv", HEADER + f"Pemerintah Kota Medan,12.71,website,,{site.url},,,,\n")
    project.run("registry", "import", "medan.csv")

    result = project.run("discover", "--out", "medan-akun.csv")

    with open(project.root / "medan-akun.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert result.stdout.strip() == "found 1, registered 0, new 1, unlinked 0"
    # It should say the official site confirms the account Wikidata records for Kota Medan
    assert rows[0]["note"] == (
        f"discovered on {site.url}/; confirms the Wikidata candidate (Q5972, Pemerintah Kota Medan)"
    )


def test_it_obeys_robots_txt_like_a_check(sites, new_project, tmp_path):
    site = sites.serve(
        {
            "/": "discover_home.html",
            "/kontak": "discover_kontak.html",
            "/tentang-kami": Route("<html><body><h1>Tentang Kami</h1></body></html>"),
            "/robots.txt": Route("User-agent: *\nDisallow: /kontak\n", content_type="text/plain"),
        }
    )
    project = new_project(
        tmp_path / "p", "[crawler]\nallow_private_addresses = true\nobey_robots = true\ntimeout_s = 5\nretries = 0\n"
    )
    project.write("registry.csv", HEADER + f"{KOMINFO},16.06,website,,{site.url},,,,\n")
    project.run("registry", "import", "registry.csv")

    result = project.run("discover", "--out", "ditemukan.csv")

    with open(project.root / "ditemukan.csv", encoding="utf-8", newline="") as fh:
        urls = {r["url"] for r in csv.DictReader(fh)}
    # It should not read the contact page robots.txt forbids, and say so
    assert "https://instagram.com/humasmuba" not in urls and "https://instagram.com/kominfomuba" in urls
    assert f"{site.url}/kontak: not read (robots.txt forbids pantau to read {site.url}/kontak)" in result.stderr


def test_it_refuses_private_addresses_like_a_check(sites, new_project, tmp_path):
    site = sites.serve({"/": "discover_home.html"})
    project = new_project(tmp_path / "p", "[crawler]\ntimeout_s = 5\nretries = 0\nobey_robots = false\n")
    project.write("registry.csv", HEADER + f"{KOMINFO},16.06,website,,{site.url},,,,\n")
    project.run("registry", "import", "registry.csv")

    result = project.run("discover")

    # It should not read a loopback site unless allow_private_addresses is set
    assert result.stdout.strip() == "found 0, registered 0, new 0, unlinked 0"
    assert result.stderr.startswith(f"{site.url}/: not read (") and "private" in result.stderr


def test_a_wordpress_page_keeps_its_social_icons_and_drops_its_embedded_posts():
    html = """<body class="home wp-embed-responsive"><main>
    <figure class="wp-block-embed is-type-rich wp-block-embed-twitter"><div class="wp-block-embed__wrapper">
      <a href="https://twitter.com/infoBMKG">@infoBMKG</a></div></figure></main>
    <footer><ul class="wp-block-social-links"><li class="wp-social-link wp-social-link-instagram">
      <a href="https://www.instagram.com/kominfomuba/">Instagram</a></li></ul></footer></body>"""

    links = social_links(html, "https://kominfo.mubakab.go.id/")

    # It should read the icons of a page whose <body> says "wp-embed-responsive", not the embed
    assert [link.url for link in links] == ["https://instagram.com/kominfomuba"]


def test_an_out_file_of_another_format_is_bad_usage(project, regency):
    result = project.run("discover", "--out", "ditemukan.txt")

    # It should refuse before reading anything, naming the formats it writes
    assert result.returncode == 2
    assert "use .csv, .yaml or .yml" in result.stderr
