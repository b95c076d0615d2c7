"""Fixtures for the digest tests: fixed clock, settings without any .env, a real SMTP server on
loopback (aiosmtpd), a database seeded with the taxonomy, and helpers that store stories and
subscribers the way the pipeline and the confirmation flow would."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from aggregator.clock import FixedClock
from aggregator.demo.smtp_sink import SmtpSink
from aggregator.publish.delivery import DeliveryPolicy, DigestRunner
from aggregator.runtime import Runtime
from aggregator.settings import Settings
from aggregator.store.db import session_scope
from aggregator.store.models import GrantCallRow, ItemGrantLink, ItemRow, ItemTag, Sighting
from aggregator.store.subscribers import Frequency, Preferences, SubscriberStore, SubscriberView
from aggregator.store.tags import TagStore

# Friday 20 November 2026, 08:00 in Helsinki.
NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
BASE_URL = "https://uutiset.example.fi"

TAXONOMY: list[dict[str, Any]] = [
    {
        "id": "municipalities",
        "kind": "audience",
        "label_fi": "Kunnat ja hyvinvointialueet",
        "label_sv": "Kommuner och välfärdsområden",
        "label_en": "Municipalities and wellbeing services counties",
    },
    {
        "id": "professionals",
        "kind": "audience",
        "label_fi": "Kotoutumistyön ammattilaiset",
        "label_sv": "Yrkesverksamma inom integrationsarbetet",
        "label_en": "Integration professionals",
    },
    {
        "id": "funding",
        "kind": "audience",
        "label_fi": "Rahoitus ja avustushaut",
        "label_sv": "Finansiering och utlysningar",
        "label_en": "Funding and grant calls",
    },
    {
        "id": "amif",
        "kind": "topic",
        "label_fi": "AMIF-rahasto",
        "label_sv": "AMIF-fonden",
        "label_en": "AMIF",
    },
    {
        "id": "legislation",
        "kind": "topic",
        "label_fi": "Lainsäädäntö",
        "label_sv": "Lagstiftning",
        "label_en": "Legislation",
    },
    {
        "id": "minors",
        "kind": "topic",
        "label_fi": "Ilman huoltajaa tulleet alaikäiset",
        "label_sv": "Minderåriga som kommit utan vårdnadshavare",
        "label_en": "Unaccompanied minors",
    },
]
AUDIENCES = {tag["id"] for tag in TAXONOMY if tag["kind"] == "audience"}


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "base_url": BASE_URL,
        "secret_key": "test-secret-for-digests",
        "mail_from": "uutiskirje@uutiset.example.fi",
        "mail_from_name": "Kotoutumisuutiset",
        "mail_rate_per_second": 0,
        "smtp_timeout": 5.0,
        "config_dir": "/nonexistent-config",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass(frozen=True)
class Story:
    """A story to store: tags, source, optional grant deadline."""

    title: str
    tags: Sequence[str] = ()
    source: str = "kotoutuminen-uutiset"
    first_seen: datetime = NOW - timedelta(hours=12)
    published: datetime | None = None
    summary: str = ""
    closes_at: datetime | None = None
    closes_has_time: bool = True
    url: str = ""


def store_stories(engine: Engine, stories: Sequence[Story]) -> list[int]:
    """Insert stories with tags, one sighting each and grant calls; returns their ids."""
    ids = []
    with session_scope(engine) as session:
        for number, story in enumerate(stories):
            row = _item_row(story, number)
            session.add(row)
            session.flush()
            assert row.id is not None
            ids.append(row.id)
            _tag_and_sight(session, row.id, story)
            if story.closes_at is not None:
                _grant(session, row.id, story, number)
    return ids


def _item_row(story: Story, number: int) -> ItemRow:
    url = story.url or f"https://kotoutuminen.fi/-/uutinen-{number}"
    return ItemRow(
        title=story.title,
        summary=story.summary or f"Tiivistelmä: {story.title}.",
        language="fi",
        kind="Uutinen",
        publisher="Kotoutumisen osaamiskeskus",
        url=url,
        primary_source_id=story.source,
        primary_url_key=f"url:{url}",
        published_at=story.published or story.first_seen,
        published_has_time=True,
        first_seen_at=story.first_seen,
        updated_at=story.first_seen,
        sort_at=story.published or story.first_seen,
        content_hash=f"hash-{number}",
    )


def _tag_and_sight(session: Any, item_id: int, story: Story) -> None:
    for tag in story.tags:
        kind = "audience" if tag in AUDIENCES else "topic"
        session.add(
            ItemTag(
                item_id=item_id, tag_id=tag, kind=kind, origin="rule", tagged_at=story.first_seen
            )
        )
    session.add(
        Sighting(
            item_id=item_id,
            source_id=story.source,
            url=f"https://kotoutuminen.fi/-/{item_id}",
            url_key=f"url:kotoutuminen.fi/-/{item_id}",
            first_seen_at=story.first_seen,
            last_seen_at=story.first_seen,
        )
    )


def _grant(session: Any, item_id: int, story: Story, number: int) -> None:
    call = GrantCallRow(
        call_key=f"call-{number}",
        title=story.title,
        url=f"https://eusa-rahastot2021.fi/haku-{number}",
        funder="Sisäministeriö",
        programme="AMIF",
        closes_at=story.closes_at,
        closes_has_time=story.closes_has_time,
        first_seen_at=story.first_seen,
        updated_at=story.first_seen,
    )
    session.add(call)
    session.flush()
    assert call.id is not None
    session.add(ItemGrantLink(item_id=item_id, grant_call_id=call.id))


def add_subscriber(
    engine: Engine,
    email: str,
    *,
    audiences: Sequence[str] = ("municipalities",),
    topics: Sequence[str] = (),
    sources: Sequence[str] = (),
    frequency: Frequency = Frequency.DAILY,
    language: str = "fi",
    confirmed_at: datetime = NOW - timedelta(days=30),
) -> SubscriberView:
    """An active subscriber, as if they had confirmed at ``confirmed_at``."""
    preferences = Preferences(tuple(audiences), tuple(topics), tuple(sources), frequency, language)
    with session_scope(engine) as session:
        store = SubscriberStore(session)
        pending = store.register(email, preferences, confirmed_at, via="test")
        active = store.confirm(pending.id, pending.token_version, confirmed_at)
    assert active is not None
    return active


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


@pytest.fixture
def settings(sink: SmtpSink) -> Settings:
    return make_settings(smtp_host=sink.host, smtp_port=sink.port)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """The database with the audiences and topics."""
    with session_scope(engine) as session:
        TagStore(session).seed_taxonomy(TAXONOMY, NOW - timedelta(days=365))
    return engine


@pytest.fixture
def runner(seeded: Engine, settings: Settings, clock: FixedClock) -> DigestRunner:
    return DigestRunner(seeded, settings, clock=clock, policy=DeliveryPolicy(batch_size=3))


@pytest.fixture
def runtime(
    database_url: str, seeded: Engine, settings: Settings, clock: FixedClock
) -> Iterator[Runtime]:
    rt = Runtime(settings.model_copy(update={"database_url": database_url}), clock=clock)
    yield rt
    rt.close()
