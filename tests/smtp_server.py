"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, collecting what it receives.

Use it through the fixtures (``pytest_plugins = ["tests.smtp_server"]`` in a test module):

* ``smtp_server`` — plain SMTP, no login;
* ``make_smtp_server(security="starttls"|"ssl"|"none", auth=True, reject=[...], defer=[...])``
  — any other shape (``reject`` answers 550 to those addresses, ``defer`` 451;
  ``smtputf8=False`` withholds SMTPUTF8, as many relays do). With TLS, ``server.ca_file`` is the CA that signed its certificate (made
  at test time with ``cryptography``); point ``SSL_CERT_FILE`` at it, as an operator with
  an internal CA would, so the client verifies the certificate for real.

``server.stop()`` then ``server.start()`` restarts it on the same port, to simulate an
outage. ``server.messages`` holds what arrived as :class:`email.message.EmailMessage`,
``server.received`` the envelopes (sender, recipients, TLS, login) beside them.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USERNAME = "pantau"
PASSWORD = "rahasia-uji-123"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: str | None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate it signs for 127.0.0.1 / localhost.

    Returns (ca_file, cert_file, key_file). A CA plus a leaf (not one self-signed leaf)
    is what strict verifiers accept as a chain.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pantau test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_file, cert_file, key_file


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, mail_options: list) -> str:
        if self.server.auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list) -> str:
        if address.lower() in self.server.reject:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        if address.lower() in self.server.defer:
            return f"451 4.7.1 <{address}>: greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        login = session.auth_data.login.decode() if session.authenticated and session.auth_data else None
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, tls, login))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(
        self,
        directory: Path,
        *,
        security: str = "none",
        auth: bool = False,
        reject: Iterable[str] = (),
        defer: Iterable[str] = (),
        exclude_mechanisms: Iterable[str] = (),
        smtputf8: bool = True,
    ) -> None:
        assert security in ("none", "starttls", "ssl")
        self.security = security
        self.auth = auth
        self.reject = {r.lower() for r in reject}  # refused for good: 550
        self.defer = {r.lower() for r in defer}  # refused for now (greylisting): 451
        # e.g. ("PLAIN",) makes smtplib fall back to AUTH LOGIN, to test that path too.
        self.exclude_mechanisms = list(exclude_mechanisms)
        # aiosmtpd's Controller offers SMTPUTF8 unless told not to; many relays do not.
        self.smtputf8 = smtputf8
        self.host = "127.0.0.1"
        self.username, self.password = USERNAME, PASSWORD
        self.port = free_port()
        self.received: list[Received] = []
        self.logins: list[tuple[str, bool]] = []
        self.lock = threading.Lock()
        self.ca_file: Path | None = None
        self._server_ctx: ssl.SSLContext | None = None
        if security != "none":
            self.ca_file, cert, key = make_certificates(directory)
            self._server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._server_ctx.load_cert_chain(cert, key)
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received]

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == USERNAME
            and auth_data.password.decode() == PASSWORD
        )
        self.logins.append((mechanism, ok))
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {"enable_SMTPUTF8": self.smtputf8}
        if self.auth:
            # A client that skips login is refused in handle_MAIL (530), as real relays do.
            # (aiosmtpd's own auth_required only counts STARTTLS as TLS, not implicit TLS.)
            kwargs.update(authenticator=self._authenticate, auth_exclude_mechanism=self.exclude_mechanisms)
        if self.security == "starttls":
            # Login is only offered after STARTTLS, so a passing test proves the upgrade.
            kwargs.update(tls_context=self._server_ctx, require_starttls=True, auth_require_tls=True)
        elif self.security == "ssl":
            kwargs.update(ssl_context=self._server_ctx, auth_require_tls=False)
        else:
            kwargs.update(auth_require_tls=False)
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def smtp_config(self, **overrides: Any) -> dict[str, Any]:
        """The ``[smtp]`` table pointing at this server."""
        table: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": self.security,
            "sender": "pantau@kominfo.example.go.id",
            "timeout_s": 5,
        }
        if self.auth:
            table.update(username=USERNAME, password_env="PANTAU_TEST_SMTP_PASSWORD")
        table.update(overrides)
        return table


@pytest.fixture
def make_smtp_server(tmp_path: Path) -> Iterator[Callable[..., SmtpServer]]:
    servers: list[SmtpServer] = []

    def make(**kwargs: Any) -> SmtpServer:
        directory = tmp_path / f"smtp{len(servers)}"
        directory.mkdir()
        server = SmtpServer(directory, **kwargs).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(make_smtp_server: Callable[..., SmtpServer]) -> SmtpServer:
    return make_smtp_server()
