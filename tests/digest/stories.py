"""StoryView and SubscriberView builders for the pure digest tests (no database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from aggregator.publish.choose import TagInfo
from aggregator.store.queries import GrantView, SightingView, StoryView, TagView
from aggregator.store.subscribers import (
    Frequency,
    Preferences,
    SubscriberStatus,
    SubscriberView,
)
from tests.digest.conftest import AUDIENCES, NOW, TAXONOMY

TAGS = {
    tag["id"]: TagInfo(
        tag["id"],
        tag["kind"],
        position,
        {"fi": tag["label_fi"], "sv": tag["label_sv"], "en": tag["label_en"]},
    )
    for position, tag in enumerate(TAXONOMY)
}


def story(
    story_id: int,
    *tags: str,
    source: str = "kotoutuminen-uutiset",
    first_seen: datetime = NOW - timedelta(hours=6),
    closes_at: datetime | None = None,
    closes_has_time: bool = True,
    rolling: bool = False,
    title: str = "",
    summary: str = "",
    url: str = "",
) -> StoryView:
    grant = None
    if closes_at is not None or rolling:
        grant = GrantView(
            id=story_id,
            call_key=f"call-{story_id}",
            title=title,
            url="",
            funder="Sisäministeriö",
            programme="AMIF",
            opens_at=None,
            opens_has_time=False,
            closes_at=closes_at,
            closes_has_time=closes_has_time,
            amount_eur=None,
            eligible=(),
            apply_url=None,
            rolling=rolling,
            deadline_changed_at=None,
            previous_closes_at=None,
        )
    return StoryView(
        id=story_id,
        title=title or f"Uutinen {story_id}",
        summary=summary or f"Tiivistelmä {story_id}.",
        body_html="",
        url=url or f"https://kotoutuminen.fi/-/uutinen-{story_id}",
        language="fi",
        kind="Uutinen",
        publisher="Kotoutumisen osaamiskeskus",
        primary_source_id=source,
        published_at=first_seen,
        published_has_time=True,
        first_seen_at=first_seen,
        updated_at=first_seen,
        sort_at=first_seen,
        edits=0,
        tags=tuple(TagView(t, "audience" if t in AUDIENCES else "topic", "rule", ()) for t in tags),
        sightings=(SightingView(source, f"https://x/{story_id}", "", first_seen),),
        grant=grant,
    )


def subscriber(
    *,
    audiences: Sequence[str] = (),
    topics: Sequence[str] = (),
    sources: Sequence[str] = (),
    frequency: Frequency = Frequency.DAILY,
    language: str = "fi",
    confirmed_at: datetime | None = NOW - timedelta(days=60),
    email: str = "anna.virtanen@kunta.example.fi",
) -> SubscriberView:
    return SubscriberView(
        id=1,
        email=email,
        status=SubscriberStatus.ACTIVE,
        preferences=Preferences(
            tuple(audiences), tuple(topics), tuple(sources), frequency, language
        ),
        consent_at=NOW - timedelta(days=61),
        confirmed_at=confirmed_at,
        unsubscribed_at=None,
        token_version=0,
        bounce_count=0,
        created_at=NOW - timedelta(days=61),
    )
