"""An address Scrapy would drop is refused at import; a request dropped anyway still gets an observation."""

from __future__ import annotations

from datetime import UTC, datetime

from pantau.monitor.demo.server import Route
from pantau.storage.accounts import import_accounts

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"
LONG_QUERY = "?q=" + "a" * 2100


def test_the_registry_refuses_a_url_longer_than_scrapy_reads_at_its_line(project):
    project.write(
        "registry.csv",
        HEADER
        + "Dinas Kominfo,16.06,website,,https://mubakab.go.id,,,,\n"
        + f"Dinas Kesehatan,16.06,website,,https://dinkes.mubakab.go.id/{LONG_QUERY},,,,\n"
        + f"Dinas Pendidikan,16.06,feed,,https://disdik.mubakab.go.id/feed/{LONG_QUERY},,,,\n",
    )

    result = project.run("registry", "import", "registry.csv")

    # It should reject both long rows with their lines and keep the good one
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("registry.csv:3: url is 2,13") and "at most 2,083 characters" in lines[0]
    assert lines[1].startswith("registry.csv:4: url is ")
    assert result.stdout.strip() == "added 1, updated 0, unchanged 0, rejected 2"


def test_the_registry_refuses_a_long_feed_url(project):
    project.write(
        "registry.csv",
        HEADER + f"Dinas Kominfo,16.06,website,,https://mubakab.go.id,https://mubakab.go.id/feed{LONG_QUERY},,,\n",
    )

    result = project.run("registry", "import", "registry.csv")

    # It should name the feed_url as the problem
    assert result.returncode == 2
    assert result.stderr.startswith("registry.csv:2: feed_url is 2,")


def test_a_request_scrapy_drops_still_gives_an_observation_with_its_reason(sites, watch):
    site = sites.serve({"/": Route("<html><body>Beranda</body></html>")})
    w = watch()
    short = w.add(site.url)
    # An older database may hold an address today's import refuses.
    import_accounts(
        w.db,
        [
            {
                "institution": "Dinas Kesehatan",
                "region": "16.06",
                "platform": "website",
                "url": f"{site.url}/{LONG_QUERY}",
            }
        ],
        datetime.now(UTC),
    )
    long_id = next(a["id"] for a in w.db["accounts"].rows if a["id"] != short)

    summary = w.check()

    # It should record an observation for the dropped check, saying why, and count it
    assert summary.accounts == 2
    obs = w.last(long_id)
    assert obs["outcome"] == "error"
    assert "over the 2,083 Scrapy accepts" in obs["error"]
    assert w.last(short)["outcome"] in ("ok", "error")
