"""Bytes to text the way the sites mean it, surviving wrong declarations.

Order of trust: a byte-order mark, the charset the server declared, the document's own
declaration (``<meta charset>``, ``<?xml encoding?>``), then UTF-8 and finally Windows-1252,
which decodes any byte. A declaration that does not fit the bytes (Latin-1 text labelled UTF-8,
a typo'd charset name) is skipped with a warning instead of an exception. One exception to the
order: bytes declared as a single-byte Western charset that are valid multi-byte UTF-8 are
UTF-8 (otherwise every ä would become Ã¤), since Latin-1 text is practically never valid UTF-8.

Labels mean what the WHATWG Encoding Standard says browsers do: ``iso-8859-1``, ``latin1`` and
``us-ascii`` are windows-1252, so a page declared Latin-1 whose bytes hold ``\\x80`` or ``\\x93``
reads "€" and "“", not C1 control characters. w3lib (Scrapy's encoding code) resolves the labels
and finds the BOM and the document's declaration; Python's cp1252 codec leaves five bytes
undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) that the standard maps to the same code points, which
the ``whatwg-c1`` error handler below does, so windows-1252 decodes every byte as browsers do.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

# Single-byte Western charsets (after WHATWG resolution they are all windows-1252).
_WESTERN = frozenset({"cp1252", "iso8859-1", "ascii", "latin-1"})
_WHATWG_C1 = "whatwg-c1"


def _c1_as_code_points(error: UnicodeError) -> tuple[str, int]:
    """WHATWG windows-1252: the bytes cp1252 leaves undefined are the same code points."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(_WHATWG_C1, _c1_as_code_points)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text and the charset that produced it; ``warning`` says when a declaration was wrong."""

    text: str
    charset: str
    warning: str = ""


def declared_in_document(body: bytes) -> str | None:
    """The charset a document names for itself in its first bytes (resolved as WHATWG says:
    ``ISO-8859-1`` is ``cp1252``), if any."""
    return html_body_declared_encoding(body)


def decode(body: bytes, declared: str | None) -> Decoded:
    """Decode ``body``; ``declared`` is the charset from the Content-Type header, if any."""
    bom, mark = read_bom(body)
    if bom is not None and mark is not None:
        return Decoded(body[len(mark) :].decode(bom, errors="replace"), _python_name(bom))
    claims = [_canonical(c) for c in (declared, declared_in_document(body)) if c]
    if claims and claims[0] in _WESTERN and _is_multibyte_utf8(body):
        warning = f"declared {claims[0]} but the bytes are UTF-8; decoded as utf-8"
        return Decoded(body.decode("utf-8"), "utf-8", warning)
    for charset in [*claims, "utf-8", "cp1252"]:
        text = _try(body, charset)
        if text is not None:
            return Decoded(text, charset, _warning(claims, charset))
    raise AssertionError("cp1252 with the whatwg-c1 handler decodes any bytes")  # unreachable


def _canonical(label: str) -> str:
    """Python's name for a charset label as WHATWG resolves it (``latin1`` is ``cp1252``);
    an unknown label stays as given, so the warning can name it."""
    resolved = resolve_encoding(label.strip().lower())
    return _python_name(resolved) if resolved else label.strip().lower()


def _python_name(charset: str) -> str:
    return codecs.lookup(charset).name


def _try(body: bytes, charset: str) -> str | None:
    errors = _WHATWG_C1 if charset == "cp1252" else "strict"
    try:
        return body.decode(charset, errors)
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
