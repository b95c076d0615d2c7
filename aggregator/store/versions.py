"""A content version per area, bumped on every change, read by feed caches in any process.

The scheduler writes stories in one process and the web app serves feeds in another; a cached
feed is valid while the version it was built at is still the current one. Reading the version is
one primary-key lookup, much cheaper than building a feed.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from aggregator.store.models import ContentVersion

CONTENT = "content"


def bump(session: Session, now: datetime, name: str = CONTENT) -> None:
    row = session.get(ContentVersion, name)
    if row is None:
        row = ContentVersion(name=name, version=0, changed_at=now)
    row.version += 1
    row.changed_at = now
    session.add(row)


def current(session: Session, name: str = CONTENT) -> tuple[int, datetime | None]:
    row = session.get(ContentVersion, name)
    return (0, None) if row is None else (row.version, row.changed_at)
