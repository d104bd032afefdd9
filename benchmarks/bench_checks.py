"""Benchmark of a national check pass: N small sites on loopback, a full pass, then a recheck.

    /work/venv/bin/python benchmarks/bench_checks.py --sites 1000
    /work/venv/bin/python benchmarks/bench_checks.py --sites 10000 --json bench-10k.json
    /work/venv/bin/python benchmarks/bench_checks.py --sites 1000 --soak 5

Each site listens on its own loopback address (127.10.x.y — all of 127.0.0.0/8 is loopback on
Linux) so per-host limits, connection pools and DNS-less addressing behave as with real hosts.
The sites are served by a few separate *asyncio* server processes (not threads in this
process): every response waits ``--latency`` seconds with ``await asyncio.sleep`` so latency
costs the servers nothing, and the only process that does real work is the checking one.

The mix (see README.md): ~50% WordPress sites (home page announcing /feed/), ~30% plain feeds
(platform ``feed``), ~20% regency portals without a feed (dated news lists; the spider probes
/feed, /rss, /atom.xml, robots.txt, sitemap.xml — half of them have a sitemap announced in
robots.txt), plus exactly 1% dead sites (nothing listens: connection refused) and 1% slow sites
(they answer after ``--slow-after`` = 30 s, past ``--timeout`` = 5 s). Bodies come from the
generators in ``monitor/demo/sites.py``, rendered once per site with small variations and dates
relative to now. Every 200 carries an ETag; If-None-Match gets a 304.

Reported per pass: accounts, wall seconds, accounts/s, requests (as counted by the checks) and
per account, the share of page/feed/sitemap fetches answered 304 (server-side count), peak RSS of
this process (psutil sampled every 0.2 s, and ``getrusage`` maxrss), and wall / ideal where
ideal = requests × latency ÷ concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing as mp
import os
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# ---------------------------------------------------------------------------------- the sites

KINDS = ("wp", "feed", "portal", "portal_sm")  # portal_sm: a portal with a sitemap
DEAD_EVERY, DEAD_AT = 100, 37  # i % 100 == 37 → dead (connection refused): exactly 1%
SLOW_EVERY, SLOW_AT = 100, 71  # i % 100 == 71 → slow (answers after --slow-after): exactly 1%

TITLES = (
    "Bupati Resmikan Mal Pelayanan Publik",
    "Vaksinasi Gratis di Puskesmas",
    "Pelatihan UMKM Digital",
    "Sosialisasi Keterbukaan Informasi Publik",
    "Rapat Koordinasi Humas Pemerintah Daerah",
    "Festival Budaya Tahunan Digelar",
    "Penyaluran Bantuan Sosial Tahap II",
    "Musrenbang Kecamatan",
    "Peringatan Hari Jadi Kabupaten",
    "Lomba Desa Tingkat Provinsi",
    "Perbaikan Jalan Poros Desa",
    "Pelayanan Adminduk Jemput Bola",
    "Gerakan Gemar Membaca di Sekolah",
    "Pasar Murah Jelang Ramadan",
)
DINAS = (
    "Dinas Komunikasi dan Informatika",
    "Dinas Pariwisata",
    "Dinas Kesehatan",
    "Dinas Pendidikan",
    "Dinas Perpustakaan",
    "Badan Kepegawaian Daerah",
    "Dinas Kependudukan dan Pencatatan Sipil",
    "Dinas Pekerjaan Umum",
    "Kecamatan",
    "Sekretariat Daerah",
)
# Kemendagri codes the registry accepts (config/data/wilayah.csv): Kota Jayapura is 91.71.
REGIONS = ("16.06", "16.02", "16.71", "32.73", "35.78", "51.71", "64.72", "73.71", "91.71")


def address(i: int) -> str:
    """Site i's loopback address: 127.10.0.1 … (250 per /24, up to 16k sites per /16)."""
    return f"127.{10 + i // 62500}.{(i // 250) % 250}.{i % 250 + 1}"


def plan_site(i: int, seed: int, dead_every: int = DEAD_EVERY, slow_every: int = SLOW_EVERY) -> dict[str, Any]:
    """What site i is (deterministic from seed and i, so the servers and the checker agree)."""
    rng = random.Random(seed * 1_000_003 + i)
    r = rng.random()
    kind = "wp" if r < 0.5 else "feed" if r < 0.8 else ("portal_sm" if rng.random() < 0.5 else "portal")
    health = (
        "dead"
        if dead_every and i % dead_every == DEAD_AT % dead_every
        else "slow"
        if slow_every and i % slow_every == SLOW_AT % slow_every
        else "ok"
    )
    # Newest post: 60% active (< 14 days), 25% quiet (14-89 days), 15% long dormant.
    band = rng.random()
    newest = rng.randint(0, 13) if band < 0.6 else rng.randint(14, 89) if band < 0.85 else rng.randint(90, 400)
    n = rng.randint(2, 6) if kind in ("wp", "feed") else rng.randint(3, 9)
    ages = [newest]
    for _ in range(n - 1):
        ages.append(ages[-1] + rng.randint(1, 30))
    posts = [(f"{rng.choice(TITLES)} {i}-{k}", age) for k, age in enumerate(ages)]
    dinas = rng.choice(DINAS)
    region = rng.choice(REGIONS)
    return {
        "i": i,
        "kind": kind,
        "health": health,
        "posts": posts,
        "newest_days": newest,
        "name": f"{dinas} Kab. Contoh {i}",
        "region": region,
    }


@dataclass
class Resp:
    status: int
    body: bytes = b""
    ctype: str = "text/html; charset=utf-8"
    etag: str | None = None
    cond: bool = False  # a page/feed/sitemap the spider fetches conditionally


def render_site(plan: dict[str, Any], base: str, now: datetime) -> dict[str, Resp]:
    """The route table of one site, rendered once from the demo generators."""
    from pantau.monitor.demo.sites import WIB, portal, wordpress_feed, wordpress_home

    routes: dict[str, Resp] = {}

    def page(path: str, text: str, ctype: str = "text/html; charset=utf-8", cond: bool = True) -> None:
        body = text.encode("utf-8")
        routes[path] = Resp(200, body, ctype, '"' + hashlib.sha1(body).hexdigest()[:16] + '"', cond)

    rss = "application/rss+xml; charset=UTF-8"
    kind, name, posts = plan["kind"], plan["name"], plan["posts"]
    if kind == "wp":
        page("/", wordpress_home(name, base))
        page("/feed/", wordpress_feed(name, base, now, posts), rss)
        page(
            "/robots.txt",
            "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n",
            "text/plain",
            cond=False,
        )
    elif kind == "feed":
        feed = wordpress_feed(name, base, now, posts)
        page("/feed/", feed, rss)
        page("/feed", feed, rss)
    else:
        page("/", portal(name, now, posts, base))
        robots = "User-agent: *\nDisallow: /admin/\n"
        if kind == "portal_sm":
            robots += f"Sitemap: {base}/sitemap.xml\n"
            urls = "\n".join(
                f"  <url><loc>{base}/berita/{k + 1}</loc>"
                f"<lastmod>{(now - timedelta(days=age)).astimezone(WIB).isoformat(timespec='seconds')}</lastmod></url>"
                for k, (_, age) in enumerate(posts)
            )
            page(
                "/sitemap.xml",
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "\n</urlset>\n",
                "application/xml; charset=UTF-8",
            )
        page("/robots.txt", robots, "text/plain", cond=False)
    if os.environ.get("PANTAU_BENCH_INJECT") and "/" in routes:
        _inject(routes, plan["i"])
    return routes


# With PANTAU_BENCH_INJECT set (benchmarks/bench_scan.py), some home pages carry what the
# compromise scan looks at: 2% a hidden block of gambling links, and another 20% an ad script
# naming a "slot" (googletag.defineSlot), which passes the scan's fast path and makes it read
# the page, as the word does on real portals.
_HIDDEN_LINKS = (
    '<div style="display:none"><a href="https://gacor.example/">slot gacor</a> '
    '<a href="https://toto88.example/">situs toto</a> <a href="https://mpo888.example/">slot88</a></div>'
)
_AD_SLOT = (
    "<script>googletag.cmd.push(function(){googletag.defineSlot('/1234/portal', [728, 90], "
    "'div-gpt-ad-1').addService(googletag.pubads());});</script>"
)


def _inject(routes: dict[str, Resp], i: int) -> None:
    extra = _HIDDEN_LINKS if i % 50 == 13 else _AD_SLOT if i % 5 == 2 else ""
    if extra:
        home = routes["/"]
        body = home.body.replace(b"</body>", extra.encode() + b"</body>")
        routes["/"] = Resp(home.status, body, home.ctype, '"' + hashlib.sha1(body).hexdigest()[:16] + '"', home.cond)


# Server-side counters, one shared array per server process.
ST_REQUESTS, ST_200, ST_304, ST_404, ST_COND, ST_COND_304, ST_INM, ST_BYTES, ST_CONNS = range(9)
N_STATS = 9
REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found"}


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def serve(
    indices: list[int],
    seed: int,
    health: tuple[int, int],
    port: int,
    latency: float,
    slow_after: float,
    stats: Any,
    ready: Any,
    errors: Any,
) -> None:
    """A server process: one asyncio listener per live site of ``indices``."""
    _raise_nofile()
    try:
        asyncio.run(_serve(indices, seed, health, port, latency, slow_after, stats, ready))
    except Exception as exc:  # noqa: BLE001 - report to the parent, which stops
        errors.put(f"server: {type(exc).__name__}: {exc}")
        ready.set()


async def _serve(
    indices: list[int],
    seed: int,
    health: tuple[int, int],
    port: int,
    latency: float,
    slow_after: float,
    stats: Any,
    ready: Any,
) -> None:
    now = datetime.now(UTC)
    not_found = Resp(404, b"<h1>404 Tidak Ditemukan</h1>")
    date_cache = [0, b""]

    def http_date() -> bytes:
        t = int(time.time())
        if date_cache[0] != t:
            date_cache[:] = [t, formatdate(t, usegmt=True).encode()]
        return date_cache[1]

    def make_handler(routes: dict[str, Resp], delay: float):
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            stats[ST_CONNS] += 1
            try:
                while True:
                    try:
                        head = await reader.readuntil(b"\r\n\r\n")
                    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                        return
                    lines = head.split(b"\r\n")
                    parts = lines[0].split()
                    if len(parts) < 2:
                        return
                    method, target = parts[0], parts[1].decode("latin-1")
                    inm = close = None
                    for line in lines[1:]:
                        k, _, v = line.partition(b":")
                        k = k.strip().lower()
                        if k == b"if-none-match":
                            inm = v.strip().decode("latin-1")
                        elif k == b"connection" and v.strip().lower() == b"close":
                            close = True
                    path = target.split("?", 1)[0]
                    route = routes.get(path, not_found)
                    stats[ST_REQUESTS] += 1
                    if inm:
                        stats[ST_INM] += 1
                    status = route.status
                    if route.etag and inm == route.etag:
                        status = 304
                    if route.cond:
                        stats[ST_COND] += 1
                        stats[ST_COND_304] += status == 304
                    stats[{200: ST_200, 304: ST_304}.get(status, ST_404)] += 1
                    await asyncio.sleep(delay)
                    hdr = [
                        b"HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status").encode()),
                        b"Server: bench/1",
                        b"Date: " + http_date(),
                    ]
                    body = b""
                    if route.etag:
                        hdr.append(b"ETag: " + route.etag.encode())
                    if status != 304:
                        body = route.body if method != b"HEAD" else b""
                        hdr.append(b"Content-Type: " + route.ctype.encode())
                        hdr.append(b"Content-Length: %d" % len(route.body))
                    if close:
                        hdr.append(b"Connection: close")
                    out = b"\r\n".join(hdr) + b"\r\n\r\n" + body
                    stats[ST_BYTES] += len(out)
                    writer.write(out)
                    await writer.drain()
                    if close:
                        return
            except (ConnectionError, OSError):
                return
            finally:
                writer.close()

        return handle

    servers = []
    for i in indices:
        plan = plan_site(i, seed, *health)
        if plan["health"] == "dead":
            continue  # nothing listens: connection refused
        host = address(i)
        routes = render_site(plan, f"http://{host}:{port}", now)
        delay = slow_after if plan["health"] == "slow" else latency
        servers.append(
            await asyncio.start_server(make_handler(routes, delay), host, port, reuse_address=True, backlog=64)
        )
    ready.set()
    await asyncio.Event().wait()  # until terminated


class Servers:
    def __init__(
        self, n: int, seed: int, health: tuple[int, int], port: int, latency: float, slow_after: float, procs: int
    ):
        ctx = mp.get_context("spawn")
        self.stats = [ctx.Array("q", N_STATS, lock=False) for _ in range(procs)]
        self.errors = ctx.Queue()
        self.procs = []
        readies = []
        for p in range(procs):
            ready = ctx.Event()
            proc = ctx.Process(
                target=serve,
                name=f"bench-sites-{p}",
                daemon=True,
                args=(
                    list(range(p, n, procs)),
                    seed,
                    health,
                    port,
                    latency,
                    slow_after,
                    self.stats[p],
                    ready,
                    self.errors,
                ),
            )
            proc.start()
            self.procs.append(proc)
            readies.append(ready)
        for ready in readies:
            if not ready.wait(300):
                raise SystemExit("site servers did not start within 300 s")
        if not self.errors.empty():
            self.stop()
            raise SystemExit(self.errors.get())

    def read(self) -> list[int]:
        return [sum(s[k] for s in self.stats) for k in range(N_STATS)]

    def reset(self) -> None:
        for s in self.stats:
            for k in range(N_STATS):
                s[k] = 0

    def stop(self) -> None:
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self.procs:
            proc.join(5)


# ---------------------------------------------------------------------------------- measuring


class RssSampler:
    """Peak RSS of this process, sampled in a thread every ``every`` seconds."""

    def __init__(self, every: float = 0.2):
        import psutil

        self.proc = psutil.Process()
        self.every = every
        self.peak = 0
        self.peak_fds = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def rss(self) -> int:
        return self.proc.memory_info().rss

    def start(self) -> RssSampler:
        self.peak = self.rss()
        self.peak_fds = self.proc.num_fds()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.peak = max(self.peak, self.rss())
                self.peak_fds = max(self.peak_fds, self.proc.num_fds())
            except OSError:  # EMFILE when the checks use up every descriptor: try again
                continue

    def stop(self) -> int:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.peak = max(self.peak, self.rss())
        return self.peak


def maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


@dataclass
class PassResult:
    name: str
    accounts: int
    wall_s: float
    requests: int
    server_requests: int
    cond_fetches: int
    cond_304: int
    not_modified_accounts: int
    outcomes: dict[str, int]
    peak_rss_mb: float
    maxrss_mb: float
    rss_after_mb: float
    open_fds: int
    peak_fds: int
    ideal_s: float
    ideal_adj_s: float
    bytes_served: int
    connections: int
    cpu_s: float
    ideal_split_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def accounts_per_s(self) -> float:
        return self.accounts / self.wall_s if self.wall_s else 0.0

    @property
    def ratio(self) -> float:
        return self.wall_s / self.ideal_s if self.ideal_s else float("inf")

    @property
    def ratio_served(self) -> float:
        ideal = self.server_requests * self.extra["latency"] / self.extra["concurrency"]
        return self.wall_s / ideal if ideal else float("inf")

    @property
    def ratio_adj(self) -> float:
        return self.wall_s / self.ideal_adj_s if self.ideal_adj_s else float("inf")

    @property
    def share_304(self) -> float:
        return self.cond_304 / self.cond_fetches if self.cond_fetches else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "extra"}
        d.update(
            accounts_per_s=round(self.accounts_per_s, 2),
            ratio=round(self.ratio, 3),
            ratio_served=round(self.ratio_served, 3),
            ratio_adj=round(self.ratio_adj, 3),
            share_304=round(self.share_304, 4),
            requests_per_account=round(self.requests / max(1, self.accounts), 3),
        )
        d.update(self.extra)
        return d


def run_pass(
    name: str,
    cfg: Any,
    accounts: list[dict[str, Any]],
    servers: Servers,
    sampler: RssSampler,
    args: argparse.Namespace,
    n_slow: int,
) -> PassResult:
    import psutil

    from pantau.crawler.runner import check_accounts

    servers.reset()
    sampler.start()
    cpu0 = sum(psutil.Process().cpu_times()[:2])
    platform_of = {a["id"]: a["platform"] for a in accounts}
    groups: dict[str, dict[str, Any]] = {}
    started = time.monotonic()

    def progress(obs: Any) -> None:
        g = groups.setdefault(platform_of[obs.account_id], {"accounts": 0, "requests": 0, "last_s": 0.0})
        g["accounts"] += 1
        g["requests"] += obs.requests
        g["last_s"] = round(time.monotonic() - started, 2)

    summary = check_accounts(cfg, accounts, progress=progress)
    wall = time.monotonic() - started
    cpu = sum(psutil.Process().cpu_times()[:2]) - cpu0
    peak = sampler.stop()
    time.sleep(0.05)
    st = servers.read()
    ideal = summary.requests * args.latency / args.concurrency
    # crawler.runner gives each source kind its own crawl with a share of the concurrency by
    # its number of accounts; the slowest share bounds the pass.
    total = sum(g["accounts"] for g in groups.values()) or 1
    for g in groups.values():
        g["concurrency"] = min(args.concurrency, max(2, round(args.concurrency * g["accounts"] / total)))
        g["ideal_s"] = round(g["requests"] * args.latency / g["concurrency"], 2)
    ideal_split = max((g["ideal_s"] for g in groups.values()), default=0.0)
    # The slow sites hold a slot for the whole timeout instead of one latency.
    ideal_adj = (summary.requests * args.latency + n_slow * (args.timeout - args.latency)) / args.concurrency
    return PassResult(
        name=name,
        accounts=summary.accounts,
        wall_s=round(wall, 2),
        requests=summary.requests,
        server_requests=st[ST_REQUESTS],
        cond_fetches=st[ST_COND],
        cond_304=st[ST_COND_304],
        not_modified_accounts=summary.not_modified,
        outcomes=dict(summary.outcomes),
        peak_rss_mb=round(peak / 2**20, 1),
        maxrss_mb=round(maxrss_bytes() / 2**20, 1),
        rss_after_mb=round(sampler.rss() / 2**20, 1),
        open_fds=psutil.Process().num_fds(),
        peak_fds=sampler.peak_fds,
        ideal_s=round(ideal, 2),
        ideal_adj_s=round(ideal_adj, 2),
        bytes_served=st[ST_BYTES],
        connections=st[ST_CONNS],
        cpu_s=round(cpu, 1),
        ideal_split_s=ideal_split,
        extra={"groups": groups, "latency": args.latency, "concurrency": args.concurrency},
    )


# ---------------------------------------------------------------------------------- the run


def build_accounts(
    n: int, seed: int, health: tuple[int, int], port: int
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    from pantau.config.registry import validate_row

    records, by_url = [], {}
    for i in range(n):
        plan = plan_site(i, seed, *health)
        base = f"http://{address(i)}:{port}"
        raw = {
            "institution": plan["name"],
            "region": plan["region"],
            "platform": "feed" if plan["kind"] == "feed" else "website",
            "url": base + "/feed" if plan["kind"] == "feed" else base,
            "feed_url": base + "/feed/" if plan["kind"] == "feed" else "",
            "owner_email": f"humas{i}@example.go.id",
        }
        row = validate_row(i + 2, raw)
        records.append(row.as_record())
        by_url[row.url] = plan
    return records, by_url


def verify(db: Any, plans_by_url: dict[str, dict[str, Any]], passes: int, now: datetime) -> dict[str, Any]:
    """Every account observed once per pass; live sites' last activity found and right."""
    from pantau.storage.timefmt import from_iso

    counts = dict(db.execute("select account_id, count(*) from observations group by account_id").fetchall())
    rows = db.execute("select id, url, last_activity_at from accounts").fetchall()
    wrong_count = sum(1 for aid, _, _ in rows if counts.get(aid, 0) != passes)
    live = found = found_live = correct = 0
    for _aid, url, last in rows:
        plan = plans_by_url[url]
        ok = plan["health"] == "ok"
        live += ok
        if last:
            found += 1
            found_live += ok
            expect = now - timedelta(days=plan["newest_days"])
            # Dates on portal pages are day-precision (midnight WIB): allow a day and a half.
            if abs((from_iso(last) - expect).total_seconds()) <= 1.5 * 86400:
                correct += 1
    n = len(rows)
    return {
        "accounts": n,
        "passes": passes,
        "accounts_without_exactly_one_obs_per_pass": wrong_count,
        "live_sites": live,
        "activity_found": found,
        "activity_found_share": round(found / n, 4) if n else 0,
        "activity_found_live_share": round(found_live / live, 4) if live else 0,
        "activity_correct": correct,
        "activity_correct_share": round(correct / max(1, found), 4),
    }


def fmt_table(results: list[PassResult]) -> str:
    rows = [
        ("accounts", lambda r: f"{r.accounts}"),
        ("wall seconds", lambda r: f"{r.wall_s:.1f}"),
        ("accounts/s", lambda r: f"{r.accounts_per_s:.1f}"),
        ("requests (checks)", lambda r: f"{r.requests}"),
        ("requests (servers)", lambda r: f"{r.server_requests}"),
        ("requests/account", lambda r: f"{r.requests / max(1, r.accounts):.2f}"),
        ("page/feed fetches", lambda r: f"{r.cond_fetches}"),
        ("  answered 304", lambda r: f"{r.cond_304} ({100 * r.share_304:.1f}%)"),
        ("accounts all-304", lambda r: f"{r.not_modified_accounts}"),
        ("connections", lambda r: f"{r.connections}"),
        ("bytes served", lambda r: f"{r.bytes_served / 2**20:.1f} MiB"),
        ("CPU seconds (checker)", lambda r: f"{r.cpu_s:.1f} ({100 * r.cpu_s / r.wall_s:.0f}%)"),
        ("ideal seconds", lambda r: f"{r.ideal_s:.1f}"),
        ("wall / ideal", lambda r: f"{r.ratio:.2f}"),
        ("wall / ideal+timeouts", lambda r: f"{r.ratio_adj:.2f}"),
        ("wall / ideal of served", lambda r: f"{r.ratio_served:.2f}"),
        ("ideal of runner split", lambda r: f"{r.ideal_split_s:.1f}"),
        (
            "  per kind conc: ideal/last s",
            lambda r: ", ".join(
                f"{k} {g['concurrency']}: {g['ideal_s']:.0f}/{g['last_s']:.0f}"
                for k, g in sorted(r.extra["groups"].items())
            ),
        ),
        ("peak RSS (sampled)", lambda r: f"{r.peak_rss_mb:.0f} MB"),
        ("maxrss (getrusage)", lambda r: f"{r.maxrss_mb:.0f} MB"),
        ("RSS after pass", lambda r: f"{r.rss_after_mb:.0f} MB"),
        ("open fds peak/after", lambda r: f"{r.peak_fds}/{r.open_fds}"),
        ("outcomes", lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r.outcomes.items()))),
    ]
    w0 = max(len(k) for k, _ in rows)
    cols = [[fn(r) for _, fn in rows] for r in results]
    widths = [max(len(r.name), *(len(c) for c in col)) for r, col in zip(results, cols, strict=False)]
    out = [" " * w0 + " | " + " | ".join(r.name.rjust(w) for r, w in zip(results, widths, strict=False))]
    out.append("-" * len(out[0]))
    for k, (label, _) in enumerate(rows):
        out.append(label.ljust(w0) + " | " + " | ".join(col[k].rjust(w) for col, w in zip(cols, widths, strict=False)))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.2, help="seconds before every response (default 0.2)")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--per-host", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=5, help="crawler timeout_s (default 5; the slow sites exceed it)")
    ap.add_argument("--slow-after", type=float, default=30.0, help="seconds the 1%% slow sites take to answer")
    ap.add_argument(
        "--dead-every",
        type=int,
        default=DEAD_EVERY,
        help="one site in this many is dead (connection refused); 0: none (default 100 = 1%%)",
    )
    ap.add_argument(
        "--slow-every",
        type=int,
        default=SLOW_EVERY,
        help="one site in this many answers only after --slow-after; 0: none (default 100 = 1%%)",
    )
    ap.add_argument("--obey-robots", action="store_true", help="crawler.obey_robots = true (one more request per site)")
    ap.add_argument("--server-procs", type=int, default=2)
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--nofile",
        type=int,
        default=0,
        help="soft open-files limit of the checking process (default: raise it to the hard limit)",
    )
    ap.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="override one Scrapy setting of crawler/settings.py for this run, e.g. "
        "CONCURRENT_ITEMS=100 or SPIDER_MIDDLEWARES.crawler.lazystart.LazyStartMiddleware=null "
        "(a dotted key sets one entry of a dict setting); repeatable",
    )
    ap.add_argument(
        "--scrapy-defaults",
        action="store_true",
        help="undo pantau's scale tuning (CONCURRENT_ITEMS, the short-idle download handler, "
        "LazyStartMiddleware) to compare with Scrapy's defaults",
    )
    ap.add_argument("--soak", type=int, default=0, help="after the two passes, N more recheck cycles")
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (database)")
    args = ap.parse_args(argv)
    if args.scrapy_defaults:
        http11 = json.dumps("scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler")
        args.override = [
            "CONCURRENT_ITEMS=100",
            f"DOWNLOAD_HANDLERS.http={http11}",
            f"DOWNLOAD_HANDLERS.https={http11}",
            "SPIDER_MIDDLEWARES.crawler.lazystart.LazyStartMiddleware=null",
            *args.override,
        ]
    if args.sites < 1 or args.sites > 62500 * 4:
        ap.error("--sites must be between 1 and 250000")

    _raise_nofile()
    if args.nofile:
        resource.setrlimit(resource.RLIMIT_NOFILE, (args.nofile, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    n = args.sites
    tmp = Path(tempfile.mkdtemp(prefix="pantau-bench-"))
    print(
        f"pantau check benchmark: {n} sites, latency {args.latency}s, concurrency {args.concurrency}, "
        f"per_host {args.per_host}, timeout {args.timeout}s, obey_robots {args.obey_robots}, "
        f"{args.server_procs} server processes, overrides {args.override or 'none'}, open files {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}; "
        f"tmp {tmp}",
        flush=True,
    )
    t0 = time.monotonic()
    servers = Servers(
        n, args.seed, (args.dead_every, args.slow_every), args.port, args.latency, args.slow_after, args.server_procs
    )
    print(f"servers up in {time.monotonic() - t0:.1f}s", flush=True)
    try:
        return _bench(args, servers, tmp)
    finally:
        servers.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def apply_overrides(overrides: list[str]) -> None:
    """Wrap crawler.runner's scrapy_settings so experiments need no change to product code."""
    if not overrides:
        return
    from pantau.crawler import runner

    parsed = []
    for text in overrides:
        key, _, value = text.partition("=")
        parsed.append((key.strip(), json.loads(value)))
    original = runner.scrapy_settings

    def patched(*a: Any, **kw: Any) -> dict[str, Any]:
        settings = original(*a, **kw)
        for key, value in parsed:
            top, _, sub = key.partition(".")
            if sub:
                settings[top] = dict(settings.get(top) or {}, **{sub: value})
            else:
                settings[top] = value
        return settings

    runner.scrapy_settings = patched


def _bench(args: argparse.Namespace, servers: Servers, tmp: Path) -> int:
    sampler = RssSampler(0.2)
    rss_start = sampler.rss()
    apply_overrides(args.override)

    from pantau.config.settings import from_dict
    from pantau.storage.accounts import import_accounts, select_accounts
    from pantau.storage.db import open_db

    n = args.sites
    now = datetime.now(UTC)
    records, plans = build_accounts(n, args.seed, (args.dead_every, args.slow_every), args.port)
    kinds = {k: sum(1 for p in plans.values() if p["kind"] == k) for k in KINDS}
    n_dead = sum(1 for p in plans.values() if p["health"] == "dead")
    n_slow = sum(1 for p in plans.values() if p["health"] == "slow")
    # Keep only what verify() needs: the benchmark's own data should not weigh on the RSS.
    plans_by_url = {url: {"health": p["health"], "newest_days": p["newest_days"]} for url, p in plans.items()}
    del plans
    db_path = tmp / "pantau.db"
    db = open_db(db_path)
    counts = import_accounts(db, records, now)
    del records
    import gc

    gc.collect()
    accounts = select_accounts(db)
    cfg = from_dict(
        {
            "database": {"path": str(db_path)},
            "crawler": {
                "concurrency": args.concurrency,
                "per_host": args.per_host,
                "timeout_s": args.timeout,
                "retries": 0,
                "obey_robots": args.obey_robots,
                "allow_private_addresses": True,
            },
        },
        None,
    )
    import pantau.crawler.runner  # noqa: F401 - loaded before measuring, like a daemon's

    rss_ready = sampler.rss()
    print(
        f"imported: {counts.line()}; mix {kinds}, dead {n_dead}, slow {n_slow}; "
        f"RSS before the first pass {rss_ready / 2**20:.0f} MB",
        flush=True,
    )

    results: list[PassResult] = []
    for name in ("full", "recheck"):
        if name == "recheck":
            # Read the rows again, as the daemon does for each pass: what a check learnt (a
            # resolved id, the newest post's date read on its own page) rides on them.
            accounts = select_accounts(db)
        r = run_pass(name, cfg, accounts, servers, sampler, args, n_slow)
        results.append(r)
        print(
            f"{name}: {r.accounts} accounts in {r.wall_s:.1f}s, {r.requests} requests, "
            f"ratio {r.ratio:.2f}, 304 {100 * r.share_304:.1f}%, peak RSS {r.peak_rss_mb:.0f} MB",
            flush=True,
        )

    soak: list[dict[str, Any]] = []
    for k in range(args.soak):
        r = run_pass(f"soak{k + 1}", cfg, accounts, servers, sampler, args, n_slow)
        soak.append(
            {
                "cycle": k + 1,
                "wall_s": r.wall_s,
                "rss_after_mb": r.rss_after_mb,
                "peak_rss_mb": r.peak_rss_mb,
                "open_fds": r.open_fds,
                "ratio": round(r.ratio, 3),
                "share_304": round(r.share_304, 4),
            }
        )
        print(
            f"soak cycle {k + 1}: wall {r.wall_s:.1f}s, RSS after {r.rss_after_mb:.0f} MB, "
            f"peak {r.peak_rss_mb:.0f} MB, fds {r.open_fds}, ratio {r.ratio:.2f}",
            flush=True,
        )

    check = verify(db, plans_by_url, 2 + args.soak, now)
    db.conn.close()

    print()
    print(fmt_table(results))
    print(
        f"\nRSS at start {rss_start / 2**20:.0f} MB; with pantau, Scrapy and the accounts loaded, "
        f"before the first pass {rss_ready / 2**20:.0f} MB"
    )
    print(
        f"correctness: {check['accounts_without_exactly_one_obs_per_pass']} accounts without exactly "
        f"{check['passes']} observations; last activity found for {check['activity_found']}/{check['accounts']} "
        f"({100 * check['activity_found_share']:.1f}%; {100 * check['activity_found_live_share']:.1f}% of the "
        f"{check['live_sites']} live sites); found date right (±1.5 d) for {100 * check['activity_correct_share']:.1f}%"
    )

    rss_limit = 300 if n <= 1000 else 400
    full, recheck = results
    targets = [
        (f"full pass wall/ideal <= 2.0 ({full.ratio:.2f})", full.ratio <= 2.0),
        (f"recheck wall/ideal <= 2.0 ({recheck.ratio:.2f})", recheck.ratio <= 2.0),
        (
            f"peak RSS < {rss_limit} MB ({max(r.peak_rss_mb for r in results):.0f} MB)",
            max(r.peak_rss_mb for r in results) < rss_limit,
        ),
        (
            f"recheck: >= 90% of page/feed fetches answered 304 ({100 * recheck.share_304:.1f}%)",
            recheck.share_304 >= 0.9,
        ),
        (
            f"every account has exactly {check['passes']} observations",
            check["accounts_without_exactly_one_obs_per_pass"] == 0,
        ),
        (
            f"last activity found for >= 99% of live sites ({100 * check['activity_found_live_share']:.1f}%)",
            check["activity_found_live_share"] >= 0.99,
        ),
    ]
    if soak:
        growth = soak[-1]["rss_after_mb"] - results[-1].rss_after_mb
        label = f"soak: RSS after cycle {len(soak)} within 10% of after the recheck ({growth:+.0f} MB)"
        targets.append((label, growth <= 0.1 * results[-1].rss_after_mb))
    print()
    for label, ok in targets:
        print(f"{'PASS' if ok else 'MISS'}  {label}")

    if args.json:
        out = {
            "params": {k: v for k, v in vars(args).items() if k != "json"},
            "mix": kinds,
            "dead": n_dead,
            "slow": n_slow,
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "passes": [r.as_dict() for r in results],
            "soak": soak,
            "correctness": check,
            "targets": [{"target": label, "pass": ok} for label, ok in targets],
            "rss_start_mb": round(rss_start / 2**20, 1),
            "rss_before_first_pass_mb": round(rss_ready / 2**20, 1),
        }
        Path(args.json).write_text(json.dumps(out, indent=2, default=str))
        print(f"\nwrote {args.json}")
    return 0 if all(ok for _, ok in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
