"""Tables of email digests: subscribers, one delivery row per digest, items already sent.

``delivery`` is the delivery log that makes sending idempotent: one row per (subscriber,
frequency, period); a row is claimed before sending and marked sent after, so re-running a
period sends nothing twice and a crash resumes where it stopped. ``delivered_item`` remembers
which stories a subscriber has had, so a digest holds only what is new to them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from aggregator.store.db import UTCDateTime


class Subscriber(SQLModel, table=True):
    __tablename__ = "subscriber"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    language: str = Field(default="fi", max_length=8)
    frequency: str = Field(default="weekly", max_length=16)  # daily | weekly
    audiences: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    sources: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    # The languages the subscriber reads news in (empty: every language).
    news_languages: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    status: str = Field(default="pending", max_length=16, index=True)
    consent_at: datetime = Field(sa_type=UTCDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unsubscribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    token_version: int = 0
    bounce_count: int = 0
    created_at: datetime = Field(sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "frequency", "period", name="uq_delivery_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True, ondelete="CASCADE")
    frequency: str = Field(max_length=16)
    period: str = Field(max_length=32)
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str = Field(default="", sa_type=Text)
    message_id: str = Field(default="", max_length=255)
    item_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveredItem(SQLModel, table=True):
    __tablename__ = "delivered_item"

    subscriber_id: int = Field(foreign_key="subscriber.id", primary_key=True, ondelete="CASCADE")
    item_id: int = Field(foreign_key="item.id", primary_key=True, ondelete="CASCADE")
    delivery_id: int = Field(foreign_key="delivery.id", index=True, ondelete="CASCADE")


class MailEvent(SQLModel, table=True):
    """Consent and lifecycle events kept for the subscriber's data export (GDPR art. 15)."""

    __tablename__ = "mail_event"

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True, ondelete="CASCADE")
    at: datetime = Field(sa_type=UTCDateTime)
    event: str = Field(max_length=32)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
