"""Tables of tagging: the taxonomy and rules admins edit, tags on items, overrides, audit log.

``item_tag`` is the materialised result (computed tags plus admin overrides) that feeds and
digests filter on; ``tag_override`` keeps each admin decision so re-tagging never loses it;
``audit_log`` records every change with who, when, before and after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from aggregator.store.db import UTCDateTime


class TagRow(SQLModel, table=True):
    __tablename__ = "tag"

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16, index=True)  # audience | topic
    label_fi: str = Field(max_length=255)
    label_sv: str = Field(max_length=255)
    label_en: str = Field(max_length=255)
    description_fi: str = Field(default="", sa_type=Text)
    description_sv: str = Field(default="", sa_type=Text)
    description_en: str = Field(default="", sa_type=Text)
    active: bool = True
    position: int = 0
    updated_at: datetime = Field(sa_type=UTCDateTime)


class RuleRow(SQLModel, table=True):
    __tablename__ = "rule"

    id: str = Field(primary_key=True, max_length=128)
    tag_id: str = Field(foreign_key="tag.id", max_length=64, index=True)
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    enabled: bool = True
    position: int = 0
    updated_at: datetime = Field(sa_type=UTCDateTime)
    updated_by: str = Field(default="config", max_length=255)


class ItemTag(SQLModel, table=True):
    __tablename__ = "item_tag"
    __table_args__ = (Index("ix_item_tag_tag_item", "tag_id", "item_id"),)

    item_id: int = Field(foreign_key="item.id", primary_key=True, ondelete="CASCADE")
    tag_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16)
    origin: str = Field(max_length=16)  # rule | source | admin (the strongest reason)
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    tagged_at: datetime = Field(sa_type=UTCDateTime)


class TagOverride(SQLModel, table=True):
    __tablename__ = "tag_override"

    item_id: int = Field(foreign_key="item.id", primary_key=True, ondelete="CASCADE")
    tag_id: str = Field(primary_key=True, max_length=64)
    action: str = Field(max_length=8)  # add | remove
    admin: str = Field(max_length=255)
    at: datetime = Field(sa_type=UTCDateTime)
    note: str = Field(default="", sa_type=Text)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=255)
    action: str = Field(max_length=64)
    entity_type: str = Field(max_length=32)
    entity_id: str = Field(max_length=255)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
