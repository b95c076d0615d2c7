"""One scheduler per database: a lease row taken and renewed with compare-and-set UPDATEs.

Two schedulers running the same jobs would crawl every site twice and could send a digest
twice, so the scheduler holds the row ``scheduler_lease(name)`` while it schedules anything.

- **Take**: ``UPDATE ... SET holder=me, expires_at=now+ttl WHERE name=:name AND
  (expires_at <= now OR holder = me)``. One row updated means we hold it. If no row exists yet,
  an INSERT takes it; a concurrent INSERT loses on the primary key. PostgreSQL re-checks the
  WHERE clause after waiting for a concurrent UPDATE of the row, and SQLite runs one writer at a
  time, so exactly one of several contenders wins on both.
- **Renew**: ``UPDATE ... SET expires_at=now+ttl WHERE name=:name AND holder=me``. No row
  updated means another scheduler took the lease after ours expired: we lost it.
- **Release** on a clean stop sets ``expires_at=now``, so a standby takes over at once.

A holder that cannot renew (database down) stops starting jobs once its own ``expires_at``
passes (:meth:`Lease.held`), which is no later than when a standby may take over. Times come
from each scheduler's injected clock, so the machines' clocks must agree to well within the
lease time (NTP does; the default lease is 60 s).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from aggregator.store.models import SchedulerLease

_TABLE: Table = SQLModel.metadata.tables[str(SchedulerLease.__tablename__)]
_COLUMNS = _TABLE.c


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    """Who holds the lease according to the database."""

    holder: str
    acquired_at: datetime
    expires_at: datetime


def new_holder_id() -> str:
    """``host:pid:random``: says which process holds the lease, unique across restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """This process's side of the lease called ``name``; every method is one short transaction."""

    def __init__(
        self, engine: Engine, *, name: str, ttl: timedelta, holder: str | None = None
    ) -> None:
        self.engine = engine
        self.name = name
        self.ttl = ttl
        self.holder = holder or new_holder_id()
        self._expires_at: datetime | None = None

    def held(self, now: datetime) -> bool:
        """True while our last successful take or renewal has not expired."""
        return self._expires_at is not None and now < self._expires_at

    def try_acquire(self, now: datetime) -> bool:
        """Take the lease if it is free, expired or already ours."""
        expires = now + self.ttl
        taken = or_(_COLUMNS.expires_at <= now, _COLUMNS.holder == self.holder)
        changes = {"holder": self.holder, "acquired_at": now, "expires_at": expires}
        if self._update(taken, changes) or self._insert(now, expires):
            self._expires_at = expires
            return True
        return False

    def renew(self, now: datetime) -> bool:
        """Extend the lease; False (and no longer held) when another scheduler took it."""
        expires = now + self.ttl
        if self._update(_COLUMNS.holder == self.holder, {"expires_at": expires}):
            self._expires_at = expires
            return True
        self._expires_at = None
        return False

    def release(self, now: datetime) -> None:
        """Give the lease up so a standby may take over immediately."""
        self._update(_COLUMNS.holder == self.holder, {"expires_at": now})
        self._expires_at = None

    def current(self) -> LeaseHolder | None:
        """The row as stored (for messages and the dashboard)."""
        query = select(_COLUMNS.holder, _COLUMNS.acquired_at, _COLUMNS.expires_at).where(
            _COLUMNS.name == self.name
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else LeaseHolder(row[0], row[1], row[2])

    def _update(self, condition: ColumnElement[bool], changes: dict[str, Any]) -> bool:
        statement = update(_TABLE).where(_COLUMNS.name == self.name, condition).values(**changes)
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount == 1

    def _insert(self, now: datetime, expires: datetime) -> bool:
        row = {"name": self.name, "holder": self.holder, "acquired_at": now, "expires_at": expires}
        try:
            with self.engine.begin() as connection:
                connection.execute(_TABLE.insert().values(**row))
        except IntegrityError:
            return False
        return True
