"""Digest subscribers: double opt-in, preferences, unsubscribing, bounces and erasure.

A subscriber row keeps only what the service needs: the address, the preferences, when consent
was given and when it was confirmed (and, while subscribed, a bounce counter). Each lifecycle
step is also written to ``mail_event`` so the subscriber's data export shows what happened when.
Deleting a subscriber removes the row; the database cascades to their deliveries and events.

Statuses: ``pending`` (consent given, not confirmed) -> ``active`` (confirmed, gets digests) ->
``unsubscribed`` or ``bounced`` (too many permanent failures). Unsubscribing bumps
``token_version``, which revokes every link sent before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from aggregator.store.models import Delivery, MailEvent, Subscriber


class SubscriberStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True, slots=True)
class Preferences:
    """What a subscriber wants: tags of each kind OR-ed, kinds AND-ed (as in ItemFilter)."""

    audiences: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    frequency: Frequency = Frequency.WEEKLY
    language: str = "fi"
    # News languages: stories with a version in one of them (empty: every language); a story
    # is shown in ``language`` when it has it, else in the first of these it has.
    languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SubscriberView:
    id: int
    email: str
    status: SubscriberStatus
    preferences: Preferences
    consent_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None
    token_version: int
    bounce_count: int
    created_at: datetime

    @property
    def language(self) -> str:
        return self.preferences.language


def normalise_email(email: str) -> str:
    """Addresses are compared case-insensitively, so one person has one subscription."""
    return email.strip().casefold()


class SubscriberStore:
    """Subscriber reads and writes within one session (the caller owns the transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- reads ---------------------------------------------------------------------------

    def get(self, subscriber_id: int) -> SubscriberView | None:
        row = self.session.get(Subscriber, subscriber_id)
        return _view(row) if row is not None else None

    def by_email(self, email: str) -> SubscriberView | None:
        row = self._row_by_email(email)
        return _view(row) if row is not None else None

    def mailed_since(self, email: str, since: datetime) -> bool:
        """Was a confirmation or manage link mailed to ``email`` after ``since``?"""
        row = self._row_by_email(email)
        if row is None:
            return False
        query = (
            select(MailEvent.id)
            .where(MailEvent.subscriber_id == row.id, col(MailEvent.at) > since)
            .where(col(MailEvent.event).in_(["subscribe", "link"]))
        )
        return self.session.exec(query).first() is not None

    def listing(self, status: SubscriberStatus | None = None) -> list[SubscriberView]:
        query = select(Subscriber).order_by(col(Subscriber.id))
        if status is not None:
            query = query.where(Subscriber.status == status.value)
        return [_view(row) for row in self.session.exec(query)]

    def active(self, frequency: Frequency) -> list[SubscriberView]:
        """Confirmed, not bounced subscribers of ``frequency``, in id order."""
        query = (
            select(Subscriber)
            .where(Subscriber.status == SubscriberStatus.ACTIVE.value)
            .where(Subscriber.frequency == frequency.value)
            .order_by(col(Subscriber.id))
        )
        return [_view(row) for row in self.session.exec(query)]

    # --- lifecycle -----------------------------------------------------------------------

    def register(
        self, email: str, preferences: Preferences, now: datetime, via: str, *, record: bool = True
    ) -> SubscriberView:
        """Record consent: a new or lapsed address becomes ``pending``; an active one is kept
        (its request is logged as ``link`` when ``record``: a manage link is mailed)."""
        row = self._row_by_email(email)
        if row is not None and row.status == SubscriberStatus.ACTIVE.value:
            if record:
                self._event(row, now, "link", via=via)
            return _view(row)
        if not record and row is not None:
            return _view(row)
        if row is None:
            row = Subscriber(email=normalise_email(email), consent_at=now, created_at=now)
        _set_preferences(row, preferences)
        row.status = SubscriberStatus.PENDING.value
        row.consent_at = now
        self.session.add(row)
        self.session.flush()
        self._event(row, now, "subscribe", via=via, **_preference_detail(preferences))
        return _view(row)

    def confirm(
        self, subscriber_id: int, token_version: int, now: datetime
    ) -> SubscriberView | None:
        """Activate a pending subscription; None when the link's version was revoked."""
        row = self.session.get(Subscriber, subscriber_id)
        if row is None or row.token_version != token_version:
            return None
        if row.status == SubscriberStatus.PENDING.value:
            row.status = SubscriberStatus.ACTIVE.value
            row.confirmed_at = now
            row.unsubscribed_at = None
            row.bounce_count = 0
            self.session.add(row)
            self._event(row, now, "confirm")
        return _view(row)

    def update_preferences(
        self, subscriber_id: int, preferences: Preferences, now: datetime
    ) -> SubscriberView:
        row = self.session.get_one(Subscriber, subscriber_id)
        _set_preferences(row, preferences)
        self.session.add(row)
        self._event(row, now, "preferences", **_preference_detail(preferences))
        return _view(row)

    def unsubscribe(self, subscriber_id: int, now: datetime, via: str) -> SubscriberView | None:
        """Stop all mail and revoke old links; a no-op for an already unsubscribed address."""
        row = self.session.get(Subscriber, subscriber_id)
        if row is None:
            return None
        if row.status != SubscriberStatus.UNSUBSCRIBED.value:
            row.status = SubscriberStatus.UNSUBSCRIBED.value
            row.unsubscribed_at = now
            row.token_version += 1
            self.session.add(row)
            self._event(row, now, "unsubscribe", via=via)
        return _view(row)

    def delete(self, subscriber_id: int) -> bool:
        """Erase the subscriber; deliveries, delivered items and events cascade."""
        row = self.session.get(Subscriber, subscriber_id)
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    # --- bounces -------------------------------------------------------------------------

    def record_bounce(self, subscriber_id: int, threshold: int, now: datetime, reason: str) -> bool:
        """Count a permanent failure; True when the address reached ``threshold`` and is bounced."""
        row = self.session.get(Subscriber, subscriber_id)
        if row is None:
            return False
        row.bounce_count += 1
        bounced = row.bounce_count >= threshold
        if bounced and row.status == SubscriberStatus.ACTIVE.value:
            row.status = SubscriberStatus.BOUNCED.value
        self.session.add(row)
        self._event(row, now, "bounced" if bounced else "bounce", reason=reason[:200])
        return bounced

    def clear_bounces(self, subscriber_id: int) -> None:
        """A delivered message proves the address works: bounces count consecutively."""
        self.session.exec(
            update(Subscriber)
            .where(col(Subscriber.id) == subscriber_id, col(Subscriber.bounce_count) > 0)
            .values(bounce_count=0)
        )

    # --- data export (GDPR art. 15 and 20) -------------------------------------------------

    def export(self, subscriber_id: int) -> dict[str, Any] | None:
        """Everything stored about the subscriber, as JSON-ready data."""
        row = self.session.get(Subscriber, subscriber_id)
        if row is None:
            return None
        return {
            "subscriber": _row_export(row),
            "events": [_event_export(e) for e in self._events(subscriber_id)],
            "deliveries": [_delivery_export(d) for d in self._deliveries(subscriber_id)],
        }

    # --- helpers -------------------------------------------------------------------------

    def _row_by_email(self, email: str) -> Subscriber | None:
        query = select(Subscriber).where(Subscriber.email == normalise_email(email))
        return self.session.exec(query).first()

    def _event(self, row: Subscriber, now: datetime, event: str, **detail: Any) -> None:
        assert row.id is not None
        self.session.add(MailEvent(subscriber_id=row.id, at=now, event=event, detail=detail))

    def _events(self, subscriber_id: int) -> list[MailEvent]:
        query = select(MailEvent).where(MailEvent.subscriber_id == subscriber_id)
        return list(self.session.exec(query.order_by(col(MailEvent.at), col(MailEvent.id))))

    def _deliveries(self, subscriber_id: int) -> list[Delivery]:
        query = select(Delivery).where(Delivery.subscriber_id == subscriber_id)
        return list(self.session.exec(query.order_by(col(Delivery.id))))


def _set_preferences(row: Subscriber, preferences: Preferences) -> None:
    row.audiences = list(preferences.audiences)
    row.topics = list(preferences.topics)
    row.sources = list(preferences.sources)
    row.frequency = preferences.frequency.value
    row.language = preferences.language
    row.news_languages = list(preferences.languages)


def _preference_detail(preferences: Preferences) -> dict[str, Any]:
    return {
        "audiences": list(preferences.audiences),
        "topics": list(preferences.topics),
        "sources": list(preferences.sources),
        "frequency": preferences.frequency.value,
        "language": preferences.language,
        "news_languages": list(preferences.languages),
    }


def _view(row: Subscriber) -> SubscriberView:
    assert row.id is not None
    return SubscriberView(
        id=row.id,
        email=row.email,
        status=SubscriberStatus(row.status),
        preferences=Preferences(
            audiences=tuple(row.audiences),
            topics=tuple(row.topics),
            sources=tuple(row.sources),
            frequency=Frequency(row.frequency),
            language=row.language,
            languages=tuple(row.news_languages or ()),
        ),
        consent_at=row.consent_at,
        confirmed_at=row.confirmed_at,
        unsubscribed_at=row.unsubscribed_at,
        token_version=row.token_version,
        bounce_count=row.bounce_count,
        created_at=row.created_at,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _row_export(row: Subscriber) -> dict[str, Any]:
    return {
        "email": row.email,
        "status": row.status,
        "language": row.language,
        "frequency": row.frequency,
        "audiences": list(row.audiences),
        "topics": list(row.topics),
        "sources": list(row.sources),
        "news_languages": list(row.news_languages or ()),
        "consent_at": _iso(row.consent_at),
        "confirmed_at": _iso(row.confirmed_at),
        "unsubscribed_at": _iso(row.unsubscribed_at),
        "bounce_count": row.bounce_count,
        "created_at": _iso(row.created_at),
    }


def _event_export(event: MailEvent) -> dict[str, Any]:
    return {"at": _iso(event.at), "event": event.event, "detail": dict(event.detail)}


def _delivery_export(delivery: Delivery) -> dict[str, Any]:
    return {
        "frequency": delivery.frequency,
        "period": delivery.period,
        "status": delivery.status,
        "items": len(delivery.item_ids),
        "sent_at": _iso(delivery.sent_at),
        "message_id": delivery.message_id,
    }
