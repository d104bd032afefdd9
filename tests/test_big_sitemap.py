"""A sitemap index of the format's legal maximum (50,000 children) is read, not a stall.

De-duplicating its children is linear, and a body that large is parsed off the reactor
thread. The bounds below are hang guards (the quadratic version took about a minute),
not speed measurements: those are in benchmarks/.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime

from conftest import pantau_command
from hangs import deadline

from pantau.crawler.extract import parse_sitemap
from pantau.monitor.demo.server import Route

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"
CHILDREN = 50_000


def index_body(base: str, newest: str, *, distinct: int = CHILDREN - 1) -> str:
    # CHILDREN entries, the newest one last; with ``distinct`` smaller, the same children again.
    entries = "".join(
        f"<sitemap><loc>{base}/s{i % distinct}.xml</loc><lastmod>2020-01-01</lastmod></sitemap>"
        for i in range(CHILDREN - 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}<sitemap><loc>{newest}</loc><lastmod>{{{{ago:1:iso}}}}</lastmod></sitemap></sitemapindex>"
    )


def test_it_deduplicates_fifty_thousand_children_in_one_pass():
    body = index_body(
        "https://dinkes.okikab.go.id", "https://dinkes.okikab.go.id/post-sitemap.xml", distinct=CHILDREN // 2
    )
    body = body.replace("{{ago:1:iso}}", "2024-11-20")

    with deadline(20):
        _, children, err = parse_sitemap(
            body.encode(), "https://dinkes.okikab.go.id/sitemap.xml", datetime(2024, 11, 22, tzinfo=UTC)
        )

    # It should keep each child once, the newest first, the rest in file order
    assert err is None
    assert len(children) == CHILDREN // 2 + 1
    assert children[0] == "https://dinkes.okikab.go.id/post-sitemap.xml"
    assert children[1:3] == ["https://dinkes.okikab.go.id/s0.xml", "https://dinkes.okikab.go.id/s1.xml"]


def test_a_check_reads_a_fifty_thousand_child_index_to_the_newest_post(sites, project):
    site = sites.serve(
        {
            "/": Route("<html><body><p>Selamat datang</p></body></html>"),
            "/robots.txt": Route("User-agent: *\nSitemap: {{base}}/sitemap_index.xml\n", content_type="text/plain"),
            "/sitemap_index.xml": Route(
                index_body("{{base}}", "{{base}}/post-sitemap.xml"), content_type="application/xml"
            ),
            "/post-sitemap.xml": "post_sitemap.xml",
        }
    )
    assert len(site.routes["/sitemap_index.xml"].data()) < 5_000_000  # under the default size cap
    project.write("registry.csv", HEADER + f"Dinas Kesehatan,16.02,website,,{site.url},,,,\n")
    assert project.run("registry", "import", "registry.csv").returncode == 0

    # A hang guard, far above the few seconds this takes.
    done = subprocess.run(
        pantau_command() + ["--config", str(project.config), "check", "--all"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    (row,) = json.loads(project.run("status", "--format", "json").stdout)
    # It should follow the index to its newest child and find the post there
    assert row["evidence"] == "sitemap"
    assert row["last_activity_url"] == f"{site.url}/2024/11/imunisasi-polio-serentak-di-kayuagung/"
