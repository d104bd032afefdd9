"""Setting up an installation: the operator's contact, asked for by `pantau init`.

The contact (``[crawler] contact``) goes into pantau's user agent, so the admin of a small
regional server who finds pantau in their logs knows which Kominfo office to call.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from pantau.config.settings import Config, ConfigError, contact_warning, from_dict

_CONTACT_LINE = re.compile(r'^contact = "[^"\n]*"', re.MULTILINE)


def valid_contact(contact: str) -> str:
    """The contact as the config will hold it; ConfigError when it is no URL or e-mail."""
    cfg = from_dict({"crawler": {"contact": contact}}, None)
    return cfg.crawler["contact"]


def ask_contact(given: str | None) -> str | None:
    """The contact from ``--contact``, else asked for on a terminal; None when neither."""
    if given is not None:
        return valid_contact(given)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    while True:
        answer = input(
            "Alamat kontak kantor Anda / your office's contact (web page or e-mail), shown to the sites pantau reads: "
        ).strip()
        if not answer:
            return None
        try:
            return valid_contact(answer)
        except ConfigError as exc:
            print(str(exc).removeprefix("config: "), file=sys.stderr)


def write_contact(cfg_path: Path, contact: str) -> None:
    text = cfg_path.read_text(encoding="utf-8")
    cfg_path.write_text(_CONTACT_LINE.sub(lambda _m: f'contact = "{contact}"', text, count=1), encoding="utf-8")


def warn_contact(cfg: Config) -> None:
    """Say so at start when the user agent still names an example contact."""
    message = contact_warning(cfg)
    if message:
        print(f"warning: {message}", file=sys.stderr, flush=True)
