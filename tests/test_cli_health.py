"""`pantau health` as operators and scripts use it: the real command against loopback servers."""

from __future__ import annotations

import json

from pantau.monitor.demo.server import Route

HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"
LOOPBACK_TOML = """
[crawler]
allow_private_addresses = true
obey_robots = false
timeout_s = 5
retries = 0
"""
KEYS = ["platform", "accounts", "checked", "failed", "state", "since", "reason"]


def test_health_shows_each_platform_and_the_bridge_in_json_and_as_a_table(tmp_path, sites, new_project):
    rsshub = sites.serve({}, default=Route(b"<p class='message'>FetchError: 401 Unauthorized</p>", status=503))
    kominfo = sites.serve({"/": "kominfo_wp_home.html", "/feed/": "kominfo_wp_feed.rss.xml"})
    p = new_project(tmp_path / "kominfo", LOOPBACK_TOML + f'\n[bridges]\nrsshub = "{rsshub.url}"\n')
    p.write(
        "registry.csv",
        HEADER
        + f"Dinas Kominfo Kab. Musi Banyuasin,16.06,website,,{kominfo.url},,,,\n"
        + "Dinas Kominfo Kab. Musi Banyuasin,16.06,instagram,,https://www.instagram.com/kominfomuba/,,,,\n"
        + "Dinas Pariwisata Kab. OKU,16.01,x,,https://x.com/disparoku,,,,\n",
    )
    assert p.run("registry", "import", "registry.csv").returncode == 0
    assert p.run("check", "--all").returncode == 0

    shown = p.run("health", "--format", "json")
    table = p.run("health")

    # It should print one element per platform with accounts plus one for the configured bridge
    assert shown.returncode == 0, shown.stderr
    rows = {r["platform"]: r for r in json.loads(shown.stdout)}
    assert sorted(rows) == ["instagram", "rsshub", "website", "x"]
    assert all(list(r) == KEYS for r in rows.values())
    assert {k: rows["rsshub"][k] for k in ("accounts", "checked", "failed", "state")} == {
        "accounts": 2,
        "checked": 2,
        "failed": 2,
        "state": "down",
    }
    assert rows["rsshub"]["since"].endswith("+07:00")
    assert "2 of 2 checks in the latest pass failed" in rows["rsshub"]["reason"]
    assert (rows["website"]["state"], rows["website"]["checked"], rows["website"]["failed"]) == ("ok", 1, 0)
    assert (rows["instagram"]["accounts"], rows["instagram"]["checked"]) == (1, 0)
    # It should show the same as a table, one line per platform under a header
    lines = table.stdout.splitlines()
    assert lines[0].split()[:6] == KEYS[:6]
    assert any(line.split()[:5] == ["rsshub", "2", "2", "2", "down"] for line in lines)

    status = {r["platform"]: r for r in json.loads(p.run("status", "--format", "json").stdout)}
    # It should flag the accounts behind the failing bridge, and not the website
    assert status["instagram"]["platform_degraded"] is True and status["x"]["platform_degraded"] is True
    assert status["website"]["platform_degraded"] is False
    assert status["instagram"]["status"] == "unknown"
