"""One crawl's stories decided and written with a few statements instead of several per story.

Storing a story one at a time costs a handful of queries each (its dedupe candidates, its keys,
its sighting) plus an INSERT and a flush; a crawl of 500 stories made thousands of round trips.
:class:`StoryBatch` reads what the whole batch needs up front (every stored story sharing a key
with any item, with all its keys, and the batch's existing sightings), lets
:func:`~aggregator.normalize.dedupe.decide` run against that view in memory, and writes the
outcome at the end: new stories in one multi-row INSERT, keys and sightings likewise.

The view is kept current while the batch is decided, so the result is exactly what storing the
items one by one gives: a story listed twice in one batch (by another list of the same site) is
recognised, a story new in this batch ranks after every stored one (as its id would), keys a
sighting adds are seen by the items after it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from aggregator.normalize.dedupe import Decision, Outcome, StoredStory, decide
from aggregator.store import search
from aggregator.store.items import apply_edit, chunked, edit_changes, new_values, stored_story
from aggregator.store.models import ItemRow, Sighting, StoryKey
from aggregator.store.tags import mark_untagged
from aggregator.types import Item

# Stories new in a batch get ids from here until they are inserted: above every real id, in
# the order they were seen, so they sort where their real ids will.
PENDING_IDS = 1 << 62


@dataclass(frozen=True, slots=True)
class Saved:
    """One item of the batch as stored: its story's id, what was decided, a new sighting?"""

    item: Item
    item_id: int
    decision: Decision
    new_sighting: bool


class StoryBatch:
    """Decide and store a batch of normalised items within one session (caller's transaction).

    ``load(items)``, then ``add(item)`` for each in order, then ``write()``.
    """

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self._stories: dict[int, StoredStory] = {}
        self._by_key: dict[str, set[int]] = defaultdict(set)
        # Loaded rows by id; stories new in this batch as column values by pending id.
        self._rows: dict[int, ItemRow | dict[str, Any]] = {}
        self._sightings: dict[tuple[str, str], Sighting | None] = {}  # None: added by this batch
        self._new_keys: list[tuple[int, str]] = []
        self._new_sightings: list[tuple[int, Item]] = []
        self._pending: list[int] = []
        self._added: list[tuple[Item, int, Decision, bool]] = []

    # --- reading ---------------------------------------------------------------------------

    def load(self, items: Sequence[Item]) -> None:
        """Read the stored stories and sightings the batch can meet (a few queries)."""
        keys = sorted({key for item in items for key in item.story_keys})
        ids: set[int] = set()
        for chunk in chunked(keys):
            ids.update(
                self.session.exec(select(StoryKey.item_id).where(col(StoryKey.key).in_(chunk)))
            )
        self._load_stories(sorted(ids))
        self._load_sightings(items)

    def _load_stories(self, ids: list[int]) -> None:
        all_keys: dict[int, set[str]] = defaultdict(set)
        for chunk in chunked(ids):
            for row in self.session.exec(select(ItemRow).where(col(ItemRow.id).in_(chunk))):
                assert row.id is not None
                self._rows[row.id] = row
            for key in self.session.exec(select(StoryKey).where(col(StoryKey.item_id).in_(chunk))):
                all_keys[key.item_id].add(key.key)
        for item_id, loaded in self._rows.items():
            assert isinstance(loaded, ItemRow)  # only stored rows are loaded
            self._remember(stored_story(loaded, frozenset(all_keys[item_id])))

    def _load_sightings(self, items: Sequence[Item]) -> None:
        wanted = {(item.source_id, item.story_keys[0]) for item in items}
        sources = sorted({source for source, _ in wanted})
        for chunk in chunked(sorted({url_key for _, url_key in wanted})):
            query = select(Sighting).where(
                col(Sighting.source_id).in_(sources), col(Sighting.url_key).in_(chunk)
            )
            for sighting in self.session.exec(query):
                pair = (sighting.source_id, sighting.url_key)
                if pair in wanted:
                    self._sightings[pair] = sighting

    def _remember(self, story: StoredStory) -> None:
        self._stories[story.item_id] = story
        for key in story.keys:
            self._by_key[key].add(story.item_id)

    def candidates(self, keys: Sequence[str]) -> list[StoredStory]:
        """Stories (stored or new in this batch) sharing any of ``keys``, with all their keys."""
        ids = {item_id for key in keys for item_id in self._by_key.get(key, ())}
        return [self._stories[item_id] for item_id in sorted(ids)]

    # --- deciding --------------------------------------------------------------------------

    def add(self, item: Item) -> Decision:
        """Decide what ``item`` is, against the stories stored and added so far."""
        decision = decide(
            keys=item.story_keys,
            language=item.language,
            published=item.published,
            content=item.content_hash,
            source_id=item.source_id,
            candidates=self.candidates(item.story_keys),
        )
        if decision.outcome is Outcome.NEW:
            item_id = self._new_story(item)
        else:
            assert decision.item_id is not None
            item_id = decision.item_id
            if decision.outcome is Outcome.UPDATED:
                self._edit(item_id, item)
        self._add_keys(item_id, item.story_keys)
        self._added.append((item, item_id, decision, self._sighting(item_id, item)))
        return decision

    def _new_story(self, item: Item) -> int:
        item_id = PENDING_IDS + len(self._pending)
        self._pending.append(item_id)
        self._rows[item_id] = new_values(item, self.now)
        self._remember(
            StoredStory(
                item_id=item_id,
                keys=frozenset(),
                language=item.language,
                published=item.published,
                content_hash=item.content_hash,
                primary_source_id=item.source_id,
                primary_url_key=item.story_keys[0],
            )
        )
        return item_id

    def _edit(self, item_id: int, item: Item) -> None:
        stored = self._rows[item_id]
        if isinstance(stored, dict):
            stored.update(edit_changes(item, self.now, stored))
        else:
            apply_edit(stored, item, self.now)
        story = self._stories[item_id]
        published = item.published if item.published is not None else story.published
        self._stories[item_id] = replace(story, published=published, content_hash=item.content_hash)

    def _add_keys(self, item_id: int, keys: Sequence[str]) -> None:
        story = self._stories[item_id]
        missing = [key for key in dict.fromkeys(keys) if key not in story.keys]
        if not missing:
            return
        self._stories[item_id] = replace(story, keys=story.keys | frozenset(missing))
        for key in missing:
            self._by_key[key].add(item_id)
            self._new_keys.append((item_id, key))

    def _sighting(self, item_id: int, item: Item) -> bool:
        """Touch the (source, URL) sighting; True when there was none."""
        pair = (item.source_id, item.story_keys[0])
        if pair in self._sightings:
            sighting = self._sightings[pair]
            if sighting is not None:
                sighting.last_seen_at = self.now
            return False
        self._sightings[pair] = None
        self._new_sightings.append((item_id, item))
        return True

    # --- writing ---------------------------------------------------------------------------

    def write(self) -> list[Saved]:
        """Store everything decided; each added item with its story's real id, in order."""
        real = self._insert_stories()
        if self._new_keys:
            self.session.execute(
                insert(StoryKey), [{"key": key, "item_id": real(i)} for i, key in self._new_keys]
            )
        if self._new_sightings:
            self.session.execute(
                insert(Sighting),
                [_sighting_values(real(i), item, self.now) for i, item in self._new_sightings],
            )
        changed = {
            real(item_id)
            for _item, item_id, decision, _new in self._added
            if decision.outcome in (Outcome.NEW, Outcome.UPDATED)
        }
        if changed:
            self.session.flush()  # edits to loaded rows, so the index reads what is stored
            search.index_stories(self.session, changed)
        return [
            Saved(item, real(item_id), replace(decision, item_id=real(item_id)), new)
            for item, item_id, decision, new in self._added
        ]

    def _insert_stories(self) -> _RealIds:
        values = [_values(self._rows[item_id]) for item_id in self._pending]
        new_ids: list[int] = []
        if values:
            # One multi-row INSERT ... RETURNING id (insertmanyvalues), ids in input order;
            # plain values, because building an ORM row per story cost more than storing it.
            statement = insert(ItemRow).returning(col(ItemRow.id), sort_by_parameter_order=True)
            new_ids = list(self.session.execute(statement, values).scalars())
        ids = dict(zip(self._pending, new_ids, strict=True))
        mark_untagged(self.session, ids.values())
        return _RealIds(ids)


class _RealIds:
    """Maps a pending id to the id its row got; real ids map to themselves."""

    def __init__(self, ids: dict[int, int]) -> None:
        self._ids = ids

    def __call__(self, item_id: int) -> int:
        return self._ids.get(item_id, item_id)


def _values(pending: ItemRow | dict[str, Any]) -> dict[str, Any]:
    assert isinstance(pending, dict), "a story new in this batch is held as column values"
    return pending


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
