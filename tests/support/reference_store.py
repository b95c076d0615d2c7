"""The one-story-at-a-time store: the reference the batched store is checked against.

Production code stores a crawl with :class:`aggregator.store.batch.StoryBatch`, which reads the
candidates up front and decides in memory. This module does the same work the obvious way, one
query at a time, so ``tests/hardening/test_batch_store.py`` can prove both decide and write the
same; other tests use :func:`store_stories`, the production path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from aggregator.normalize.dedupe import Decision, Outcome, StoredStory
from aggregator.store.batch import StoryBatch
from aggregator.store.items import apply_edit, new_values, stored_story
from aggregator.store.models import ItemRow, Sighting, StoryKey
from aggregator.types import Item


def store_stories(session: Session, items: Sequence[Item], now: datetime) -> list[int]:
    """Store ``items`` as one crawl does (decided by the batch); their story ids in order."""
    batch = StoryBatch(session, now)
    batch.load(items)
    for item in items:
        batch.add(item)
    return [saved.item_id for saved in batch.write()]


def _id(row: ItemRow) -> int:
    assert row.id is not None
    return row.id


def new_row(item: Item, now: datetime) -> ItemRow:
    return ItemRow(**new_values(item, now))


def new_sighting(item_id: int, item: Item, now: datetime) -> Sighting:
    return Sighting(
        item_id=item_id,
        source_id=item.source_id,
        url=item.canonical_url,
        url_key=item.story_keys[0],
        list_name=item.list_name,
        first_seen_at=now,
        last_seen_at=now,
    )


class OneByOneStore:
    """Reads and writes one story at a time within one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def candidates(self, keys: Sequence[str]) -> list[StoredStory]:
        """Stored stories sharing any of ``keys``, with all their keys."""
        ids = self.session.exec(
            select(StoryKey.item_id).where(col(StoryKey.key).in_(list(keys)))
        ).all()
        if not ids:
            return []
        rows = self.session.exec(select(ItemRow).where(col(ItemRow.id).in_(set(ids)))).all()
        all_keys: dict[int, set[str]] = defaultdict(set)
        for key in self.session.exec(select(StoryKey).where(col(StoryKey.item_id).in_(set(ids)))):
            all_keys[key.item_id].add(key.key)
        return [stored_story(row, frozenset(all_keys[_id(row)])) for row in rows]

    def save(self, item: Item, decision: Decision, now: datetime) -> tuple[int, bool]:
        """Carry out ``decision`` for ``item``; returns the story's id and whether this
        (source, URL) sighting is new."""
        if decision.outcome is Outcome.NEW:
            item_id = self._insert(item, now)
        else:
            assert decision.item_id is not None
            item_id = decision.item_id
            if decision.outcome is Outcome.UPDATED:
                self._update(item_id, item, now)
        self._add_keys(item_id, item.story_keys)
        new_sighting = self._touch_sighting(item_id, item, now)
        self.session.flush()
        return item_id, new_sighting

    def _insert(self, item: Item, now: datetime) -> int:
        row = new_row(item, now)
        self.session.add(row)
        self.session.flush()
        return _id(row)

    def _update(self, item_id: int, item: Item, now: datetime) -> None:
        row = self.session.get_one(ItemRow, item_id)
        apply_edit(row, item, now)
        self.session.add(row)

    def _add_keys(self, item_id: int, keys: Iterable[str]) -> None:
        existing = set(
            self.session.exec(select(StoryKey.key).where(StoryKey.item_id == item_id)).all()
        )
        for key in keys:
            if key not in existing:
                self.session.add(StoryKey(key=key, item_id=item_id))

    def _touch_sighting(self, item_id: int, item: Item, now: datetime) -> bool:
        url_key = item.story_keys[0]
        sighting = self.session.exec(
            select(Sighting).where(
                Sighting.source_id == item.source_id, Sighting.url_key == url_key
            )
        ).first()
        if sighting is None:
            self.session.add(new_sighting(item_id, item, now))
            return True
        sighting.last_seen_at = now
        self.session.add(sighting)
        return False
