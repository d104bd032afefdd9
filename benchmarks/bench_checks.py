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

Lighter rechecks (issue 13). robots.txt is obeyed by default (``--no-robots``: the old
figures). The servers count per kind of site, robots.txt fetches and requests as Googlebot (the
compromise scan's daily cloaking check) apart, so "served/account" is what the sites saw,
robots.txt included; "CPU ms per check" is this process's CPU over the pass per account.
``--later`` adds two rechecks after the immediate one (the "+0" recheck, as a check six hours
later costs): "+1 day" (every stored robots.txt and every crawler fetch 25 hours old) and
"+1 week" (the same, and every website's memory discovered 8 days ago: discovered again).
``--national N`` then runs a mixed-platform pass of N accounts (10% Mastodon and Instagram)
on fresh servers listening on every loopback address (SO_REUSEPORT), judged against the
ideal of the requests served plus the slow sites' timeouts.
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

# portal_sm: a portal with a sitemap; mastodon and instagram (no token: read nothing) only
# with --social > 0, for the mixed-platform national pass.
KINDS = ("wp", "feed", "portal", "portal_sm", "mastodon", "instagram")
WEBSITE_KINDS = ("wp", "portal", "portal_sm")
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


def plan_site(
    i: int, seed: int, dead_every: int = DEAD_EVERY, slow_every: int = SLOW_EVERY, social: float = 0.0
) -> dict[str, Any]:
    """What site i is (deterministic from seed and i, so the servers and the checker agree)."""
    rng = random.Random(seed * 1_000_003 + i)
    r = rng.random()
    kind = "wp" if r < 0.5 else "feed" if r < 0.8 else ("portal_sm" if rng.random() < 0.5 else "portal")
    if social and random.Random(seed * 7_000_003 + i).random() < social:
        kind = "mastodon" if i % 2 else "instagram"
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
    elif kind == "mastodon":
        page("/@humas.rss", wordpress_feed(name, base, now, posts), rss)
    elif kind == "instagram":
        pass  # read through an API or a bridge pantau is not given: no request at all
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
# ST_CRAWLER: requests as the search engine's crawler (the compromise scan's daily cloaking check).
(
    ST_REQUESTS,
    ST_200,
    ST_304,
    ST_404,
    ST_COND,
    ST_COND_304,
    ST_INM,
    ST_BYTES,
    ST_CONNS,
    ST_ROBOTS,
    ST_SLOW,
    ST_CRAWLER,
) = range(12)
N_STATS = 12  # per kind of site: stats[KINDS.index(kind) * N_STATS + ST_…]
REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found"}


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def serve(
    indices: list[int],
    seed: int,
    health: tuple,
    port: int,
    latency: float,
    slow_after: float,
    stats: Any,
    ready: Any,
    errors: Any,
    now_ts: float = 0.0,
    wildcard: bool = False,
) -> None:
    """A server process: one asyncio listener per live site of ``indices`` — or, with
    ``wildcard``, one listener on every address sharing the port with the other processes
    (SO_REUSEPORT), each site's routes rendered when first asked (LRU) — for passes larger
    than the open-files limit allows listeners."""
    _raise_nofile()
    parent = os.getppid()

    def orphaned() -> None:
        # A server outliving a killed benchmark would keep answering on a shared (SO_REUSEPORT)
        # port with other ETags and uncounted requests, and spoil the next run: end with it.
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()
    try:
        asyncio.run(_serve(indices, seed, health, port, latency, slow_after, stats, ready, now_ts, wildcard))
    except Exception as exc:  # noqa: BLE001 - report to the parent, which stops
        errors.put(f"server: {type(exc).__name__}: {exc}")
        ready.set()


def index_of(addr: str) -> int | None:
    """The inverse of :func:`address`."""
    try:
        a, b, c, d = (int(x) for x in addr.split("."))
    except ValueError:
        return None
    if a != 127 or b < 10:
        return None
    return (b - 10) * 62500 + c * 250 + d - 1


async def _serve(
    indices: list[int],
    seed: int,
    health: tuple,
    port: int,
    latency: float,
    slow_after: float,
    stats: Any,
    ready: Any,
    now_ts: float = 0.0,
    wildcard: bool = False,
) -> None:
    import functools

    # One moment for every server process: the bodies (and so the ETags) must not depend on
    # which process a connection reaches.
    now = datetime.fromtimestamp(now_ts, UTC) if now_ts else datetime.now(UTC)
    not_found = Resp(404, b"<h1>404 Tidak Ditemukan</h1>")
    date_cache = [0, b""]

    def http_date() -> bytes:
        t = int(time.time())
        if date_cache[0] != t:
            date_cache[:] = [t, formatdate(t, usegmt=True).encode()]
        return date_cache[1]

    def make_handler(routes: dict[str, Resp], delay: float, kind: str = "wp"):
        base = KINDS.index(kind) * N_STATS

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            stats[base + ST_CONNS] += 1
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
                    crawler = False
                    for line in lines[1:]:
                        k, _, v = line.partition(b":")
                        k = k.strip().lower()
                        if k == b"user-agent":
                            crawler = b"Googlebot" in v
                        elif k == b"if-none-match":
                            inm = v.strip().decode("latin-1")
                        elif k == b"connection" and v.strip().lower() == b"close":
                            close = True
                    path = target.split("?", 1)[0]
                    route = routes.get(path, not_found)
                    stats[base + ST_REQUESTS] += 1
                    stats[base + ST_ROBOTS] += path == "/robots.txt"
                    stats[base + ST_SLOW] += delay > latency
                    stats[base + ST_CRAWLER] += crawler
                    if inm:
                        stats[base + ST_INM] += 1
                    status = route.status
                    if route.etag and inm == route.etag:
                        status = 304
                    if route.cond:
                        stats[base + ST_COND] += 1
                        stats[base + ST_COND_304] += status == 304
                    stats[base + {200: ST_200, 304: ST_304}.get(status, ST_404)] += 1
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
                    stats[base + ST_BYTES] += len(out)
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
    if wildcard:

        @functools.lru_cache(maxsize=4096)
        def site_handler(i: int) -> Any:
            plan = plan_site(i, seed, *health)
            if plan["health"] == "dead":
                return None
            routes = render_site(plan, f"http://{address(i)}:{port}", now)
            return make_handler(routes, slow_after if plan["health"] == "slow" else latency, plan["kind"])

        async def dispatch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            local = writer.get_extra_info("sockname") or ("", 0)
            peer = writer.get_extra_info("peername") or ("", 0)
            i = index_of(local[0]) if str(peer[0]).startswith("127.") else None
            handler = site_handler(i) if i is not None else None
            if handler is None:  # a dead site (or not ours): closed at once, unanswered
                writer.close()
                return
            await handler(reader, writer)

        servers.append(
            await asyncio.start_server(dispatch, "0.0.0.0", port, reuse_address=True, reuse_port=True, backlog=1024)
        )
        ready.set()
        await asyncio.Event().wait()
    for i in indices:
        plan = plan_site(i, seed, *health)
        if plan["health"] == "dead" or plan["kind"] == "instagram":
            continue  # nothing listens: connection refused
        host = address(i)
        routes = render_site(plan, f"http://{host}:{port}", now)
        delay = slow_after if plan["health"] == "slow" else latency
        servers.append(
            await asyncio.start_server(
                make_handler(routes, delay, plan["kind"]), host, port, reuse_address=True, backlog=64
            )
        )
    ready.set()
    await asyncio.Event().wait()  # until terminated


def _port_is_free(port: int) -> None:
    """Stop unless nobody listens on ``port``: SO_REUSEPORT would let our listeners share it
    silently with a server left over from an earlier run."""
    import socket

    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # SO_REUSEADDR: connections of an earlier run waiting in TIME_WAIT do not count; a
    # listener still does.
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        probe.bind(("0.0.0.0", port))
    except OSError as exc:
        raise SystemExit(
            f"port {port} is in use ({exc.strerror}): a site server of an earlier run may still be "
            "listening; stop it (ss -ltnp) or pass --port"
        ) from None
    finally:
        probe.close()


class Servers:
    def __init__(
        self,
        n: int,
        seed: int,
        health: tuple,
        port: int,
        latency: float,
        slow_after: float,
        procs: int,
        wildcard: bool = False,
    ):
        if wildcard:
            _port_is_free(port)
        ctx = mp.get_context("spawn")
        now_ts = time.time()
        self.stats = [ctx.Array("q", N_STATS * len(KINDS), lock=False) for _ in range(procs)]
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
                    now_ts,
                    wildcard,
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

    def read(self, kinds: tuple[str, ...] = KINDS) -> list[int]:
        """Server-side counters summed over the server processes and the given kinds of site."""
        offsets = [KINDS.index(k) * N_STATS for k in kinds]
        return [sum(s[o + k] for s in self.stats for o in offsets) for k in range(N_STATS)]

    def reset(self) -> None:
        for s in self.stats:
            for k in range(len(s)):
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
    def ratio_served_adj(self) -> float:
        """Wall against the ideal of every request the servers saw (robots.txt included) plus
        the slow sites' timeouts: the latency-bound ideal at the configured concurrency."""
        lat, conc = self.extra["latency"], self.extra["concurrency"]
        ideal = (self.server_requests * lat + self.extra.get("slow_extra_s", 0.0)) / conc
        return self.wall_s / ideal if ideal else float("inf")

    @property
    def ratio_adj(self) -> float:
        return self.wall_s / self.ideal_adj_s if self.ideal_adj_s else float("inf")

    @property
    def share_304(self) -> float:
        return self.cond_304 / self.cond_fetches if self.cond_fetches else 0.0

    @property
    def cpu_ms_per_check(self) -> float:
        return 1000 * self.cpu_s / self.accounts if self.accounts else 0.0

    @property
    def served_per_account(self) -> float:
        return self.server_requests / self.accounts if self.accounts else 0.0

    @property
    def web(self) -> dict[str, Any]:
        """Websites only, server-side (robots.txt included)."""
        return self.extra.get("web", {})

    def as_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "extra"}
        d.update(
            accounts_per_s=round(self.accounts_per_s, 2),
            ratio=round(self.ratio, 3),
            ratio_served=round(self.ratio_served, 3),
            ratio_adj=round(self.ratio_adj, 3),
            share_304=round(self.share_304, 4),
            requests_per_account=round(self.requests / max(1, self.accounts), 3),
            served_per_account=round(self.served_per_account, 3),
            ratio_served_adj=round(self.ratio_served_adj, 3),
            cpu_ms_per_check=round(self.cpu_ms_per_check, 2),
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

    cut = False
    timer = None
    if getattr(args, "deadline", 0):
        from pantau.crawler.runner import request_stop

        def stop() -> None:
            nonlocal cut
            cut = True
            print(f"{name}: deadline of {args.deadline:.0f}s reached, stopping (checks in flight finish)", flush=True)
            request_stop()

        timer = threading.Timer(args.deadline, stop)
        timer.daemon = True
        timer.start()
    summary = check_accounts(cfg, accounts, progress=progress)
    if timer is not None:
        timer.cancel()
    wall = time.monotonic() - started
    cpu = sum(psutil.Process().cpu_times()[:2]) - cpu0
    peak = sampler.stop()
    time.sleep(0.05)
    st = servers.read()
    wst = servers.read(WEBSITE_KINDS)
    n_web = sum(g["accounts"] for k, g in groups.items() if k == "website")
    web = {
        "accounts": n_web,
        "requests": wst[ST_REQUESTS],
        "robots": wst[ST_ROBOTS],
        "crawler": wst[ST_CRAWLER],
        "per_account": round(wst[ST_REQUESTS] / n_web, 3) if n_web else 0.0,
        "cond": wst[ST_COND],
        "cond_304": wst[ST_COND_304],
        "share_304": round(wst[ST_COND_304] / wst[ST_COND], 4) if wst[ST_COND] else 0.0,
        # of all website requests (robots.txt and 404 probes included), how many got a 304
        "all_304": round(wst[ST_304] / wst[ST_REQUESTS], 4) if wst[ST_REQUESTS] else 0.0,
    }
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
        extra={
            "groups": groups,
            "latency": args.latency,
            "concurrency": args.concurrency,
            "web": web,
            # Every request that reached a slow site held its slot for the whole timeout
            # (robots.txt and the home page: two per slow website when robots.txt is obeyed).
            "robots": st[ST_ROBOTS],
            "crawler_requests": st[ST_CRAWLER],
            "slow_requests": st[ST_SLOW],
            "slow_extra_s": st[ST_SLOW] * (args.timeout - args.latency),
            "cut": cut,
        },
    )


# ---------------------------------------------------------------------------------- the run


def build_accounts(
    n: int, seed: int, health: tuple, port: int
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    from pantau.config.registry import validate_row

    records, by_url = [], {}
    for i in range(n):
        plan = plan_site(i, seed, *health)
        base = f"http://{address(i)}:{port}"
        kind = plan["kind"]
        raw = {
            "institution": plan["name"],
            "region": plan["region"],
            "platform": {"feed": "feed", "mastodon": "mastodon", "instagram": "instagram"}.get(kind, "website"),
            "url": (
                base + "/feed"
                if kind == "feed"
                else base + "/@humas"
                if kind == "mastodon"
                else f"https://www.instagram.com/humas{i}/"
                if kind == "instagram"
                else base
            ),
            "feed_url": base + "/feed/" if kind == "feed" else "",
            "owner_email": f"humas{i}@example.go.id",
        }
        row = validate_row(i + 2, raw)
        records.append(row.as_record())
        by_url[row.url] = plan
        if kind == "instagram":
            plan["health"] = "unread"  # no token, no bridge: honestly unknown, never read
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
        ("served/account (robots incl.)", lambda r: f"{r.served_per_account:.2f}"),
        ("  robots.txt fetches", lambda r: f"{r.extra.get('robots', 0)}"),
        ("  as Googlebot (cloak scan)", lambda r: f"{r.extra.get('crawler_requests', 0)}"),
        ("websites: served/account", lambda r: f"{r.web.get('per_account', 0):.2f}"),
        ("websites: answered 304", lambda r: f"{100 * r.web.get('all_304', 0):.1f}%"),
        ("CPU ms per check", lambda r: f"{r.cpu_ms_per_check:.1f}"),
        ("wall / ideal of served+timeouts", lambda r: f"{r.ratio_served_adj:.2f}"),
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
    ap.add_argument("--obey-robots", action="store_true", help="(the default now) crawler.obey_robots = true")
    ap.add_argument(
        "--no-robots", action="store_true", help="crawler.obey_robots = false (the figures before issue 13)"
    )
    ap.add_argument(
        "--later",
        action="store_true",
        help="two more rechecks: a day later (robots.txt expired: asked again; the compromise scan's "
        "daily fetch as the crawler due) and a week later (the same, and every website discovered again)",
    )
    ap.add_argument(
        "--social",
        type=float,
        default=0.0,
        help="share of accounts that are Mastodon profiles or Instagram accounts (no token: not read)",
    )
    ap.add_argument(
        "--national",
        type=int,
        default=0,
        help="after the run, a national pass of this many accounts in the same process: fresh "
        "database and servers (one listener per process on every loopback address), "
        "--social 0.1 mix, passes given by --national-passes",
    )
    ap.add_argument("--national-passes", type=int, default=2, help="1: first pass only; 2: and a recheck")
    ap.add_argument("--national-first", action="store_true", help="run the national pass before the main run")
    ap.add_argument(
        "--national-concurrency",
        type=int,
        default=0,
        help="crawler.concurrency of the national pass (default: --concurrency)",
    )
    ap.add_argument(
        "--national-deadline",
        type=float,
        default=0,
        help="stop the national pass after this many seconds and report the part done",
    )
    ap.add_argument(
        "--wildcard",
        action="store_true",
        help="serve every site from one listener per process (automatic above 16,000 sites)",
    )
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
    ap.add_argument("--soak", type=int, default=0, help="after the rechecks, N more recheck cycles")
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
    args.obey_robots = not args.no_robots
    print(
        f"pantau check benchmark: {n} sites, latency {args.latency}s, concurrency {args.concurrency}, "
        f"per_host {args.per_host}, timeout {args.timeout}s, obey_robots {args.obey_robots}, "
        f"{args.server_procs} server processes, overrides {args.override or 'none'}, open files {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}; "
        f"tmp {tmp}",
        flush=True,
    )
    report: dict[str, Any] = {}
    status = 0

    def save() -> None:
        # After each block, so a run stopped later still leaves what it measured.
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2, default=str))
            print(f"\nwrote {args.json}", flush=True)

    def run_main() -> None:
        nonlocal status
        t0 = time.monotonic()
        servers = Servers(
            n,
            args.seed,
            (args.dead_every, args.slow_every, args.social),
            args.port,
            args.latency,
            args.slow_after,
            args.server_procs,
            wildcard=args.wildcard or n > 16000,
        )
        print(f"servers up in {time.monotonic() - t0:.1f}s", flush=True)
        try:
            main_status, main_report = _bench(args, servers, tmp, n, args.social)
        finally:
            servers.stop()
            if not args.keep:
                shutil.rmtree(tmp, ignore_errors=True)
        report.update(main_report)
        status = status or main_status
        save()

    def run_national() -> None:
        nonlocal status
        big = args.national
        ntmp = Path(tempfile.mkdtemp(prefix="pantau-bench-national-"))
        print(
            f"\n=== national pass: {big} accounts (social share 0.1), concurrency "
            f"{args.national_concurrency or args.concurrency}, tmp {ntmp}",
            flush=True,
        )
        t0 = time.monotonic()
        servers = Servers(
            big,
            args.seed,
            (args.dead_every, args.slow_every, 0.1),
            args.port + 1,
            args.latency,
            args.slow_after,
            args.server_procs,
            wildcard=True,
        )
        print(f"servers up in {time.monotonic() - t0:.1f}s", flush=True)
        national_args = argparse.Namespace(
            **{
                **vars(args),
                "port": args.port + 1,
                "later": False,
                "soak": 0,
                "deadline": args.national_deadline,
                "concurrency": args.national_concurrency or args.concurrency,
            }
        )
        try:
            nstatus, nreport = _bench(
                national_args, servers, ntmp, big, 0.1, passes=args.national_passes, national=True
            )
        finally:
            servers.stop()
            if not args.keep:
                shutil.rmtree(ntmp, ignore_errors=True)
        report["national"] = nreport
        status = status or nstatus
        save()

    blocks = [run_main] + ([run_national] if args.national else [])
    if args.national_first:
        blocks.reverse()
    for block in blocks:
        block()
    return status


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


def age_memory(
    db: Any, *, robots_hours: float = 0, cloak_hours: float = 0, discovery_days: float = 0
) -> dict[str, int | None]:
    """Move what pantau remembers back in time, as if the next pass ran that much later.

    ``robots_hours``: every stored robots.txt fetched that long ago (past its 24 hours: asked
    again, conditionally). ``cloak_hours``: the compromise scan's daily fetch as the search
    engine's crawler (``accounts.cloak_checked_at``) last done that long ago, so it is due
    again; a website never fetched so is due once its registration is a day old, so its
    ``created_at`` moves back as much. ``discovery_days``: every website's memory
    (``accounts.site``, JSON) discovered that long ago, so it is discovered again; and what
    robots.txt said of the crawler (``accounts.cloak_robots_at``, kept a week) read as long
    ago. Returns how many rows each update moved (None: no such column in this pantau).
    """
    now = datetime.now(UTC)

    def ago(**delta: float) -> str:
        return (now - timedelta(**delta)).isoformat(timespec="seconds")  # as storage.timefmt.to_iso

    def update(sql: str, params: list[Any]) -> int:
        return db.execute(sql, params).rowcount

    columns = {row[1] for row in db.execute("pragma table_info(accounts)").fetchall()}
    aged: dict[str, int | None] = {}
    if robots_hours:
        aged["robots_txt"] = update("update robots_txt set fetched_at = ?", [ago(hours=robots_hours)])
    if cloak_hours:
        aged["cloak_checked"] = update(
            "update accounts set cloak_checked_at = ? where cloak_checked_at is not null", [ago(hours=cloak_hours)]
        )
        # (spiders/website.py _cloak_due: never fetched as the crawler, due a day after registration)
        aged["cloak_never"] = update(
            "update accounts set created_at = ? where cloak_checked_at is null and platform = 'website'",
            [ago(hours=cloak_hours)],
        )
    if discovery_days:
        if "site" in columns:
            aged["site"] = update(
                "update accounts set site = json_set(site, '$.discovered_at', ?) "
                "where site is not null and json_valid(site)",
                [ago(days=discovery_days)],
            )
        else:
            aged["site"] = None  # no site memory in this pantau: every check discovers anyway
        aged["cloak_robots"] = update(
            "update accounts set cloak_robots_at = ? where cloak_robots_at is not null", [ago(days=discovery_days)]
        )
    return aged


def _bench(
    args: argparse.Namespace,
    servers: Servers,
    tmp: Path,
    n: int,
    social: float,
    passes: int = 2,
    national: bool = False,
) -> tuple[int, dict[str, Any]]:
    sampler = RssSampler(0.2)
    rss_start = sampler.rss()
    apply_overrides(args.override)

    from pantau.config.settings import from_dict
    from pantau.storage.accounts import import_accounts, select_accounts
    from pantau.storage.db import open_db

    now = datetime.now(UTC)
    records, plans = build_accounts(n, args.seed, (args.dead_every, args.slow_every, social), args.port)
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
    # (name, hours robots.txt and the daily crawler fetch move back, days discovery moves back);
    # the immediate recheck is the "+0" one: nothing aged, what a check 6 hours later costs.
    plan = [("full", 0, 0), ("recheck", 0, 0)][:passes]
    if args.later:
        plan += [("recheck +1 day", 25, 0), ("recheck +1 week", 25, 8)]
    for name, hours, discovery_days in plan:
        aged = age_memory(db, robots_hours=hours, cloak_hours=hours, discovery_days=discovery_days) if hours else {}
        if aged:
            print(f"{name}: aged {', '.join(f'{k} {v}' for k, v in aged.items())}", flush=True)
        if results:
            # Read the rows again, as the daemon does for each pass: what a check learnt (a
            # resolved id, the newest post's date read on its own page, the site's memory)
            # and what age_memory moved back in time ride on them. The last pass's rows go
            # first: a daemon or `pantau check` never holds two lists of them.
            del accounts
            gc.collect()
            alive = sum(1 for o in gc.get_objects() if isinstance(o, dict) and "institution_id" in o)
            if alive:
                print(f"{name}: {alive} account rows of the last pass still alive", flush=True)
            accounts = select_accounts(db)
        r = run_pass(name, cfg, accounts, servers, sampler, args, n_slow)
        r.extra["aged"] = aged
        results.append(r)
        print(
            f"{name}: {r.accounts} accounts in {r.wall_s:.1f}s, {r.requests} requests "
            f"({r.served_per_account:.2f}/account served, websites {r.web.get('per_account', 0):.2f}), "
            f"ratio {r.ratio:.2f} (served+timeouts {r.ratio_served_adj:.2f}), "
            f"websites 304 {100 * r.web.get('all_304', 0):.1f}%, CPU {r.cpu_ms_per_check:.1f} ms/check, "
            f"peak RSS {r.peak_rss_mb:.0f} MB",
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

    check = verify(db, plans_by_url, len(plan) + args.soak, now)
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
    full = results[0]
    peak = max(r.peak_rss_mb for r in results)
    targets = [
        (f"peak RSS < {rss_limit} MB ({peak:.0f} MB)", peak < rss_limit),
        (
            f"every account has exactly {check['passes']} observations",
            check["accounts_without_exactly_one_obs_per_pass"] == 0,
        ),
        (
            f"last activity found for >= 99% of live sites ({100 * check['activity_found_live_share']:.1f}%)",
            check["activity_found_live_share"] >= 0.99,
        ),
    ]
    if any(r.extra.get("cut") for r in results):
        targets = [t for t in targets if "observations" not in t[0]]
        targets.append(
            (
                f"CUT by the deadline: {full.accounts} of {n} accounts checked (the ratio below is of the part done)",
                False,
            )
        )
    if national:
        targets.append(
            (
                f"national first pass within 1.5x its latency-bound ideal (served requests + slow "
                f"sites' timeouts, at concurrency {args.concurrency}): {full.ratio_served_adj:.2f}",
                full.ratio_served_adj <= 1.5,
            )
        )
    else:
        # The ideal of the requests the servers saw: robots.txt is fetched by the middleware,
        # not counted by the checks, and would be free in an ideal of the checks' own count.
        targets.append(
            (
                f"full pass wall / ideal of served requests + timeouts <= 2.0 ({full.ratio_served_adj:.2f})",
                full.ratio_served_adj <= 2.0,
            )
        )
        # Before issue 13, with robots.txt obeyed: WordPress 3 requests (robots, home, feed), a
        # portal 7 (robots, home, 3 feed probes, robots again for sitemaps, a sitemap).
        before = {"wp": 3, "portal": 7, "portal_sm": 7} if args.obey_robots else {"wp": 2, "portal": 6, "portal_sm": 6}
        n_web = sum(kinds.get(k, 0) for k in WEBSITE_KINDS)
        baseline = sum(before[k] * kinds.get(k, 0) for k in WEBSITE_KINDS) / max(1, n_web)
        targets.append(
            (
                f"first pass: websites no more requests than before ({full.web.get('per_account', 0):.2f} "
                f"<= {baseline:.2f}/account served)",
                full.web.get("per_account", 0) <= baseline,
            )
        )
    if len(results) > 1:
        recheck = results[1]
        w = recheck.web
        if not national:
            targets.append(
                (
                    f"recheck wall / ideal of served requests + timeouts <= 2.0 ({recheck.ratio_served_adj:.2f})",
                    recheck.ratio_served_adj <= 2.0,
                )
            )
        targets += [
            (
                f"recheck of unchanged websites <= 1.2 requests/account, robots.txt included "
                f"({w.get('per_account', 0):.2f})",
                w.get("per_account", 9) <= 1.2,
            ),
            (
                f"recheck: >= 95% of website requests answered 304 ({100 * w.get('all_304', 0):.1f}%)",
                w.get("all_304", 0) >= 0.95,
            ),
        ]
    if args.later and len(results) == 4:
        day, week = results[2].web.get("per_account", 0), results[3].web.get("per_account", 0)
        recheck_pa = results[1].web.get("per_account", 0)
        # Checks every 6 hours: robots.txt expires every 4th recheck, discovery every 28th.
        steady = recheck_pa + (day - recheck_pa) / 4 + (week - day) / 28
        targets.append(
            (
                f"steady state every 6 h (robots.txt a day, discovery a week): "
                f"{steady:.2f} website requests per check (informative)",
                True,
            )
        )
    if soak:
        growth = soak[-1]["rss_after_mb"] - results[-1].rss_after_mb
        label = f"soak: RSS after cycle {len(soak)} within 10% of after the recheck ({growth:+.0f} MB)"
        targets.append((label, growth <= 0.1 * results[-1].rss_after_mb))
    print()
    for label, ok in targets:
        print(f"{'PASS' if ok else 'MISS'}  {label}")

    out = {
        "params": {k: v for k, v in vars(args).items() if k != "json"},
        "sites": n,
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
    return (0 if all(ok for _, ok in targets) else 1), out


if __name__ == "__main__":
    sys.exit(main())
