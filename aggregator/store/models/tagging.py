"""Tables of tagging: the taxonomy and rules admins edit, tags on items, overrides, audit log.

``item_tag`` is the materialised result (computed tags plus admin overrides) that feeds and
digests filter on; ``tag_override`` keeps each admin decision so re-tagging never loses it (and
is a label the learned model trains on); ``tag_model`` keeps every trained model version;
``tag_suggestion`` is the review queue of tags the model suggests; ``audit_log`` records every
change with who, when, before and after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, Text
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
    # An editor's note is for the editors unless they mark it public (shown on the story page).
    note_public: bool = Field(default=False)


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


class TagModelRow(SQLModel, table=True):
    """One trained version of the learned layer (:mod:`aggregator.tagging.learned`).

    ``model`` is the model's canonical JSON (vocabulary, weights, thresholds; no pickle), so
    loading it runs no code; the newest row is the one taggers use.
    """

    __tablename__ = "tag_model"

    version: int | None = Field(default=None, primary_key=True)
    trained_at: datetime = Field(sa_type=UTCDateTime)
    trained_by: str = Field(default="", max_length=255)
    training_hash: str = Field(max_length=64)
    digest: str = Field(max_length=64)
    examples: int = 0
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    model: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class TagSuggestion(SQLModel, table=True):
    """A tag the model suggests for a story (probability between its two thresholds).

    ``status`` is ``pending`` until an admin confirms or rejects it; the decision is stored as
    a tag override too (a label for the next training), and a decided suggestion is never
    suggested again.
    """

    __tablename__ = "tag_suggestion"
    __table_args__ = (Index("ix_tag_suggestion_status", "status", "probability"),)

    item_id: int = Field(foreign_key="item.id", primary_key=True, ondelete="CASCADE")
    tag_id: str = Field(primary_key=True, max_length=64)
    probability: float
    words: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    model_version: str = Field(default="", max_length=32)
    suggested_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="pending", max_length=16)  # pending | confirmed | rejected
    decided_by: str = Field(default="", max_length=255)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
