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

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from aggregator.clock import end_of_day, helsinki_date, start_of_day
from aggregator.grants.lifecycle import call_key, merge
from aggregator.normalize.dedupe import bounded_key
from aggregator.store import versions
from aggregator.store.models import GrantCallRow, ItemGrantLink, ItemTag
from aggregator.store.queries import GrantView, grant_view
from aggregator.types import GrantFields

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
        key = bounded_key(call_key(fields, title, published=published), CALL_KEY_CHARS)
        row = self.session.exec(select(GrantCallRow).where(GrantCallRow.call_key == key)).first()
        row = row or self._twin(fields)
        changed = False
        created = row is None
        if row is None:
            row = GrantCallRow(
                call_key=key,
                title=title,
                url=url,
                language=language,
                first_item_id=item_id,
                first_seen_at=now,
                updated_at=now,
            )
            _write_fields(row, fields)
        else:
            old_closing = row.closes_at
            merged, changed = merge(fields_of(row), fields)
            _write_fields(row, merged)
            row.updated_at = now
            if changed:
                row.deadline_changed_at = now
                row.previous_closes_at = old_closing
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        if created:  # a call inserted just now has no links to look for
            self.session.add(ItemGrantLink(item_id=item_id, grant_call_id=row.id))
        else:
            self._link(item_id, row.id)
        versions.bump(self.session, now)
        return row.id, changed

    def _twin(self, fields: GrantFields) -> GrantCallRow | None:
        """The same call under another identity: a grant-portal record (keyed by case number)
        and a news text about it (keyed by programme and dates) meet here. Same programme,
        the same deadline to the minute, and no contradicting amount or funder."""
        closes, has_time = _closing(fields.closes_at)
        if closes is None or not has_time or fields.programme is None:
            return None
        query = select(GrantCallRow).where(
            GrantCallRow.closes_at == closes,
            col(GrantCallRow.closes_has_time).is_(True),
            GrantCallRow.programme == fields.programme,
        )
        for row in self.session.exec(query):
            if _compatible(row.amount_eur, fields.amount_eur) and _compatible(
                row.funder, fields.funder
            ):
                return row
        return None

    def _link(self, item_id: int, call_id: int) -> None:
        if self.session.get(ItemGrantLink, (item_id, call_id)) is None:
            self.session.add(ItemGrantLink(item_id=item_id, grant_call_id=call_id))

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


def _compatible(stored: object, seen: object) -> bool:
    return stored is None or seen is None or stored == seen


def _deadline_order(view: GrantView) -> tuple[int, Any]:
    if view.closes_at is None:
        return (1, view.title)
    return (0, view.closes_at)
