"""A content version per area, bumped on every change, read by feed caches in any process.

The scheduler writes stories in one process and the web app serves feeds in another; a cached
feed is valid while the version it was built at is still the current one. Reading the version is
one primary-key lookup, much cheaper than building a feed.

Within one transaction a version moves once, however many changes the transaction makes
(readers only compare versions for equality), and its row is read once: a crawl storing 500
stories used to read and rewrite the row for every story (the session's identity map holds rows
weakly, so a clean row was read again each time).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from aggregator.store.db import transaction_memo
from aggregator.store.models import ContentVersion

CONTENT = "content"
_ROWS = "versions.rows"
_BUMPED = "versions.bumped"


def bump(session: Session, now: datetime, name: str = CONTENT) -> None:
    """Move version ``name`` on (once per transaction) and stamp it with ``now``."""
    row = _row(session, name) or ContentVersion(name=name, version=0, changed_at=now)
    memo = transaction_memo(session)
    memo.setdefault(_ROWS, {})[name] = row
    bumped: set[str] = memo.setdefault(_BUMPED, set())
    if name not in bumped:
        row.version += 1
        bumped.add(name)
    row.changed_at = now
    session.add(row)


def current(session: Session, name: str = CONTENT) -> tuple[int, datetime | None]:
    row = _row(session, name)
    return (0, None) if row is None else (row.version, row.changed_at)


def _row(session: Session, name: str) -> ContentVersion | None:
    """The version's row, read once per transaction and held (not just weakly) until its end."""
    rows: dict[str, ContentVersion] = transaction_memo(session).get(_ROWS, {})
    row = rows.get(name) or session.get(ContentVersion, name)
    if row is not None:
        transaction_memo(session).setdefault(_ROWS, {})[name] = row
    return row
