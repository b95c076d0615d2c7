"""Test data for the feed tests: the taxonomy, three sources and stories written to a database.

The stories are chosen to be awkward the way real ones are: non-ASCII URLs, markup and
ampersands in summaries, control characters from a broken page, a date-only publication time,
grant calls that are open, closing, closed, rolling and with a moved deadline, an untagged
off-topic story and stories in Swedish and English.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from aggregator.publish.render.opml import Catalogue, TagLabel
from aggregator.store import versions
from aggregator.store.db import session_scope
from aggregator.store.models import (
    GrantCallRow,
    ItemGrantLink,
    ItemRow,
    ItemTag,
    Sighting,
    TagRow,
)
from aggregator.store.queries import GrantView, SightingView, StoryView, TagView

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
BASE_URL = "http://feeds.example.test"

TAXONOMY: tuple[tuple[str, str, str, str, str], ...] = (
    ("municipalities", "audience", "Kunnat ja hyvinvointialueet", "Kommuner och välfärdsområden",
     "Municipalities and wellbeing services counties"),
    ("professionals", "audience", "Kotoutumistyön ammattilaiset",
     "Yrkesverksamma inom integrationsarbetet", "Integration professionals"),
    ("funding", "audience", "Rahoitus ja avustushaut", "Finansiering och utlysningar",
     "Funding and grant calls"),
    ("amif", "topic", "AMIF-rahasto", "AMIF-fonden", "AMIF"),
    ("legislation", "topic", "Lainsäädäntö", "Lagstiftning", "Legislation"),
    ("compensation", "topic", "Korvaukset", "Ersättningar", "State compensation"),
    ("placement", "topic", "Kuntapaikat", "Kommunplatser", "Municipal placement"),
    ("temporary-protection", "topic", "Tilapäinen suojelu", "Tillfälligt skydd",
     "Temporary protection"),
    ("minors", "topic", "Ilman huoltajaa tulleet alaikäiset",
     "Minderåriga som kommit utan vårdnadshavare", "Unaccompanied minors"),
    ("employment", "topic", "Työllisyys", "Sysselsättning", "Employment"),
    ("koto-digi", "topic", "Koto-digi", "Koto-digi", "Koto-digi"),
    ("events", "topic", "Tapahtumat", "Evenemang", "Events"),
)  # fmt: skip

SOURCES_TOML = """
[[source]]
id = "kotoutuminen-uutiset"
publisher = "Kotoutumisen osaamiskeskus"
kind = "feed"
language = "fi"
urls = ["https://kotoutuminen.fi/uutiset.rss"]
homepage = "https://kotoutuminen.fi/"

[[source]]
id = "eusa-amif"
publisher = "Sisäministeriö, EU-rahastot"
kind = "feed"
language = "fi"
urls = ["https://eusa-rahastot2021.fi/uutiset.rss"]
homepage = "https://eusa-rahastot2021.fi/"

[[source]]
id = "hyvaks-uutiset"
publisher = "Keski-Suomen hyvinvointialue"
kind = "feed"
language = "fi"
urls = ["https://www.hyvaks.fi/uutiset.rss"]
homepage = "https://www.hyvaks.fi/"
"""


@dataclass
class Grant:
    closes_at: datetime | None
    closes_has_time: bool = True
    rolling: bool = False
    opens_at: datetime | None = None
    deadline_changed_at: datetime | None = None
    previous_closes_at: datetime | None = None


@dataclass
class Story:
    key: str
    title: str
    url: str
    source: str
    published: datetime | None
    tags: Sequence[str] = ()
    summary: str = ""
    body_html: str = ""
    language: str = "fi"
    publisher: str = ""
    published_has_time: bool = True
    grant: Grant | None = None
    also_seen_in: Sequence[str] = field(default_factory=tuple)


STORIES: tuple[Story, ...] = (
    Story(
        "amif-call",
        "AMIF-rahaston haku käynnissä: haettavissa 10,8 miljoonaa euroa",
        "https://eusa-rahastot2021.fi/-/amif-rahaston-haku-syksy-2026",
        "eusa-amif",
        NOW - timedelta(days=2, hours=3),
        tags=("funding", "amif"),
        summary="Hakuaika 20.11.2026 klo 8.00 – 4.12.2026 klo 16.15. Hakijoina voivat olla "
        "kunnat & järjestöt.",
        publisher="Sisäministeriö",
        grant=Grant(
            closes_at=datetime(2026, 12, 4, 14, 15, tzinfo=UTC),
            opens_at=datetime(2026, 11, 20, 6, 0, tzinfo=UTC),
            deadline_changed_at=NOW - timedelta(days=1),
            previous_closes_at=datetime(2026, 11, 30, 21, 59, 59, tzinfo=UTC),
        ),
    ),
    Story(
        "placement",
        "Kuntapaikat & korvaukset vuonna 2027",
        "https://kotoutuminen.fi/-/kuntapaikat-ja-korvaukset-vuonna-2027-päätös",
        "kotoutuminen-uutiset",
        NOW - timedelta(days=1),
        tags=("municipalities", "placement", "compensation"),
        summary="Laskennallinen korvaus <b>nousee</b> & kuntapaikkoja tarvitaan "
        "<script>alert('x')</script> lisää.",
        publisher="Kotoutumisen osaamiskeskus",
    ),
    Story(
        "event",
        "Integration 2026: programme published",
        "https://kotoutuminen.fi/en/-/integration-2026-programme",
        "kotoutuminen-uutiset",
        NOW - timedelta(days=3),
        tags=("professionals", "events"),
        body_html='<p>The <a href="/en/integration-2026">annual event</a> gathers '
        + "professionals from all over Finland. " * 30
        + "</p>",
        language="en",
    ),
    Story(
        "rolling",
        "Valtionavustus kotoutumista edistävään toimintaan",
        "https://www.haeavustuksia.fi/fi/haku/VN/1234/2026",
        "eusa-amif",
        NOW - timedelta(days=10),
        tags=("funding",),
        summary="Jatkuva haku.",
        grant=Grant(closes_at=None, rolling=True),
    ),
    Story(
        "off-topic",
        "Sairaalan ruokalista muuttuu",
        "https://www.hyvaks.fi/uutiset/ruokalista",
        "hyvaks-uutiset",
        NOW - timedelta(hours=5),
        summary="Ruokalista uudistuu joulukuussa.",
    ),
    Story(
        "swedish",
        "Tillfälligt skydd: ändringar i kommunplacering",
        "https://kotoutuminen.fi/sv/-/tillfälligt-skydd",
        "kotoutuminen-uutiset",
        datetime(2026, 11, 16, 22, 0, tzinfo=UTC),
        tags=("municipalities", "temporary-protection"),
        summary="Personer som får tillfälligt skydd kan få hemkommun.",
        language="sv",
        published_has_time=False,
        also_seen_in=("eusa-amif",),
    ),
    Story(
        "closed-call",
        "AMIF-haku keväällä 2026 on päättynyt",
        "https://eusa-rahastot2021.fi/-/amif-haku-kevat-2026",
        "eusa-amif",
        NOW - timedelta(days=40),
        tags=("funding", "amif"),
        summary="Haku päättyi 20.10.2026.",
        grant=Grant(
            closes_at=datetime(2026, 10, 20, 20, 59, 59, tzinfo=UTC), closes_has_time=False
        ),
    ),
    Story(
        "broken-text",
        "Koto-digi\x0b ja asiakastiedot\x85 – ohje",
        "https://kotoutuminen.fi/-/koto-digi-ohje?a=1&b=[2]",
        "kotoutuminen-uutiset",
        NOW - timedelta(days=5),
        tags=("professionals", "koto-digi"),
        summary="Ohje\x0c asiakastietojen käsittelyyn.",
    ),
)


def seed_taxonomy(session: Session) -> None:
    for position, (tag_id, kind, fi, sv, en) in enumerate(TAXONOMY):
        session.add(
            TagRow(
                id=tag_id, kind=kind, label_fi=fi, label_sv=sv, label_en=en,
                position=position, updated_at=NOW,
            )
        )  # fmt: skip


def add_story(session: Session, story: Story, *, seen_at: datetime = NOW) -> int:
    """Write ``story`` with its sightings, tags and grant call; returns its id."""
    row = ItemRow(
        title=story.title,
        summary=story.summary,
        body_html=story.body_html,
        language=story.language,
        publisher=story.publisher,
        url=story.url,
        primary_source_id=story.source,
        primary_url_key=story.url,
        published_at=story.published,
        published_has_time=story.published_has_time,
        first_seen_at=seen_at,
        updated_at=seen_at,
        sort_at=story.published or seen_at,
        content_hash=story.key,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    for source in (story.source, *story.also_seen_in):
        session.add(_sighting(row.id, source, story.url, seen_at))
    kinds = {tag_id: kind for tag_id, kind, *_ in TAXONOMY}
    for tag_id in story.tags:
        session.add(
            ItemTag(
                item_id=row.id, tag_id=tag_id, kind=kinds[tag_id], origin="rule", tagged_at=seen_at
            )
        )
    if story.grant is not None:
        _add_grant(session, row.id, story, seen_at)
    return row.id


def _sighting(item_id: int, source: str, url: str, seen_at: datetime) -> Sighting:
    return Sighting(
        item_id=item_id,
        source_id=source,
        url=url,
        url_key=f"{source}:{url}",
        first_seen_at=seen_at,
        last_seen_at=seen_at,
    )


def _add_grant(session: Session, item_id: int, story: Story, seen_at: datetime) -> None:
    grant = story.grant
    assert grant is not None
    call = GrantCallRow(
        call_key=story.key,
        title=story.title,
        url=story.url,
        programme="AMIF" if "amif" in story.tags else None,
        opens_at=grant.opens_at,
        opens_has_time=grant.opens_at is not None,
        closes_at=grant.closes_at,
        closes_has_time=grant.closes_has_time,
        rolling=grant.rolling,
        first_item_id=item_id,
        first_seen_at=seen_at,
        updated_at=seen_at,
        deadline_changed_at=grant.deadline_changed_at,
        previous_closes_at=grant.previous_closes_at,
    )
    session.add(call)
    session.flush()
    assert call.id is not None
    session.add(ItemGrantLink(item_id=item_id, grant_call_id=call.id))


def seed(engine: Engine, stories: Iterable[Story] = STORIES) -> dict[str, int]:
    """The taxonomy and ``stories`` in the database; story key -> id."""
    with session_scope(engine) as session:
        seed_taxonomy(session)
        ids = {story.key: add_story(session, story) for story in stories}
        versions.bump(session, NOW)
    return ids


# --- the same stories without a database, for the pure renderer tests ----------------------


SOURCE_PUBLISHERS = {
    "kotoutuminen-uutiset": "Kotoutumisen osaamiskeskus",
    "eusa-amif": "Sisäministeriö, EU-rahastot",
    "hyvaks-uutiset": "Keski-Suomen hyvinvointialue",
}


def catalogue() -> Catalogue:
    return Catalogue(
        tags={tag_id: TagLabel(kind, fi, sv, en) for tag_id, kind, fi, sv, en in TAXONOMY},
        sources=SOURCE_PUBLISHERS,
        listed_sources=tuple(SOURCE_PUBLISHERS),
        publishers={
            "kotoutuminen-uutiset": {
                "sv": "Kompetenscentret för integration av invandrare",
                "en": "Centre of Expertise in Immigrant Integration",
            }
        },
    )


def story_view(story: Story, story_id: int, **changes: Any) -> StoryView:
    """``story`` as :func:`aggregator.store.queries.find_items` would return it."""
    kinds = {tag_id: kind for tag_id, kind, *_ in TAXONOMY}
    view = StoryView(
        id=story_id,
        title=story.title,
        summary=story.summary,
        body_html=story.body_html,
        url=story.url,
        language=story.language,
        kind="",
        publisher=story.publisher,
        primary_source_id=story.source,
        published_at=story.published,
        published_has_time=story.published_has_time,
        first_seen_at=NOW,
        updated_at=NOW,
        sort_at=story.published or NOW,
        edits=0,
        tags=tuple(TagView(t, kinds[t], "rule", ()) for t in sorted(story.tags)),
        sightings=tuple(
            SightingView(s, story.url, "", NOW) for s in (story.source, *story.also_seen_in)
        ),
        grant=_grant_view(story, story_id) if story.grant else None,
    )
    return replace(view, **changes)


def _grant_view(story: Story, story_id: int) -> GrantView:
    grant = story.grant
    assert grant is not None
    return GrantView(
        id=story_id,
        call_key=story.key,
        title=story.title,
        url=story.url,
        funder=None,
        programme="AMIF" if "amif" in story.tags else None,
        opens_at=grant.opens_at,
        opens_has_time=grant.opens_at is not None,
        closes_at=grant.closes_at,
        closes_has_time=grant.closes_has_time,
        amount_eur=None,
        eligible=(),
        apply_url=None,
        rolling=grant.rolling,
        deadline_changed_at=grant.deadline_changed_at,
        previous_closes_at=grant.previous_closes_at,
        item_ids=(story_id,),
    )


def story_views(stories: Iterable[Story] = STORIES) -> list[StoryView]:
    """All ``stories`` newest first, ids in declaration order."""
    views = [story_view(story, number) for number, story in enumerate(stories, 1)]
    return sorted(views, key=lambda view: (view.sort_at, view.id), reverse=True)


def by_key(key: str) -> Story:
    return next(story for story in STORIES if story.key == key)
