"""The source registry: ``config/sources.toml`` read into frozen :class:`SourceConfig` records.

A source is data: who publishes it, where its pages are, which parser reads them and, for
HTML lists, the CSS selectors that find the items. Fixing a source after a redesign is a change
to the TOML, never to code. :func:`load_sources` checks every field and fails with a
:class:`~aggregator.errors.ConfigError` that names the file, the source and the field, because a
typo should stop a deploy rather than silently empty a news list.

Filters: a feed source keeps an entry whose link's Liferay group id (``/-/1410877/<slug>``) is
one of ``filter.group_ids`` *or* whose link contains one of ``filter.link_contains`` *or* whose
``dc:creator`` contains one of ``filter.creator``; a JSON (grant portal) source keeps a
call whose organisation contains one of ``filter.organisations`` *and* whose name or
description contains one of ``filter.keywords`` (each test is skipped when its list is empty).
All comparisons ignore case.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from aggregator.errors import ConfigError
from aggregator.sources.base import SourceParser

SourceKind = Literal["feed", "html", "json"]

# parser name -> (module, class). A parser's module (feedparser, BeautifulSoup, lxml behind it)
# is imported when a page is parsed, so a pass whose pages did not change never loads them.
PARSERS: Mapping[str, tuple[str, str]] = {
    "feed": ("aggregator.sources.feed", "FeedParser"),
    "html_list": ("aggregator.sources.html_list", "HtmlListParser"),
    "json_api": ("aggregator.sources.json_api", "GrantPortalParser"),
    "eusa": ("aggregator.sources.eusa", "EusaParser"),
    "sttinfo": ("aggregator.sources.sttinfo", "SttInfoParser"),
}
DEFAULT_PARSER: Mapping[str, str] = {"feed": "feed", "html": "html_list", "json": "json_api"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TAG_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_GROUP_ID = re.compile(r"^[0-9]+$")
MIN_INTERVAL_MINUTES = 5


@dataclass(frozen=True, slots=True)
class Selectors:
    """CSS selectors for an HTML list; all but ``item`` are relative to one item element.

    ``link`` defaults to the first ``a[href]`` inside the title; ``kind`` (optional) is the
    element naming the item type, otherwise the type is read from the date line
    (``7.9.2023 | Uutinen``). ``next_page`` is page-wide: the link to the following page.
    """

    item: str
    title: str
    link: str = ""
    date: str = ""
    summary: str = ""
    kind: str = ""
    next_page: str = ""


@dataclass(frozen=True, slots=True)
class ArticleSelectors:
    """CSS selectors for an article page (all page-wide, all optional)."""

    title: str = ""
    body: str = ""
    date: str = ""
    kind: str = ""


@dataclass(frozen=True, slots=True)
class SourceFilter:
    """Which entries a source keeps; see the module docstring for how the lists combine."""

    group_ids: tuple[str, ...] = ()
    link_contains: tuple[str, ...] = ()
    creator: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One configured source. ``urls`` are its first pages (list, feed or API addresses).

    ``verified`` says someone saw these URLs (and publisher ids) answer on the live site, or in
    stored copies of it; ``verified_note`` says what was seen and what is a guess. A source
    without ``verified = true`` is unverified, and one that is only a guess stays disabled.
    """

    id: str
    publisher: str
    kind: SourceKind
    parser: str
    language: str
    urls: tuple[str, ...]
    homepage: str
    interval_minutes: int = 60
    audiences: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    list_name: str = ""
    # The list's heading in the other UI languages, where the publisher's list is one-language
    # (haeavustuksia.fi's "Avustushaut" reads "Utlysningar" on a Swedish page).
    list_name_fi: str = ""
    list_name_sv: str = ""
    list_name_en: str = ""
    # The publisher's own name in the other UI languages ("Kotoutumisen osaamiskeskus (TEM)" is
    # the "Centre of Expertise in Immigrant Integration (TEM)" on an English page).
    publisher_fi: str = ""
    publisher_sv: str = ""
    publisher_en: str = ""
    enabled: bool = True
    fetch_articles: bool = False
    max_pages: int = 1
    selectors: Selectors | None = None
    article: ArticleSelectors = field(default_factory=ArticleSelectors)
    filter: SourceFilter = field(default_factory=SourceFilter)
    verified: bool = False
    verified_note: str = ""

    def list_name_in(self, language: str) -> str:
        """The list's name for a page in ``language`` (the publisher's own where not given)."""
        translated = {"fi": self.list_name_fi, "sv": self.list_name_sv, "en": self.list_name_en}
        return translated.get(language, "") or self.list_name

    def publisher_in(self, language: str) -> str:
        """The publisher's name for a page in ``language`` (as configured where not given)."""
        translated = {"fi": self.publisher_fi, "sv": self.publisher_sv, "en": self.publisher_en}
        return translated.get(language, "") or self.publisher


FILTER_KEYS: Mapping[str, frozenset[str]] = {
    "feed": frozenset({"group_ids", "link_contains", "creator"}),
    "json": frozenset({"organisations", "keywords"}),
    "html": frozenset(),
}


def load_sources(path: Path) -> list[SourceConfig]:
    """Every ``[[source]]`` block of ``path``, checked; raises :class:`ConfigError`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read sources: {exc}") from exc
    extra = sorted(set(data) - {"source"})
    if extra:
        raise ConfigError(f"{path}: unknown top-level keys {extra}; only [[source]] blocks")
    blocks = data.get("source", [])
    if not isinstance(blocks, list):
        raise ConfigError(f"{path}: 'source' must be an array of tables ([[source]])")
    sources = [
        _source(block, f"{path}: source #{number}") for number, block in enumerate(blocks, 1)
    ]
    _check_unique(sources, path)
    return sources


def source_from_block(block: Mapping[str, Any], where: str) -> SourceConfig:
    """One ``[[source]]`` table (as TOML would give it) checked into a :class:`SourceConfig`;
    :class:`ConfigError` names ``where``, the source and the field. Sources that admins add in
    the web UI are stored as such tables and read back through here."""
    return _source(dict(block), where)


def parser_for(source: SourceConfig) -> SourceParser:
    """The parser that reads ``source``'s pages."""
    try:
        module, name = PARSERS[source.parser]
    except KeyError:
        raise ConfigError(f"source {source.id!r}: unknown parser {source.parser!r}") from None
    parser: Callable[[], SourceParser] = getattr(importlib.import_module(module), name)
    return parser()


def _check_unique(sources: list[SourceConfig], path: Path) -> None:
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise ConfigError(f"{path}: duplicate source id {source.id!r}")
        seen.add(source.id)


class _Fields:
    """Typed access to one TOML table, with errors naming the source and the field."""

    def __init__(self, table: object, where: str, allowed: frozenset[str]) -> None:
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table")
        self.table: dict[str, Any] = table
        self.where = where
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise ConfigError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(allowed)}")

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: field {key!r}: {problem}")

    def string(self, key: str, default: str | None = None) -> str:
        value = self.table.get(key, default)
        if value is None:
            raise self.fail(key, "is required")
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {value!r}")
        return value.strip()

    def flag(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}")
        return value

    def integer(self, key: str, default: int, minimum: int) -> int:
        value = self.table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, got {value!r}")
        if value < minimum:
            raise self.fail(key, f"must be at least {minimum}, got {value}")
        return value

    def strings(self, key: str, pattern: re.Pattern[str] | None = None) -> tuple[str, ...]:
        value = self.table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, f"must be a list of non-empty strings, got {value!r}")
        bad = [v for v in value if pattern and not pattern.match(v)]
        if bad:
            raise self.fail(key, f"invalid value(s) {bad}")
        return tuple(value)

    def url(self, key: str, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
            raise self.fail(key, f"not an absolute http(s) URL: {value!r}")
        return value

    def selector(self, key: str, required: bool = False) -> str:
        value = self.string(key, default=None if required else "")
        if required and not value:
            raise self.fail(key, "is required")
        if value:
            import soupsieve  # only where a source has selectors to check

            try:
                soupsieve.compile(value)
            except (soupsieve.SelectorSyntaxError, ValueError) as exc:
                raise self.fail(key, f"not a valid CSS selector {value!r}: {exc}") from None
        return value


def _source(block: object, where: str) -> SourceConfig:
    fields = _Fields(block, where, _field_names(SourceConfig))
    source_id = fields.string("id")
    if not _ID.match(source_id):
        raise fields.fail("id", f"use lower-case letters, digits and '-', got {source_id!r}")
    fields.where = f"{where.rsplit(': source #', 1)[0]}: source {source_id!r}"
    kind = _kind(fields)
    urls = fields.strings("urls")
    enabled = fields.flag("enabled", True)
    if not urls and enabled:
        raise fields.fail("urls", "give at least one URL (only a disabled source may have none)")
    fetch_articles = fields.flag("fetch_articles", False)
    return SourceConfig(
        id=source_id,
        publisher=_required_text(fields, "publisher"),
        kind=kind,
        parser=_parser(fields, kind),
        language=_language(fields),
        urls=tuple(fields.url("urls", url) for url in urls),
        homepage=fields.url("homepage", fields.string("homepage")),
        interval_minutes=fields.integer("interval_minutes", 60, MIN_INTERVAL_MINUTES),
        audiences=fields.strings("audiences", _TAG_ID),
        topics=fields.strings("topics", _TAG_ID),
        list_name=fields.string("list_name", ""),
        list_name_fi=fields.string("list_name_fi", ""),
        list_name_sv=fields.string("list_name_sv", ""),
        list_name_en=fields.string("list_name_en", ""),
        publisher_fi=fields.string("publisher_fi", ""),
        publisher_sv=fields.string("publisher_sv", ""),
        publisher_en=fields.string("publisher_en", ""),
        enabled=enabled,
        fetch_articles=fetch_articles,
        max_pages=fields.integer("max_pages", 1, 1),
        selectors=_selectors(fields, kind),
        article=_article(fields, fetch_articles and kind == "html"),
        filter=_filter(fields, kind),
        verified=fields.flag("verified", False),
        verified_note=fields.string("verified_note", ""),
    )


def _field_names(
    cls: type[SourceConfig] | type[Selectors] | type[ArticleSelectors],
) -> frozenset[str]:
    """The TOML keys a table may have: exactly the record's fields."""
    return frozenset(f.name for f in dataclasses.fields(cls))


def _required_text(fields: _Fields, key: str) -> str:
    value = fields.string(key)
    if not value:
        raise fields.fail(key, "must not be empty")
    return value


def _kind(fields: _Fields) -> SourceKind:
    kind = fields.string("kind")
    if kind not in DEFAULT_PARSER:
        raise fields.fail("kind", f"must be one of {sorted(DEFAULT_PARSER)}, got {kind!r}")
    return cast(SourceKind, kind)


def _parser(fields: _Fields, kind: str) -> str:
    name = fields.string("parser", DEFAULT_PARSER[kind])
    if name not in PARSERS:
        raise fields.fail("parser", f"unknown parser {name!r}; known: {sorted(PARSERS)}")
    return name


def _language(fields: _Fields) -> str:
    language = fields.string("language")
    if not _LANGUAGE.match(language):
        raise fields.fail("language", f"use a two-letter code such as 'fi', got {language!r}")
    return language


def _selectors(fields: _Fields, kind: str) -> Selectors | None:
    raw = fields.table.get("selectors")
    if kind != "html":
        if raw is not None:
            raise fields.fail("selectors", f"only html sources have selectors, not {kind}")
        return None
    if raw is None:
        return None  # read by the selector-free list reader (aggregator.sources.listing)
    table = _Fields(raw, f"{fields.where} [selectors]", _field_names(Selectors))
    return Selectors(
        item=table.selector("item", required=True),
        title=table.selector("title", required=True),
        link=table.selector("link"),
        date=table.selector("date"),
        summary=table.selector("summary"),
        kind=table.selector("kind"),
        next_page=table.selector("next_page"),
    )


def _article(fields: _Fields, needs_body: bool) -> ArticleSelectors:
    table = _Fields(
        fields.table.get("article", {}),
        f"{fields.where} [article]",
        _field_names(ArticleSelectors),
    )
    return ArticleSelectors(
        title=table.selector("title"),
        body=table.selector("body", required=needs_body),
        date=table.selector("date"),
        kind=table.selector("kind"),
    )


def _filter(fields: _Fields, kind: str) -> SourceFilter:
    table = _Fields(fields.table.get("filter", {}), f"{fields.where} [filter]", FILTER_KEYS[kind])
    return SourceFilter(
        group_ids=table.strings("group_ids", _GROUP_ID),
        link_contains=table.strings("link_contains"),
        creator=table.strings("creator"),
        organisations=table.strings("organisations"),
        keywords=table.strings("keywords"),
    )
