"""A crawl's stories read and written with a few statements instead of several per story.

Storing a story one at a time costs a handful of queries each (its dedupe candidates, its keys,
its sighting) plus an INSERT and a flush; a crawl of 500 stories made thousands of round trips.
:func:`load_known` reads what the whole crawl needs up front (every stored story sharing a key
with any item, with all its keys, its text and the sources carrying it, and the crawl's existing
sightings) as plain values; :class:`~aggregator.normalize.batch.BatchPlan` decides in memory;
:func:`write_plan` writes the outcome: new stories in one multi-row INSERT, edits, keys and
sightings likewise.

:class:`StoryBatch` does the three in one session (tests compare it with storing one by one).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, update
from sqlmodel import Session, col, select

from aggregator.normalize.batch import (
    PENDING_IDS,
    RELEASE_WINDOW,
    BatchPlan,
    Known,
    KnownStory,
    StoryText,
    release_lookup_keys,
)
from aggregator.normalize.dating import closed_before_seen, closed_call_sort
from aggregator.normalize.dedupe import Decision, Outcome, StoredStory
from aggregator.store import search
from aggregator.store.items import (
    bulk_table,
    chunked,
    edit_changes,
    mark_closed_calls,
    new_values,
    published_date,
)
from aggregator.store.models import ItemRow, Sighting, StoryKey, StoryVersion
from aggregator.store.tags import mark_untagged
from aggregator.types import Item

EDIT_BASIS = ("kind", "first_seen_at", "grant", "edits")
# Rows per bulk INSERT: the driver's parameters for a whole crawl at once were the run's peak
# memory (10,000 stories: +25 MB for the stories, +16 MB for their tags).
INSERT_ROWS = 1000


@dataclass(frozen=True, slots=True)
class Saved:
    """One item of the batch as stored: its story's id, what was decided, a new sighting?"""

    item: Item
    item_id: int
    decision: Decision
    new_sighting: bool


def load_known(session: Session, items: Sequence[Item]) -> Known:
    """The stored stories and sightings a crawl of ``items`` can meet (a few queries): those
    sharing a key with an item, and for the items not stored yet, the stories they may be
    another language version of (named by hreflang, or released within the matcher's window
    of days)."""
    keys = sorted({key for item in items for key in item.story_keys})
    ids: set[int] = set()
    for chunk in chunked(keys):
        ids.update(session.exec(select(StoryKey.item_id).where(col(StoryKey.key).in_(chunk))))
    stored_urls: set[str] = set()
    for chunk in chunked(sorted({item.story_keys[0] for item in items})):
        stored_urls.update(session.exec(select(StoryKey.key).where(col(StoryKey.key).in_(chunk))))
    unstored = [item for item in items if item.story_keys[0] not in stored_urls]
    ids |= _release_candidates(session, unstored)
    stories = _known_stories(session, sorted(ids))
    return Known(
        stories=stories,
        sightings=_sightings(session, items),
        versions=_versions(session, sorted(stories)),
    )


def _release_candidates(session: Session, items: Sequence[Item]) -> set[int]:
    """Stories that new ``items`` may be language versions of."""
    ids: set[int] = set()
    lookup = sorted({key for item in items for key in release_lookup_keys(item)})
    for chunk in chunked(lookup):
        ids.update(session.exec(select(StoryKey.item_id).where(col(StoryKey.key).in_(chunk))))
    window = RELEASE_WINDOW + timedelta(days=1)  # the window is in local days
    spans: list[tuple[datetime, datetime]] = []
    for moment in sorted(item.published for item in items if item.published is not None):
        start, end = moment - window, moment + window
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    for span_chunk in chunked(spans):
        near = or_(
            *(
                and_(col(ItemRow.published_at) >= start, col(ItemRow.published_at) <= end)
                for start, end in span_chunk
            )
        )
        ids.update(i for i in session.exec(select(ItemRow.id).where(near)) if i is not None)
    return ids


def _versions(session: Session, ids: list[int]) -> dict[int, list[StoryText]]:
    found: dict[int, list[StoryText]] = defaultdict(list)
    for chunk in chunked(ids):
        query = select(StoryVersion).where(col(StoryVersion.item_id).in_(chunk))
        for row in session.exec(query.order_by(col(StoryVersion.id))):
            found[row.item_id].append(
                StoryText(
                    row.title,
                    row.summary,
                    row.body_text,
                    row.language,
                    row.source_id,
                    row.url,
                    published=row.published_at,
                )
            )
    return dict(found)


_STORY_COLUMNS = (
    "id",
    "language",
    "published_at",
    "content_hash",
    "primary_source_id",
    "primary_url_key",
    "title",
    "summary",
    "body_text",
    "url",
    *EDIT_BASIS,
)


def _known_stories(session: Session, ids: list[int]) -> dict[int, KnownStory]:
    # Plain column values, not ORM rows: the session's identity map stays as the caller had it.
    columns = [getattr(ItemRow, name) for name in _STORY_COLUMNS]
    rows: dict[int, dict[str, Any]] = {}
    all_keys: dict[int, set[str]] = defaultdict(set)
    sources: dict[int, list[str]] = defaultdict(list)
    first_list: dict[int, str] = {}
    for chunk in chunked(ids):
        for values in session.execute(select(*columns).where(col(ItemRow.id).in_(chunk))):
            row = dict(zip(_STORY_COLUMNS, values, strict=True))
            rows[row["id"]] = row
        for key in session.exec(select(StoryKey).where(col(StoryKey.item_id).in_(chunk))):
            all_keys[key.item_id].add(key.key)
        carried = select(Sighting.item_id, Sighting.source_id, Sighting.list_name).where(
            col(Sighting.item_id).in_(chunk)
        )
        for item_id, source_id, list_name in session.exec(carried.order_by(col(Sighting.id))):
            sources[item_id].append(source_id)
            first_list.setdefault(item_id, list_name)
    return {
        item_id: _known(row, all_keys[item_id], sources[item_id], first_list.get(item_id, ""))
        for item_id, row in rows.items()
    }


def _known(row: dict[str, Any], keys: set[str], sources: list[str], list_name: str) -> KnownStory:
    return KnownStory(
        story=StoredStory(
            item_id=row["id"],
            keys=frozenset(keys),
            language=row["language"],
            published=row["published_at"],
            content_hash=row["content_hash"],
            primary_source_id=row["primary_source_id"],
            primary_url_key=row["primary_url_key"],
        ),
        text=StoryText(
            row["title"],
            row["summary"],
            row["body_text"],
            row["language"],
            row["primary_source_id"],
            row["url"],
            list_name,
        ),
        current={name: row[name] for name in EDIT_BASIS},
        sources=tuple(sources),
    )


def _sightings(session: Session, items: Sequence[Item]) -> dict[tuple[str, str], int]:
    wanted = {(item.source_id, item.story_keys[0]) for item in items}
    sources = sorted({source for source, _ in wanted})
    found: dict[tuple[str, str], int] = {}
    for chunk in chunked(sorted({url_key for _, url_key in wanted})):
        query = select(Sighting.id, Sighting.source_id, Sighting.url_key).where(
            col(Sighting.source_id).in_(sources), col(Sighting.url_key).in_(chunk)
        )
        for sighting_id, source_id, url_key in session.exec(query):
            if (source_id, url_key) in wanted and sighting_id is not None:
                found[(source_id, url_key)] = sighting_id
    return found


class RealIds:
    """Maps a pending id to the id its row got; real ids map to themselves."""

    def __init__(self, ids: dict[int, int]) -> None:
        self._ids = ids

    def __call__(self, item_id: int) -> int:
        return self._ids.get(item_id, item_id)

    @property
    def new(self) -> list[int]:
        return list(self._ids.values())


def write_plan(
    session: Session,
    plan: BatchPlan,
    now: datetime,
    deadlines: Sequence[tuple[int, date | datetime | None]] = (),
) -> RealIds:
    """Store everything ``plan`` decided (in the caller's transaction); the new stories' ids.

    ``deadlines`` are the closing times of the grant calls the stories announce (stored or
    pending ids): a story whose call had closed when first seen is marked so (see
    :func:`~aggregator.store.items.mark_closed_calls`), a new one in its INSERT."""
    closing = {item_id: closes for item_id, closes in deadlines if closes is not None}
    changes: dict[int, dict[str, Any]] = {}
    for item_id, item in plan.edits:
        if item_id < PENDING_IDS:
            current = {**plan.current[item_id], **changes.get(item_id, {})}
            changes.setdefault(item_id, {}).update(edit_changes(item, now, current))
    real = _insert_stories(session, _new_rows(plan, now, closing), len(plan.new_stories))
    if changes:
        session.execute(update(ItemRow), [{"id": i, **values} for i, values in changes.items()])
    for keys in chunked(plan.new_keys, INSERT_ROWS):
        session.execute(
            insert(bulk_table(StoryKey)), [{"key": key, "item_id": real(i)} for i, key in keys]
        )
    for sightings in chunked(plan.new_sightings, INSERT_ROWS):
        session.execute(
            insert(bulk_table(Sighting)),
            [_sighting_values(real(i), item, now) for i, item in sightings],
        )
    if plan.touched_sightings:
        session.execute(
            update(Sighting),
            [{"id": i, "last_seen_at": now} for i in dict.fromkeys(plan.touched_sightings)],
        )
    _write_versions(session, plan, real, now)
    _expire(session, ItemRow, set(changes))
    _expire(session, Sighting, set(plan.touched_sightings))
    mark_closed_calls(session, [(i, closes) for i, closes in closing.items() if i < PENDING_IDS])
    _index(session, plan, real)
    return real


def _new_rows(
    plan: BatchPlan, now: datetime, closing: Mapping[int, date | datetime]
) -> Iterator[dict[str, Any]]:
    """The column values of the plan's new stories in pending-id order, made as the INSERT
    takes them (all at once they were 10 MB of the run's peak memory for 10,000 stories):
    edited as later items of the crawl edited them, and marked when their call had closed
    when first seen, as :func:`~aggregator.store.items.mark_closed_calls` marks stored ones."""
    edits: dict[int, list[Item]] = defaultdict(list)
    for item_id, item in plan.edits:
        if item_id >= PENDING_IDS:
            edits[item_id].append(item)
    for item_id, item in enumerate(plan.new_stories, start=PENDING_IDS):
        values = new_values(item, now)
        for edit in edits.get(item_id, ()):
            values.update(edit_changes(edit, now, values))
        closes = closing.get(item_id)
        closed = closes is not None and closed_before_seen(closes, values["first_seen_at"])
        values["closed_when_seen"] = closed
        if closed:
            values["sort_at"] = closed_call_sort(values["date_kind"], values["sort_at"], closes)
        yield values


def _index(session: Session, plan: BatchPlan, real: RealIds) -> None:
    """Index the stories whose text the plan changed: the new ones from the plan's texts,
    which are what was just inserted (nothing reads them back), the stored ones from their
    rows."""
    changed = {
        real(p.item_id)
        for p in plan.planned
        if p.decision.outcome in (Outcome.NEW, Outcome.UPDATED, Outcome.LANGUAGE_VERSION)
    } | {real(item_id) for item_id, _ in plan.version_edits}
    if changed:
        texts = {
            real(item_id): search.StoredStoryText(
                text.title, text.summary, text.body_text, text.language
            )
            for item_id, text in plan.texts.items()
            if item_id >= PENDING_IDS
        }
        search.index_stories(session, changed, texts=texts)


def _write_versions(session: Session, plan: BatchPlan, real: RealIds, now: datetime) -> None:
    """The language versions the plan found, and the edits of stored ones."""
    if plan.new_versions:
        session.execute(
            insert(StoryVersion),
            [
                {
                    "item_id": real(item_id),
                    "language": item.language,
                    "title": item.title,
                    "summary": item.summary,
                    "body_text": item.body_text,
                    "url": item.canonical_url,
                    "source_id": item.source_id,
                    "published_at": published_date(item, now),
                    "first_seen_at": now,
                    "updated_at": now,
                }
                for item_id, item in plan.new_versions
            ],
        )
    for item_id, item in plan.version_edits:
        session.execute(
            update(StoryVersion)
            .where(
                col(StoryVersion.item_id) == real(item_id),
                col(StoryVersion.language) == item.language,
            )
            .values(
                title=item.title, summary=item.summary, body_text=item.body_text, updated_at=now
            )
        )


def _expire(session: Session, model: type[ItemRow] | type[Sighting], ids: set[int]) -> None:
    """Rows the session holds that a bulk UPDATE changed read their new values when next used."""
    if ids:
        for held in list(session.identity_map.values()):
            if isinstance(held, model) and held.id in ids:
                session.expire(held)


def _insert_stories(session: Session, rows: Iterator[dict[str, Any]], count: int) -> RealIds:
    new_ids: list[int] = []
    if count:
        if session.get_bind().dialect.name == "sqlite":
            new_ids = _insert_sqlite_stories(session, rows, count)
        else:
            # One multi-row INSERT ... RETURNING id per chunk (insertmanyvalues), ids in input
            # order; plain values, because building an ORM row per story cost more than
            # storing it.
            table = bulk_table(ItemRow)
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            for chunk in chunked(rows, INSERT_ROWS):
                new_ids.extend(session.execute(statement, chunk).scalars())
    ids = dict(zip(range(PENDING_IDS, PENDING_IDS + count), new_ids, strict=True))
    mark_untagged(session, ids.values())
    return RealIds(ids)


def _insert_sqlite_stories(
    session: Session, rows: Iterator[dict[str, Any]], count: int
) -> list[int]:
    """The stories in one ``executemany`` per chunk, their ids read after.

    SQLite cannot promise RETURNING's order, so SQLAlchemy sends a sorted RETURNING insert one
    row per statement (10,000 statements for a 10,000-item crawl). A row inserted without an id
    gets one more than the largest id in the table (https://sqlite.org/autoinc.html), and from
    the first INSERT on this transaction holds the database's write lock: the stories' ids are
    the last ``count`` ids, in input order. Checked all the same, since a wrong id would
    attach keys, tags and calls to another story.
    """
    for chunk in chunked(rows, INSERT_ROWS):
        session.execute(insert(bulk_table(ItemRow)), chunk)
    last = session.execute(select(func.max(ItemRow.id))).scalar_one()
    first = last - count + 1
    found = session.execute(
        select(func.count(), func.min(ItemRow.id)).where(col(ItemRow.id) >= first)
    ).one()
    if tuple(found) != (count, first):
        raise RuntimeError(f"stories inserted at ids other than {first}..{last}")
    return list(range(first, last + 1))


def saved(plan: BatchPlan, real: RealIds) -> list[Saved]:
    """Each planned item with its story's real id, in order."""
    return [
        Saved(p.item, real(p.item_id), replace(p.decision, item_id=real(p.item_id)), p.new_sighting)
        for p in plan.planned
    ]


class StoryBatch:
    """Decide and store a batch of normalised items within one session (caller's transaction).

    ``load(items)``, then ``add(item)`` for each in order, then ``write()``.
    """

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.plan = BatchPlan(Known())

    def load(self, items: Sequence[Item]) -> None:
        """Read the stored stories and sightings the batch can meet (a few queries)."""
        self.plan = BatchPlan(load_known(self.session, items))

    def add(self, item: Item) -> Decision:
        """Decide what ``item`` is, against the stories stored and added so far."""
        return self.plan.add(item)

    def write(self) -> list[Saved]:
        """Store everything decided; each added item with its story's real id, in order."""
        return saved(self.plan, write_plan(self.session, self.plan, self.now))


def _sighting_values(item_id: int, item: Item, now: datetime) -> dict[str, object]:
    return {
        "item_id": item_id,
        "source_id": item.source_id,
        "url": item.canonical_url,
        "url_key": item.story_keys[0],
        "list_name": item.list_name,
        "first_seen_at": now,
        "last_seen_at": now,
    }
