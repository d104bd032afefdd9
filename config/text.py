"""Text from outside (registry files, web pages, APIs) made safe to show on a terminal or in mail.

A registry name or a Telegram title may carry terminal escape sequences (``\\x1b[2J`` clears
the operator's screen, ``\\x1b]0;…\\x07`` retitles the window) or bidirectional overrides
that make a line read backwards. Stored data stays as it came (the JSON output is exact);
everything a person reads goes through :func:`printable` first.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and the Unicode bidirectional embeddings/overrides/isolates.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` without control characters (tabs become spaces; newlines kept only when asked)."""
    text = text.replace("\t", " ")
    return (_CONTROLS_BUT_NEWLINE if keep_newlines else _CONTROLS).sub("", text)
