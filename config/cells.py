"""Spreadsheet safety for every CSV/XLSX pantau writes: one rule, one place.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` is a formula to Excel, LibreOffice and
Google Sheets (OWASP "CSV injection"); so is one that starts with a control character,
because spreadsheet programs (and openpyxl, when it writes XLSX) drop those before they
look. Institution names come from registry files other offices fill in, titles and URLs
from the web, so such a cell is written with a ``'`` in front: text, not a formula.

Two flavours:

* :func:`neutralise` — for files people only read (the weekly report, the digest's CSV,
  ``status --format csv``): prefix ``'``, never undone.
* :func:`escape` / :func:`unescape` — for ``registry export --format csv``, which must come
  back unchanged through ``registry import``. ``escape`` prefixes ``'`` to a formula-like
  cell and to a cell that already starts with ``'`` followed by something ``unescape``
  would take off; ``unescape`` removes exactly that one ``'``. A hand-written cell such as
  ``'Pemkab'`` is left alone by both.
"""

from __future__ import annotations

from typing import Any

_FORMULA_FIRST = frozenset("=+-@")


def formula_like(text: str) -> bool:
    """True when a spreadsheet could take ``text`` for a formula."""
    if not text:
        return False
    first = text[0]
    return first in _FORMULA_FIRST or first < " " or first == "\x7f"


def neutralise(value: Any) -> Any:
    """``value`` with ``'`` in front when it is formula-like text; anything else unchanged."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def unescape(text: str) -> str:
    """Undo :func:`escape`: drop one leading ``'`` that guards a formula-like rest or a ``'``."""
    if text[:1] == "'" and (text[1:2] == "'" or formula_like(text[1:])):
        return text[1:]
    return text


def escape(text: str) -> str:
    """A cell that opens as text in a spreadsheet and that :func:`unescape` turns back into ``text``."""
    if formula_like(text) or unescape(text) != text:
        return "'" + text
    return text
