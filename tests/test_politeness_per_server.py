"""Sites that are different names on one server share that server's `per_host` limit."""

from __future__ import annotations

import threading
import time

import pytest
from scrapy.resolver import dnscache

from pantau.monitor.demo.server import Route

NAMES = [f"dinas{i}.muba.go.id" for i in range(1, 7)]
FEED_NAMES = [f"berita{i}.muba.go.id" for i in range(1, 4)]


class InFlight:
    """Counts the requests a server is answering at once (the server's own view)."""

    def __init__(self, hold: float):
        self.hold = hold
        self.now = 0
        self.peak = 0
        self.seen = 0
        self.lock = threading.Lock()

    def __call__(self, handler) -> None:
        with self.lock:
            self.now += 1
            self.seen += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(self.hold)
        finally:
            # Done before the answer leaves: once the client has it, it may send the next
            # request before this thread runs again.
            with self.lock:
                self.now -= 1
        body = b"<html><body><p>Selamat datang</p></body></html>"
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


@pytest.fixture
def shared_names():
    """Regency office names that all resolve to 127.0.0.1 (through Scrapy's DNS cache,
    which the reactor's resolver reads before asking the system)."""
    for name in NAMES + FEED_NAMES:
        dnscache[name] = "127.0.0.1"
    yield
    for name in NAMES + FEED_NAMES:
        dnscache.pop(name, None)


def test_it_never_has_more_than_per_host_requests_in_flight_on_one_server(sites, watch, shared_names):
    counter = InFlight(hold=0.25)
    site = sites.serve({}, default=Route(handler=counter))
    w = watch(crawler={"per_host": 2, "concurrency": 32})
    for name in NAMES:
        w.add(f"http://{name}:{site.port}")
    for name in FEED_NAMES:  # a second crawl (platform feed) on the same server at the same time
        w.add(f"http://{name}:{site.port}/feed", platform="feed")

    w.check()

    # It should have reached the server for every site, two requests at a time at most,
    # across all the names and both crawls
    assert counter.seen >= len(NAMES) + len(FEED_NAMES)
    assert counter.peak == 2


def test_separate_servers_keep_their_own_limits(sites, watch):
    counters = [InFlight(hold=0.25) for _ in range(3)]
    overall = InFlight(hold=0.0)

    def counted(counter: InFlight):
        def handle(handler) -> None:
            with overall.lock:
                overall.now += 1
                overall.peak = max(overall.peak, overall.now)
            try:
                counter(handler)
            finally:
                with overall.lock:
                    overall.now -= 1  # (after the answer: overlap is what this counter looks for)

        return handle

    # Three servers on three loopback addresses (all of 127.0.0.0/8 is loopback on Linux).
    served = [
        sites.serve({}, default=Route(handler=counted(c)), host=f"127.0.0.{k + 2}") for k, c in enumerate(counters)
    ]
    w = watch(crawler={"per_host": 1, "concurrency": 32})
    for site in served:
        w.add(site.url)

    w.check()

    # It should hold each server to one request at a time but check them side by side
    assert all(c.seen >= 1 and c.peak == 1 for c in counters)
    assert overall.peak > 1


def test_a_crawl_that_ends_gives_back_its_places_at_the_server(sites, watch, shared_names):
    from pantau.crawler.politeness import GATE

    counter = InFlight(hold=0.05)
    site = sites.serve({}, default=Route(handler=counter))
    w = watch(crawler={"per_host": 2})
    for name in NAMES[:3]:
        w.add(f"http://{name}:{site.port}")

    w.check()

    # It should leave no request counted in flight at that server once the checks are done
    assert GATE.inflight.get("server:127.0.0.1", 0) == 0
    assert not GATE.waiters
