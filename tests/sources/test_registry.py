"""config/sources.toml: every DESIGN.md source is declared, and bad config fails clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator.errors import ConfigError
from aggregator.sources.eusa import EusaParser
from aggregator.sources.feed import FeedParser
from aggregator.sources.html_list import HtmlListParser
from aggregator.sources.json_api import GrantPortalParser
from aggregator.sources.registry import SourceConfig, load_sources, parser_for

DESIGN_SOURCES = {
    "valtioneuvosto-tem", "valtioneuvosto-sm", "tem-tiedotteet", "kotoutuminen-uutiset",
    "kotoutuminen-viranomaiset", "kotoutuminen-pakolaistyo", "kotoutuminen-opettajat",
    "kotoutuminen-edustajat", "kotoutuminen-tyonantajat", "keha-uutiset",
    "elinvoimakeskus-uutiset", "eusa-amif", "haeavustuksia", "hyvaks-uutiset",
}  # fmt: skip

VALID = """
[[source]]
id = "esimerkki"
publisher = "Esimerkki"
kind = "html"
language = "fi"
urls = ["https://example.fi/uutiset"]
homepage = "https://example.fi/"

[source.selectors]
item = ".news li"
title = "h3"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_source_of_the_design_is_configured(sources: dict[str, SourceConfig]) -> None:
    assert set(sources) >= DESIGN_SOURCES


def test_the_configured_sources(sources: dict[str, SourceConfig]) -> None:
    tem, sm = sources["valtioneuvosto-tem"], sources["valtioneuvosto-sm"]
    assert (
        tem.urls
        == sm.urls
        == ("https://valtioneuvosto.fi/en/staattiset-feedit-en/-/asset_publisher/LOmkEPY4nk2s/rss",)
    )
    assert tem.filter.group_ids == ("1410877",) and not tem.filter.creator
    assert sm.filter.group_ids == ("1410869",) and not sm.filter.creator
    assert sources["kotoutuminen-viranomaiset"].audiences == ("municipalities",)
    assert sources["kotoutuminen-viranomaiset"].list_name == "Uutisia viranomaisille"
    assert sources["eusa-amif"].parser == "eusa"
    assert sources["haeavustuksia"].kind == "json"
    assert sources["haeavustuksia"].filter.keywords
    assert all(s.max_pages >= 1 for s in sources.values())
    without = {s.id for s in sources.values() if s.kind == "html" and s.selectors is None}
    assert without == {"kotoutuminen-current-issues"}  # a landing page, read by the list reader


@pytest.mark.parametrize(
    ("source_id", "parser_type"),
    [
        ("valtioneuvosto-tem", FeedParser),
        ("kotoutuminen-uutiset", HtmlListParser),
        ("eusa-amif", EusaParser),
        ("haeavustuksia", GrantPortalParser),
    ],
)
def test_parser_for(sources: dict[str, SourceConfig], source_id: str, parser_type: type) -> None:
    assert isinstance(parser_for(sources[source_id]), parser_type)


def test_defaults(tmp_path: Path) -> None:
    (source,) = load_sources(write(tmp_path, VALID))
    assert source.parser == "html_list"
    assert source.enabled is True
    assert source.fetch_articles is False
    assert source.max_pages == 1
    assert source.interval_minutes == 60
    assert source.selectors is not None and source.selectors.link == ""
    assert source.list_name_in("sv") == source.list_name  # no translation: the publisher's own


def test_a_list_name_may_be_given_in_the_other_ui_languages(tmp_path: Path) -> None:
    text = VALID.replace(
        'language = "fi"',
        'language = "fi"\nlist_name = "Avustushaut"\nlist_name_sv = "Utlysningar"',
    )
    (source,) = load_sources(write(tmp_path, text))
    assert source.list_name_in("fi") == "Avustushaut"
    assert source.list_name_in("sv") == "Utlysningar"
    assert source.list_name_in("en") == "Avustushaut"  # not given in English: the original


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('kind = "html"', 'kind = "xml"'), "field 'kind': must be one of"),
        (('urls = ["https://example.fi/uutiset"]', 'urls = ["example.fi/uutiset"]'),
         "field 'urls': not an absolute http(s) URL"),
        (('urls = ["https://example.fi/uutiset"]', "urls = []"), "field 'urls': give at least one"),
        (('homepage = "https://example.fi/"', 'homepage = "ftp://example.fi/"'), "field 'homepage'"),
        (('language = "fi"', 'language = "finnish"'), "field 'language'"),
        (('item = ".news li"', 'item = ".news li["'), "not a valid CSS selector"),
        (('item = ".news li"\n', ""), "field 'item': is required"),
        (('id = "esimerkki"', 'id = "Esimerkki Uutiset"'), "field 'id'"),
        (('publisher = "Esimerkki"', 'publisher = ""'), "field 'publisher': must not be empty"),
        (('language = "fi"', 'language = "fi"\nmax_pages = 0'), "field 'max_pages': must be at least 1"),
        (('language = "fi"', 'language = "fi"\nenabled = "yes"'), "field 'enabled': must be true or"),
        (('language = "fi"', 'language = "fi"\ninterval_minutes = 1'), "field 'interval_minutes'"),
        (('language = "fi"', 'language = "fi"\nparser = "magic"'), "field 'parser': unknown parser"),
        (('language = "fi"', 'language = "fi"\nselector = 1'), "unknown field(s) ['selector']"),
        (('title = "h3"', 'title = "h3"\ntitel = "h2"'), "[selectors]: unknown field(s) ['titel']"),
        (('language = "fi"', 'language = "fi"\naudiences = ["Kunnat"]'), "field 'audiences'"),
    ],
)  # fmt: skip
def test_invalid_fields_name_the_source_and_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_sources(write(tmp_path, VALID.replace(*change, 1)))
    assert "esimerkki" in str(raised.value) or "source #1" in str(raised.value)
    assert message in str(raised.value)


def test_html_sources_may_omit_selectors(tmp_path: Path) -> None:
    text = VALID.split("[source.selectors]")[0]
    (source,) = load_sources(write(tmp_path, text))
    assert source.kind == "html" and source.selectors is None


def test_articles_need_a_body_selector(tmp_path: Path) -> None:
    text = VALID.replace('language = "fi"', 'language = "fi"\nfetch_articles = true')
    with pytest.raises(ConfigError, match=r"\[article\]: field 'body': is required"):
        load_sources(write(tmp_path, text))


def test_feeds_take_no_selectors_and_only_feed_filters(tmp_path: Path) -> None:
    feed = VALID.replace('kind = "html"', 'kind = "feed"')
    with pytest.raises(ConfigError, match="only html sources have selectors"):
        load_sources(write(tmp_path, feed))
    no_selectors = feed.split("[source.selectors]")[0]
    wrong_filter = no_selectors + '\n[source.filter]\nkeywords = ["kotout"]\n'
    with pytest.raises(ConfigError, match=r"\[filter\]: unknown field\(s\) \['keywords'\]"):
        load_sources(write(tmp_path, wrong_filter))


def test_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="duplicate source id 'esimerkki'"):
        load_sources(write(tmp_path, VALID + VALID))


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read sources"):
        load_sources(write(tmp_path, "[[source]\nid ="))
    with pytest.raises(ConfigError, match="cannot read sources"):
        load_sources(tmp_path / "missing.toml")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown top-level keys"):
        load_sources(write(tmp_path, "[settings]\nx = 1\n" + VALID))


def test_every_configured_source_says_whether_its_urls_were_verified() -> None:
    import tomllib

    from tests.support.paths import PROJECT_ROOT

    blocks = tomllib.loads((PROJECT_ROOT / "config" / "sources.toml").read_text("utf-8"))["source"]
    for block in blocks:
        assert isinstance(block.get("verified"), bool), block["id"]
        assert block.get("verified_note"), block["id"]
        if block["verified_note"].startswith("Guess"):
            assert block.get("enabled") is False, f"{block['id']} is only a guess but enabled"


def test_only_a_disabled_source_may_have_no_urls(tmp_path: Path) -> None:
    base = 'id = "x"\npublisher = "P"\nkind = "feed"\nlanguage = "fi"\nurls = []\n'
    base += 'homepage = "https://x.fi/"\n'
    config = tmp_path / "sources.toml"
    config.write_text(f"[[source]]\n{base}enabled = false\n", encoding="utf-8")
    (source,) = load_sources(config)
    assert source.urls == () and not source.enabled and not source.verified
    config.write_text(f"[[source]]\n{base}", encoding="utf-8")
    with pytest.raises(ConfigError, match="only a disabled source may have none"):
        load_sources(config)
