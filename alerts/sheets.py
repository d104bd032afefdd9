"""Spreadsheet files a person opens in Excel or LibreOffice: CSV and XLSX.

Both go through the one formula guard (:func:`pantau.config.cells.neutralise`): a title or
handle from the crawled web that starts with ``=`` must stay text, never become a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pantau.config.cells import neutralise

# (sheet title, header, rows): one sheet of a workbook.
Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


def safe_cell(value: Any) -> Any:
    """The one neutraliser used for CSV and XLSX alike: prefix ``'`` to formula-like text
    (``= + - @`` or a control character first; see :mod:`pantau.config.cells`)."""
    return neutralise(value)


def table_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV with a byte-order mark, so Excel opens Indonesian text correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl refuses control characters, and a cell holds at most 32,767 characters.
        # Cleaned first, guarded after: "\x01=HYPERLINK(…)" must not become a live formula
        # once the \x01 is gone.
        value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))[:32767]
    return value


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def workbook_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """An XLSX with one sheet per ``(title, header, rows)``, streamed (write-only mode)."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    for title, header, rows in sheets:
        name = _SHEET_BAD.sub(" ", title)[:31] or "Sheet"
        while name.lower() in used:
            name = name[:28] + f" {len(used)}"
        used.add(name.lower())
        ws = wb.create_sheet(name)
        ws.append([_xlsx_value(h) for h in header])
        for row in rows:
            ws.append([_xlsx_value(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
