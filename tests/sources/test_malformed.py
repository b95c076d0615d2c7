"""Each file of the malformed corpus gives items or a clear ParseError, never another error."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from aggregator.errors import ParseError
from aggregator.sources.registry import SourceConfig, parser_for
from tests.sources.conftest import MALFORMED, make_page

CASES: list[dict[str, Any]] = tomllib.loads((MALFORMED / "_cases.toml").read_text("utf-8"))["case"]
URL = "https://example.invalid/recorded"


def test_every_corpus_file_has_a_case() -> None:
    files = {p.name for p in MALFORMED.iterdir() if not p.name.startswith("_")}
    assert files == {case["file"] for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_malformed_input(sources: dict[str, SourceConfig], case: dict[str, Any]) -> None:
    source = sources[case["source"]]
    page = make_page(URL, (MALFORMED / case["file"]).read_bytes(), case["content_type"])
    if case["expect"] == "error":
        with pytest.raises(ParseError) as raised:
            parser_for(source).parse_list(source, page)
        assert case["error"] in str(raised.value)
        assert raised.value.source_id == source.id and raised.value.url == URL
        return
    result = parser_for(source).parse_list(source, page)
    assert len(result.items) >= case["min_items"]
    assert all(item.title and item.url.startswith("https://") for item in result.items)
    if "warning" in case:
        assert any(case["warning"] in w for w in result.warnings), result.warnings


def test_latin1_feed_text_is_decoded_right(sources: dict[str, SourceConfig]) -> None:
    source = sources["valtioneuvosto-tem"]
    body = (MALFORMED / "latin1-labelled-utf8.rss").read_bytes()
    (item,) = (
        parser_for(source)
        .parse_list(source, make_page(URL, body, "application/rss+xml; charset=utf-8"))
        .items
    )
    assert item.title == "Työ- ja elinkeinoministeriö: Kotoutumiskoulutuksen rahoitus uudistuu"


def test_truncated_list_keeps_the_cut_item(sources: dict[str, SourceConfig]) -> None:
    source = sources["kotoutuminen-uutiset"]
    result = parser_for(source).parse_list(
        source, make_page(URL, (MALFORMED / "truncated-list.html").read_bytes())
    )
    assert (
        result.items[-1].title
        == "Alaikäisenä ilman huoltajaa tulleiden jälkihuollon opas päivitetty"
    )
    assert result.items[-1].summary == "Opas kertoo, miten k"
