"""Public pages: the latest stories with filters and search, and one story with its tags,
the reason for each tag and every source that carried it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from aggregator.display import publisher_names_in
from aggregator.i18n import reading_order
from aggregator.search.terms import SearchQuery, highlight, parse_query
from aggregator.store.queries import SEARCH_COUNT_LIMIT, StoryView, TagView
from aggregator.types import LANGUAGES
from aggregator.web.deps import LanguageDep, RuntimeDep, StoreDep, optional_admin, render_page
from aggregator.web.filters import PAGE_SIZE, parse_filters
from aggregator.web.views import (
    TagBadge,
    safe_body,
    source_names,
    tag_badges,
    tag_options,
)

SUMMARY_CHARS = 320
# A logged-in admin sees the admin link in the header on public pages too.
router = APIRouter(dependencies=[Depends(optional_admin)])


def _taxonomy(db: StoreDep, language: str) -> dict[str, Any]:
    options = tag_options(db.tags.taxonomy(), language)
    return {
        "audiences": [o for o in options if o.kind == "audience"],
        "topics": [o for o in options if o.kind == "topic"],
        "labels": {o.id: o.label for o in options},
    }


def _badges(
    tags: Sequence[TagView], labels: Mapping[str, str], names: Mapping[str, str]
) -> list[TagBadge]:
    """The story's active tags: a topic an admin deactivated is hidden from readers, though
    stories tagged before keep it (reactivating shows it again)."""
    return [badge for badge in tag_badges(tags, labels, names) if badge.id in labels]


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def latest(
    request: Request, db: StoreDep, runtime: RuntimeDep, language: LanguageDep
) -> HTMLResponse:
    """Newest stories first; every filter is a GET parameter, so results can be bookmarked."""
    taxonomy = _taxonomy(db, language)
    names = source_names(runtime.sources(), language)
    filters = parse_filters(
        request.query_params,
        audiences=[o.id for o in taxonomy["audiences"]],
        topics=[o.id for o in taxonomy["topics"]],
        sources=names,
        languages=LANGUAGES,
    )
    item_filter = filters.item_filter(page_size=PAGE_SIZE)
    order = reading_order(language, item_filter.languages)
    stories = [story.in_language(*order) for story in db.find_items(item_filter)]
    # A search counts up to SEARCH_COUNT_LIMIT past this page's first story; one more says
    # "more than that", and the pager then offers the next page.
    most = item_filter.offset + SEARCH_COUNT_LIMIT
    counted = db.count_items(item_filter, at_most=most + 1)
    total = min(counted, most)
    query = parse_query(filters.text) if filters.text else None
    return render_page(
        request,
        "pages/index.html",
        filters=filters,
        stories=[(s, _badges(s.tags, taxonomy["labels"], names)) for s in stories],
        total=total,
        more=counted > most,
        pages=max(1, -(-counted // PAGE_SIZE)),
        marked={s.id: marked_texts(s, query) for s in stories} if query else {},
        sources=sorted(
            ((s.id, names[s.id]) for s in runtime.sources() if s.enabled),
            key=lambda pair: pair[1].casefold(),
        ),
        source_names=names,
        publishers=publisher_names_in(runtime.sources(), language),
        languages=LANGUAGES,
        **taxonomy,
    )


@dataclass(frozen=True, slots=True)
class MarkedTexts:
    """A found story's title and summary, escaped, with the words that matched marked."""

    title: Markup
    summary: Markup


def marked_texts(story: StoryView, query: SearchQuery) -> MarkedTexts:
    return MarkedTexts(
        highlight(story.title, story.language, query),
        highlight(_truncated(story.summary), story.language, query),
    )


def _truncated(text: str, limit: int = SUMMARY_CHARS) -> str:
    """As Jinja's ``truncate``: cut at a word boundary and end with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 3].rsplit(" ", 1)[0] + "..."


@router.api_route("/items/{item_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def item_page(
    item_id: int,
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    language: LanguageDep,
) -> HTMLResponse:
    """One story: text, tags with their reasons, every sighting, and its grant call."""
    stored = db.get_item(item_id)
    if stored is None:
        raise HTTPException(status_code=404)
    story = stored.in_language(language)
    taxonomy = _taxonomy(db, language)
    names = source_names(runtime.sources(), language)
    return render_page(
        request,
        "pages/item.html",
        story=story,
        body=safe_body(story),
        badges=_badges(story.tags, taxonomy["labels"], names),
        source_names=names,
        publishers=publisher_names_in(runtime.sources(), language),
        list_names={s.id: s.list_name_in(language) for s in runtime.sources()},
    )
