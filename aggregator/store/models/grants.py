"""Grant calls as records: one row per call, linked from every news item about it.

A date-only deadline is stored as the end of that day in Helsinki (``closes_has_time`` False),
an opening date as the start of that day, so "is it open" is one comparison in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from aggregator.store.db import UTCDateTime


class GrantCallRow(SQLModel, table=True):
    __tablename__ = "grant_call"

    id: int | None = Field(default=None, primary_key=True)
    call_key: str = Field(max_length=255, unique=True)
    title: str = Field(sa_type=Text)
    url: str = Field(default="", sa_type=Text)
    language: str = Field(default="fi", max_length=8)
    funder: str | None = Field(default=None, max_length=255)
    programme: str | None = Field(default=None, max_length=64, index=True)
    opens_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opens_has_time: bool = False
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    closes_has_time: bool = False
    amount_eur: float | None = None
    eligible: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    apply_url: str | None = Field(default=None, sa_type=Text)
    rolling: bool = False
    reference: str | None = Field(default=None, max_length=128)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    first_item_id: int | None = Field(default=None, foreign_key="item.id", ondelete="SET NULL")
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    deadline_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    previous_closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ItemGrantLink(SQLModel, table=True):
    """A news item about a call (several items may describe one call)."""

    __tablename__ = "item_grant"

    item_id: int = Field(foreign_key="item.id", primary_key=True, ondelete="CASCADE")
    grant_call_id: int = Field(
        foreign_key="grant_call.id", primary_key=True, index=True, ondelete="CASCADE"
    )
