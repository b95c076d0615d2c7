"""Entity-expansion, external-entity, nesting and decompression bombs are refused, cheaply.

feedparser strips most DOCTYPE entity declarations before expat sees them, but markup in one
entity value ends its stripping early and expat then expands a billion-laughs DOCTYPE up to its
amplification limit (the first test shows it). The feed parser therefore refuses such
declarations itself, before feedparser runs. The HTML parser (lxml in HTML mode) never expands
declared entities; pages nested thousands deep and JSON nested as deep are clear ParseErrors.
A gzip bomb is refused by the fetcher while it inflates, and through the whole pipeline that is
a failed source with a clear error while the pass goes on.
"""

from __future__ import annotations

import gzip
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import feedparser
import pytest

from aggregator.demo.mirror import MirrorServer, Route
from aggregator.errors import ParseError
from aggregator.health import RunStatus
from tests.hardening.conftest import FEED, HTML_LIST, JSON_API, parse_or_error
from tests.pipeline.conftest import MALFORMED, Harness, first_page_route

RSS = "application/rss+xml; charset=utf-8"
ITEM = (
    "<item><title>{title}</title><link>https://valtioneuvosto.fi/en/-/1410877/{slug}</link>"
    "<description>{description}</description>"
    "<dc:creator>Ministry of Economic Affairs and Employment</dc:creator></item>"
)


def feed(doctype: str, title: str = "Otsikko", description: str = "Kuvaus") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{doctype}\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>'
        + ITEM.format(title=title, slug="bomb", description=description)
        + "</channel></rss>"
    ).encode()


def laughs(levels: int = 9) -> str:
    lines = ['<!ENTITY lol "lol">']
    lines += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(2, levels + 1)]
    lines.insert(1, '<!ENTITY lol1 "' + "&lol;" * 10 + '">')
    return "\n".join(lines)


@pytest.fixture(autouse=True, scope="module")
def _warm_parsers() -> None:
    """First use imports and compiles a lot; that must not count against a bomb's budget."""
    parse_or_error(FEED, feed('<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>'), RSS)
    parse_or_error(HTML_LIST, b"<p>x</p>", "text/html")
    parse_or_error(JSON_API, b"[[1]]", "application/json")


def bounded(run: Callable[[], Any], *, seconds: float = 3.0, megabytes: float = 40.0) -> Any:
    """``run()``'s result, asserting it took little CPU time and little memory (CPU time, so a
    busy machine does not fail it; a quadratic or exponential blow-up still does)."""
    tracemalloc.start()
    started = time.process_time()
    try:
        result = run()
    finally:
        elapsed = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    assert elapsed < seconds, f"{elapsed:.1f} s"
    assert peak < megabytes, f"{peak:.0f} MB"
    return result


# --- what feedparser alone would do ------------------------------------------------------------


def test_feedparser_alone_expands_a_bomb_whose_stripping_markup_defeats() -> None:
    """Why the guard exists: with ``<!ENTITY x "<b>">`` first, expat gets the DOCTYPE and
    expands it (a full billion laughs runs on until expat's amplification limit, megabytes
    for a 1 KB body; five levels are enough to show it)."""
    body = feed(f'<!DOCTYPE rss [\n<!ENTITY x "<b>">\n{laughs(5)}\n]>', title="&lol5;")
    (entry,) = feedparser.parse(body).entries
    assert entry.title == "lol" * 10**5


def test_feedparser_never_reads_an_external_entity(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SALAISUUS-4711")
    body = feed(f'<!DOCTYPE rss [\n<!ENTITY x "<b>">\n<!ENTITY xxe SYSTEM "file://{secret}">\n]>',
                title="A &xxe; B", description="&xxe;")  # fmt: skip
    parsed = feedparser.parse(body)
    assert "SALAISUUS" not in repr(parsed)


# --- the feed parser refuses them ----------------------------------------------------------------

REFUSED = {
    "billion laughs": feed(f"<!DOCTYPE rss [\n{laughs()}\n]>", title="&lol9;"),
    "stripping bypass": feed(f'<!DOCTYPE rss [\n<!ENTITY x "<b>">\n{laughs()}\n]>', title="&lol9;"),
    "one line": feed(f"<!DOCTYPE rss [{laughs().replace(chr(10), '')}]>", title="&lol9;"),
    "quadratic": feed('<!DOCTYPE rss [\n<!ENTITY a "' + "A" * 20_000 + '">\n]>', title="&a;" * 20_000),
    "external file": feed('<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>', title="&xxe;"),
    "external url": feed('<!DOCTYPE rss [\n<!ENTITY xxe PUBLIC "-//x" "http://127.0.0.1:9/x">\n]>', title="&xxe;"),
    "parameter entity": feed('<!DOCTYPE rss [\n<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd">\n%p;\n]>'),
    "hidden by a comment": feed(f'<!-- <rss --><!DOCTYPE rss [\n<!ENTITY x "<b>">\n{laughs()}\n]>', title="&lol9;"),
    "utf-16": feed(f"<!DOCTYPE rss [\n{laughs()}\n]>", title="&lol9;")
    .decode()
    .replace('encoding="UTF-8"', 'encoding="UTF-16"')
    .encode("utf-16"),
}  # fmt: skip


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_hostile_entity_declarations_are_refused_before_parsing(body: bytes) -> None:
    error = bounded(lambda: parse_or_error(FEED, body, RSS), seconds=2, megabytes=10)
    assert isinstance(error, ParseError)
    assert "declares XML entities" in str(error)


def test_harmless_entity_declarations_still_work() -> None:
    body = feed(
        '<!DOCTYPE rss [\n<!ENTITY nbsp "&#160;">\n<!ENTITY ndash "&#x2013;">\n<!ENTITY org "TEM">\n]>',
        title="Kotoutuminen&nbsp;&ndash; &org; tiedottaa",
    )
    result = parse_or_error(FEED, body, RSS)
    assert not isinstance(result, ParseError)
    assert [item.title for item in result.items] == ["Kotoutuminen – TEM tiedottaa"]


def test_entity_text_inside_cdata_is_only_text() -> None:
    body = feed(
        "", description="<![CDATA[<p>A billion laughs looks like this: <!ENTITY lol9 ...></p>]]>"
    )
    result = parse_or_error(FEED, body, RSS)
    assert not isinstance(result, ParseError) and len(result.items) == 1


def test_the_corpus_bombs_cost_neither_time_nor_memory() -> None:
    for name in (
        "billion-laughs.rss",
        "entity-stripping-bypass.rss",
        "quadratic-blowup.rss",
        "xxe-local-file.rss",
    ):
        body = (MALFORMED / name).read_bytes()
        result = bounded(partial(parse_or_error, FEED, body, RSS), megabytes=10)
        assert isinstance(result, ParseError)


def test_a_dtd_is_never_fetched() -> None:
    with MirrorServer(
        MALFORMED, extra_routes={"dtd.test": [Route("/x.dtd", body='<!ENTITY a "b">')]}
    ) as server:
        port = server.url.rsplit(":", 1)[1]
        dtd = f"http://127.0.0.1:{port}/x.dtd"
        for doctype in (
            f'<!DOCTYPE rss SYSTEM "{dtd}">',
            f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{dtd}"> %p;]>',
        ):
            parse_or_error(FEED, feed(doctype, title="&a;"), RSS)
            feedparser.parse(feed(doctype, title="&a;"))
        assert server.requests == []


# --- HTML and JSON ---------------------------------------------------------------------------------


def test_html_pages_never_expand_declared_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SALAISUUS-4711")
    page = (
        f'<!DOCTYPE html [\n{laughs()}\n<!ENTITY xxe SYSTEM "file://{secret}">\n]>'
        '<html><body><div class="portlet-asset-publisher"><div class="asset-abstract">'
        '<a class="asset-title" href="https://kotoutuminen.fi/-/pommi">Otsikko &lol9; &xxe;</a>'
        '<div class="asset-metadata">19.11.2026 | Uutinen</div></div></div></body></html>'
    ).encode()
    result = bounded(
        lambda: parse_or_error(HTML_LIST, page, "text/html; charset=utf-8"), megabytes=10
    )
    assert not isinstance(result, ParseError)
    for item in result.items:
        assert len(item.title) < 100 and "SALAISUUS" not in repr(item)


@pytest.mark.parametrize(
    ("source_id", "body", "words"),
    [
        (
            HTML_LIST,
            b"<div>" * 50_000 + b"<a href='/-/x'>Uutinen syvall\xc3\xa4</a> 1.1.2026",
            "256 deep",
        ),
        (HTML_LIST, b"<span><b><i>teksti " * 20_000, "256 deep"),
        (JSON_API, b'{"hakuilmoitukset": ' + b"[" * 200_000, "nested too deeply"),
        (JSON_API, b"[" * 5_000 + b"]" * 5_000, "nested too deeply"),
    ],
    ids=["divs", "inline", "json-open", "json-closed"],
)
def test_deep_nesting_is_a_quick_parse_error(source_id: str, body: bytes, words: str) -> None:
    error = bounded(
        lambda: parse_or_error(
            source_id, body, "text/html" if source_id == HTML_LIST else "application/json"
        ),
        seconds=5,
        megabytes=200,
    )
    assert isinstance(error, ParseError) and words in str(error)


def test_an_article_nested_without_end_is_a_parse_error() -> None:
    from aggregator.sources.registry import parser_for
    from tests.hardening.conftest import make_page, source

    config = source(HTML_LIST)
    page = make_page(b"<article>" * 30_000 + b"<h1>Otsikko</h1>", "text/html")
    with pytest.raises(ParseError, match="256 deep"):
        bounded(lambda: parser_for(config).parse_article(config, page), seconds=5, megabytes=200)


# --- through the whole pipeline --------------------------------------------------------------------


def test_a_gzip_bomb_fails_its_source_and_the_pass_goes_on(harness: Harness) -> None:
    harness.run(["kotoutuminen-uutiset", "keha-uutiset"])
    before = harness.snapshot()
    bomb = gzip.compress(b"<p>" + b" " * 30_000_000)
    assert len(bomb) < 100_000
    route = first_page_route(
        "kotoutuminen-uutiset",
        body=bomb,
        content_type="text/html",
        headers={"Content-Encoding": "gzip"},
    )
    reports = harness.run(["kotoutuminen-uutiset", "keha-uutiset"], route)
    report = reports["kotoutuminen-uutiset"]
    assert report.status is RunStatus.FAILED and report.error_kind == "too-large"
    assert "after decoding" in report.error_message
    assert reports["keha-uutiset"].status is RunStatus.OK
    assert harness.snapshot() == before
    assert harness.state("kotoutuminen-uutiset").last_error_kind == "too-large"


def test_an_entity_bomb_feed_fails_its_source_and_the_pass_goes_on(harness: Harness) -> None:
    route = first_page_route(FEED, body=REFUSED["stripping bypass"], content_type=RSS)
    started = time.perf_counter()
    reports = harness.run([FEED, "keha-uutiset"], route)
    assert time.perf_counter() - started < 30
    assert reports[FEED].status is RunStatus.FAILED and reports[FEED].error_kind == "parse"
    assert "declares XML entities" in reports[FEED].error_message
    assert reports["keha-uutiset"].status is RunStatus.OK and reports["keha-uutiset"].items_new > 0
