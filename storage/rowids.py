"""The id of the row an insert just wrote."""

from __future__ import annotations

import sqlite_utils


def inserted_id(table: sqlite_utils.db.Table) -> int:
    """The integer primary key sqlite-utils recorded for the row ``table.insert(...)`` just wrote.

    sqlite-utils types ``Table.last_pk`` as optional because it is None before any insert;
    after one insert into a pantau table (each keyed by an integer ``id``) it holds that id.
    """
    pk = table.last_pk
    if pk is None:
        raise RuntimeError(f"sqlite-utils recorded no primary key for the row inserted into {table.name}")
    return int(pk)
