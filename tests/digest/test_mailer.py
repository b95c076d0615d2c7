"""The SMTP side on its own: connections per batch, rate limit, DKIM, STARTTLS with login,
implicit TLS, dot-stuffing, and the one failure that must never be retried (no answer after
the final dot)."""

from __future__ import annotations

import base64
import shutil
import ssl
import subprocess
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import dkim
import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy.engine import Engine

from aggregator.clock import FixedClock
from aggregator.demo.smtp_sink import SmtpSink, _LoopbackController
from aggregator.errors import DeliveryError
from aggregator.publish.delivery import DeliveryPolicy, DigestRunner
from aggregator.publish.mailer import Mailer, OutcomeUnknown, RateLimiter
from aggregator.store.subscribers import Frequency
from tests.digest.conftest import NOW, Story, add_subscriber, make_settings, store_stories

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def message(to: str = "lukija@example.fi", body: str = "Hei!\n") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Kotoutumisuutiset <uutiskirje@uutiset.example.fi>"
    mail["To"] = to
    mail["Subject"] = "Testi"
    mail["Message-ID"] = "<test@uutiset.example.fi>"
    mail["List-Unsubscribe"] = "<https://uutiset.example.fi/unsubscribe/one-click/t>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail.set_content(body)
    return mail


def test_one_connection_per_batch(seeded: Engine, sink: SmtpSink, clock: FixedClock) -> None:
    store_stories(seeded, [Story("Uutinen", tags=["municipalities"])])
    for n in range(5):
        add_subscriber(seeded, f"lukija{n}@example.fi")
    settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
    runner = DigestRunner(seeded, settings, clock=clock, policy=DeliveryPolicy(batch_size=2))
    runner.run(Frequency.DAILY)
    per_connection = Counter(mail.peer for mail in sink.messages)
    assert sorted(per_connection.values()) == [1, 2, 2]


def test_parallel_connections_send_each_digest_once(
    seeded: Engine, sink: SmtpSink, clock: FixedClock
) -> None:
    store_stories(seeded, [Story("Uutinen", tags=["municipalities"])])
    emails = [f"lukija{n}@example.fi" for n in range(9)]
    for email in emails:
        add_subscriber(seeded, email)
    settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
    policy = DeliveryPolicy(batch_size=2, connections=3)
    report = DigestRunner(seeded, settings, clock=clock, policy=policy).run(Frequency.DAILY)
    assert report.sent == 9
    assert Counter(a for mail in sink.messages for a in mail.rcpt_tos) == dict.fromkeys(emails, 1)
    assert sorted(Counter(mail.peer for mail in sink.messages).values()) == [1, 2, 2, 2, 2]


def test_rate_limit_spaces_messages_on_the_clock(sink: SmtpSink) -> None:
    clock = FixedClock(NOW)
    settings = make_settings(smtp_host=sink.host, smtp_port=sink.port, mail_rate_per_second=4)
    mailer = Mailer(settings, clock=clock)
    with mailer.session() as smtp:
        for n in range(3):
            smtp.send(message(f"lukija{n}@example.fi"))
    assert clock.slept == [0.25, 0.25] and len(sink.messages) == 3


def test_unlimited_rate_never_waits() -> None:
    clock = FixedClock(NOW)
    limiter = RateLimiter(0, clock)
    for _ in range(5):
        limiter.wait()
    assert clock.slept == []


def test_lines_starting_with_a_dot_arrive_intact(sink: SmtpSink) -> None:
    settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
    Mailer(settings, clock=FixedClock(NOW)).send(message(body="rivi\n.\n..kaksi\n.piste\n"))
    received = sink.messages[0].message.get_content().replace("\r\n", "\n")
    assert received == "rivi\n.\n..kaksi\n.piste\n"


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@needs_openssl
def test_starttls_then_login(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
    ) -> AuthResult:
        assert isinstance(auth, LoginPassword)
        logins.append((auth.login, auth.password))
        return AuthResult(success=auth.password == b"salasana")

    with SmtpSink(
        tls_context=_server_context(cert, key),
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    ) as sink:
        settings = make_settings(
            smtp_host=sink.host,
            smtp_port=sink.port,
            smtp_security="starttls",
            smtp_user="digest",
            smtp_password="salasana",
        )
        client_context = ssl.create_default_context(cafile=str(cert))
        Mailer(settings, clock=FixedClock(NOW), ssl_context=client_context).send(message())
    assert logins == [(b"digest", b"salasana")] and len(sink.messages) == 1


@needs_openssl
def test_implicit_tls(tls_files: tuple[Path, Path]) -> None:
    cert, key = tls_files
    with SmtpSink(ssl_context=_server_context(cert, key)) as sink:
        settings = make_settings(smtp_host=sink.host, smtp_port=sink.port, smtp_security="tls")
        client_context = ssl.create_default_context(cafile=str(cert))
        Mailer(settings, clock=FixedClock(NOW), ssl_context=client_context).send(message())
    assert len(sink.messages) == 1


@needs_openssl
def test_dkim_signature_verifies_and_covers_the_unsubscribe_headers(
    sink: SmtpSink, tmp_path: Path
) -> None:
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    settings = make_settings(
        smtp_host=sink.host,
        smtp_port=sink.port,
        dkim_selector="digest",
        dkim_domain="uutiset.example.fi",
        dkim_private_key_path=key,
    )
    Mailer(settings, clock=FixedClock(NOW)).send(message())
    data = sink.messages[0].data
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"digest._domainkey.uutiset.example.fi."
        return record

    assert dkim.verify(data, dnsfunc=dns)
    signature = sink.messages[0].message["DKIM-Signature"]
    signed = signature.split("h=")[1].split(";")[0].replace(" ", "").lower()
    assert "list-unsubscribe:list-unsubscribe-post" in signed
    tampered = data.replace(b"Subject: Testi", b"Subject: Muutettu")
    assert not dkim.verify(tampered, dnsfunc=dns)


class _SilentAfterData:
    """Takes the whole message, then drops the connection instead of answering the final dot."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received += 1
        server.transport.close()
        return "250 OK"


def test_no_answer_after_the_final_dot_is_an_unknown_outcome() -> None:
    handler = _SilentAfterData()
    controller = _LoopbackController(handler, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        settings = make_settings(smtp_host="127.0.0.1", smtp_port=controller.port)
        with pytest.raises(OutcomeUnknown) as raised:
            Mailer(settings, clock=FixedClock(NOW)).send(message())
    finally:
        controller.stop()
    assert handler.received == 1
    assert isinstance(raised.value, DeliveryError) and not raised.value.permanent


def test_unknown_outcome_is_logged_and_never_resent(seeded: Engine, clock: FixedClock) -> None:
    store_stories(seeded, [Story("Uutinen", tags=["municipalities"])])
    add_subscriber(seeded, "lukija@example.fi")
    handler = _SilentAfterData()
    controller = _LoopbackController(handler, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        settings = make_settings(smtp_host="127.0.0.1", smtp_port=controller.port)
        runner = DigestRunner(seeded, settings, clock=clock)
        first = runner.run(Frequency.DAILY)
        second = runner.run(Frequency.DAILY)
    finally:
        controller.stop()
    assert (first.unknown, first.retrying, second.sent) == (1, 0, 0)
    assert handler.received == 1
