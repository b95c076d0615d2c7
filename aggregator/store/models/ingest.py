"""Tables of the ingest pipeline: stories, where they were seen, and each source's health.

``item`` is one story however many sources carry it; ``sighting`` records each (source, URL)
that carried it (provenance); ``story_key`` indexes the identities dedupe matches on;
``source_state`` is a source's health and admin switches; ``added_source`` a source an admin
added in the web UI (beside those of sources.toml); ``source_run`` one row per pass;
``http_validator`` the ETag/Last-Modified per (source, URL) for conditional GET.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from aggregator.store.db import UTCDateTime


class ItemRow(SQLModel, table=True):
    __tablename__ = "item"
    __table_args__ = (Index("ix_item_sort_at_id", "sort_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_type=Text)
    summary: str = Field(default="", sa_type=Text)
    body_text: str = Field(default="", sa_type=Text)
    body_html: str = Field(default="", sa_type=Text)
    language: str = Field(max_length=8, index=True)
    kind: str = Field(default="", max_length=64)
    publisher: str = Field(default="", max_length=255)
    url: str = Field(sa_type=Text)
    primary_source_id: str = Field(max_length=64, index=True)
    primary_url_key: str = Field(sa_type=Text)
    guid: str = Field(default="", max_length=255)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    published_has_time: bool = False
    first_seen_at: datetime = Field(sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(sa_type=UTCDateTime, index=True)
    sort_at: datetime = Field(sa_type=UTCDateTime)
    # Which date the story carries (aggregator.normalize.dating): "published" (published_at,
    # read from date_origin: list, article, meta, json-ld, time, feed) or "first_seen"
    # (first_seen_at); date_note says why a publisher's date was clamped or discarded.
    date_kind: str = Field(default="published", max_length=16)  # without published_at: first seen
    date_origin: str = Field(default="", max_length=16)
    date_note: str = Field(default="", sa_type=Text)
    # A grant call that had closed when the story was first seen: no news (no digest; no feed
    # unless its publisher dated it; sorted at its deadline).
    closed_when_seen: bool = False
    content_hash: str = Field(max_length=64)
    edits: int = 0
    grant: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Sighting(SQLModel, table=True):
    __tablename__ = "sighting"
    __table_args__ = (UniqueConstraint("source_id", "url_key", name="uq_sighting_source_url"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True, ondelete="CASCADE")
    source_id: str = Field(max_length=64, index=True)
    url: str = Field(sa_type=Text)
    url_key: str = Field(sa_type=Text)
    list_name: str = Field(default="", max_length=255)
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)


class StoryVersion(SQLModel, table=True):
    """Another language version of a story (the item row is the version first stored): the
    fi/sv/en texts of one release, each with its own address."""

    __tablename__ = "story_version"
    __table_args__ = (UniqueConstraint("item_id", "language", name="uq_story_version_language"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True, ondelete="CASCADE")
    language: str = Field(max_length=8)
    title: str = Field(sa_type=Text)
    summary: str = Field(default="", sa_type=Text)
    body_text: str = Field(default="", sa_type=Text)
    url: str = Field(sa_type=Text)
    source_id: str = Field(max_length=64)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_seen_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class StoryKey(SQLModel, table=True):
    __tablename__ = "story_key"

    key: str = Field(primary_key=True, max_length=512)
    item_id: int = Field(foreign_key="item.id", primary_key=True, index=True, ondelete="CASCADE")


class SourceState(SQLModel, table=True):
    """A source's health and admin switches; its definition stays in config/sources.toml."""

    __tablename__ = "source_state"

    source_id: str = Field(primary_key=True, max_length=64)
    enabled: bool = True
    overrides: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error_kind: str = Field(default="", max_length=64)
    last_error_message: str = Field(default="", sa_type=Text)
    consecutive_failures: int = 0
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    items_last_run: int = 0
    new_last_run: int = 0
    last_yield_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    markup_changed: bool = False
    used_fallback: bool = False  # selectors stale, read without them
    proposed_selectors: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    next_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AddedSource(SQLModel, table=True):
    """A source an admin added from a URL in the web UI: its ``[[source]]`` table as TOML
    would hold it (``definition``), read through the same registry checks as sources.toml."""

    __tablename__ = "added_source"

    source_id: str = Field(primary_key=True, max_length=64)
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    from_url: str = Field(sa_type=Text)
    added_by: str = Field(max_length=320)
    added_at: datetime = Field(sa_type=UTCDateTime)


class SourceRun(SQLModel, table=True):
    __tablename__ = "source_run"

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(max_length=64, index=True)
    started_at: datetime = Field(sa_type=UTCDateTime, index=True)
    finished_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(max_length=16)  # ok | partial | failed
    error_kind: str = Field(default="", max_length=64)
    error_message: str = Field(default="", sa_type=Text)
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    pages_fetched: int = 0
    pages_not_modified: int = 0
    items_found: int = 0
    items_new: int = 0
    items_updated: int = 0
    used_fallback: bool = False


class HttpValidator(SQLModel, table=True):
    __tablename__ = "http_validator"

    source_id: str = Field(primary_key=True, max_length=64)
    url: str = Field(primary_key=True, max_length=1024)
    etag: str | None = Field(default=None, max_length=255)
    last_modified: str | None = Field(default=None, max_length=64)
    # SHA-256 (hex) of the body last parsed: the same bytes again are not parsed again, even
    # from a server that sends no validators (see aggregator.pipeline).
    content_hash: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class UrlFailure(SQLModel, table=True):
    """A page of a source (an article, a later list page) that failed, and when to try it
    again: a link that keeps failing waits longer each time instead of being fetched on every
    pass. The row goes away when the page is read again."""

    __tablename__ = "url_failure"

    source_id: str = Field(primary_key=True, max_length=64)
    url: str = Field(primary_key=True, max_length=1024)
    failures: int = 1
    first_failed_at: datetime = Field(sa_type=UTCDateTime)
    last_failed_at: datetime = Field(sa_type=UTCDateTime)
    retry_at: datetime = Field(sa_type=UTCDateTime)
    error_kind: str = Field(default="", max_length=64)
    error_message: str = Field(default="", sa_type=Text)
