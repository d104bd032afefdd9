"""Notification channels. Email is the first; others slot in beside it with the same shape.

As in healthchecks, a channel says whether a failure is worth retrying: a
:class:`TemporaryError` (the server is down, busy, slow, answered 4xx) leaves the
deliveries pending for the next run; a :class:`PermanentError` (5xx, refused login)
will fail the same way until someone changes something. ``per_recipient`` tells the
sender whether the other recipients may still go through (one bad address) or the
whole run should stop (the server, the login or the sender address is wrong).
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from pantau.config.addresses import AddressError, needs_smtputf8, wire_address
from pantau.config.settings import Config


class ChannelError(Exception):
    permanent = False

    def __init__(self, message: str, *, per_recipient: bool = False) -> None:
        super().__init__(message)
        self.per_recipient = per_recipient


class TemporaryError(ChannelError):
    """Try again on the next run."""


class PermanentError(ChannelError):
    """Trying again unchanged will fail again."""

    permanent = True


class Channel:
    """The shape every channel has: ``notify`` one message, remember the last error."""

    kind = "base"

    def __init__(self) -> None:
        self.last_error: str | None = None

    def is_noop(self, message: EmailMessage) -> bool:
        return False

    def notify(self, message: EmailMessage) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def _code_error(code: int, text: str, *, per_recipient: bool) -> ChannelError:
    cls = PermanentError if 500 <= code < 600 else TemporaryError
    return cls(text, per_recipient=per_recipient)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    msg = exc.smtp_error
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    return f"{exc.smtp_code} {msg}".strip()


class EmailChannel(Channel):
    """Mail over SMTP: ``security`` is ``none``, ``starttls`` or ``ssl`` (implicit TLS).

    When ``username`` is set the password is read from the environment variable named
    by ``password_env`` — never from the config file, which is often world-readable.
    TLS certificates are verified against the system trust store (``SSL_CERT_FILE``
    points it at an internal CA).
    """

    kind = "email"

    def __init__(
        self,
        smtp: dict[str, Any],
        secret: Callable[[str], str | None],
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__()
        self.host: str = smtp["host"]
        self.port: int = int(smtp["port"])
        self.security: str = smtp.get("security", "none")
        self.username: str = smtp.get("username", "")
        self.password_env: str = smtp.get("password_env", "")
        try:
            self.sender: str = wire_address(smtp["sender"])
        except AddressError:
            self.sender = smtp["sender"]  # the server will say what it thinks of it
        self.timeout: float = float(smtp.get("timeout_s", 30))
        self._secret = secret
        self._ssl_context = ssl_context

    @classmethod
    def from_config(cls, cfg: Config) -> EmailChannel:
        return cls(cfg.smtp, cfg.secret)

    def _context(self) -> ssl.SSLContext:
        # Built per connection so a trust store changed by the operator is picked up.
        return self._ssl_context or ssl.create_default_context()

    def is_noop(self, message: EmailMessage) -> bool:
        return not message.get("To")

    def _connect(self) -> smtplib.SMTP:
        where = f"{self.host}:{self.port}"
        password = None
        if self.username:
            password = self._secret(self.password_env)
            if not password:
                raise PermanentError(
                    f"smtp.username is set but ${self.password_env or 'PANTAU_SMTP_PASSWORD'} is empty; "
                    "export the SMTP password in that variable"
                )
        try:
            if self.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=self._context()
                )
            else:
                conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                conn.ehlo()
                if self.security == "starttls":
                    conn.starttls(context=self._context())
                    conn.ehlo()
                if self.username:
                    conn.login(self.username, password or "")
            except BaseException:
                conn.close()
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentError(
                f"SMTP login as {self.username!r} at {where} refused: {_reply(exc)}; check smtp.username "
                f"and ${self.password_env}"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentError(
                f"SMTP server {where} does not support {'STARTTLS' if self.security == 'starttls' else 'AUTH'}: "
                f"{exc}; check smtp.security"
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            raise PermanentError(
                f"TLS certificate of {where} not trusted: {exc.verify_message}; "
                "install its CA or point SSL_CERT_FILE at it"
            ) from exc
        except ssl.SSLError as exc:
            raise PermanentError(f"TLS with {where} failed: {exc}; check smtp.security and smtp.port") from exc
        except smtplib.SMTPResponseException as exc:
            raise _code_error(
                exc.smtp_code, f"SMTP server {where} answered {_reply(exc)}", per_recipient=False
            ) from exc
        except TimeoutError as exc:
            raise TemporaryError(f"SMTP server {where} timed out") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryError(f"cannot reach SMTP server {where}: {exc}") from exc
        return conn

    def notify(self, message: EmailMessage) -> None:
        self.last_error = None
        try:
            self._notify(message)
        except ChannelError as exc:
            # The relay's reply is shown and stored to help the operator; a relay may quote
            # the credentials it was sent in it.
            exc.args = (self._without_password(str(exc)),)
            self.last_error = str(exc)
            raise

    def _without_password(self, text: str) -> str:
        """``text`` with the password masked, also in the base64 forms AUTH PLAIN and LOGIN send."""
        password = self._secret(self.password_env) if self.username else None
        if not password:
            return text
        sent = (password, f"\0{self.username}\0{password}")  # AUTH LOGIN, AUTH PLAIN
        forms = {password, *(base64.b64encode(f.encode()).decode() for f in sent)}
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, "[redacted]")
        return text

    def _notify(self, message: EmailMessage) -> None:
        written = str(message["To"])
        try:
            # An internationalised domain travels in IDNA, which every server takes.
            rcpt = wire_address(written)
        except AddressError as exc:
            raise PermanentError(f"{written!r} is not a mail address: {exc}", per_recipient=True) from None
        conn = self._connect()
        try:
            if needs_smtputf8(rcpt) and not conn.has_extn("smtputf8"):
                # A problem of this one address (non-ASCII before the @), not of the server:
                # every other digest must still go out.
                raise PermanentError(
                    f"{rcpt} needs a mail server that offers SMTPUTF8 (non-ASCII before the @), "
                    f"and {self.host}:{self.port} does not; give an ASCII address instead",
                    per_recipient=True,
                )
            conn.send_message(message, from_addr=self.sender, to_addrs=[rcpt])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            reason = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
            raise _code_error(code, f"{rcpt} refused: {code} {reason}", per_recipient=True) from exc
        except smtplib.SMTPSenderRefused as exc:
            # The sender address is the operator's config: every other recipient would fail too.
            raise _code_error(
                exc.smtp_code, f"sender {self.sender} refused: {_reply(exc)}; check smtp.sender", per_recipient=False
            ) from exc
        except smtplib.SMTPDataError as exc:
            # Refused after DATA: this message (its size, its content, this mailbox), not the server.
            raise _code_error(exc.smtp_code, f"message to {rcpt} refused: {_reply(exc)}", per_recipient=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise _code_error(
                exc.smtp_code, f"SMTP error sending to {rcpt}: {_reply(exc)}", per_recipient=False
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            # Only the sender is left to need SMTPUTF8 here: the operator's to fix.
            raise PermanentError(
                f"SMTP server {self.host}:{self.port} cannot take sender {self.sender}: {exc}; check smtp.sender"
            ) from exc
        except (UnicodeError, ValueError) as exc:
            # The message itself cannot be written for this server (an encoding problem of
            # this digest), so the next digest may well go.
            raise PermanentError(f"digest to {rcpt} cannot be encoded: {exc}", per_recipient=True) from exc
        except TimeoutError as exc:
            raise TemporaryError(f"SMTP server {self.host}:{self.port} timed out sending to {rcpt}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryError(f"SMTP connection lost sending to {rcpt}: {exc}") from exc
        finally:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()


class AppriseChannel(Channel):
    """Chat and push services through Apprise (Telegram, WhatsApp, Slack, ntfy, …).

    The URLs come from the environment variable a recipient's ``apprise_env`` names: they
    carry tokens. Apprise answers only "sent" or "not sent"; not sent is temporary (the
    delivery is tried again next run), an URL Apprise cannot read is permanent.
    """

    kind = "apprise"

    def notify_text(self, url: str, title: str, body: str) -> None:
        import logging

        import apprise

        self.last_error = None
        app = apprise.Apprise()
        if not app.add(url):
            self.last_error = "not an Apprise URL Apprise can use; check the recipient's apprise_env"
            raise PermanentError(self.last_error, per_recipient=True)
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as logs:
            ok = app.notify(title=title, body=body)
        if not ok:
            said = _without_url_secrets(" ".join(logs.getvalue().split()), url)[-300:]
            self.last_error = f"{app[0].service_name} refused or unreachable{': ' + said if said else ''}"
            raise TemporaryError(self.last_error, per_recipient=True)


def _without_url_secrets(text: str, url: str) -> str:
    """``text`` without the URL's tokens (every long piece of it): the error is stored and shown."""
    import re

    for piece in sorted(set(re.split(r"[/:@?&=,#]+", url)), key=len, reverse=True):
        if len(piece) >= 8:
            text = text.replace(piece, "[redacted]")
    return text
