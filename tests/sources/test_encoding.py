"""Charset order of trust, and surviving declarations that do not fit the bytes."""

from __future__ import annotations

import pytest

from aggregator.sources.encoding import declared_in_document, decode

TEXT = "Päätös: kotoutuminen ja työllisyys – 5 €"


def test_the_server_declaration_wins_over_the_document() -> None:
    body = f'<meta charset="utf-8"><p>{TEXT}</p>'.encode("utf-16-le")
    with_bom = decode(b"\xff\xfe" + body, "iso-8859-1")  # a BOM beats both
    assert with_bom.charset == "utf-16-le" and with_bom.text.endswith(f"<p>{TEXT}</p>")
    latin = '<meta charset="utf-8"><p>Päätös</p>'.encode("cp1252")
    assert decode(latin, "windows-1252").text.endswith("Päätös</p>")


def test_the_documents_declaration_is_used_without_a_header() -> None:
    body = f'<html><head><meta charset="iso-8859-15"></head><p>{TEXT}</p>'.replace("–", "-").encode(
        "iso-8859-15"
    )
    decoded = decode(body, None)
    assert decoded.charset == "iso8859-15" and "5 €" in decoded.text and decoded.warning == ""


def test_xml_declaration_of_latin1_means_windows_1252() -> None:
    assert declared_in_document(b'<?xml version="1.0" encoding="ISO-8859-1"?><rss/>') == "cp1252"


# The WHATWG Encoding Standard: "iso-8859-1", "latin1" and "us-ascii" are labels of
# windows-1252, whose bytes 0x80-0x9F are typographic characters, not C1 controls; the five
# bytes cp1252 leaves undefined map to the same code points.
LATIN1_DECLARED = [
    (b"\x80", "\u20ac"),  # €
    (b"\x93", "\u201c"),  # “
    (b"\x94", "\u201d"),  # ”
    (b"\x96", "\u2013"),  # –
    (b"\x81", "\x81"),
    (b"\x9d", "\x9d"),
    (b"\xe4", "\xe4"),  # ä
]


@pytest.mark.parametrize(("raw", "meant"), LATIN1_DECLARED)
@pytest.mark.parametrize("label", ["iso-8859-1", "ISO8859-1", "latin1", "us-ascii"])
def test_a_page_declared_latin1_decodes_as_windows_1252(raw: bytes, meant: str, label: str) -> None:
    by_header = decode(b"<p>x" + raw + b"</p>", label)
    by_document = decode(f'<meta charset="{label}"><p>x'.encode() + raw + b"</p>", None)
    assert by_header.text == f"<p>x{meant}</p>" and by_header.warning == ""
    assert by_document.text.endswith(f"<p>x{meant}</p>") and by_document.warning == ""


def test_no_byte_of_a_latin1_page_becomes_a_c1_control_that_windows_1252_defines() -> None:
    text = decode(bytes(range(0x80, 0xA0)), "iso-8859-1").text
    controls = {ch for ch in text if 0x80 <= ord(ch) <= 0x9F}
    assert controls == {"\x81", "\x8d", "\x8f", "\x90", "\x9d"}
    assert text[0] == "€" and text[0x13] == "“" and len(text) == 32


def test_latin1_bytes_labelled_utf8_fall_back_with_a_warning() -> None:
    body = "<p>Päätös äöå</p>".encode("latin-1")
    decoded = decode(body, "utf-8")
    assert decoded.text == "<p>Päätös äöå</p>"
    assert decoded.warning == "the body is not valid utf-8 as declared; decoded as cp1252"


def test_utf8_bytes_labelled_latin1_are_read_as_utf8() -> None:
    decoded = decode(f"<p>{TEXT}</p>".encode(), "iso-8859-1")
    assert decoded.text == f"<p>{TEXT}</p>"
    assert "bytes are UTF-8" in decoded.warning


@pytest.mark.parametrize("label", ["no-such-charset", "utf-9", ""])
def test_unknown_charset_names_are_skipped(label: str) -> None:
    assert decode(f"<p>{TEXT}</p>".encode(), label).text == f"<p>{TEXT}</p>"


def test_any_bytes_decode() -> None:
    assert decode(bytes(range(256)), "utf-8").text
