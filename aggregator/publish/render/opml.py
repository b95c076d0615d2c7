"""The feed catalogue: every feed the service publishes, its address, its title, and the OPML
list of them that feed readers import in one go.

A :class:`FeedSpec` is one feed in one language (``/feeds/audience/funding.rss?lang=sv``); the
:class:`Catalogue` knows which audience, topic and source ids exist and what they are called in
each language. Titles and descriptions come from the ``feeds`` gettext domain (message ids in
English, ``aggregator/locale/{fi,sv}/LC_MESSAGES/feeds.po``). Pure: the caller loads the
catalogue from the database and ``config/sources.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime as rfc822
from enum import StrEnum
from urllib.parse import urlencode

from lxml import etree

from aggregator.i18n import DEFAULT_LANGUAGE, gettext
from aggregator.store.queries import ItemFilter

SITE_NAME = "Kotoutumisuutiset"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
OPML_MEDIA_TYPE = "text/x-opml; charset=utf-8"


class FeedFormat(StrEnum):
    RSS = "rss"
    ATOM = "atom"
    JSON = "json"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]


_MEDIA_TYPES = {
    FeedFormat.RSS: "application/rss+xml",
    FeedFormat.ATOM: "application/atom+xml",
    FeedFormat.JSON: "application/feed+json",
}


class FeedKind(StrEnum):
    ALL = "all"
    GRANTS = "grants"
    AUDIENCE = "audience"
    TOPIC = "topic"
    SOURCE = "source"
    CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One feed: what it selects (kinds AND-ed, values of a kind OR-ed) and its language.

    ``item_languages`` filters stories by their own language; ``language`` is the language of
    the feed's own texts (titles, descriptions, deadlines, tag labels).
    """

    kind: FeedKind
    audiences: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    item_languages: tuple[str, ...] = ()
    language: str = DEFAULT_LANGUAGE
    limit: int = DEFAULT_LIMIT

    @property
    def subject(self) -> str:
        """The one id of an audience, topic or source feed."""
        chosen = {
            FeedKind.AUDIENCE: self.audiences,
            FeedKind.TOPIC: self.topics,
            FeedKind.SOURCE: self.sources,
        }.get(self.kind, ())
        return chosen[0] if chosen else ""

    def path(self, fmt: FeedFormat | str) -> str:
        if self.kind in (FeedKind.AUDIENCE, FeedKind.TOPIC, FeedKind.SOURCE):
            return f"/feeds/{self.kind.value}/{self.subject}.{fmt}"
        return f"/feeds/{self.kind.value}.{fmt}"

    def query(self) -> str:
        """The canonical query: custom selections first, then non-default language and limit."""
        pairs: list[tuple[str, str]] = []
        if self.kind is FeedKind.CUSTOM:
            pairs += [("audience", value) for value in self.audiences]
            pairs += [("topic", value) for value in self.topics]
            pairs += [("source", value) for value in self.sources]
            pairs += [("item_lang", value) for value in self.item_languages]
        if self.language != DEFAULT_LANGUAGE:
            pairs.append(("lang", self.language))
        if self.limit != DEFAULT_LIMIT:
            pairs.append(("limit", str(self.limit)))
        return urlencode(pairs)

    def url(self, base_url: str, fmt: FeedFormat | str) -> str:
        query = self.query()
        return f"{base_url.rstrip('/')}{self.path(fmt)}" + (f"?{query}" if query else "")

    def item_filter(self) -> ItemFilter:
        return ItemFilter(
            audiences=self.audiences,
            topics=self.topics,
            sources=self.sources,
            languages=self.item_languages,
            grant_calls_only=self.kind is FeedKind.GRANTS,
            news_only=True,
            limit=self.limit,
        )


@dataclass(frozen=True, slots=True)
class TagLabel:
    kind: str  # audience | topic
    fi: str
    sv: str
    en: str

    def in_language(self, language: str) -> str:
        return {"sv": self.sv, "en": self.en}.get(language, self.fi) or self.fi


@dataclass(frozen=True, slots=True)
class UnknownId:
    """A requested audience, topic or source that does not exist, with the ids that do."""

    kind: str
    value: str
    valid: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Tag ids with their labels (in taxonomy order) and source ids with their publishers.

    ``listed_sources`` are the sources the OPML list offers (enabled ones); a disabled source
    keeps its feed, because its stories stay stored.
    """

    tags: Mapping[str, TagLabel]
    sources: Mapping[str, str]
    listed_sources: tuple[str, ...] = ()
    # Each source's publisher in the UI languages where its configuration names it
    # ({"kotoutuminen-uutiset": {"en": "Centre of Expertise in Immigrant Integration (TEM)"}}).
    publishers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The sources' names (``sources``) in each UI language where their configuration gives
    # them: language -> source id -> name (aggregator.display.source_display_names_in).
    sources_in: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def ids(self, kind: str) -> tuple[str, ...]:
        if kind == "source":
            return tuple(self.sources)
        return tuple(tag_id for tag_id, label in self.tags.items() if label.kind == kind)

    def source_name(self, source_id: str, language: str) -> str:
        """The source's name in ``language`` where known, else its configured name."""
        named = self.sources_in.get(language, {}).get(source_id)
        return named or self.sources.get(source_id, source_id)

    def label(self, tag_id: str, language: str) -> str:
        found = self.tags.get(tag_id)
        return found.in_language(language) if found else tag_id

    def unknown(self, spec: FeedSpec) -> UnknownId | None:
        """The first id of ``spec`` that the catalogue lacks, or None when all exist."""
        for kind, values in (
            ("audience", spec.audiences),
            ("topic", spec.topics),
            ("source", spec.sources),
        ):
            valid = self.ids(kind)
            for value in values:
                if value not in valid:
                    return UnknownId(kind, value, valid)
        return None


def describe(spec: FeedSpec, catalogue: Catalogue) -> tuple[str, str]:
    """The feed's title and description in its language."""
    lang = spec.language
    if spec.kind is FeedKind.ALL:
        name = gettext(lang, "All news")
        about = gettext(lang, "All news and grant calls on immigrant integration in Finland.")
    elif spec.kind is FeedKind.GRANTS:
        name = gettext(lang, "Grant calls")
        about = gettext(lang, "News about grant calls for integration work, with deadlines.")
    elif spec.kind is FeedKind.AUDIENCE:
        name = catalogue.label(spec.subject, lang)
        about = gettext(lang, "News for the audience: %(label)s", label=name)
    elif spec.kind is FeedKind.TOPIC:
        name = catalogue.label(spec.subject, lang)
        about = gettext(lang, "News on the topic: %(label)s", label=name)
    elif spec.kind is FeedKind.SOURCE:
        name = catalogue.source_name(spec.subject, lang)
        about = gettext(lang, "News published by %(publisher)s", publisher=name)
    else:
        name, about = _describe_custom(spec, catalogue)
    return f"{SITE_NAME}: {name}", about


def _describe_custom(spec: FeedSpec, catalogue: Catalogue) -> tuple[str, str]:
    lang = spec.language
    parts = [
        (gettext(lang, "Audiences: %(labels)s", labels=_labels(spec.audiences, catalogue, lang))),
        (gettext(lang, "Topics: %(labels)s", labels=_labels(spec.topics, catalogue, lang))),
        gettext(
            lang,
            "Sources: %(labels)s",
            labels=", ".join(catalogue.source_name(s, lang) for s in spec.sources),
        ),
        gettext(lang, "Languages: %(labels)s", labels=", ".join(spec.item_languages)),
    ]
    chosen = [
        part
        for part, values in zip(
            parts, (spec.audiences, spec.topics, spec.sources, spec.item_languages), strict=True
        )
        if values
    ]
    name = gettext(lang, "Custom selection")
    return f"{name} ({'; '.join(chosen)})", "; ".join(chosen)


def _labels(tag_ids: tuple[str, ...], catalogue: Catalogue, language: str) -> str:
    return ", ".join(catalogue.label(tag_id, language) for tag_id in tag_ids)


def standard_specs(
    catalogue: Catalogue, language: str, *, listed_only: bool = False
) -> list[FeedSpec]:
    """Every non-custom feed in ``language``: all, grants, each audience, topic and source."""
    sources = catalogue.listed_sources if listed_only else tuple(catalogue.sources)
    return [
        FeedSpec(FeedKind.ALL, language=language),
        FeedSpec(FeedKind.GRANTS, language=language),
        *(
            FeedSpec(FeedKind.AUDIENCE, audiences=(a,), language=language)
            for a in catalogue.ids("audience")
        ),
        *(FeedSpec(FeedKind.TOPIC, topics=(t,), language=language) for t in catalogue.ids("topic")),
        *(FeedSpec(FeedKind.SOURCE, sources=(s,), language=language) for s in sources),
    ]


def opml_path(language: str) -> str:
    return "/feeds/index.opml" + ("" if language == DEFAULT_LANGUAGE else f"?lang={language}")


def render_opml(catalogue: Catalogue, *, base_url: str, language: str, created: datetime) -> bytes:
    """OPML 2.0 listing the RSS address of every audience, topic and source feed."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{SITE_NAME}: {gettext(language, 'Feeds')}"
    etree.SubElement(head, "dateCreated").text = rfc822(created, usegmt=True)
    body = etree.SubElement(root, "body")
    specs = standard_specs(catalogue, language, listed_only=True)
    groups: dict[FeedKind, etree._Element] = {
        kind: etree.Element("outline", text=gettext(language, title))
        for kind, title in _GROUP_TITLES.items()
    }
    for spec in specs:
        parent = groups.get(spec.kind, body)
        parent.append(_outline(spec, catalogue, base_url))
    for group in groups.values():
        if len(group):
            body.append(group)
    return bytes(etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True))


_GROUP_TITLES = {
    FeedKind.AUDIENCE: "Audiences",
    FeedKind.TOPIC: "Topics",
    FeedKind.SOURCE: "Sources",
}


def _outline(spec: FeedSpec, catalogue: Catalogue, base_url: str) -> etree._Element:
    title, description = describe(spec, catalogue)
    return etree.Element(
        "outline",
        type="rss",
        text=title,
        title=title,
        description=description,
        xmlUrl=spec.url(base_url, FeedFormat.RSS),
        htmlUrl=f"{base_url.rstrip('/')}/",
        language=spec.language,
    )
