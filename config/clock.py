"""The one clock of pantau.

Everything that needs "now" — the CLI, the status pass, the crawl's future-date guard, the
daemon's due list — asks :func:`now`. ``PANTAU_NOW`` (an ISO 8601 instant) in the environment
fixes it for a command (demonstrations and tests, as INTERFACE.md promises); tests in one process
inject a clock with :func:`use` instead of templating against the real one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def fixed_clock(at: datetime) -> Clock:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    at = at.astimezone(UTC)
    return lambda: at


def from_environment(environ: dict[str, str] | None = None) -> Clock:
    """``PANTAU_NOW`` when set (a bad value is a clear error), else the system clock."""
    value = (environ if environ is not None else os.environ).get("PANTAU_NOW")
    if not value:
        return system_clock
    try:
        return fixed_clock(datetime.fromisoformat(value))
    except ValueError:
        raise ValueError(f"PANTAU_NOW={value!r} is not an ISO 8601 instant (e.g. 2024-11-22T10:00:00+07:00)") from None


_clock: Clock | None = None


def now() -> datetime:
    """The current instant, aware, in UTC: the injected clock, else ``PANTAU_NOW``, else the system's.

    The environment is read at each call (a dictionary look-up), so a process that sets
    ``PANTAU_NOW`` for a step (the demo's simulated weeks) moves every reader of the clock at once.
    """
    if _clock is not None:
        return _clock()
    return from_environment()()


def use(clock: Clock | None) -> None:
    """Replace the process clock (None: back to ``PANTAU_NOW`` or the system clock)."""
    global _clock
    _clock = clock


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Within the block, :func:`now` is ``at``."""
    global _clock
    before = _clock
    _clock = fixed_clock(at)
    try:
        yield
    finally:
        _clock = before
