"""Stories in the database: what is stored under a URL, and the values of new and edited stories.

The decision which of these to do is :func:`aggregator.normalize.dedupe.decide`; this module only
reads what it needs and writes what it was told. :class:`ItemStore` does it one story at a time;
:mod:`aggregator.store.batch` does the same for a whole crawl with a few statements.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Table, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, func, select

from aggregator.normalize.dating import (
    PUBLISHED,
    closed_before_seen,
    closed_call_sort,
    shown_date,
    story_date,
)
from aggregator.normalize.dedupe import StoredStory
from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow, Sighting, StoryKey
from aggregator.store.queries import VersionView, other_versions, versions_of
from aggregator.types import Item

CHUNK = 500  # values per IN (...) list: far below every database's limit on bound parameters

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StoredText:
    """What an already stored story says, so unchanged list items skip their article fetch."""

    item_id: int
    primary_source_id: str
    title: str
    summary: str
    body_text: str
    body_html: str
    published_at: datetime | None
    published_has_time: bool
    kind: str
    date_origin: str = ""


class ItemStore:
    """Reads and writes stories within one session (the caller owns the transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def stored_text(self, url_key: str) -> StoredText | None:
        """The stored story whose URL key is ``url_key`` (``url:host/path``), if any."""
        return self.stored_texts([url_key]).get(url_key)

    def stored_texts(self, url_keys: Iterable[str]) -> dict[str, StoredText]:
        """:meth:`stored_text` for many keys with one query per 500: URL key -> stored text.

        Should two stories ever share a URL key, the older one answers.
        """
        found: dict[str, StoredText] = {}
        for chunk in chunked(sorted(set(url_keys))):
            query = (
                select(StoryKey.key, ItemRow)
                .join(ItemRow, col(StoryKey.item_id) == col(ItemRow.id))
                .where(col(StoryKey.key).in_(chunk))
                .order_by(col(ItemRow.id))
            )
            for key, row in self.session.exec(query):
                found.setdefault(key, _stored_text(row))
        return found


def new_values(item: Item, now: datetime) -> dict[str, Any]:
    """The column values of a story seen for the first time (for bulk inserts too)."""
    return {
        "title": item.title,
        "summary": item.summary,
        "body_text": item.body_text,
        "body_html": item.body_html,
        "language": item.language,
        "kind": item.kind,
        "publisher": item.publisher,
        "url": item.canonical_url,
        "primary_source_id": item.source_id,
        "primary_url_key": item.story_keys[0],
        "guid": item.guid,
        **date_values(item, now),
        "first_seen_at": now,
        "updated_at": now,
        "content_hash": item.content_hash,
        "grant": dict(item.grant) if item.grant else None,
        "edits": 0,
    }


def edit_changes(item: Item, now: datetime, current: Mapping[str, Any]) -> dict[str, Any]:
    """What changes in a story whose source edited it (the primary sighting's text changed);
    ``current`` gives the stored ``kind``, ``first_seen_at``, ``grant`` and ``edits``."""
    changes: dict[str, Any] = {
        "title": item.title,
        "summary": item.summary,
        "body_text": item.body_text,
        "body_html": item.body_html,
        "kind": item.kind or current["kind"],
        "content_hash": item.content_hash,
        "grant": dict(item.grant) if item.grant else current["grant"],
        "updated_at": now,
        "edits": current["edits"] + 1,
    }
    if item.published is not None:
        changes.update(date_values(item, current["first_seen_at"]))
    return changes


def apply_edit(row: ItemRow, item: Item, now: datetime) -> None:
    """``row`` as its source now writes it."""
    current = {name: getattr(row, name) for name in ("kind", "first_seen_at", "grant", "edits")}
    for name, value in edit_changes(item, now, current).items():
        setattr(row, name, value)


def date_values(item: Item, first_seen: datetime) -> dict[str, Any]:
    """The date columns of a story first seen at ``first_seen``: its publisher's date when it
    is one, else the first sighting (:func:`aggregator.normalize.dating.story_date`)."""
    dated = story_date(item.published, item.published_has_time, item.published_origin, first_seen)
    return {
        "published_at": dated.published,
        "published_has_time": dated.has_time if dated.kind == PUBLISHED else False,
        "date_kind": dated.kind,
        "date_origin": dated.origin,
        "date_note": dated.note,
        "sort_at": dated.at,
    }


def published_date(item: Item, first_seen: datetime) -> datetime | None:
    """``item``'s publication date when it is one (see :func:`date_values`)."""
    return story_date(
        item.published, item.published_has_time, item.published_origin, first_seen
    ).published


def mark_closed_calls(
    session: Session, deadlines: Sequence[tuple[int, date | datetime | None]]
) -> list[int]:
    """Mark the stories of calls that had closed when they were first seen (no news, see
    :mod:`aggregator.normalize.dating`) and sort them at their deadline; returns their ids."""
    wanted = {item_id: closes for item_id, closes in deadlines if closes is not None}
    marked = []
    for chunk in chunked(sorted(wanted)):
        query = select(
            col(ItemRow.id),
            col(ItemRow.first_seen_at),
            col(ItemRow.date_kind),
            col(ItemRow.sort_at),
        ).where(col(ItemRow.id).in_(chunk))
        for item_id, first_seen, kind, sort_at in session.execute(query):
            closes = wanted[item_id]
            if not closed_before_seen(closes, first_seen):
                continue
            session.execute(
                update(ItemRow)
                .where(col(ItemRow.id) == item_id)
                .values(closed_when_seen=True, sort_at=closed_call_sort(kind, sort_at, closes))
            )
            marked.append(item_id)
    return marked


def bulk_table(model: type[SQLModel]) -> Table:
    """The model's table: bulk rows go through Core, which costs a third of the ORM's bulk
    path per row (the same statement and the same column defaults; no ORM events fire for
    bulk rows either way)."""
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def chunked(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size`` (``IN (...)`` lists, bulk inserts), taken as
    they come: rows made by a generator are made a chunk at a time."""
    remaining = iter(values)
    while chunk := list(islice(remaining, size)):
        yield chunk


def stored_story(row: ItemRow, keys: frozenset[str]) -> StoredStory:
    """What :func:`~aggregator.normalize.dedupe.decide` needs to know of a stored story."""
    return StoredStory(
        item_id=_id(row),
        keys=keys,
        language=row.language,
        published=row.published_at,
        content_hash=row.content_hash,
        primary_source_id=row.primary_source_id,
        primary_url_key=row.primary_url_key,
    )


def _stored_text(row: ItemRow) -> StoredText:
    return StoredText(
        item_id=_id(row),
        primary_source_id=row.primary_source_id,
        title=row.title,
        summary=row.summary,
        body_text=row.body_text,
        body_html=row.body_html,
        published_at=row.published_at,
        published_has_time=row.published_has_time,
        kind=row.kind,
        date_origin=row.date_origin,
    )


def _id(row: ItemRow) -> int:
    assert row.id is not None
    return row.id


def latest_stories(
    engine: Engine, *, since: datetime | None, source_id: str | None, limit: int
) -> list[tuple[ItemRow, list[str]]]:
    """The newest stories (by when they sort), each with the sources that carry it."""
    query = select(ItemRow).order_by(col(ItemRow.sort_at).desc(), col(ItemRow.id).desc())
    if since is not None:
        query = query.where(col(ItemRow.sort_at) >= since)
    if source_id:
        seen = select(Sighting.item_id).where(Sighting.source_id == source_id)
        query = query.where(col(ItemRow.id).in_(seen))
    with session_scope(engine) as session:
        rows = list(session.exec(query.limit(limit)))
        ids = [row.id for row in rows if row.id is not None]
        carried: dict[int, list[str]] = {}
        for sighting in session.exec(select(Sighting).where(col(Sighting.item_id).in_(ids))):
            carried.setdefault(sighting.item_id, []).append(sighting.source_id)
    return [(row, carried.get(row.id or 0, [])) for row in rows]


def story_versions(engine: Engine, rows: Sequence[ItemRow]) -> dict[int, tuple[VersionView, ...]]:
    """Every language version of each story of ``rows`` (its own included), by story id."""
    with session_scope(engine) as session:
        others = other_versions(session, [row.id for row in rows if row.id is not None])
    return {
        row.id: versions_of(row, others.get(row.id, []))
        or (VersionView(row.language, row.title, row.url, row.summary),)
        for row in rows
        if row.id is not None
    }


def newest_id(engine: Engine) -> int:
    """The highest story id (0 when there is none)."""
    with session_scope(engine) as session:
        return session.exec(select(func.max(ItemRow.id))).one() or 0


def stories_after(engine: Engine, last_id: int) -> list[ItemRow]:
    """Stories stored after the one with ``last_id``, oldest first."""
    with session_scope(engine) as session:
        query = select(ItemRow).where(col(ItemRow.id) > last_id).order_by(col(ItemRow.id))
        return list(session.exec(query))


@dataclass(frozen=True)
class StoredOverview:
    """What a quick look at the store shows: sightings per source, stories, the newest."""

    sightings: dict[str, int]
    stories: int
    newest: list[ItemRow]
    dates: DateCounts = field(default_factory=lambda: DateCounts({}, 0, 0, 0))


@dataclass(frozen=True, slots=True)
class DateCounts:
    """Which dates the stored stories carry: publication dates by origin, first sightings,
    calls that had closed when first seen, and stories dated after their first sighting
    (which :mod:`aggregator.normalize.dating` never stores: anything but 0 is a bug)."""

    published: dict[str, int]
    first_seen: int
    closed_when_seen: int
    dated_after_first_seen: int


def stored_overview(engine: Engine, newest: int = 6) -> StoredOverview:
    with session_scope(engine) as session:
        per_source = Counter(session.exec(select(Sighting.source_id)).all())
        total = session.exec(select(func.count()).select_from(ItemRow)).one()
        latest = list(
            session.exec(select(ItemRow).order_by(col(ItemRow.sort_at).desc()).limit(newest))
        )
        dates = date_counts(session)
    return StoredOverview(dict(per_source), int(total), latest, dates)


def date_counts(session: Session) -> DateCounts:
    """:class:`DateCounts` of every stored story."""
    names = ("date_kind", "date_origin", "published_at", "first_seen_at", "closed_when_seen")
    query = select(*[getattr(ItemRow, name) for name in names])
    published: Counter[str] = Counter()
    first_seen = closed = after = 0
    for kind, origin, published_at, first_seen_at, closed_when_seen in session.execute(query):
        moment, by_sighting = shown_date(kind, published_at, first_seen_at)
        first_seen += by_sighting
        if not by_sighting:
            published[origin or "unknown"] += 1
        closed += closed_when_seen
        after += moment > first_seen_at
    return DateCounts(dict(published), first_seen, closed, after)
