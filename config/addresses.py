"""Mail addresses: one check at every door (registry, config), one form for the wire.

The checking is email-validator's (RFC 5322/6531 syntax, IDNA 2008 for the domain); pantau
adds only what it needs on top: an address is refused, never rewritten, and a refusal says
why. An internationalised domain (``admin@kominfö.go.id``) is a valid address that every
mail server can reach once its domain is written in IDNA (``xn--kominf-1xa.go.id``); only a
non-ASCII *local part* needs a server that offers SMTPUTF8.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class AddressError(ValueError):
    """Not a usable mail address; the message says why, in words an operator can act on."""


def _validated(value: str):  # noqa: ANN202 - email_validator's ValidatedEmail
    if not isinstance(value, str) or not value:
        raise AddressError("an email address is required")
    if value != value.strip():
        raise AddressError("an email address cannot start or end with a space")
    try:
        # Syntax only: pantau must not make DNS queries while reading a file.
        return validate_email(value, check_deliverability=False, allow_smtputf8=True, globally_deliverable=False)
    except EmailNotValidError as exc:
        raise AddressError(str(exc).rstrip(".")) from None


def check_email(value: str) -> str:
    """``value`` itself when it is one plain address (``user@host.tld``), else :class:`AddressError`.

    No display name, no list, no control character (so nothing can reach a mail header
    but the address), and a domain with a dot, as the registry always asked.
    """
    found = _validated(value)
    if "." not in found.domain:
        raise AddressError("the part after the @-sign needs a dot, e.g. kominfo.go.id")
    return value


def wire_address(value: str) -> str:
    """The form to hand to an SMTP server: the domain in IDNA (ASCII) when it is not ASCII.

    The local part is kept as written; when it is not ASCII the address still needs a
    server with SMTPUTF8 (:func:`needs_smtputf8`). Raises :class:`AddressError` for
    anything that is not an address.
    """
    found = _validated(value)
    local, _, domain = value.rpartition("@")
    return value if domain.isascii() else f"{local}@{found.ascii_domain}"


def needs_smtputf8(value: str) -> bool:
    """True when ``value`` cannot be written in ASCII at all (a non-ASCII local part)."""
    return not wire_address(value).isascii()


def header_address(value: str) -> str:
    """The address as a ``To:``/``From:`` header holds it: the wire form when it is an address.

    A raw non-ASCII domain is not valid in a header without SMTPUTF8. Something that is no
    address (an old stored value) is shown on one line; the sender refuses to mail it.
    """
    try:
        return wire_address(value)
    except AddressError:
        return " ".join(str(value).split())
