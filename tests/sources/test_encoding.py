"""Charset order of trust, and surviving declarations that do not fit the bytes."""

from __future__ import annotations

import pytest

from aggregator.sources.encoding import declared_in_document, decode

TEXT = "Päätös: kotoutuminen ja työllisyys – 5 €"


def test_the_server_declaration_wins_over_the_document() -> None:
    body = f'<meta charset="utf-8"><p>{TEXT}</p>'.encode("utf-16-le")
    assert decode(b"\xff\xfe" + body, "iso-8859-1").charset == "utf-16"  # a BOM beats both
    latin = '<meta charset="utf-8"><p>Päätös</p>'.encode("cp1252")
    assert decode(latin, "windows-1252").text.endswith("Päätös</p>")


def test_the_documents_declaration_is_used_without_a_header() -> None:
    body = f'<html><head><meta charset="iso-8859-15"></head><p>{TEXT}</p>'.replace("–", "-").encode(
        "iso-8859-15"
    )
    decoded = decode(body, None)
    assert decoded.charset == "iso8859-15" and "5 €" in decoded.text and decoded.warning == ""


def test_xml_declaration() -> None:
    assert (
        declared_in_document(b'<?xml version="1.0" encoding="ISO-8859-1"?><rss/>') == "iso-8859-1"
    )


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
