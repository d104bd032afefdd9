"""Failures of the disk under the database, recognised in one place.

A full disk shows up as SQLite's SQLITE_FULL ("database or disk is full") from any write,
or as ENOSPC/EDQUOT from a file pantau writes. Either way the work was not saved, and the
command must say so (exit 1, one line) instead of reporting it as done.
"""

from __future__ import annotations

import errno
import sqlite3

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


class DiskFull(Exception):
    """Raised when work was lost because the disk is full."""


def is_disk_full(exc: BaseException | None) -> bool:
    """True when ``exc`` (or an exception it was raised from) is a full disk."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DiskFull):
            return True
        if isinstance(exc, sqlite3.OperationalError) and (
            getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
        ):
            return True
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def is_disk_io_error(exc: BaseException | None) -> bool:
    """True for SQLite's "disk I/O error": on a full disk, opening a database fails this way."""
    return isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_IOERR or "disk I/O error" in str(exc)
    )
