"""Helpers for the social-platform tests: stored platform answers served from loopback sites."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pantau.monitor.demo.server import Route

SOCIAL = Path(__file__).parent / "fixtures" / "social"
# The fixtures' newest posts are from 19-20 November 2024; statuses are judged on this day.
NOW = datetime(2024, 11, 22, 5, 0, tzinfo=UTC)

_TYPES = {
    ".json": "application/json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


def body(name: str) -> bytes:
    return (SOCIAL / name).read_bytes()


def serve(name: str, status: int = 200) -> Route:
    """A route answering with a fixture file (bytes, so no placeholder is filled in)."""
    return Route(body(name), status=status, content_type=_TYPES[Path(name).suffix])


def recording(
    name: str | bytes | Callable[[Any], bytes],
    seen: list[dict[str, str]],
    status: int = 200,
    content_type: str = "application/json; charset=utf-8",
) -> Route:
    """A route that keeps each request's path and headers in ``seen`` before answering.

    ``name`` may be a function of the request handler, to answer with what the request carried
    (Meta echoes a malformed token back in its error message).
    """

    def handle(h: Any) -> None:
        seen.append({"path": h.path, **{k.lower(): v for k, v in h.headers.items()}})
        if callable(name):
            data = name(h)
        else:
            data = body(name) if isinstance(name, str) else name
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    return Route(handler=handle)


def every_stored_text(w: Any, account_id: int) -> str:
    """Every column of the account's row and of all its observations, as one string."""
    rows = [w.account(account_id)] + w.observations(account_id)
    rows += list(w.db.query("select * from http_validators"))
    return "\n".join(str(v) for row in rows for v in row.values())
