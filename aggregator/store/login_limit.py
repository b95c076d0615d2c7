"""The login limiter: per address, per account, counted atomically on SQLite and PostgreSQL.

Design (issue 17): a password is checked only after the attempt has been COUNTED, and counting
is one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING attempts`` on the key's row, committed
before the check. The row lock (PostgreSQL) or the database write lock (SQLite) serialises
concurrent attempts on one key, so each gets a distinct number and no two can both see "4".

* **Per address** (``ip:<address>``): at most :data:`MAX_FAILURES` password checks per
  :data:`LOGIN_WINDOW`; later attempts are answered 429 without checking. A success from the
  address starts its count afresh.
* **Per account** (``email:<address>``): no hard lock. Once an account has had more than
  :data:`MAX_FAILURES` attempts in the window, an address that has never logged in to it
  successfully (within :data:`KNOWN_FOR`) may try only once per delay, and the delay grows
  with every further attempt (:func:`account_wait`: 1 s, 2 s, 4 s, ... at most
  :data:`ACCOUNT_DELAY_CAP`); the one slot per delay is taken with an atomic conditional
  UPDATE. An address the editor has logged in from before is never delayed by the account's
  count, so strangers guessing from elsewhere cannot lock the editor out.

What remains: a stranger behind the same address (one NAT) as the editor shares its address
limit; an editor on a new address waits at most :data:`ACCOUNT_DELAY_CAP` while an attack runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, case, literal, null, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete

from aggregator.store.db import UTCDateTime, session_scope
from aggregator.store.models import LoginLimit

LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5
ACCOUNT_DELAY_CAP = timedelta(minutes=15)
KNOWN_FOR = timedelta(days=90)
KEY_CHARS = 400
_TABLE: Table = LoginLimit.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class LoginKeys:
    address: str
    account: str
    known: str


def keys_for(email: str, ip: str) -> LoginKeys:
    account = email.strip().lower()
    return LoginKeys(
        address=f"ip:{ip}"[:KEY_CHARS],
        account=f"email:{account}"[:KEY_CHARS],
        known=f"known:{account}|{ip}"[:KEY_CHARS],
    )


def account_wait(beyond: int) -> timedelta:
    """The delay after the ``beyond``-th attempt past :data:`MAX_FAILURES` on one account."""
    seconds = 2.0 ** min(max(beyond, 1) - 1, 20)
    return min(timedelta(seconds=seconds), ACCOUNT_DELAY_CAP)


def may_check_password(engine: Engine, keys: LoginKeys, now: datetime) -> bool:
    """Count this attempt (committed before returning); True if its password may be checked."""
    with session_scope(engine) as session:
        if _count(session, keys.address, now) > MAX_FAILURES:
            return False
    with session_scope(engine) as session:
        if _is_known(session, keys.known, now):
            return True
    with session_scope(engine) as session:
        attempts = _count(session, keys.account, now)
        if attempts <= MAX_FAILURES:
            return True
        return _take_slot(session, keys.account, now + account_wait(attempts - MAX_FAILURES), now)


def succeeded(session: Session, keys: LoginKeys, now: datetime) -> None:
    """A right password: the address's count starts afresh and the address becomes known for
    the account. The account's count stays (it ends with its window): the editor logging in
    must not hand a running attack a fresh set of free guesses."""
    session.exec(delete(LoginLimit).where(col(LoginLimit.key) == keys.address))
    # Forget what no decision reads any more: counters and known addresses untouched for
    # longer than an address stays known (a window's count matters for 15 minutes only).
    session.exec(delete(LoginLimit).where(col(LoginLimit.updated_at) < now - KNOWN_FOR))
    _upsert(session, keys.known, now, {"updated_at": now, "window_start": now})


def _is_known(session: Session, key: str, now: datetime) -> bool:
    row = session.get(LoginLimit, key)
    return row is not None and row.updated_at >= now - KNOWN_FOR


def _count(session: Session, key: str, now: datetime) -> int:
    table = _TABLE
    expired = table.c.window_start < _at(now - LOGIN_WINDOW)
    return _upsert(
        session,
        key,
        now,
        {
            "attempts": case((expired, 1), else_=table.c.attempts + 1),
            "window_start": case((expired, _at(now)), else_=table.c.window_start),
            "next_at": case((expired, null()), else_=table.c.next_at),
            "updated_at": _at(now),
        },
    )


def _take_slot(session: Session, key: str, until: datetime, now: datetime) -> bool:
    """Atomically claim the account's one attempt per delay for unknown addresses."""
    table = _TABLE
    claimed = session.execute(
        update(table)
        .where(table.c.key == key, or_(table.c.next_at.is_(None), table.c.next_at <= _at(now)))
        .values(next_at=_at(until))
        .returning(table.c.key)
    ).first()
    return claimed is not None


def _upsert(session: Session, key: str, now: datetime, on_conflict: dict[str, Any]) -> int:
    table = _TABLE
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(key=key, window_start=now, attempts=1, next_at=None, updated_at=now)
        .on_conflict_do_update(index_elements=[table.c.key], set_=on_conflict)
        .returning(table.c.attempts)
    )
    return int(session.execute(statement).scalar_one())


def _at(moment: datetime) -> Any:
    """A bound timestamp with the column's type (stored as UTC on both databases)."""
    return literal(moment, UTCDateTime())
