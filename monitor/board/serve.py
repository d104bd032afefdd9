"""``pantau serve``: the board under uvicorn until SIGTERM/SIGINT, then exit 0.

uvicorn handles the signal itself (stop accepting, finish the requests in flight within
``GRACE_S``), then re-raises it to whatever handler was installed before it started — here a
handler that does nothing, so the process leaves with status 0 like ``pantau run``.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from typing import cast

import uvicorn
from starlette.applications import Starlette

from pantau.config.settings import Config

log = logging.getLogger("pantau.board")
GRACE_S = 5


def server_for(
    cfg: Config,
    now: Callable[[], datetime],
    host: str | None = None,
    port: int | None = None,
    log_level: str = "info",
    **app_options: object,
) -> uvicorn.Server:
    from pantau.monitor.board.app import create_app

    app = create_app(cfg, now, **app_options)  # type: ignore[arg-type]
    config = uvicorn.Config(
        app,
        host=host or cfg.web["host"],
        port=port if port is not None else cfg.web["port"],
        # X-Forwarded-For is believed only from a proxy on this machine (nginx in front).
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
        timeout_graceful_shutdown=GRACE_S,
        lifespan="off",
        log_level=log_level,
        access_log=False,
    )
    return uvicorn.Server(config)


def _close_data(server: uvicorn.Server) -> None:
    """Close the board's data source, which create_app keeps on its app's state."""
    # uvicorn types Config.app as any ASGI application or an import string; server_for gives
    # it the Starlette app create_app built.
    cast(Starlette, server.config.app).state.data.close()


def serve(cfg: Config, now: Callable[[], datetime], host: str | None = None, port: int | None = None) -> int:
    server = server_for(cfg, now, host, port)
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
    log.info(
        "pantau board on http://%s:%d (links in mails point to %s)",
        server.config.host,
        server.config.port,
        cfg.board_url,
    )
    try:
        server.run()
    finally:
        _close_data(server)
    return 0 if server.started else 1


class BackgroundBoard:
    """The board on a thread of this process (the demo, tests): ``start()``, ``url``, ``stop()``.
    (uvicorn listens to signals only on the main thread, so this one leaves them alone.)"""

    def __init__(
        self, cfg: Config, now: Callable[[], datetime], host: str = "127.0.0.1", port: int = 0, **app_options: object
    ) -> None:
        self.server = server_for(cfg, now, host, port, log_level="warning", **app_options)
        self.thread = threading.Thread(target=self.server.run, name="pantau-board", daemon=True)

    def start(self, timeout: float = 10.0) -> BackgroundBoard:
        import time

        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the board did not start")
            time.sleep(0.02)
        return self

    @property
    def url(self) -> str:
        sock = self.server.servers[0].sockets[0]
        host, port = sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=GRACE_S + 5)
        _close_data(self.server)
