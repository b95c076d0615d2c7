"""What the feed builder reads, each in a transaction of its own (see
:mod:`aggregator.publish.feedbuild`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from aggregator.store import versions
from aggregator.store.db import session_scope
from aggregator.store.models import TagRow
from aggregator.store.queries import ItemFilter, StoryView, find_items
from aggregator.store.tags import TagStore


def content_version(engine: Engine) -> tuple[int, datetime | None]:
    """The content version and when it last moved."""
    with session_scope(engine) as session:
        return versions.current(session)


def active_tags(engine: Engine) -> list[TagRow]:
    with session_scope(engine) as session:
        return TagStore(session).taxonomy(active_only=True)


def feed_stories(engine: Engine, item_filter: ItemFilter) -> list[StoryView]:
    with session_scope(engine) as session:
        return find_items(session, item_filter)
