"""Adding a source from a URL: what the page offers, the editor's form, the checked definition.

:func:`preview` fetches the pasted URL once through the real fetcher (so the SSRF guard,
robots.txt and ``AGGREGATOR_ALLOW_PRIVATE_ADDRESSES`` apply as to every fetch) and asks the
selector-free reader (:func:`aggregator.sources.listing.discover`) what it finds: the best
list's items, its next page and proposed selectors, and the feeds the page offers. A URL that
is itself a feed is previewed with the feed parser. :class:`AddSourceForm` is the editor's
adjusted proposal; :meth:`AddSourceForm.definition` turns it into the ``[[source]]`` table
that is stored and checked by the registry exactly as sources.toml would be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from starlette.datastructures import FormData

from aggregator.clock import HELSINKI
from aggregator.errors import ConfigError
from aggregator.fetch import Fetcher
from aggregator.sources.feed import FeedParser
from aggregator.sources.listing import discover
from aggregator.sources.registry import SourceConfig, source_from_block
from aggregator.types import Page

PREVIEW_ITEMS = 10
SELECTOR_NAMES = ("item", "title", "link", "date", "summary", "next_page")
_FEED_TYPES = ("xml", "rss", "atom")


@dataclass(frozen=True, slots=True)
class PreviewItem:
    title: str
    url: str
    published: str  # ISO 8601 date or date-time, or ""
    summary: str


@dataclass(frozen=True, slots=True)
class OfferedFeed:
    url: str
    title: str
    origin: str


@dataclass(frozen=True, slots=True)
class Preview:
    """What one fetch of the pasted URL showed, and the proposal made from it."""

    url: str
    final_url: str
    kind: str  # "html" (a news list on the page) or "feed"
    items: tuple[PreviewItem, ...] = ()
    feeds: tuple[OfferedFeed, ...] = ()
    next_page: str = ""
    lists_found: int = 0
    proposal: AddSourceForm | None = None


@dataclass(frozen=True, slots=True)
class AddSourceForm:
    """The fields of the save form, as typed (strings), with the selectors flattened."""

    FIELDS: ClassVar[tuple[str, ...]] = (
        "url", "id", "publisher", "kind", "language", "list_name", "interval_minutes",
        "max_pages", *(f"sel_{name}" for name in SELECTOR_NAMES),
    )  # fmt: skip

    url: str = ""
    id: str = ""
    publisher: str = ""
    kind: str = "html"
    language: str = "fi"
    list_name: str = ""
    interval_minutes: str = "60"
    max_pages: str = "1"
    sel_item: str = ""
    sel_title: str = ""
    sel_link: str = ""
    sel_date: str = ""
    sel_summary: str = ""
    sel_next_page: str = ""

    @classmethod
    def of(cls, form: FormData) -> AddSourceForm:
        values = {name: _text(form, name) for name in cls.FIELDS}
        return cls(**values)

    def selectors(self) -> dict[str, str]:
        return {
            name: value
            for name in SELECTOR_NAMES
            if (value := getattr(self, f"sel_{name}").strip())
        }

    def definition(self, *, actor: str, at: datetime) -> dict[str, Any]:
        """The ``[[source]]`` table this form configures (not yet checked)."""
        url = self.url.strip()
        parts = urlsplit(url)
        definition: dict[str, Any] = {
            "id": self.id.strip(),
            "publisher": self.publisher.strip(),
            "kind": self.kind if self.kind in ("html", "feed") else "html",
            "language": self.language.strip().lower(),
            "urls": [url],
            "homepage": f"{parts.scheme}://{parts.netloc}/" if parts.netloc else url,
            "interval_minutes": _number(self.interval_minutes),
            "max_pages": _number(self.max_pages),
            "verified": True,
            "verified_note": (
                f"Fetched and previewed by {actor} on "
                f"{at.astimezone(HELSINKI).date().isoformat()} when added in the admin."
            ),
        }
        if self.list_name.strip():
            definition["list_name"] = self.list_name.strip()
        selectors = self.selectors()
        if definition["kind"] == "html" and selectors:
            definition["selectors"] = selectors
        return definition


def check(
    form: AddSourceForm, taken: set[str], *, actor: str, at: datetime
) -> tuple[dict[str, Any], str]:
    """The definition and "" when it passes the registry's checks, else an error text."""
    definition = form.definition(actor=actor, at=at)
    if definition["id"] in taken:
        return definition, "id-taken"
    try:
        source_from_block(definition, "new source")
    except ConfigError as error:
        return definition, str(error).split(": ", 1)[-1]
    return definition, ""


def preview(fetcher: Fetcher, url: str, taken: set[str]) -> Preview:
    """Fetch ``url`` once and say what it offers; raises :class:`AggregatorError`."""
    page = fetcher.get(url)
    if _is_feed(page):
        return _feed_preview(page, taken)
    found = discover(page.body, page.final_url or url, page.headers.get("content-type"))
    best = found.best
    feeds = tuple(OfferedFeed(f.url, f.title, f.origin) for f in found.feeds)
    items = tuple(
        PreviewItem(i.title, i.url, i.published_iso() or "", i.summary)
        for i in (best.items if best else ())
    )
    selectors = dict(best.selectors) if best else {}
    proposal = AddSourceForm(
        url=url,
        id=_free_id(_slug(url), taken),
        publisher=found.title or (urlsplit(url).hostname or ""),
        kind="html",
        language=found.language if re.fullmatch(r"[a-z]{2}", found.language) else "fi",
        max_pages="2" if best and best.next_page else "1",
        **{f"sel_{name}": selectors.get(name, "") for name in SELECTOR_NAMES},
    )
    return Preview(
        url=url,
        final_url=page.final_url or url,
        kind="html",
        items=items[:PREVIEW_ITEMS],
        feeds=feeds,
        next_page=best.next_page_url or "" if best else "",
        lists_found=len(found.lists),
        proposal=proposal,
    )


def _feed_preview(page: Page, taken: set[str]) -> Preview:
    probe = SourceConfig(
        id="new-source", publisher="?", kind="feed", parser="feed", language="fi",
        urls=(page.url,), homepage=page.url,
    )  # fmt: skip
    result = FeedParser().parse_list(probe, page)
    items = tuple(
        PreviewItem(i.title, i.url, i.published.isoformat() if i.published else "", i.summary)
        for i in result.items[:PREVIEW_ITEMS]
    )
    language = next((i.language for i in result.items if len(i.language) == 2), "fi")
    proposal = AddSourceForm(
        url=page.url,
        id=_free_id(_slug(page.url), taken),
        publisher=urlsplit(page.url).hostname or "",
        kind="feed",
        language=language,
    )
    return Preview(page.url, page.final_url or page.url, "feed", items, proposal=proposal)


def _is_feed(page: Page) -> bool:
    start = page.body[:256].lstrip().lower()
    if start.startswith((b"<rss", b"<feed", b"<rdf")):
        return True
    html = page.content_type in ("text/html", "application/xhtml+xml")
    return not html and (
        any(t in page.content_type for t in _FEED_TYPES) or start.startswith(b"<?xml")
    )


def _slug(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "source").removeprefix("www.").split(".")[0]
    slug = re.sub(r"[^a-z0-9]+", "-", f"{host} {parts.path}".lower()).strip("-")
    return slug[:48].strip("-") or "source"


def _free_id(slug: str, taken: set[str]) -> str:
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value[:2000] if isinstance(value, str) else ""


def _number(value: str) -> int | str:
    """A whole number, or the text as typed (the registry then says what is wrong)."""
    return int(value) if value.strip().isdigit() else value.strip()


__all__ = ["AddSourceForm", "OfferedFeed", "Preview", "PreviewItem", "check", "preview"]
