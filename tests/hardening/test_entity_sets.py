"""The W3C XHTML entity sets an RSS 1.0 file may declare (``<!ENTITY % HTMLlat1 PUBLIC ...>``
and ``%HTMLlat1;``) read as feedparser reads them, while every real entity expansion stays
refused (issue 17, defect 7). The declaration names a DTD that nobody fetches: neither
feedparser nor the guard resolves it, so it is harmless, and feedparser knows the entities."""

from __future__ import annotations

import feedparser
import pytest

from aggregator.errors import ParseError
from tests.hardening.conftest import FEED, parse_or_error
from tests.hardening.test_bombs import bounded, laughs
from tests.support.paths import PROJECT_ROOT

ENTITIES = PROJECT_ROOT / "tests" / "fixtures" / "entities"
RDF = "application/rdf+xml; charset=utf-8"
LAT1 = (
    '<!ENTITY % HTMLlat1 PUBLIC\n "-//W3C//ENTITIES Latin 1 for XHTML//EN"\n'
    ' "http://www.w3.org/TR/xhtml1/DTD/xhtml-lat1.ent">\n%HTMLlat1;'
)


def rss10(doctype: str, title: str = "Caf&eacute;") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rdf:RDF [\n{doctype}\n]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://example.org/">'
        "<title>t</title><link>https://example.org/</link><description>d</description>"
        "</channel>"
        f'<item rdf:about="https://valtioneuvosto.fi/en/-/1410877/a-1"><title>{title}</title>'
        "<link>https://valtioneuvosto.fi/en/-/1410877/a-1</link><description>x</description></item></rdf:RDF>"
    ).encode()


def test_the_xhtml_latin1_declaration_reads_as_feedparser_reads_it() -> None:
    body = (ENTITIES / "rss10-xhtml-lat1.rdf").read_bytes()
    expected = [(e.title, e.link, e.summary) for e in feedparser.parse(body).entries]

    result = parse_or_error(FEED, body, RDF)

    assert not isinstance(result, ParseError), result
    assert [(i.title, i.url, i.summary) for i in result.items] == expected
    assert expected[0][0] == "Café for newcomers"


@pytest.mark.parametrize(
    ("name", "public_id", "system_id"),
    [
        ("HTMLlat1", "-//W3C//ENTITIES Latin 1 for XHTML//EN", "xhtml-lat1.ent"),
        ("HTMLsymbol", "-//W3C//ENTITIES Symbols for XHTML//EN", "xhtml-symbol.ent"),
        ("HTMLspecial", "-//W3C//ENTITIES Special for XHTML//EN", "xhtml-special.ent"),
    ],
)
def test_each_xhtml_entity_set_is_accepted(name: str, public_id: str, system_id: str) -> None:
    url = f"http://www.w3.org/TR/xhtml1/DTD/{system_id}"
    body = rss10(f'<!ENTITY % {name} PUBLIC "{public_id}" "{url}">\n%{name};')
    result = parse_or_error(FEED, body, RDF)
    assert not isinstance(result, ParseError), result
    assert [i.title for i in result.items] == ["Café"]


REFUSED = {
    "the set plus a billion laughs": rss10(f"{LAT1}\n{laughs()}", title="&lol9;"),
    "the public id with another file": rss10(
        '<!ENTITY % HTMLlat1 PUBLIC "-//W3C//ENTITIES Latin 1 for XHTML//EN"'
        ' "http://127.0.0.1:9/evil.ent">\n%HTMLlat1;'
    ),
    "the file as SYSTEM of another name": rss10(
        '<!ENTITY % p SYSTEM "http://www.w3.org/TR/xhtml1/DTD/xhtml-lat1.ent">\n%p;'
    ),
    "an internal parameter entity of that name": rss10(
        "<!ENTITY % HTMLlat1 \"<!ENTITY lol 'lol'>\">\n%HTMLlat1;", title="&lol;"
    ),
    "a parameter entity declaring entities": rss10(
        "<!ENTITY % decl \"<!ENTITY x SYSTEM 'file:///etc/passwd'>\">\n%decl;", title="&x;"
    ),
    "an external SYSTEM entity": rss10('<!ENTITY xxe SYSTEM "file:///etc/passwd">', title="&xxe;"),
}


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_real_expansion_next_to_an_entity_set_stays_refused(body: bytes) -> None:
    error = bounded(lambda: parse_or_error(FEED, body, RDF), seconds=2, megabytes=10)
    assert isinstance(error, ParseError)
    assert "declares XML entities" in str(error)
