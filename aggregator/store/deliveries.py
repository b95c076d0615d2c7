"""The delivery log: one row per (subscriber, frequency, period), the record that makes
digest sending idempotent.

A row moves ``sending`` -> ``sent``; or ``sending`` -> ``retry`` (temporary SMTP failure, with
``next_attempt_at``) -> ``sending`` ...; or to ``failed`` (permanent failure, or retries used
up). A row left ``sending`` by a process that died is never sent again: SMTP may already have
accepted it. It becomes ``unknown`` once stale, and because its items were never written to
``delivered_item`` they flow into the subscriber's next digest. ``superseded`` marks a retry of
an older period whose items a newer digest took over.

Each method is one small statement; the runner (:mod:`aggregator.publish.delivery`) decides
which to call and commits each step on its own, so the log is always true after a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Table, func, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from aggregator.store.models import DeliveredItem, Delivery, ItemRow
from aggregator.store.queries import StoryView, attach


class DeliveryStatus(StrEnum):
    SENDING = "sending"
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class DeliveryState:
    id: int
    subscriber_id: int
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    message_id: str


class DeliveryLog:
    """Delivery-log reads and writes within one session (the caller owns the transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- reads ---------------------------------------------------------------------------

    def for_period(self, frequency: str, period: str) -> dict[int, DeliveryState]:
        """This period's rows, by subscriber id."""
        query = select(Delivery).where(Delivery.frequency == frequency, Delivery.period == period)
        return {row.subscriber_id: _state(row) for row in self.session.exec(query)}

    def last_sent(self) -> dict[int, datetime]:
        """When each subscriber's newest sent digest was composed."""
        query = (
            select(Delivery.subscriber_id, func.max(Delivery.created_at))
            .where(Delivery.status == DeliveryStatus.SENT.value)
            .group_by(col(Delivery.subscriber_id))
        )
        return dict(self.session.exec(query).all())

    def delivered_since(self, subscriber_id: int, since: datetime) -> set[int]:
        """Ids of stories first seen since ``since`` that this subscriber already got."""
        query = (
            select(DeliveredItem.item_id)
            .join(ItemRow, col(ItemRow.id) == col(DeliveredItem.item_id))
            .where(DeliveredItem.subscriber_id == subscriber_id)
            .where(col(ItemRow.first_seen_at) >= since)
        )
        return set(self.session.exec(query))

    def delivered_to(self, subscriber_ids: Sequence[int], since: datetime) -> dict[int, set[int]]:
        """:meth:`delivered_since` for many subscribers in one query (one batch of a run)."""
        query = (
            select(DeliveredItem.subscriber_id, DeliveredItem.item_id)
            .join(ItemRow, col(ItemRow.id) == col(DeliveredItem.item_id))
            .where(col(DeliveredItem.subscriber_id).in_(list(subscriber_ids)))
            .where(col(ItemRow.first_seen_at) >= since)
        )
        found: dict[int, set[int]] = {subscriber_id: set() for subscriber_id in subscriber_ids}
        for subscriber_id, item_id in self.session.exec(query):
            found[subscriber_id].add(item_id)
        return found

    def get(self, delivery_id: int) -> DeliveryState | None:
        row = self.session.get(Delivery, delivery_id)
        return _state(row) if row is not None else None

    def counts(self, frequency: str, period: str) -> dict[str, int]:
        query = (
            select(Delivery.status, func.count())
            .where(Delivery.frequency == frequency, Delivery.period == period)
            .group_by(col(Delivery.status))
        )
        return {status: int(n) for status, n in self.session.exec(query)}

    # --- claims --------------------------------------------------------------------------

    def claim_new(
        self,
        subscriber_id: int,
        frequency: str,
        period: str,
        item_ids: Sequence[int],
        message_id: str,
        now: datetime,
    ) -> int:
        """Insert this period's row as ``sending``; the unique constraint refuses a second one
        (the caller's commit then raises ``IntegrityError``)."""
        values = {
            "subscriber_id": subscriber_id,
            "frequency": frequency,
            "period": period,
            "status": DeliveryStatus.SENDING.value,
            "attempts": 1,
            "item_ids": list(item_ids),
            "message_id": message_id,
            "last_error": "",
            "created_at": now,
        }
        result = self.session.connection().execute(insert(_table("delivery")).values(values))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def claim_retry(self, delivery_id: int, item_ids: Sequence[int], now: datetime) -> bool:
        """Take a due ``retry`` row back to ``sending``; False when another run was first."""
        result = self.session.exec(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id)
            .where(col(Delivery.status) == DeliveryStatus.RETRY.value)
            .where(col(Delivery.next_attempt_at) <= now)
            .values(
                status=DeliveryStatus.SENDING.value,
                attempts=Delivery.attempts + 1,
                item_ids=list(item_ids),
                next_attempt_at=None,
            )
        )
        return bool(result.rowcount == 1)

    def with_older_retries(self, frequency: str, period: str) -> set[int]:
        """Subscribers with a pending retry from an earlier period."""
        query = select(Delivery.subscriber_id).where(
            Delivery.frequency == frequency,
            Delivery.period != period,
            Delivery.status == DeliveryStatus.RETRY.value,
        )
        return set(self.session.exec(query))

    def supersede_older(self, subscriber_id: int, frequency: str, period: str) -> int:
        """Older periods' pending retries: the new digest carries their items instead."""
        result = self.session.exec(
            update(Delivery)
            .where(col(Delivery.subscriber_id) == subscriber_id)
            .where(col(Delivery.frequency) == frequency)
            .where(col(Delivery.period) != period)
            .where(col(Delivery.status) == DeliveryStatus.RETRY.value)
            .values(status=DeliveryStatus.SUPERSEDED.value, next_attempt_at=None)
        )
        return int(result.rowcount)

    # --- outcomes ------------------------------------------------------------------------

    def mark_sent(
        self, delivery_id: int, subscriber_id: int, item_ids: Sequence[int], now: datetime
    ) -> None:
        """SMTP accepted the message: record it and every story it carried."""
        connection = self.session.connection()
        connection.execute(
            update(_table("delivery"))
            .where(_table("delivery").c.id == delivery_id)
            .values(status=DeliveryStatus.SENT.value, sent_at=now, last_error="")
        )
        rows = [
            {"subscriber_id": subscriber_id, "item_id": item_id, "delivery_id": delivery_id}
            for item_id in item_ids
        ]
        if rows:  # one cached statement, executed for many rows
            connection.execute(_insert_ignoring_duplicates(self.session), rows)

    def mark_retry(self, delivery_id: int, error: str, next_attempt_at: datetime) -> None:
        self._set(
            delivery_id,
            status=DeliveryStatus.RETRY.value,
            last_error=error[:2000],
            next_attempt_at=next_attempt_at,
        )

    def mark_failed(self, delivery_id: int, error: str, status: DeliveryStatus) -> None:
        """End a row without sending: ``failed`` or ``unknown`` (maybe accepted by SMTP)."""
        self._set(delivery_id, status=status.value, last_error=error[:2000], next_attempt_at=None)

    def mark_stale_unknown(self, frequency: str, before: datetime) -> int:
        """Rows left ``sending`` by a process that stopped: outcome unknown, never resent."""
        result = self.session.exec(
            update(Delivery)
            .where(col(Delivery.frequency) == frequency)
            .where(col(Delivery.status) == DeliveryStatus.SENDING.value)
            .where(col(Delivery.created_at) < before)
            .values(
                status=DeliveryStatus.UNKNOWN.value,
                last_error="the sending process stopped between claiming and recording",
            )
        )
        return int(result.rowcount)

    def _set(self, delivery_id: int, **values: Any) -> None:
        self.session.exec(update(Delivery).where(col(Delivery.id) == delivery_id).values(**values))


def _state(row: Delivery) -> DeliveryState:
    assert row.id is not None
    return DeliveryState(
        id=row.id,
        subscriber_id=row.subscriber_id,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        message_id=row.message_id,
    )


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _insert_ignoring_duplicates(session: Session) -> Any:
    """INSERT into delivered_item that skips rows already there (a repeated mark_sent)."""
    table = _table("delivered_item")
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    return table.insert()


def stories_first_seen(session: Session, since: datetime, until: datetime) -> list[StoryView]:
    """Stories first seen in ``[since, until]`` with their tags, sightings and grant call: the
    candidates of one digest run (each subscriber's window is a suffix of this range)."""
    query = (
        select(ItemRow)
        .where(col(ItemRow.first_seen_at) >= since, col(ItemRow.first_seen_at) <= until)
        .order_by(col(ItemRow.id))
    )
    return attach(session, list(session.exec(query)))
