"""Enrichers: what happens to a new or edited story inside the ingest transaction.

The pipeline calls each enricher with the session, the story's id and its normalised
:class:`~aggregator.types.Item`. Grant extraction turns call announcements into grant-call
records; tagging stores audiences and topics with their reasons. Both are pure decisions
(:mod:`aggregator.grants`, :mod:`aggregator.tagging`) written by the store.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session

from aggregator.clock import helsinki_date
from aggregator.grants.extract import extract_grant
from aggregator.normalize.dedupe import Outcome
from aggregator.pipeline import Batched, Enricher, Enrichment
from aggregator.store.grants import CallSighting, GrantStore
from aggregator.types import GrantFields, Item


def publication(item: Item) -> date | datetime | None:
    """The publication time as the text's own reference: a datetime, or the Helsinki date."""
    if item.published is None:
        return None
    return item.published if item.published_has_time else helsinki_date(item.published)


def grant_fields(item: Item) -> GrantFields:
    return extract_grant(
        item.title,
        item.body_text or item.summary,
        published=publication(item),
        language=item.language,
        structured=item.grant,
        source_id=item.source_id,
        url=item.canonical_url,
    )


def record_grant_call(
    session: Session, item_id: int, item: Item, outcome: Outcome, now: datetime
) -> None:
    """Store the call a story announces (if it does) and link the story to it.

    A republished copy (``ALSO_SEEN``) adds nothing: the story's own text already decided.
    """
    if outcome not in (Outcome.NEW, Outcome.UPDATED):
        return
    fields = grant_fields(item)
    if not fields.is_call:
        return
    GrantStore(session).record(
        fields,
        item_id=item_id,
        title=item.title,
        url=item.canonical_url,
        language=item.language,
        published=publication(item),
        now=now,
    )


def record_grant_calls(session: Session, stories: Sequence[Enrichment], now: datetime) -> None:
    """:func:`record_grant_call` for a whole stored batch, with a few statements for all."""
    sightings = []
    for story in stories:
        if story.outcome not in (Outcome.NEW, Outcome.UPDATED):
            continue
        fields = grant_fields(story.item)
        if fields.is_call:
            item = story.item
            sightings.append(
                CallSighting(
                    fields,
                    story.item_id,
                    item.title,
                    item.canonical_url,
                    item.language,
                    publication(item),
                )
            )
    GrantStore(session).record_many(sightings, now)


GRANT_CALLS: Enricher = Batched(record_grant_call, record_grant_calls)
"""The grant-call enricher the pipeline uses (batch-aware)."""


def default_enrichers() -> list[Enricher]:
    return [GRANT_CALLS]
