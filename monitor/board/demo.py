"""The board's part of ``pantau demo``: a signing key and an admin password for the run, a port,
and at the end the board itself on loopback with the link a head of office got by mail."""

from __future__ import annotations

import os
import re
import secrets
import signal
import sys
import threading
from email.message import Message
from pathlib import Path
from typing import Any

from pantau.monitor.demo.server import free_port

DEMO_READER = "kadis@mubakab.example.go.id"


def configure(cfg_path: Path) -> None:
    """Give the demo's config a [web] table and its process the key and password it names, so the
    digests sent during the demo carry working board links."""
    port = free_port()
    with cfg_path.open("a", encoding="utf-8") as f:
        f.write(
            f'\n[web]\nhost = "127.0.0.1"\nport = {port}\n'
            'secret_env = "PANTAU_DEMO_WEB_SECRET"\nadmin_password_env = "PANTAU_DEMO_WEB_PASSWORD"\n'
        )
    os.environ["PANTAU_DEMO_WEB_SECRET"] = secrets.token_hex(32)
    os.environ.setdefault("PANTAU_DEMO_WEB_PASSWORD", "demo-" + secrets.token_urlsafe(6))


def mailed_link(messages: list[tuple[list[str], Message]], reader: str = DEMO_READER) -> str | None:
    """The board link in the last mail ``reader`` received."""
    for rcpts, msg in reversed(messages):
        if reader in rcpts:
            for part in msg.walk():
                if part.get_content_type() == "text/plain":
                    payload = part.get_payload(decode=True)  # bytes for a text/plain part
                    if not isinstance(payload, bytes):
                        continue
                    text = payload.decode(part.get_content_charset() or "utf-8", "replace")
                    found = re.search(r"http://127\.0\.0\.1:\d+/l/\S+", text)
                    if found:
                        return found.group(0)
    return None


def serve(cfg_path: Path, messages: list[tuple[list[str], Message]], seconds: float | None) -> None:
    """Start the board, print how to open it, and serve for ``seconds`` (None: until Ctrl-C)."""
    from pantau.config.settings import load_config
    from pantau.monitor.board.serve import BackgroundBoard
    from pantau.storage.timefmt import utcnow

    cfg = load_config(cfg_path)
    board = BackgroundBoard(cfg, utcnow, port=cfg.web["port"]).start()
    link = mailed_link(messages)
    print(f"\n$ pantau serve    # the board, on {board.url} only")
    if link:
        print(f"the head of Musi Banyuasin's office opens it from the digest mail:\n  {link}")
    print(f"the admin signs in at {board.url}/login with the password {os.environ['PANTAU_DEMO_WEB_PASSWORD']}")
    sys.stdout.flush()
    stop = threading.Event()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, lambda *_: stop.set())
    try:
        if seconds is None:
            print("(Ctrl-C stops the board and ends the demo)", flush=True)
        elif seconds <= 0:
            print("(not waiting: run `pantau demo --board-seconds 600` to keep the board open)", flush=True)
        stop.wait(seconds)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        board.stop()
