"""Hypothesis strategies for input that is *nearly* right: feeds, list pages, articles and API
answers shaped like the real sources', then damaged the ways real ones are (truncated, wrong
or missing charset declarations, BOMs, entities, stray markup, odd dates, hostile URLs).

Random bytes alone rarely get past a parser's first check; these reach the code behind it.
"""

from __future__ import annotations

import codecs
import json
from datetime import datetime
from typing import Any

from hypothesis import strategies as st

# --- pieces ------------------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        "Kotoutuminen",
        "kunta",
        "hyvinvointialue",
        "kuntapaikka",
        "valtionavustus",
        "AMIF",
        "haku",
        "Hakuaika",
        "miljoonaa",
        "euroa",
        "ministeriö",
        "Työ-",
        "ja",
        "elinkeinoministeriö",
        "integration",
        "refugees",
        "Ukraina",
        "tilapäinen",
        "suojelu",
        "åäö",
        "ÅÄÖ",
        "–",
        "—",
        "“lainaus”",
        "€",
        "10,8",
        "2026",
    ]
)
ODD_TEXT = st.sampled_from(
    ["&amp;", "&nbsp;", "&undefined;", "&#8211;", "&#xD800;", "&#0;", "&#99999999;", "<b>",
     "</i>", "<![CDATA[x]]>", "]]>", "<!-- c -->", "\x00", "\x0b", "\u00ad", "\u200b",
     "\ufeff", "\udcff", "💶", "<script>alert(1)</script>", "<", ">", "&", "\"", "'"]
)  # fmt: skip
TEXT = st.lists(WORDS | ODD_TEXT | st.text(max_size=12), max_size=14).map(" ".join)
DATES = st.sampled_from(
    ["19.11.2026", "5.3.2025 | Uutinen", "05.06.2024", "31.2.2024", "1.1.0001", "31.12.9999",
     "29.2.2023", "17.8.2023 klo 24.00", "17.8.2023 13.30", "Julkaisuajankohta 4.4.2024 14.00",
     "Päivitetty: 16.01.2024", "Thu, 19 Nov 2026 11:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 -2359",
     "2026-11-19T11:00:00Z", "2026-13-45T99:99:99+99:99", "0001-01-01T00:00+05:00", "", "x"]
) | st.text(alphabet="0123456789.:-+ TZklo|", max_size=24)  # fmt: skip
API_DATES = st.none() | st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)).map(
    lambda moment: moment.isoformat() + "Z"
)
RARELY = st.sampled_from([False] * 7 + [True])
URLS = st.sampled_from(
    ["https://valtioneuvosto.fi/en/-/1410877/some-release", "https://valtioneuvosto.fi/en/-//1410869/x",
     "/-/1410877/relative", "https://kotoutuminen.fi/-/uutinen?utm_source=x&redirect=y#top",
     "javascript:alert(1)", "mailto:a@b.fi", "#", "", "http://[::1", "https://exa mple.fi/ä ö",
     "https://kotoutuminen.fi/" + "a" * 3000, "https://www.haeavustuksia.fi/fi/haku/VN%2F1%2F2026",
     "http://127.0.0.1:1/x", "https://xn--kotoutuminen-9ib.fi/-/%E4%F6", "//kotoutuminen.fi/-/x"]
) | st.text(max_size=30)  # fmt: skip


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


# --- damage ------------------------------------------------------------------------------------


@st.composite
def damaged(draw: st.DrawFn, body: bytes) -> bytes:
    """``body`` as a real server might mangle it (or left alone)."""
    how = draw(st.sampled_from(["none"] * 5 + ["truncate", "cut", "insert", "bom", "repeat"]))
    if how == "truncate" and body:
        return body[: draw(st.integers(0, len(body)))]
    if how == "cut" and body:
        start = draw(st.integers(0, len(body)))
        return body[:start] + body[start + draw(st.integers(0, 64)) :]
    if how == "insert":
        at = draw(st.integers(0, len(body)))
        return body[:at] + draw(st.binary(max_size=16)) + body[at:]
    if how == "bom":
        return (
            draw(st.sampled_from([codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE]))
            + body
        )
    if how == "repeat" and body:
        at = draw(st.integers(0, len(body)))
        return body[:at] + body[at : at + 200] * draw(st.integers(2, 20)) + body[at:]
    return body


def encoded(draw: st.DrawFn, text: str) -> bytes:
    charset = draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "cp1252", "utf-16", "utf-16-be"]))
    return (
        text.encode(charset, "xmlcharrefreplace")
        if charset in ("latin-1", "cp1252")
        else text.encode(charset, "surrogatepass")
    )


# --- documents ---------------------------------------------------------------------------------


# Links the configured feed source keeps (its filter wants the TEM group id, /-/1410877/): without
# them nearly every generated item is filtered out and the fuzzing never reaches item building.
FEED_LINKS = st.builds(
    "https://valtioneuvosto.fi/{}/-/1410877/{}".format,
    st.sampled_from(["fi", "sv", "en"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzäö-0123456789%", min_size=1, max_size=40),
)


@st.composite
def rss_item(draw: st.DrawFn) -> str:
    title = draw(TEXT)
    title = f"<![CDATA[{title}]]>" if draw(st.booleans()) else _escape(title)
    parts = [
        f"<title>{title}</title>",
        f"<link>{_escape(draw(FEED_LINKS | URLS))}</link>",
        f"<description>{_escape(draw(TEXT))}</description>",
        f"<pubDate>{_escape(draw(DATES))}</pubDate>",
        f"<guid>{_escape(draw(URLS))}</guid>",
        f"<dc:creator>{draw(st.sampled_from(['Ministry of the Interior', 'Ministry of Economic Affairs and Employment', '']))}</dc:creator>",
        f"<category>{_escape(draw(TEXT))}</category>",
        f"<content:encoded><![CDATA[<p>{draw(TEXT)}</p>]]></content:encoded>",
    ]
    kept = draw(st.lists(st.sampled_from(parts), max_size=len(parts), unique=True))
    return "<item>" + "".join(kept) + "</item>"


@st.composite
def atom_entry(draw: st.DrawFn) -> str:
    return (
        f'<entry><title type="{draw(st.sampled_from(["text", "html", "xhtml"]))}">{_escape(draw(TEXT))}'
        f'</title><link href="{_escape(draw(FEED_LINKS | URLS))}"/><id>{_escape(draw(URLS))}</id>'
        f"<updated>{_escape(draw(DATES))}</updated><summary>{_escape(draw(TEXT))}</summary></entry>"
    )


DECLARATIONS = st.sampled_from(
    ['<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>',
     '<?xml version="1.0" encoding="utf-16"?>', '<?xml version="1.0" encoding="bogus-8"?>',
     '<?xml version="1.0"?>', "",
     '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>',
     '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "&b;"><!ENTITY b "x">]>',
     '<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://127.0.0.1:9/x.dtd">']
)  # fmt: skip


@st.composite
def feeds(draw: st.DrawFn) -> bytes:
    """An RSS 2.0 or Atom document with a few entries, encoded and maybe damaged."""
    if draw(st.booleans()):
        entries = "".join(draw(st.lists(rss_item(), max_size=6)))
        body = (
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{_escape(draw(TEXT))}</title><language>{draw(st.sampled_from(['en', 'fi', 'sv-FI', 'x', '']))}</language>"
            f"{entries}</channel></rss>"
        )
    else:
        entries = "".join(draw(st.lists(atom_entry(), max_size=6)))
        body = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{_escape(draw(TEXT))}</title>{entries}</feed>'
    return draw(damaged(encoded(draw, draw(DECLARATIONS) + body)))


@st.composite
def list_pages(draw: st.DrawFn) -> bytes:
    """A kotoutuminen.fi Liferay news list page, items in the real markup, then damaged."""
    items = []
    for _ in range(draw(st.integers(0, 6))):
        title = f'<a class="asset-title" href="{_escape(draw(URLS))}">{_escape(draw(TEXT))}</a>'
        date = f'<div class="asset-metadata"><span class="metadata-publish-date">{_escape(draw(DATES))}</span> | Uutinen</div>'
        summary = f'<div class="asset-summary">{draw(TEXT)}</div>'
        kept = draw(st.lists(st.sampled_from([date, summary]), max_size=2, unique=True))
        kept = kept if draw(RARELY) else [title, *kept]
        wrapper = draw(st.sampled_from(['<div class="asset-abstract">', "<div>", "<li>", "<p>"]))
        items.append(wrapper + "".join(kept) + draw(st.sampled_from(["</div>", "", "</li>"])))
    nesting = draw(st.integers(0, 40))
    charset = draw(st.sampled_from(['<meta charset="utf-8">', '<meta charset="iso-8859-1">',
                                    '<meta http-equiv="Content-Type" content="text/html; charset=bogus">', ""]))  # fmt: skip
    pager = f'<ul class="pagination"><li><a rel="next" href="{_escape(draw(URLS))}">Seuraava</a></li></ul>'
    body = (
        f"<!DOCTYPE html><html><head>{charset}<title>{_escape(draw(TEXT))}</title></head><body>"
        f"<header><nav><a href=\"/\">Etusivu</a> 1.1.2020</nav></header>"
        '<div class="portlet-asset-publisher">' + "<div>" * nesting + "".join(items) + "</div>" * nesting
        + f"</div>{pager if draw(st.booleans()) else ''}<footer>© 2026</footer></body></html>"
    )  # fmt: skip
    return draw(damaged(encoded(draw, body)))


@st.composite
def article_pages(draw: st.DrawFn) -> bytes:
    """A kotoutuminen.fi article page (``tem-news`` markup), then damaged."""
    paragraphs = "".join(f"<p>{draw(TEXT)}</p>" for _ in range(draw(st.integers(0, 5))))
    body = (
        '<html><body><main><article class="tem-news">'
        f'<h1 class="tem-news__title">{_escape(draw(TEXT))}</h1>'
        f'<p class="tem-news__date">{draw(st.sampled_from(["Julkaisuajankohta ", "Päivitetty: ", "Publication date ", ""]))}{_escape(draw(DATES))}</p>'
        f'<p class="tem-news__type">{_escape(draw(TEXT))}</p>'
        f'<div class="tem-news__content">{paragraphs}<a href="{_escape(draw(URLS))}">linkki</a></div>'
        "</article></main></body></html>"
    )
    return draw(damaged(encoded(draw, body)))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)  # fmt: skip


@st.composite
def api_call(draw: st.DrawFn) -> dict[str, Any]:
    """One hakuilmoitus: the real fields, each sometimes of the wrong type."""
    call: dict[str, Any] = {
        "hakuasianAsianumero": draw(st.sampled_from(["VN/24517/2026", "x" * 300]) | st.text(min_size=1, max_size=20)),
        "nimi": {"fi": draw(WORDS) + " " + draw(TEXT), "sv": draw(st.none() | TEXT)},
        "kuvaus": {"fi": draw(TEXT) + " kotoutuminen", "en": None},
        "hakuAlkaaDateTimeUtc": draw(API_DATES),
        "hakuPaattyyDateTimeUtc": draw(API_DATES),
        "hakuTyyppi": draw(st.sampled_from(["Jatkuva", "Määräaikainen", ""])),
        "vastuullinenJarjestajaOrganisaatio": {"nimi": {"fi": draw(st.sampled_from(["Työ- ja elinkeinoministeriö", "Sisäministeriö", "x" * 400]))}},
    }  # fmt: skip
    if draw(RARELY):  # one field of the wrong type or form
        call[draw(st.sampled_from(sorted(call)))] = draw(JSON_VALUES | DATES)
    return call


@st.composite
def api_answers(draw: st.DrawFn) -> bytes:
    """The grant portal's list-API answer, fields sometimes wrong, then maybe damaged."""
    document: Any = {
        "totalCount": draw(st.integers(-5, 10**6)),
        "pageCount": draw(JSON_VALUES if draw(RARELY) else st.integers(0, 10**12)),
        "hakuilmoitukset": draw(st.lists(api_call(), max_size=5)),
    }
    if draw(RARELY):
        document = draw(JSON_VALUES)
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    return draw(damaged(encoded(draw, text)))
