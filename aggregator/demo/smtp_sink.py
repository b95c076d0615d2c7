"""A real SMTP server on loopback that keeps what it receives: for tests, the demo and the
digest benchmark.

:class:`SmtpSink` wraps an aiosmtpd controller bound to 127.0.0.1 (port 0 picks a free port).
It stores each message as :class:`ReceivedMail`, can refuse chosen recipients with a reply of
your choosing (``451`` to test retries, ``550`` to test bounces), and can call a hook for each
message (a test kills a sending process from there). ``python -m aggregator.demo.smtp_sink``
runs one in the foreground and prints each message's recipient and subject.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from types import TracebackType
from typing import Any, cast

from aiosmtpd.controller import Controller

RcptPolicy = Callable[[str], str | None]
MessageHook = Callable[["ReceivedMail"], None]


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    """One accepted SMTP transaction: envelope, raw bytes, and the client's address and port
    (``peer``), which tells messages sent over one connection from those of another."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    peer: str = ""

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Handler:
    """aiosmtpd handler: answers RCPT with the policy's reply, stores accepted messages."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self.sink.rcpt_policy(address) if self.sink.rcpt_policy else None
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        peer = ":".join(str(part) for part in session.peer[:2])
        mail = ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.content, peer)
        self.sink.accept(mail)
        return "250 Message accepted for delivery"


class _LoopbackController(Controller):
    """A controller that learns its real port when bound to port 0."""

    def _trigger_server(self) -> None:
        server = cast(asyncio.Server, self.server)
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpSink:
    """A loopback SMTP server that keeps messages; a context manager."""

    def __init__(
        self,
        *,
        port: int = 0,
        rcpt_policy: RcptPolicy | None = None,
        on_message: MessageHook | None = None,
        keep: bool = True,
        **controller_options: Any,
    ) -> None:
        """``controller_options`` go to aiosmtpd (``tls_context``, ``ssl_context``,
        ``authenticator``, ...) for tests of STARTTLS, implicit TLS and login."""
        self.rcpt_policy = rcpt_policy
        self.on_message = on_message
        self.keep = keep
        self.count = 0
        self._messages: list[ReceivedMail] = []
        self._lock = threading.Condition()
        self._controller = _LoopbackController(
            _Handler(self), hostname="127.0.0.1", port=port, **controller_options
        )

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self._controller.port)

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def to(self, address: str) -> list[ReceivedMail]:
        """Messages whose envelope recipients include ``address``."""
        return [mail for mail in self.messages if address in mail.rcpt_tos]

    def accept(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.count += 1
            if self.keep:
                self._messages.append(mail)
            self._lock.notify_all()
        if self.on_message is not None:
            self.on_message(mail)

    def wait_for(self, count: int, timeout: float = 5.0) -> bool:
        """Block until ``count`` messages arrived (True) or ``timeout`` passed (False)."""
        with self._lock:
            return self._lock.wait_for(lambda: self.count >= count, timeout)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self.count = 0

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _print_mail(mail: ReceivedMail) -> None:
    print(f"{', '.join(mail.rcpt_tos)}: {mail.message['Subject']}", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run a sink in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description="A loopback SMTP sink.")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--quiet", action="store_true", help="Count messages, print nothing.")
    args = parser.parse_args(argv)
    hook = None if args.quiet else _print_mail
    with SmtpSink(port=args.port, on_message=hook, keep=False) as sink:
        print(f"SMTP sink listening on {sink.host}:{sink.port}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print(f"{sink.count} message(s) received", flush=True)


if __name__ == "__main__":
    main()
