"""The grant call a story announces, read from the story as the pipeline normalised it (pure)."""

from __future__ import annotations

from datetime import date, datetime

from aggregator.clock import helsinki_date
from aggregator.grants.extract import extract_grant
from aggregator.types import GrantFields, Item


def publication(item: Item) -> date | datetime | None:
    """The publication time as the text's own reference: a datetime, or the Helsinki date."""
    if item.published is None:
        return None
    return item.published if item.published_has_time else helsinki_date(item.published)


def grant_fields(item: Item) -> GrantFields:
    """What the story's text (or its source's structured fields) says about a call."""
    return extract_grant(
        item.title,
        item.body_text or item.summary,
        published=publication(item),
        language=item.language,
        structured=item.grant,
        source_id=item.source_id,
        url=item.canonical_url,
    )
