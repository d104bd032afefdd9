"""One Twisted reactor (the asyncio one), started once per process on its own thread.

Scrapy cannot restart a reactor, and a daemon, the CLI and the tests all need to run
many crawls in one process: so the reactor runs for the life of the process on a
daemon thread and work is submitted to its asyncio loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar, cast

T = TypeVar("T")
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None


def loop() -> asyncio.AbstractEventLoop:
    """The reactor's asyncio loop, starting the reactor thread on first use."""
    global _loop, _thread
    with _lock:
        if _loop is not None:
            return _loop
        from scrapy.utils.reactor import install_reactor

        install_reactor(ASYNCIO_REACTOR)
        from twisted.internet import reactor as installed
        from twisted.internet.asyncioreactor import AsyncioSelectorReactor

        # twisted.internet.reactor is typed as a placeholder module; what install_reactor put
        # there is the asyncio reactor.
        reactor = cast(AsyncioSelectorReactor, installed)
        _loop = reactor._asyncioEventloop
        started = threading.Event()
        reactor.callWhenRunning(started.set)
        _thread = threading.Thread(
            target=reactor.run,
            kwargs={"installSignalHandlers": False},
            name="pantau-reactor",
            daemon=True,
        )
        _thread.start()
        started.wait(30)
        return _loop


def submit(fn: Callable[..., Coroutine[Any, Any, T]], *args: Any, **kwargs: Any) -> Future[T]:
    """Run the coroutine function on the reactor loop; returns a concurrent Future."""
    return asyncio.run_coroutine_threadsafe(fn(*args, **kwargs), loop())


def run(fn: Callable[..., Coroutine[Any, Any, T]], *args: Any, **kwargs: Any) -> T:
    """Run the coroutine function on the reactor loop and wait for its result."""
    return submit(fn, *args, **kwargs).result()
