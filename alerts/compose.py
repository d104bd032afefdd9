"""The one place a pantau mail is put together: the digest and the weekly report alike.

Headers, parts and encoding are decided here once, so the two mails cannot drift apart
(one folding headers at 78 columns, the other not; one sending 8-bit bodies a relay refuses).
"""

from __future__ import annotations

import email.policy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from pantau.config.addresses import header_address

# Bodies are encoded 7-bit clean (quoted-printable or base64): a government relay without
# 8BITMIME must still pass Indonesian text through unharmed.
MAIL_POLICY = email.policy.default.clone(cte_type="7bit")


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    maintype: str
    subtype: str


def new_message() -> EmailMessage:
    return EmailMessage(policy=MAIL_POLICY)


def seal(msg: EmailMessage) -> EmailMessage:
    """Switch header folding to the 998-column limit once the bodies are encoded.

    CPython folds a header that just overflows 78 columns by breaking right after the
    colon (``Subject:\\r\\n [pantau] …``), which some filters and clients then see with a
    leading space; mail filters on ``[pantau]`` are exactly what recipients write.
    """
    msg.policy = MAIL_POLICY.clone(max_line_length=998)
    return msg


def message_id(sender: str, local: str) -> str:
    """``<local@domain-of-the-sender>``; ``pantau.invalid`` when the sender has no domain."""
    domain = header_address(sender).rpartition("@")[2] or "pantau.invalid"
    return f"<{local}@{domain}>"


def compose(
    *,
    subject: str,
    text: str,
    html: str,
    sender: str,
    to: str,
    now: datetime,
    tz: str,
    message_id: str,
    language: str,
    kinds: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """A multipart/alternative mail (plain text + HTML), with ``attachments`` after it.

    ``sender`` and ``to`` are written as :func:`pantau.config.addresses.header_address` makes
    them (an internationalised domain in its ASCII form); ``Date`` is ``now`` in ``tz``;
    ``kinds`` is the ``X-Pantau-Kinds`` value (INTERFACE.md), left out when ``None``.
    """
    msg = new_message()
    msg["Subject"] = subject
    msg["From"] = header_address(sender)
    msg["To"] = header_address(to)
    msg["Date"] = format_datetime(now.astimezone(ZoneInfo(tz)))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the robot
    if kinds is not None:
        msg["X-Pantau-Kinds"] = kinds  # for the recipients' filters and scripts
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    for a in attachments:
        msg.add_attachment(a.data, maintype=a.maintype, subtype=a.subtype, filename=a.filename)
    # Last: making the mail multipart (or mixed) moves Content-* headers into a part.
    msg["Content-Language"] = language
    return seal(msg)
