"""Times are stored as ISO 8601 text in UTC (``2024-11-22T03:00:00+00:00``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from pantau.config import clock


def utcnow() -> datetime:
    """Now, from pantau's one clock (``PANTAU_NOW`` when set; see pantau.config.clock)."""
    return clock.now()


@overload
def to_iso(dt: datetime) -> str: ...
@overload
def to_iso(dt: None) -> None: ...
@overload
def to_iso(dt: datetime | None) -> str | None: ...
def to_iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt!r}: pantau stores aware UTC times only")
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
