"""Send email over SMTP: one connection per batch, a rate limit, optional DKIM signing.

Each message is one SMTP transaction (MAIL, RCPT, DATA) that this module drives step by step,
so a failure says exactly how far the message got, which the delivery log depends on:

- refused with 4xx, or the connection failed before the message's final ``.`` was sent:
  :class:`~aggregator.errors.DeliveryError` with ``permanent=False`` (safe to retry);
- refused with 5xx: ``DeliveryError`` with ``permanent=True`` (counts towards a bounce);
- the connection failed while waiting for the answer to the final ``.``:
  :class:`OutcomeUnknown`; the server may have accepted the message, so it must not be resent;
- the server cannot be reached or refuses our login: :class:`MailServerUnavailable` (the
  whole batch stops; nothing was sent).

Settings give host, port, credentials and ``smtp_security`` (none, starttls, tls).
"""

from __future__ import annotations

import re
import smtplib
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage

import dkim

from aggregator.clock import Clock
from aggregator.errors import DeliveryError
from aggregator.publish.render.message import wire_bytes
from aggregator.settings import Settings

# Headers the DKIM signature covers (RFC 8058 requires both List-Unsubscribe headers).
DKIM_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
)
_LEADING_DOT = re.compile(rb"(?m)^\.")


class OutcomeUnknown(DeliveryError):
    """The message was fully transmitted but its acceptance was never confirmed."""

    kind = "delivery-unknown"


class MailServerUnavailable(DeliveryError):
    """Connecting, TLS or login failed: no message of the batch can be sent now."""

    kind = "mail-server"


class RateLimiter:
    """At most ``per_second`` messages per second (0 = unlimited), waiting on the clock."""

    def __init__(self, per_second: float, clock: Clock) -> None:
        self.interval = timedelta(seconds=1 / per_second) if per_second > 0 else None
        self.clock = clock
        self._next: datetime | None = None
        self._lock = threading.Lock()  # shared by the sending threads

    def wait(self) -> None:
        if self.interval is None:
            return
        with self._lock:
            now = self.clock.now()
            slot = max(now, self._next or now)
            self._next = slot + self.interval
        if slot > now:
            self.clock.sleep((slot - now).total_seconds())


class DkimSigner:
    """Signs serialised messages with the configured key (relaxed/simple, rsa-sha256)."""

    def __init__(self, selector: str, domain: str, private_key: bytes) -> None:
        self.selector = selector.encode()
        self.domain = domain.encode()
        self.private_key = private_key

    @classmethod
    def from_settings(cls, settings: Settings) -> DkimSigner | None:
        """A signer when selector, domain and key path are all set, else None."""
        path = settings.dkim_private_key_path
        if not (settings.dkim_selector and settings.dkim_domain and path):
            return None
        return cls(settings.dkim_selector, settings.dkim_domain, path.read_bytes())

    def sign(self, data: bytes) -> bytes:
        header = dkim.sign(
            data,
            self.selector,
            self.domain,
            self.private_key,
            include_headers=list(DKIM_HEADERS),
        )
        return bytes(header) + data


class Mailer:
    """Opens SMTP sessions as the settings say; one instance per process is enough."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.dkim = DkimSigner.from_settings(settings)
        self.limiter = RateLimiter(settings.mail_rate_per_second, clock)

    @contextmanager
    def session(self) -> Iterator[MailSession]:
        """One connection for a batch of messages (opened on the first send)."""
        session = MailSession(self)
        try:
            yield session
        finally:
            session.close()

    def send(self, message: EmailMessage) -> None:
        """Send one message on its own connection (confirmation mails)."""
        with self.session() as session:
            session.send(message)

    def serialise(self, message: EmailMessage) -> bytes:
        data = wire_bytes(message)
        return self.dkim.sign(data) if self.dkim is not None else data

    def connect(self) -> smtplib.SMTP:
        try:
            return self._open()
        except (OSError, smtplib.SMTPException) as exc:
            where = f"{self.settings.smtp_host}:{self.settings.smtp_port}"
            raise MailServerUnavailable("", f"cannot use SMTP server {where}: {exc}") from exc

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        helo = s.mail_from.rpartition("@")[2] or "localhost"
        smtp: smtplib.SMTP
        if s.smtp_security == "tls":
            smtp = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, helo, timeout=s.smtp_timeout, context=self.ssl_context
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, helo, timeout=s.smtp_timeout)
        smtp.ehlo()
        if s.smtp_security == "starttls":
            smtp.starttls(context=self.ssl_context)
            smtp.ehlo()
        if s.smtp_user:
            password = s.smtp_password.get_secret_value() if s.smtp_password else ""
            smtp.login(s.smtp_user, password)
        return smtp


class MailSession:
    """A batch's SMTP connection; reconnects once after a broken connection."""

    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer
        self._smtp: smtplib.SMTP | None = None
        self.sent = 0

    def send(self, message: EmailMessage) -> None:
        """Transmit ``message`` to its ``To`` address; raises as the module docstring says."""
        recipient = str(message["To"])
        data = self.mailer.serialise(message)
        self.mailer.limiter.wait()
        smtp = self._connection()
        try:
            _transaction(smtp, self.mailer.settings.mail_from, recipient, data)
        except DeliveryError:
            self._reset()
            raise
        self.sent += 1

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self.mailer.connect()
        return self._smtp

    def _reset(self) -> None:
        """After a failed transaction: RSET, or drop a broken connection."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()
            self._smtp = None


def _transaction(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
    try:
        # A refused sender is our configuration's fault, never the recipient's bounce.
        _expect(smtp.mail(sender), (250,), recipient, "MAIL FROM", can_bounce=False)
        _expect(smtp.rcpt(recipient), (250, 251), recipient, "RCPT TO")
        _expect(smtp.docmd("DATA"), (354,), recipient, "DATA")
        smtp.send(_dot_stuffed(data))
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(recipient, f"connection failed before the end of data: {exc}") from exc
    try:
        reply = smtp.getreply()
    except (OSError, smtplib.SMTPException) as exc:
        raise OutcomeUnknown(recipient, f"no answer after the end of data: {exc}") from exc
    _expect(reply, (250,), recipient, "end of data")


def _expect(
    reply: tuple[int, bytes],
    accepted: tuple[int, ...],
    recipient: str,
    step: str,
    *,
    can_bounce: bool = True,
) -> None:
    code, text = reply
    if code in accepted:
        return
    detail = f"{step} refused: {code} {text.decode('utf-8', 'replace')}"
    raise DeliveryError(recipient, detail, permanent=can_bounce and 500 <= code < 600)


def _dot_stuffed(data: bytes) -> bytes:
    """The DATA payload: leading dots doubled, CRLF line ends, then the terminating dot."""
    data = _LEADING_DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"
