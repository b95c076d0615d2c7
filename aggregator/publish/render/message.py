"""Turn rendered email templates into one multipart/alternative :class:`EmailMessage`.

Pure: every input (sender, links, Message-ID, date) is given, nothing is looked up, so the
same digest renders byte-identically in tests, previews and the benchmark. The HTML part gets
its ``<style>`` rules inlined by css-inline (``keep_at_rules=True`` leaves ``@media`` rules in a
style tag for clients that support them). Messages carrying a subscription link get the
RFC 2369 / RFC 8058 headers: ``List-Unsubscribe`` (https one-click URL and mailto) and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, formataddr
from functools import lru_cache
from urllib.parse import quote

import css_inline

from aggregator.i18n import gettext
from aggregator.publish.tokens import SubscriberLinks
from aggregator.templating import render


@dataclass(frozen=True, slots=True)
class Sender:
    """Who the mail is from, as settings configure it."""

    address: str
    name: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] or "localhost"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message's subject and its two bodies, before headers."""

    subject: str
    html: str
    text: str


@dataclass(frozen=True, slots=True)
class Envelope:
    """The per-message headers: recipient, identity and time."""

    to: str
    message_id: str
    date: datetime


class _CachedHeaderRegistry(HeaderRegistry):
    """Header parsing as the stdlib does it, made affordable for 10,000 messages a run.

    The stdlib registry builds a new class for every header it parses (about 0.1 ms each) and
    parses structured headers in pure Python; the classes are the same every time, and so are
    the values of the headers every message repeats (header objects are immutable strings).
    """

    REPEATED = frozenset(
        {"content-type", "content-transfer-encoding", "mime-version", "from", "list-id"}
    )

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}
        self._repeated: dict[tuple[str, str], BaseHeader] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]

    def __call__(self, name: str, value: str) -> BaseHeader:
        key = (name.lower(), value)
        if key[0] not in self.REPEATED or "boundary=" in value:
            return super().__call__(name, value)
        if key not in self._repeated:
            self._repeated[key] = super().__call__(name, value)
        return self._repeated[key]


POLICY = email.policy.default.clone(header_factory=_CachedHeaderRegistry())
WIRE_POLICY = email.policy.SMTP.clone(header_factory=POLICY.header_factory)


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    """``html`` with its ``<style>`` rules copied into ``style`` attributes."""
    return str(_inliner().inline(html))


def unsubscribe_mailto(sender: Sender, one_click_url: str) -> str:
    """A mailto URI whose subject names the subscription (for people who unsubscribe by mail)."""
    token = one_click_url.rstrip("/").rpartition("/")[2]
    return f"mailto:{sender.address}?subject={quote(f'unsubscribe {token}')}"


def build_message(
    sender: Sender,
    envelope: Envelope,
    rendered: Rendered,
    links: SubscriberLinks | None = None,
) -> EmailMessage:
    """A multipart/alternative message (text first, then inlined HTML) with all headers."""
    message = EmailMessage(policy=POLICY)
    message["From"] = formataddr((sender.name, sender.address))
    message["To"] = envelope.to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = envelope.message_id
    if links is not None:
        message["List-Id"] = f"{sender.name} <digest.{sender.domain}>"
        mailto = unsubscribe_mailto(sender, links.one_click)
        message["List-Unsubscribe"] = f"<{links.one_click}>, <{mailto}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # "=_" never occurs in quoted-printable or base64 text, so the boundary cannot either.
    boundary = "=_" + hashlib.sha256(envelope.message_id.encode()).hexdigest()[:32]
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = f'multipart/alternative; boundary="{boundary}"'
    # Both parts quoted-printable: 7-bit clean for any relay and still readable in the source.
    html = inline_css(rendered.html)
    message.set_payload([_text_part(rendered.text, "plain"), _text_part(html, "html")])
    return message


def _text_part(content: str, subtype: str) -> MIMEPart:
    """A UTF-8 text part with its payload encoded up front: binascii does in C what the email
    package's content manager does line by line in Python."""
    data = (content if content.endswith("\n") else content + "\n").encode("utf-8")
    part = MIMEPart(policy=POLICY)
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(binascii.b2a_qp(data, istext=True).decode("ascii"))
    return part


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as SMTP sends it (CRLF line ends).

    For :func:`build_message`'s shape (multipart/alternative of encoded text parts) headers and
    payloads are written directly: the stdlib generator writes every line separately and was
    the slowest step of a digest. Any other message goes through the generator.
    """
    boundary = message.get_boundary()
    parts = list(message.iter_parts())
    if boundary is None or not parts or any(part.is_multipart() for part in parts):
        return message.as_bytes(policy=WIRE_POLICY)
    # The CRLF before a delimiter belongs to the delimiter (RFC 2046), so each part's own
    # last line break is kept by writing one more, as the stdlib generator does.
    delimiter = b"--" + boundary.encode("ascii")
    out = [*_header_lines(message), b"\r\n", delimiter, b"\r\n"]
    for number, part in enumerate(parts):
        if number:
            out += [b"\r\n", delimiter, b"\r\n"]
        out += [*_header_lines(part), b"\r\n", _payload(part)]
    out += [b"\r\n", delimiter, b"--\r\n"]
    return b"".join(out)


def _header_lines(message: MIMEPart) -> list[bytes]:
    return [_header_line(name, value) for name, value in message.items()]


def _header_line(name: str, value: str) -> bytes:
    """ASCII headers folded at spaces, a non-ASCII subject as encoded-words; anything else
    through the email package, whose folding is correct for every case but slow."""
    text = str(value)
    if "\n" in text or "\r" in text:
        raise ValueError(f"line break in the {name} header")
    if text.isascii() and max(map(len, text.split(" "))) < MAX_HEADER_WORD:
        return fold_ascii(name, text).encode("ascii")
    if name.lower() == "subject":
        return f"{name}: {encoded_words(text)}\r\n".encode("ascii")
    return WIRE_POLICY.fold_binary(name, value)


MAX_HEADER_WORD = 900  # RFC 5322 lines end by 998 characters; a longer word cannot be folded


def fold_ascii(name: str, text: str, width: int = 78) -> str:
    """``Name: text`` folded before spaces so lines stay within ``width`` where words allow
    (RFC 5322 folding: unfolding removes only the inserted CRLFs)."""
    lines = [f"{name}:"]
    for word in text.split(" "):
        if len(lines[-1]) + 1 + len(word) > width and lines[-1]:
            lines.append("")
        lines[-1] += f" {word}"
    return "\r\n".join(lines) + "\r\n"


def encoded_words(text: str, max_bytes: int = 39) -> str:
    """``text`` as RFC 2047 "B" encoded-words, one per continuation line (each line stays
    under 78 characters; decoders ignore the folding between encoded-words)."""
    chunks: list[bytes] = [b""]
    for char in text:
        data = char.encode("utf-8")
        if len(chunks[-1]) + len(data) > max_bytes:
            chunks.append(b"")
        chunks[-1] += data
    words = (f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=" for chunk in chunks)
    return "\r\n ".join(words)


def _payload(part: MIMEPart) -> bytes:
    payload = str(part.get_payload()).replace("\r\n", "\n").replace("\n", "\r\n")
    return payload.encode("ascii") + (b"" if payload.endswith("\r\n") else b"\r\n")


def render_confirmation(language: str, confirm_url: str, preferences_url: str) -> Rendered:
    """The double opt-in mail: one link that activates the subscription, and (as in every
    mail) the preferences page, where the pending request can also be deleted."""
    context = {"confirm_url": confirm_url, "preferences_url": preferences_url}
    return Rendered(
        subject=gettext(language, "Confirm your subscription to Kotoutumisuutiset"),
        html=render("email/confirm.html", language, **context),
        text=render("email/confirm.txt", language, **context),
    )


def render_manage_link(language: str, preferences_url: str) -> Rendered:
    """Sent instead of a confirmation when the address already subscribes: a fresh link to
    the preferences page (the same answer either way, so the form reveals no addresses)."""
    context = {"preferences_url": preferences_url}
    return Rendered(
        subject=gettext(language, "Your Kotoutumisuutiset subscription"),
        html=render("email/manage.html", language, **context),
        text=render("email/manage.txt", language, **context),
    )
