"""Plain data passed between the pipeline stages.

Each stage takes and returns these frozen dataclasses, never database rows, so parsing,
normalising, tagging and grant extraction are pure functions that tests can call on recorded
files. SQLModel tables live only in :mod:`aggregator.store`.

Flow: ``fetch`` yields a :class:`Page`; a parser turns it into a :class:`ParseResult` of
:class:`RawItem`; ``normalize`` turns each into an :class:`Item`; ``tagging`` adds
:class:`TagAssignment` records; ``grants`` adds :class:`GrantFields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

# Languages the service knows. Items in other languages are kept with their own code.
LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")


@dataclass(frozen=True, slots=True)
class Page:
    """One HTTP response as the fetcher got it.

    ``url`` is the URL asked for and ``final_url`` the one answered after redirects; both are
    the real-world addresses (``https://kotoutuminen.fi/...``) even when the offline mirror
    served the bytes. ``status`` is 200 or 304; with 304 the body is empty and nothing changed.
    ``unchanged`` marks a 200 whose body is byte for byte the one parsed last time (the
    pipeline compares their hashes): nothing changed either. Header names are lower-case.
    """

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    fetched_at: datetime
    unchanged: bool = False

    @property
    def not_modified(self) -> bool:
        """Nothing changed since the last pass: a 304, or the same bytes again."""
        return self.status == 304 or self.unchanged

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        """The charset the server declared, if any (the parser may still override it)."""
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'").lower()
        return None


@dataclass(frozen=True, slots=True)
class RawItem:
    """One story as a parser found it on a page, before normalising.

    Text fields are plain text (the parser strips markup); ``body_html`` keeps an article's
    markup for display and is sanitised by ``normalize`` before anything stores it.
    ``published`` is timezone-aware UTC; ``published_has_time`` is False when the site gave
    only a date (then ``published`` is that date's midnight in Europe/Helsinki, in UTC).
    ``grant`` carries structured grant-call fields when the source has them (haeavustuksia.fi).
    """

    source_id: str
    url: str
    title: str
    summary: str = ""
    body_text: str = ""
    body_html: str = ""
    published: datetime | None = None
    published_has_time: bool = False
    published_origin: str = ""  # where ``published`` was read (aggregator.normalize.dating)
    updated: datetime | None = None
    language: str = "fi"
    kind: str = ""
    guid: str = ""
    publisher: str = ""
    list_name: str = ""
    grant: Mapping[str, Any] | None = None
    alternates: tuple[str, ...] = ()  # the page's other-language versions (hreflang)


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What a parser got from one page.

    ``next_pages`` are pagination URLs the pipeline may fetch (it bounds the backfill);
    ``article_urls`` are detail pages to fetch for full text and exact time. ``used_fallback``
    says the configured selectors found nothing and the selector-free list reader produced the
    items ("selectors stale, read without them"); ``proposed_selectors`` are then the selectors
    that reader would configure.
    """

    items: tuple[RawItem, ...] = ()
    next_pages: tuple[str, ...] = ()
    article_urls: tuple[str, ...] = ()
    used_fallback: bool = False
    warnings: tuple[str, ...] = ()
    proposed_selectors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ArticleDetails:
    """What an article (detail) page adds to a list item."""

    url: str
    title: str = ""
    body_text: str = ""
    body_html: str = ""
    published: datetime | None = None
    published_has_time: bool = False
    published_origin: str = ""
    updated: datetime | None = None
    kind: str = ""
    alternates: tuple[str, ...] = ()  # <link rel="alternate" hreflang> other-language URLs


@dataclass(frozen=True, slots=True)
class Item:
    """A normalised story, ready to be matched against stored ones and tagged.

    ``canonical_url`` is the URL with tracking parameters removed; ``story_keys`` are the
    identities under which the same story may already be stored (canonical URL, Liferay slug,
    normalised title plus date), strongest first. ``content_hash`` changes when the source edits
    the title, summary or body.
    """

    source_id: str
    url: str
    canonical_url: str
    title: str
    summary: str
    body_text: str
    body_html: str
    published: datetime | None
    published_has_time: bool
    language: str
    kind: str
    guid: str
    publisher: str
    list_name: str
    story_keys: tuple[str, ...]
    content_hash: str
    grant: Mapping[str, Any] | None = None
    updated: datetime | None = None
    alternates: tuple[str, ...] = ()  # canonical URLs of its other-language versions
    published_origin: str = ""


class TagKind(StrEnum):
    AUDIENCE = "audience"
    TOPIC = "topic"


class TagOrigin(StrEnum):
    RULE = "rule"
    SOURCE = "source"
    ADMIN = "admin"
    MODEL = "model"


@dataclass(frozen=True, slots=True)
class Match:
    """Words of one field that satisfied a rule term."""

    field: str
    term: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TagAssignment:
    """One tag on one item and why: a rule's matches, a source default, the learned model's
    probability with the words that weighed most, or an admin's choice."""

    tag_id: str
    kind: TagKind
    origin: TagOrigin
    rule_id: str = ""
    matches: tuple[Match, ...] = ()
    source_id: str = ""
    admin: str = ""
    at: datetime | None = None
    note: str = ""
    note_public: bool = False
    model: str = ""  # the learned model's version
    probability: float = 0.0
    words: tuple[str, ...] = ()

    def why(self) -> dict[str, Any]:
        """The reason as plain data, for JSON output and storage."""
        reason: dict[str, Any] = {"origin": self.origin.value}
        if self.origin is TagOrigin.RULE:
            reason["rule"] = self.rule_id
            reason["matched"] = [
                {"field": m.field, "term": m.term, "words": list(m.words)} for m in self.matches
            ]
        elif self.origin is TagOrigin.SOURCE:
            reason["source"] = self.source_id
        elif self.origin is TagOrigin.MODEL:
            reason["model"] = self.model
            reason["probability"] = round(self.probability, 3)
            reason["words"] = list(self.words)
        else:
            reason["admin"] = self.admin
            reason["at"] = self.at.isoformat() if self.at else None
            if self.note:
                reason["note"] = self.note
                if self.note_public:
                    reason["note_public"] = True
        return reason


@dataclass(frozen=True, slots=True)
class GrantFields:
    """Structured fields of a grant call (hakuilmoitus).

    ``opens_at``/``closes_at`` are aware datetimes when the text gave a time, else dates
    (a date-only deadline means the end of that day in Europe/Helsinki). ``rolling`` is a
    continuous call (haeavustuksia.fi ``hakuTyyppi: "Jatkuva"``).
    """

    is_call: bool
    opens_at: datetime | date | None = None
    closes_at: datetime | date | None = None
    amount_eur: float | None = None
    programme: str | None = None
    funder: str | None = None
    eligible: tuple[str, ...] = ()
    apply_url: str | None = None
    rolling: bool = False
    reference: str | None = None
    evidence: Mapping[str, str] = field(default_factory=dict)
