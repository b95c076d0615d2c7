"""Grant calls in the database: one record per call, updated when a call is seen again.

A call's identity is :func:`aggregator.grants.lifecycle.call_key`; every news item whose text
announces that call links to the same ``grant_call`` row. A re-sighting is folded in with
:func:`aggregator.grants.lifecycle.merge`; a changed deadline keeps the record and sets
``deadline_changed_at`` (feeds and digests show it) and ``previous_closes_at``.

Dates: GrantFields carries a ``date`` when the text gave no time. The row stores such an opening
as the start of that Helsinki day and a deadline as its last second, with ``*_has_time`` False,
and :func:`fields_of` turns them back into dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from aggregator.clock import end_of_day, helsinki_date, start_of_day
from aggregator.grants.calls import grant_fields, publication
from aggregator.grants.lifecycle import call_key, merge
from aggregator.normalize.dedupe import Outcome, bounded_key
from aggregator.store import versions
from aggregator.store.db import session_scope
from aggregator.store.models import GrantCallRow, ItemGrantLink, ItemTag
from aggregator.store.queries import GrantView, grant_view
from aggregator.types import GrantFields, Item

# Column widths (models/grants.py).
CALL_KEY_CHARS, REFERENCE_CHARS, FUNDER_CHARS, PROGRAMME_CHARS = 255, 128, 255, 64


def _opening(value: date | datetime | None) -> tuple[datetime | None, bool]:
    if value is None:
        return None, False
    if isinstance(value, datetime):
        return value, True
    return start_of_day(value), False


def _closing(value: date | datetime | None) -> tuple[datetime | None, bool]:
    if value is None:
        return None, False
    if isinstance(value, datetime):
        return value, True
    return end_of_day(value), False


def _as_field(moment: datetime | None, has_time: bool) -> date | datetime | None:
    if moment is None or has_time:
        return moment
    return helsinki_date(moment)


def fields_of(row: GrantCallRow | GrantView) -> GrantFields:
    """A stored call as GrantFields again (date-only values back to dates)."""
    return GrantFields(
        is_call=True,
        opens_at=_as_field(row.opens_at, row.opens_has_time),
        closes_at=_as_field(row.closes_at, row.closes_has_time),
        amount_eur=row.amount_eur,
        programme=row.programme,
        funder=row.funder,
        eligible=tuple(row.eligible),
        apply_url=row.apply_url,
        rolling=row.rolling,
        reference=row.reference,
    )


def _write_fields(row: GrantCallRow, fields: GrantFields) -> None:
    row.opens_at, row.opens_has_time = _opening(fields.opens_at)
    row.closes_at, row.closes_has_time = _closing(fields.closes_at)
    row.amount_eur = fields.amount_eur
    row.programme = _fit(fields.programme, PROGRAMME_CHARS)
    row.funder = _fit(fields.funder, FUNDER_CHARS)
    row.eligible = list(fields.eligible)
    row.apply_url = fields.apply_url
    row.rolling = fields.rolling
    row.reference = _fit(fields.reference, REFERENCE_CHARS)
    row.evidence = dict(fields.evidence)


class GrantStore:
    """Grant-call reads and writes within one session (the caller owns the transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        fields: GrantFields,
        *,
        item_id: int,
        title: str,
        url: str,
        language: str,
        published: date | datetime | None,
        now: datetime,
    ) -> tuple[int, bool]:
        """Store or update the call ``fields`` describe and link ``item_id`` to it.

        Returns the call's id and whether this sighting changed its deadline.
        """
        sighting = CallSighting(fields, item_id, title, url, language, published)
        return self.record_many([sighting], now)[0]

    def record_many(
        self, sightings: Sequence[CallSighting], now: datetime
    ) -> list[tuple[int, bool]]:
        """:meth:`record` for many sightings with a few statements for all of them.

        Decided in order, as one ``record`` after another would: a later sighting of the same
        call (same key, or a twin) in the batch updates the record an earlier one created.
        """
        if not sightings:
            return []
        keys = [
            bounded_key(call_key(s.fields, s.title, published=s.published), CALL_KEY_CHARS)
            for s in sightings
        ]
        by_key = self._rows_by_key(keys)
        twins = self._twin_candidates([s.fields for s in sightings])
        decided: list[tuple[GrantCallRow, bool, bool]] = []
        for sighting, key in zip(sightings, keys, strict=True):
            row = by_key.get(key) or _twin_in(twins, sighting.fields)
            created = row is None
            row, changed = _merged_row(row, key, sighting, now)
            by_key.setdefault(key, row)
            if created:
                twins.append(row)
            self.session.add(row)
            decided.append((row, changed, created))
        self.session.flush()
        self._link_all(sightings, decided)
        versions.bump(self.session, now)
        return [(_row_id(row), changed) for row, changed, _ in decided]

    def _rows_by_key(self, keys: Sequence[str]) -> dict[str, GrantCallRow]:
        query = select(GrantCallRow).where(col(GrantCallRow.call_key).in_(set(keys)))
        return {row.call_key: row for row in self.session.exec(query)}

    def _twin_candidates(self, fields: Sequence[GrantFields]) -> list[GrantCallRow]:
        """Stored calls that could be the twin of one of ``fields`` (see :func:`_twin_in`)."""
        slots = {slot for f in fields if (slot := _twin_slot(f)) is not None}
        if not slots:
            return []
        query = select(GrantCallRow).where(
            col(GrantCallRow.closes_at).in_({closes for closes, _ in slots}),
            col(GrantCallRow.closes_has_time).is_(True),
            col(GrantCallRow.programme).in_({programme for _, programme in slots}),
        )
        return list(self.session.exec(query))

    def _link_all(
        self,
        sightings: Sequence[CallSighting],
        decided: Sequence[tuple[GrantCallRow, bool, bool]],
    ) -> None:
        existing = self._existing_links([s.item_id for s in sightings])
        for sighting, (row, _, _) in zip(sightings, decided, strict=True):
            pair = (sighting.item_id, _row_id(row))
            if pair not in existing:
                existing.add(pair)
                self.session.add(ItemGrantLink(item_id=pair[0], grant_call_id=pair[1]))

    def _existing_links(self, item_ids: Sequence[int]) -> set[tuple[int, int]]:
        query = select(ItemGrantLink).where(col(ItemGrantLink.item_id).in_(set(item_ids)))
        return {(link.item_id, link.grant_call_id) for link in self.session.exec(query)}

    def calls(
        self,
        *,
        closing_after: datetime | None = None,
        audiences: tuple[str, ...] = (),
        relevant_only: bool = True,
        limit: int = 500,
    ) -> list[GrantView]:
        """Calls with their linked items, soonest deadline first (rolling and undated last).

        ``closing_after`` keeps calls whose deadline is later than it (or that have none);
        ``audiences`` keeps calls linked to an item carrying one of those audience tags;
        ``relevant_only`` keeps calls linked to an item with any audience at all, so a call in
        an unrelated field (an environment grant from the same regional centre) stays out.
        """
        query = select(GrantCallRow)
        if relevant_only and not audiences:
            relevant = (
                select(ItemGrantLink.grant_call_id)
                .join(ItemTag, col(ItemTag.item_id) == col(ItemGrantLink.item_id))
                .where(ItemTag.kind == "audience")
            )
            query = query.where(col(GrantCallRow.id).in_(relevant))
        if closing_after is not None:
            query = query.where(
                (col(GrantCallRow.closes_at) > closing_after)
                | col(GrantCallRow.closes_at).is_(None)
            )
        if audiences:
            tagged = (
                select(ItemGrantLink.grant_call_id)
                .join(ItemTag, col(ItemTag.item_id) == col(ItemGrantLink.item_id))
                .where(col(ItemTag.tag_id).in_(list(audiences)))
            )
            query = query.where(col(GrantCallRow.id).in_(tagged))
        rows = list(self.session.exec(query.limit(limit)))
        links = self._items_of([row.id for row in rows if row.id is not None])
        views = [grant_view(row, links.get(row.id or 0, ())) for row in rows]
        return sorted(views, key=_deadline_order)

    def _items_of(self, call_ids: list[int]) -> dict[int, tuple[int, ...]]:
        found: dict[int, list[int]] = {}
        query = select(ItemGrantLink).where(col(ItemGrantLink.grant_call_id).in_(call_ids))
        for link in self.session.exec(query.order_by(col(ItemGrantLink.item_id))):
            found.setdefault(link.grant_call_id, []).append(link.item_id)
        return {call_id: tuple(ids) for call_id, ids in found.items()}


def _fit(value: str | None, limit: int) -> str | None:
    """A text for a column of ``limit`` characters (a hostile API may send any length)."""
    return value if value is None or len(value) <= limit else value[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class CallSighting:
    """One news item's view of a call, to be recorded."""

    fields: GrantFields
    item_id: int
    title: str
    url: str
    language: str
    published: date | datetime | None


def _twin_slot(fields: GrantFields) -> tuple[datetime, str] | None:
    """(deadline, programme) when ``fields`` can have a twin: a deadline with a time."""
    closes, has_time = _closing(fields.closes_at)
    if closes is None or not has_time or fields.programme is None:
        return None
    return closes, fields.programme


def _twin_in(candidates: Sequence[GrantCallRow], fields: GrantFields) -> GrantCallRow | None:
    """The same call under another identity: a grant-portal record (keyed by case number)
    and a news text about it (keyed by programme and dates) meet here. Same programme, the same
    deadline to the minute, and no contradicting amount or funder."""
    slot = _twin_slot(fields)
    if slot is None:
        return None
    for row in candidates:
        same_slot = row.closes_has_time and (row.closes_at, row.programme) == slot
        if (
            same_slot
            and _compatible(row.amount_eur, fields.amount_eur)
            and _compatible(row.funder, fields.funder)
        ):
            return row
    return None


def _merged_row(
    row: GrantCallRow | None, key: str, sighting: CallSighting, now: datetime
) -> tuple[GrantCallRow, bool]:
    """The new record for a first sighting, or ``row`` with the sighting folded in."""
    if row is None:
        row = GrantCallRow(
            call_key=key,
            title=sighting.title,
            url=sighting.url,
            language=sighting.language,
            first_item_id=sighting.item_id,
            first_seen_at=now,
            updated_at=now,
        )
        _write_fields(row, sighting.fields)
        return row, False
    old_closing = row.closes_at
    merged, changed = merge(fields_of(row), sighting.fields)
    _write_fields(row, merged)
    row.updated_at = now
    if changed:
        row.deadline_changed_at = now
        row.previous_closes_at = old_closing
    return row, changed


def _row_id(row: GrantCallRow) -> int:
    assert row.id is not None
    return row.id


def _compatible(stored: object, seen: object) -> bool:
    return stored is None or seen is None or stored == seen


def _deadline_order(view: GrantView) -> tuple[int, Any]:
    if view.closes_at is None:
        return (1, view.title)
    return (0, view.closes_at)


def record_grant_call(
    session: Session, item_id: int, item: Item, outcome: Outcome, now: datetime
) -> None:
    """Store the call one stored story announces (if it does) and link the story to it.

    A republished copy (``ALSO_SEEN``) adds nothing: the story's own text already decided. (The
    pipeline records a crawl's calls with :meth:`GrantStore.record_many`.)
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


def read_calls(engine: Engine, **options: Any) -> list[GrantView]:
    """:meth:`GrantStore.calls` in a transaction of its own."""
    with session_scope(engine) as session:
        return GrantStore(session).calls(**options)
