"""Times are stored as ISO 8601 text in UTC (``2024-11-22T03:00:00+00:00``)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def clock_now() -> datetime:
    """Now, or ``PANTAU_NOW`` when set (INTERFACE.md: it replaces the clock for every command,
    the checks included, so a demonstration or a test can check at a simulated time)."""
    import os

    fixed = os.environ.get("PANTAU_NOW")
    return from_iso(fixed) if fixed else utcnow()  # type: ignore[return-value]


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
