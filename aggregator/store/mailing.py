"""The subscription and digest services' database operations, each in a transaction of its own.

:mod:`aggregator.publish.subscriptions` (double opt-in, preferences, unsubscribing) and
:mod:`aggregator.publish.compose` / :mod:`aggregator.publish.delivery` (choosing and sending
digests) call these with the engine; the repositories they use (:class:`SubscriberStore`,
:class:`DeliveryLog`, :class:`TagStore`) work inside one session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from aggregator.errors import StoreError
from aggregator.store.db import session_scope
from aggregator.store.deliveries import (
    DeliveryLog,
    DeliveryState,
    DeliveryStatus,
    stories_first_seen,
)
from aggregator.store.models import TagRow
from aggregator.store.queries import StoryView
from aggregator.store.subscribers import (
    Frequency,
    Preferences,
    SubscriberStatus,
    SubscriberStore,
    SubscriberView,
)
from aggregator.store.tags import TagStore

# --- subscribers -------------------------------------------------------------------------------


def taxonomy(engine: Engine) -> list[TagRow]:
    """The active tags, audiences and topics, in their order."""
    with session_scope(engine) as session:
        return TagStore(session).taxonomy()


def register(
    engine: Engine,
    email: str,
    preferences: Preferences,
    now: datetime,
    via: str,
    quiet_since: datetime,
) -> tuple[SubscriberView, bool]:
    """Record a subscription request; also whether the address was mailed since
    ``quiet_since`` (then no consent event is recorded and no mail should go)."""
    with session_scope(engine) as session:
        store = SubscriberStore(session)
        throttled = store.mailed_since(email, quiet_since)
        return store.register(email, preferences, now, via, record=not throttled), throttled


def confirm(
    engine: Engine, subscriber_id: int, token_version: int, now: datetime
) -> SubscriberView | None:
    with session_scope(engine) as session:
        return SubscriberStore(session).confirm(subscriber_id, token_version, now)


def subscriber(engine: Engine, subscriber_id: int) -> SubscriberView | None:
    with session_scope(engine) as session:
        return SubscriberStore(session).get(subscriber_id)


def subscriber_by_email(engine: Engine, email: str) -> SubscriberView | None:
    with session_scope(engine) as session:
        return SubscriberStore(session).by_email(email)


def subscribers(engine: Engine, status: SubscriberStatus | None = None) -> list[SubscriberView]:
    with session_scope(engine) as session:
        return SubscriberStore(session).listing(status)


def update_preferences(
    engine: Engine, subscriber_id: int, preferences: Preferences, now: datetime
) -> SubscriberView:
    with session_scope(engine) as session:
        return SubscriberStore(session).update_preferences(subscriber_id, preferences, now)


def export(engine: Engine, subscriber_id: int) -> dict[str, Any] | None:
    with session_scope(engine) as session:
        return SubscriberStore(session).export(subscriber_id)


def delete(engine: Engine, subscriber_id: int) -> bool:
    with session_scope(engine) as session:
        return SubscriberStore(session).delete(subscriber_id)


def unsubscribe(
    engine: Engine, subscriber_id: int, token_version: int, now: datetime, via: str
) -> tuple[SubscriberView | None, bool]:
    """Unsubscribe when ``token_version`` still stands: (the subscriber after, True); else the
    subscriber as stored and False (None when deleted)."""
    with session_scope(engine) as session:
        store = SubscriberStore(session)
        found = store.get(subscriber_id)
        if found is None or found.token_version != token_version:
            return found, False
        return store.unsubscribe(subscriber_id, now, via), True


# --- digests -----------------------------------------------------------------------------------


def digest_basis(engine: Engine) -> tuple[list[TagRow], dict[int, datetime]]:
    """The taxonomy and when each subscriber last got a digest."""
    with session_scope(engine) as session:
        return TagStore(session).taxonomy(), DeliveryLog(session).last_sent()


def candidate_stories(engine: Engine, since: datetime, until: datetime) -> list[StoryView]:
    with session_scope(engine) as session:
        return stories_first_seen(session, since, until)


def delivered_to(
    engine: Engine, subscriber_ids: Sequence[int], since: datetime
) -> dict[int, set[int]]:
    with session_scope(engine) as session:
        return DeliveryLog(session).delivered_to(subscriber_ids, since)


def delivered_since(engine: Engine, subscriber_id: int, since: datetime) -> set[int]:
    with session_scope(engine) as session:
        return DeliveryLog(session).delivered_since(subscriber_id, since)


def mark_stale_unknown(engine: Engine, frequency: Frequency, before: datetime) -> int:
    with session_scope(engine) as session:
        return DeliveryLog(session).mark_stale_unknown(frequency, before)


def period_counts(engine: Engine, frequency: str, period: str) -> dict[str, int]:
    with session_scope(engine) as session:
        return DeliveryLog(session).counts(frequency, period)


def period_states(engine: Engine, frequency: str, period: str) -> dict[int, DeliveryState]:
    with session_scope(engine) as session:
        return DeliveryLog(session).for_period(frequency, period)


def due_basis(
    engine: Engine, frequency: Frequency, period: str
) -> tuple[list[SubscriberView], dict[int, DeliveryState], set[int]]:
    """Active subscribers of ``frequency``, this period's deliveries, and the subscribers with
    retries left over from older periods."""
    with session_scope(engine) as session:
        log = DeliveryLog(session)
        return (
            SubscriberStore(session).active(frequency),
            log.for_period(frequency.value, period),
            log.with_older_retries(frequency.value, period),
        )


class ClaimedElsewhere(StoreError):
    """Another run claimed this delivery row first (the unique constraint refused ours)."""


def claim(
    engine: Engine,
    *,
    state: DeliveryState | None,
    supersede_older: bool,
    subscriber_id: int,
    frequency: str,
    period: str,
    item_ids: Sequence[int],
    message_id: str,
    composed_at: datetime,
    now: datetime,
) -> int | None:
    """Commit the delivery row as ``sending`` (a retry, or a new row); None if another run
    has it. :class:`ClaimedElsewhere` when a concurrent run inserted the same row first."""
    try:
        with session_scope(engine) as session:
            log = DeliveryLog(session)
            if state is not None:
                return state.id if log.claim_retry(state.id, item_ids, now) else None
            if supersede_older:
                log.supersede_older(subscriber_id, frequency, period)
            return log.claim_new(
                subscriber_id, frequency, period, item_ids, message_id, composed_at
            )
    except IntegrityError as error:
        raise ClaimedElsewhere(f"{frequency} {period} of subscriber {subscriber_id}") from error


def record_sent(
    engine: Engine,
    delivery_id: int,
    subscriber_id: int,
    item_ids: Sequence[int],
    now: datetime,
    *,
    clear_bounces: bool,
) -> None:
    with session_scope(engine) as session:
        DeliveryLog(session).mark_sent(delivery_id, subscriber_id, item_ids, now)
        if clear_bounces:
            SubscriberStore(session).clear_bounces(subscriber_id)


def record_bounce(
    engine: Engine,
    delivery_id: int,
    error: str,
    subscriber_id: int,
    threshold: int,
    now: datetime,
    reason: str,
) -> bool:
    """The delivery failed for good; counts a bounce; True when the subscriber is now bounced."""
    with session_scope(engine) as session:
        DeliveryLog(session).mark_failed(delivery_id, error, DeliveryStatus.FAILED)
        return SubscriberStore(session).record_bounce(subscriber_id, threshold, now, reason)


def mark_retry(engine: Engine, delivery_id: int, error: str, next_attempt_at: datetime) -> None:
    with session_scope(engine) as session:
        DeliveryLog(session).mark_retry(delivery_id, error, next_attempt_at)


def mark_failed(engine: Engine, delivery_id: int, error: str, status: DeliveryStatus) -> None:
    with session_scope(engine) as session:
        DeliveryLog(session).mark_failed(delivery_id, error, status)
