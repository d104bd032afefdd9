"""The address guard: no registry row, redirect or DNS answer makes pantau probe its own network.

With ``[crawler] allow_private_addresses = false`` (the default) pantau must refuse loopback,
private, link-local and unspecified targets *before connecting*, on the first request and on
every redirect hop. Three layers do it, and each is tested here on its own:

* ``AddressGuardMiddleware.process_request`` refuses a URL whose host is a private address
  or a local name, for every request Scrapy schedules — also those built by the redirect and
  meta-refresh middlewares;
* ``GuardedResolver`` (installed on the reactor by ``crawler.runner``) refuses a name whose
  DNS answer is private, before a socket is opened;
* ``AddressGuardMiddleware.process_response`` refuses a response whose peer turned out to be
  private by any path around the other two.

Only loopback traffic is ever sent. Targets that are not loopback (cloud metadata at
169.254.169.254, 10.x, 192.168.x…) are tested at unit level only: were the guard broken, an
end-to-end test of them would send a packet to that address.

Redirects are tested through Scrapy's real downloader middleware chain built from pantau's
own ``scrapy_settings`` (redirect and meta-refresh middlewares included), with a stand-in for
the network that records what it is asked to fetch. An end-to-end redirect test would need a
first hop the guard *allows*, and on loopback there is none: every loopback address and name
is refused, and so is a loopback HTTP proxy (``GuardedResolver`` refuses the proxy's own
address too — tried and recorded in the report). Making the first hop allowed would mean
patching pantau, which would no longer test pantau.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from scrapy import Request
from scrapy.core.downloader.middleware import DownloaderMiddlewareManager
from scrapy.http import HtmlResponse, Response
from scrapy.resolver import dnscache
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError

from pantau.config.settings import from_dict
from pantau.crawler import reactor as pantau_reactor
from pantau.crawler.middlewares import AddressGuardMiddleware, GuardedResolver, GuardRefused
from pantau.crawler.settings import scrapy_settings

STRICT = """
[crawler]
allow_private_addresses = false
obey_robots = false
timeout_s = 5
retries = 0
"""
HEADER = "institution,region,platform,handle,url,feed_url,owner_email,dormant_after_days,note\n"
HOME = "kominfo_wp_home.html"


# --- loopback servers that tell whether anything reached them ----------------------------


def count_connections(site: Any) -> list[Any]:
    """Record every TCP connection the Site accepts — not only complete HTTP requests."""
    accepted: list[Any] = []
    accept = site.server.get_request

    def get_request() -> Any:
        conn, addr = accept()
        accepted.append(addr)
        return conn, addr

    site.server.get_request = get_request
    return accepted


class _V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def get_request(self) -> Any:
        conn, addr = super().get_request()
        self.connections.append(addr)  # type: ignore[attr-defined]
        return conn, addr


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body><p>server internal</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def v6_listener() -> Any:
    """An HTTP server on [::1] (the demo Site binds IPv4 only), recording every connection."""
    server = _V6Server(("::1", 0), _Hello)
    server.connections = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def observations(db_path: Any) -> dict[str, dict[str, Any]]:
    """The latest observation of every account, by the account's stored URL."""
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(
            "select a.url, o.outcome, o.error from observations o join accounts a on a.id = o.account_id order by o.id"
        ).fetchall()
    finally:
        conn.close()
    return {r["url"]: dict(r) for r in rows}


def assert_refused(obs: dict[str, Any]) -> None:
    assert obs["outcome"] == "blocked", (obs["outcome"], obs["error"])
    assert "private/loopback" in obs["error"], obs
    assert "allow_private_addresses" in obs["error"], obs


# --- end to end: the registry names the server itself -----------------------------------


def test_a_registry_row_naming_the_servers_own_addresses_is_refused_before_any_connection(
    sites, new_project, tmp_path, v6_listener
):
    """`pantau check` with every spelling of "this machine" a registry row could carry.

    Numeric spellings (decimal ``2130706433``, octal ``0177.0.0.1``, hex ``0x7f.0.0.1``, short
    ``127.1``) are what ``urlsplit`` leaves alone and the C library turns into 127.0.0.1.
    ``0.0.0.0`` reaches the local host on Linux. The servers count TCP connections, so
    "refused" means nothing was opened, not merely that the answer was thrown away.
    """
    site = sites.serve({"/": HOME})
    connections = count_connections(site)
    port, v6_port = site.port, v6_listener.server_address[1]
    targets = [
        f"http://127.0.0.1:{port}",
        f"http://[::1]:{v6_port}",
        f"http://localhost:{port}",
        f"http://[::ffff:127.0.0.1]:{port}",
        f"http://0.0.0.0:{port}",
        f"http://2130706433:{port}",
        f"http://0177.0.0.1:{port}",
        f"http://0x7f.0.0.1:{port}",
        f"http://127.1:{port}",
    ]
    p = new_project(tmp_path / "kominfo", STRICT)
    p.write(
        "registry.csv",
        HEADER + "".join(f"Dinas Kominfo {i},16.06,website,,{url}/,,,,\n" for i, url in enumerate(targets)),
    )
    assert p.run("registry", "import", "registry.csv").returncode == 0

    checked = p.run("check", "--all")

    assert checked.returncode == 0, checked.stderr
    seen = observations(p.db_path)
    assert sorted(seen) == sorted(targets)
    for url in targets:
        assert_refused(seen[url])
    # It should refuse every target before opening a connection to it
    assert connections == [] and site.hits == []
    assert v6_listener.connections == []  # type: ignore[attr-defined]


def test_the_status_of_a_refused_account_names_the_setting_that_allows_it(sites, new_project, tmp_path):
    site = sites.serve({"/": HOME})
    p = new_project(tmp_path / "kominfo", STRICT)
    p.write("registry.csv", HEADER + f"Dinas Kominfo,16.06,website,,{site.url}/,,,,\n")
    assert p.run("registry", "import", "registry.csv").returncode == 0
    assert p.run("check", "--all").returncode == 0

    shown = p.run("status", "--format", "json")

    # It should tell the operator why the account is unknown and which setting to change
    (row,) = json.loads(shown.stdout)
    assert row["status"] == "unknown"
    assert "private/loopback" in row["reason"] and "allow_private_addresses" in row["reason"]
    assert site.hits == []


# --- end to end: DNS answers pointing inward -------------------------------------------


def test_a_name_whose_dns_answer_is_private_is_refused_at_resolution(sites, watch, monkeypatch):
    """A public-looking name whose DNS answer is loopback (DNS rebinding, a hostile zone).

    The answer is placed in Scrapy's DNS cache (``scrapy.resolver.dnscache``), the cache
    ``GuardedResolver`` consults before asking the system: pantau sees exactly what it would
    see from a resolver answering 127.0.0.1, without a name server. The guard judges the
    answer, not the name, so the cache is as good a source as any.
    """
    site = sites.serve({"/": HOME})
    connections = count_connections(site)
    monkeypatch.setitem(dnscache, "intranet.pemkab-muba.test", "127.0.0.1")
    monkeypatch.setitem(dnscache, "dinkes.pemkab-muba.test", "127.0.0.1")
    w = watch(crawler={"allow_private_addresses": False})
    portal = w.add(f"http://intranet.pemkab-muba.test:{site.port}/")
    feed = w.add(f"http://dinkes.pemkab-muba.test:{site.port}/feed/", "feed")

    w.check()

    for account_id in (portal, feed):
        obs = w.last(account_id)
        assert_refused(obs)
        assert "127.0.0.1" in obs["error"]
    # It should refuse at name resolution, so the site never sees a connection
    assert connections == [] and site.hits == []


def test_the_same_names_are_read_when_private_addresses_are_allowed(sites, watch, monkeypatch):
    """The control for the test above: the cache entry really points at the loopback site."""
    site = sites.serve({"/": HOME})
    monkeypatch.setitem(dnscache, "intranet.pemkab-muba.test", "127.0.0.1")
    w = watch()  # allow_private_addresses = true
    portal = w.add(f"http://intranet.pemkab-muba.test:{site.port}/")

    w.check()

    # It should reach the site through the cached answer when the operator allows it
    assert w.last(portal)["outcome"] == "ok"
    assert site.hits


# --- unit level: addresses that must never see a packet from this test ------------------

PRIVATE_TARGETS = [
    "http://127.0.0.1/",
    "http://127.8.9.10:8080/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]/",  # the same, in hex
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # cloud metadata
    "http://[fe80::1]/",
    "http://[fd00:ec2::254]/latest/meta-data/",  # AWS metadata over IPv6 (unique local)
    "http://100.100.100.200/latest/meta-data/",  # Alibaba Cloud metadata (shared 100.64/10)
    "http://10.0.0.1/",
    "http://10.20.30.40:8443/",
    "http://172.16.0.1/",
    "http://172.31.255.254/",
    "http://192.168.1.1/",
    "http://224.0.0.1/",  # multicast
    "http://2130706433/",  # 127.0.0.1, decimal
    "http://0177.0.0.1/",  # 127.0.0.1, octal
    "http://0x7f.0.0.1/",  # 127.0.0.1, hex
    "http://0x7f000001/",
    "http://017700000001/",
    "http://127.1/",
    "http://127.000.000.001/",
    "http://2852039166/",  # 169.254.169.254, decimal
    "http://0xa9fea9fe/",  # 169.254.169.254, hex
    "http://012.0.0.1/",  # 10.0.0.1, octal
    "http://127.0.0.1./",  # trailing dot
    "http://localhost/",
    "http://LOCALHOST:8080/",
    "http://localhost./",
    "http://intranet.localhost/",
    "http://ip6-localhost/",
]
PUBLIC_TARGETS = [
    "https://www.mubakab.go.id/",
    "http://36.94.0.17/",
    "http://8.8.8.8/",
    "http://[2001:4860:4860::8888]/",
    "http://11.0.0.1/",
    "http://172.32.0.1/",
]


@pytest.mark.parametrize("url", PRIVATE_TARGETS)
def test_the_middleware_refuses_every_private_target_before_connecting(url):
    guard = AddressGuardMiddleware(allow_private=False)

    # It should refuse in process_request, naming the setting that allows it
    with pytest.raises(GuardRefused) as refused:
        guard.process_request(Request(url))
    assert "private/loopback" in str(refused.value)
    assert "allow_private_addresses" in str(refused.value)


@pytest.mark.parametrize("url", PUBLIC_TARGETS)
def test_the_middleware_lets_public_targets_through(url):
    # It should not refuse a public address or name (no request is sent: only the middleware runs)
    assert AddressGuardMiddleware(allow_private=False).process_request(Request(url)) is None


def test_the_middleware_lets_private_targets_through_when_allowed():
    guard = AddressGuardMiddleware(allow_private=True)

    # It should leave every target alone when allow_private_addresses = true
    assert all(guard.process_request(Request(url)) is None for url in PRIVATE_TARGETS)


# --- unit level: Scrapy's own redirect machinery with pantau's settings -------------------


def _manager(allow_private: bool = False) -> DownloaderMiddlewareManager:
    """The downloader middleware chain exactly as pantau's crawls build it."""
    cfg = from_dict({"crawler": {"allow_private_addresses": allow_private, "obey_robots": False}}, None)
    pantau_reactor.loop()  # the process-wide reactor the crawls use
    crawler = get_crawler(settings_dict=scrapy_settings(cfg))
    crawler.spider = crawler._create_spider()
    return DownloaderMiddlewareManager.from_crawler(crawler)


def _walk(manager: DownloaderMiddlewareManager, first: Response) -> tuple[list[str], BaseException | None]:
    """Send one request through the chain; the 'network' answers ``first`` and records what it
    was asked for. The redirect request the chain makes is sent through it again, as the
    engine does."""
    asked: list[str] = []

    async def network(request: Request) -> Response:
        asked.append(request.url)
        return first.replace(url=request.url, request=request)

    async def run() -> BaseException | None:
        result = await manager.download_async(network, Request("https://www.mubakab.go.id/", dont_filter=True))
        assert isinstance(result, Request), f"expected a redirect request, got {result!r}"
        try:
            await manager.download_async(network, result)
        except GuardRefused as exc:
            return exc
        return None

    return asked, pantau_reactor.run(run)


PUBLIC_PEER = ipaddress.ip_address("36.94.0.17")
INWARD = [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/admin",
    "http://192.168.0.1/",
    "http://[::1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://2852039166/",
    "http://localhost./",
    "http://0177.0.0.1/",
]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("location", INWARD)
def test_a_location_redirect_to_a_private_address_is_refused_before_the_hop(status, location):
    response = Response(
        "https://www.mubakab.go.id/", status=status, headers={"Location": location}, ip_address=PUBLIC_PEER
    )

    asked, refused = _walk(_manager(), response)

    # It should refuse the hop the redirect middleware built, before the network is asked for it
    assert asked == ["https://www.mubakab.go.id/"]
    assert isinstance(refused, GuardRefused) and "allow_private_addresses" in str(refused)


@pytest.mark.parametrize("location", INWARD)
def test_a_meta_refresh_to_a_private_address_is_refused_before_the_hop(location):
    page = f'<html><head><meta http-equiv="refresh" content="0; url={location}"></head></html>'
    response = HtmlResponse("https://www.mubakab.go.id/", body=page.encode(), encoding="utf-8", ip_address=PUBLIC_PEER)

    asked, refused = _walk(_manager(), response)

    # It should refuse a <meta http-equiv="refresh"> hop as it refuses a Location hop
    assert asked == ["https://www.mubakab.go.id/"]
    assert isinstance(refused, GuardRefused)


def test_a_redirect_is_followed_in_the_chain_when_private_addresses_are_allowed():
    response = Response(
        "https://www.mubakab.go.id/", status=302, headers={"Location": "http://10.0.0.1/admin"}, ip_address=PUBLIC_PEER
    )

    asked, refused = _walk(_manager(allow_private=True), response)

    # It should leave the hop alone when allowed (the control: the chain really redirects)
    assert refused is None
    assert asked == ["https://www.mubakab.go.id/", "http://10.0.0.1/admin"]


# --- unit level: the response check and the resolver -----------------------------------


@pytest.mark.parametrize(
    "peer", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.10.5", "::1", "::ffff:127.0.0.1", "fd00::2"]
)
def test_a_response_from_a_private_peer_is_refused_before_it_is_read(peer):
    """A path around the resolver (a stale cache of another crawl, a proxy) still cannot deliver
    a body from inside: the peer address of the response is judged too."""
    response = HtmlResponse(
        "https://www.mubakab.go.id/", body=b"<p>internal</p>", ip_address=ipaddress.ip_address(peer)
    )

    async def network(request: Request) -> Response:
        return response.replace(request=request)

    async def run() -> Any:
        return await _manager().download_async(network, Request("https://www.mubakab.go.id/", dont_filter=True))

    # It should refuse the response in the middleware chain, naming the host and its address
    with pytest.raises(GuardRefused) as refused:
        pantau_reactor.run(run)
    assert str(ipaddress.ip_address(peer)) in str(refused.value)
    assert "www.mubakab.go.id" in str(refused.value)


def test_a_response_from_a_public_peer_is_delivered():
    response = HtmlResponse("https://www.mubakab.go.id/", body=b"<p>berita</p>", ip_address=PUBLIC_PEER)

    async def network(request: Request) -> Response:
        return response.replace(request=request)

    async def run() -> Any:
        return await _manager().download_async(network, Request("https://www.mubakab.go.id/", dont_filter=True))

    # It should hand a public peer's response on unchanged
    assert pantau_reactor.run(run).body == b"<p>berita</p>"


def _resolve(name: str) -> Any:
    """Ask the guarded resolver for ``name`` on the reactor; returns the address or the failure."""
    pantau_reactor.loop()  # installs the asyncio reactor the crawls use; import it only after
    from twisted.internet import reactor as twisted_reactor

    resolver = GuardedResolver(twisted_reactor, cache_size=dnscache.limit, timeout=5.0)

    async def run() -> Any:
        from twisted.internet.defer import Deferred

        d: Deferred = resolver.getHostByName(name)
        try:
            return await d.asFuture(pantau_reactor.loop())
        except DNSLookupError as exc:
            return exc

    return pantau_reactor.run(run)


@pytest.mark.parametrize(
    "answer", ["127.0.0.1", "10.0.0.8", "172.20.0.3", "192.168.100.1", "169.254.169.254", "100.100.100.200", "0.0.0.0"]
)
def test_the_resolver_refuses_a_private_answer(answer, monkeypatch):
    """The answer comes from Scrapy's DNS cache (no name server, no packet): the resolver only
    resolves, it never connects, so non-loopback answers are safe to test here."""
    monkeypatch.setattr(GuardedResolver, "allow_private", False)
    monkeypatch.setitem(dnscache, "portal.pemkab-muba.test", answer)

    result = _resolve("portal.pemkab-muba.test")

    # It should fail the lookup with a message that says why and names the setting
    assert isinstance(result, DNSLookupError), result
    assert "private/loopback" in str(result) and "allow_private_addresses" in str(result)


def test_the_resolver_refuses_what_the_system_resolver_answers_for_a_local_name(monkeypatch):
    """Not from the cache this time: the thread pool asks the C library, which answers from
    /etc/hosts (``localhost`` is 127.0.0.1 everywhere)."""
    monkeypatch.setattr(GuardedResolver, "allow_private", False)
    monkeypatch.delitem(dnscache, "localhost", raising=False)

    result = _resolve("localhost")

    # It should refuse the real answer of the system resolver
    assert isinstance(result, DNSLookupError), result
    assert "allow_private_addresses" in str(result)


def test_the_resolver_passes_a_public_answer(monkeypatch):
    monkeypatch.setattr(GuardedResolver, "allow_private", False)
    monkeypatch.setitem(dnscache, "www.pemkab-muba.test", "36.94.0.17")

    # It should return a public answer untouched (nothing connects: this only resolves)
    assert _resolve("www.pemkab-muba.test") == "36.94.0.17"
