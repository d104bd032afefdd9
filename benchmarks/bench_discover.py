"""`pantau discover` over N loopback websites: wall time, requests and peak memory.

    .venv/bin/python benchmarks/bench_discover.py --sites 402          # the starter registry's size

Each site listens on its own loopback address (127.20.x.y), answers after `--latency` seconds,
links six social accounts in its footer (one of them a Telegram channel whose preview is served
by one more loopback site, so the dead-link check makes a request per site) and a contact page
with two more. Also times the first load of the Kemendagri region table and a name look-up.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from pantau.config.settings import from_dict
from pantau.monitor.demo.server import Route, Site

HOME = """<html><body><nav><a href="/kontak">Kontak</a></nav><p>Berita</p>
<a href="https://www.facebook.com/sharer/sharer.php?u=x">share</a>
<a class="twitter-timeline" href="https://twitter.com/infoBMKG">Tweets by infoBMKG</a>
<footer><a href="https://www.instagram.com/site{i}/">IG</a> <a href="https://www.facebook.com/site{i}">FB</a>
<a href="https://twitter.com/site{i}">X</a> <a href="https://www.tiktok.com/@site{i}">TT</a>
<a href="https://www.threads.net/@site{i}">Threads</a> <a href="https://t.me/site{i}">TG</a>
<a href="https://wa.me/62812">WA</a> <a href="mailto:a@b.go.id">mail</a></footer></body></html>"""
KONTAK = """<html><body><h1>Hubungi Kami</h1><a href="https://instagram.com/humas{i}">IG</a>
<a href="https://www.youtube.com/channel/UC{i:022d}">YT</a></body></html>"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=402)
    ap.add_argument("--latency", type=float, default=0.1)
    args = ap.parse_args()

    started = time.perf_counter()
    from pantau.config.regions import closest, region_name

    region_name("16.06")
    table_s = time.perf_counter() - started
    started = time.perf_counter()
    closest("Musi Banyuasin")
    lookup_s = time.perf_counter() - started

    preview = Site(
        {}, default=Route("<html><body><div class='tgme_channel_info'></div></body></html>"), latency=args.latency
    ).start()
    sites = []
    for i in range(args.sites):
        host = f"127.20.{i // 250}.{i % 250 + 1}"
        sites.append(
            Site(
                {"/": Route(HOME.format(i=i)), "/kontak": Route(KONTAK.format(i=i))}, host=host, latency=args.latency
            ).start()
        )
    tmp = Path("/tmp/pantau-bench-discover")
    tmp.mkdir(exist_ok=True)
    cfg = from_dict(
        {
            "database": {"path": str(tmp / "p.db")},
            "crawler": {"allow_private_addresses": True, "obey_robots": False, "retries": 0},
            "platforms": {
                "telegram": {"preview_url": preview.url + "/s/{handle}"},
                # youtube channels resolve on loopback too: nothing leaves the machine
                "youtube": {"feed_url": preview.url + "/feeds?channel_id={channel_id}", "site_url": preview.url},
            },
        },
        None,
    )
    websites = [{"id": i + 1, "url": s.url, "institution": f"Pemda {i}"} for i, s in enumerate(sites)]
    from pantau.crawler.discover import discover_links

    started = time.perf_counter()
    found = discover_links(cfg, websites)
    wall = time.perf_counter() - started
    requests = sum(len(s.hits) for s in sites) + len(preview.hits)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"region table first load {table_s * 1000:.0f} ms, name look-up {lookup_s * 1000:.0f} ms")
    print(
        f"discover: {args.sites} sites in {wall:.1f}s, {len(found.links)} links, {len(found.gone)} gone, "
        f"{len(found.problems)} pages unread, {requests} requests, peak RSS {peak_mb:.0f} MB"
    )
    for s in sites + [preview]:
        s.stop()
    ok = len(found.links) == args.sites * 8 and not found.problems
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
