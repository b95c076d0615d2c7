"""Bytes to text the way the sites mean it, surviving wrong declarations.

Order of trust: a byte-order mark, the charset the server declared, the document's own
declaration (``<meta charset>``, ``<?xml encoding?>``), then UTF-8 and finally Windows-1252,
which decodes any byte. A declaration that does not fit the bytes (Latin-1 text labelled UTF-8,
a typo'd charset name) is skipped with a warning instead of an exception. One exception to the
order: bytes declared as a single-byte Western charset that are valid multi-byte UTF-8 are
UTF-8 (otherwise every ä would become Ã¤), since Latin-1 text is practically never valid UTF-8.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_DECLARED_IN_DOCUMENT = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""",
    re.IGNORECASE,
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# WHATWG: these labels mean Windows-1252 in practice.
_WESTERN = frozenset({"iso8859-1", "ascii", "cp1252"})
_SNIFF_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text and the charset that produced it; ``warning`` says when a declaration was wrong."""

    text: str
    charset: str
    warning: str = ""


def declared_in_document(body: bytes) -> str | None:
    """The charset a document names for itself in its first bytes, if any."""
    found = _DECLARED_IN_DOCUMENT.search(body[:_SNIFF_BYTES])
    if not found:
        return None
    return (found.group(1) or found.group(2)).decode("ascii").lower()


def decode(body: bytes, declared: str | None) -> Decoded:
    """Decode ``body``; ``declared`` is the charset from the Content-Type header, if any."""
    for bom, charset in _BOMS:
        if body.startswith(bom):
            return Decoded(body.decode(charset, errors="replace"), charset)
    claims = [_canonical(c) for c in (declared, declared_in_document(body)) if c]
    if claims and claims[0] in _WESTERN and _is_multibyte_utf8(body):
        warning = f"declared {claims[0]} but the bytes are UTF-8; decoded as utf-8"
        return Decoded(body.decode("utf-8"), "utf-8", warning)
    for charset in [*claims, "utf-8", "cp1252"]:
        text = _try(body, charset)
        if text is not None:
            return Decoded(text, charset, _warning(claims, charset))
    return Decoded(body.decode("latin-1"), "latin-1", _warning(claims, "latin-1"))


def _canonical(label: str) -> str:
    """Python's name for a charset label (``UTF8`` and ``utf-8`` compare equal)."""
    try:
        return codecs.lookup(label.strip().lower()).name
    except LookupError:
        return label.strip().lower()


def _try(body: bytes, charset: str) -> str | None:
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None


def _is_multibyte_utf8(body: bytes) -> bool:
    if body.isascii():
        return False
    return _try(body, "utf-8") is not None


def _warning(claims: list[str], used: str) -> str:
    if not claims or claims[0] == used:
        return ""
    return f"the body is not valid {claims[0]} as declared; decoded as {used}"
