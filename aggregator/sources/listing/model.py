"""The plain records the list reader returns: items, candidate lists, feeds, the discovery."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aggregator.normalize.dates import ParsedDate


@dataclass(frozen=True, slots=True)
class ListItem:
    """One entry of a news list as the page shows it."""

    title: str
    url: str
    published: ParsedDate | None = None
    summary: str = ""
    kind: str = ""

    def published_iso(self) -> str | None:
        """ISO 8601: a date-time with offset when the page gave a time, else a date."""
        if self.published is None:
            return None
        if self.published.has_time:
            return self.published.moment.isoformat()
        return self.published.day.isoformat()

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "url": self.url,
            "published": self.published_iso(),
            "summary": self.summary,
        }


@dataclass(frozen=True, slots=True)
class FeedLink:
    """A feed the page offers. ``origin`` says how it was found: ``alternate`` (a ``<link
    rel="alternate">``), ``liferay`` (an asset publisher's RSS link), ``sttinfo`` (the STT Info
    newsroom RSS for a publisher id seen on the page) or ``link`` (an RSS link in the text)."""

    url: str
    title: str = ""
    origin: str = "alternate"
    type: str = ""

    def as_json(self) -> dict[str, str]:
        return {"url": self.url, "title": self.title, "origin": self.origin, "type": self.type}


@dataclass(frozen=True, slots=True)
class NextPage:
    """The list's next page and how it was found (``rel``, ``words``, ``numbers``, ``step``);
    ``parameter`` is the query parameter that pages the list, when one does."""

    url: str
    how: str
    parameter: str = ""


@dataclass(frozen=True, slots=True)
class CandidateList:
    """A repeated block of linked items the reader found, with what it would configure."""

    items: tuple[ListItem, ...]
    score: float
    next_page: NextPage | None = None
    selectors: Mapping[str, str] = field(default_factory=dict)
    where: str = ""  # a CSS path of the block, for people

    @property
    def next_page_url(self) -> str | None:
        return self.next_page.url if self.next_page else None


@dataclass(frozen=True, slots=True)
class Discovery:
    """What :func:`aggregator.sources.listing.discover` found on one page, best list first."""

    url: str
    lists: tuple[CandidateList, ...] = ()
    feeds: tuple[FeedLink, ...] = ()
    language: str = ""
    title: str = ""

    @property
    def best(self) -> CandidateList | None:
        return self.lists[0] if self.lists else None

    def source_toml(self, **fields: Any) -> str:
        """A ready ``[[source]]`` block for the best list (see :mod:`.proposal`)."""
        from aggregator.sources.listing.proposal import source_toml

        return source_toml(self, **fields)

    def as_json(self) -> dict[str, Any]:
        """The best list's items and next page, the feeds and the TOML block."""
        best = self.best
        return {
            "items": [item.as_json() for item in best.items] if best else [],
            "next_page": best.next_page_url if best else None,
            "feeds": [feed.as_json() for feed in self.feeds],
            "source_toml": self.source_toml(),
        }
