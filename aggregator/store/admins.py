"""Admin accounts, login attempts and the counts the admin pages show.

Passwords are stored as argon2id hashes (pwdlib); a hash made with older parameters is
upgraded on the next successful login. Whether a password may be checked at all is the login
limiter's decision (:mod:`aggregator.store.login_limit`, atomic per address and per account);
every checked attempt is also kept here as a :class:`LoginAttempt` row (``email:<address>`` and
``ip:<address>``) for two days, as history. A new password ends every session of the account
(:mod:`aggregator.store.admin_sessions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, func, select

from aggregator.store import admin_sessions
from aggregator.store.db import session_scope
from aggregator.store.login_limit import LOGIN_WINDOW, MAX_FAILURES
from aggregator.store.models import AdminUser, LoginAttempt, Subscriber

__all__ = ["LOGIN_WINDOW", "MAX_FAILURES"]

ATTEMPTS_KEPT = timedelta(days=2)
MIN_PASSWORD_LENGTH = 10

# argon2id with the parameters the OWASP Password Storage Cheat Sheet names as its baseline
# (19 MiB, 2 iterations, 1 lane): about 60 ms per hash on a small server, so a login stays quick
# while an offline guess costs the attacker the same.
_HASHER = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))
# Verified against when the email is unknown, so a wrong address costs as much as a wrong
# password and response times do not reveal which accounts exist.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-only-for-timing")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _HASHER.hash(password)


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be used, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if not password.strip():
        return "the password must not be blank"
    return None


def create_admin(session: Session, email: str, password: str, now: datetime) -> AdminUser:
    """A new active admin account; ValueError for a bad address, a weak password or a duplicate."""
    address = normalise_email(email)
    if "@" not in address or len(address) > 320 or any(ch.isspace() for ch in address):
        raise ValueError(f"not an email address: {email!r}")
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    if find_admin(session, address) is not None:
        raise ValueError(f"an admin account for {address} already exists")
    admin = AdminUser(email=address, password_hash=hash_password(password), created_at=now)
    session.add(admin)
    session.flush()
    return admin


def find_admin(session: Session, email: str) -> AdminUser | None:
    return session.exec(select(AdminUser).where(AdminUser.email == normalise_email(email))).first()


def set_password(session: Session, admin: AdminUser, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    admin.password_hash = hash_password(password)
    session.add(admin)
    if admin.id is not None:
        admin_sessions.end_all(session, admin.id)


def authenticate(session: Session, email: str, password: str, now: datetime) -> AdminUser | None:
    """The active admin with this email and password (last login recorded), else None."""
    admin = find_admin(session, email)
    if admin is None or not admin.active:
        _HASHER.verify(password, _DUMMY_HASH)
        return None
    valid, new_hash = _HASHER.verify_and_update(password, admin.password_hash)
    if not valid:
        return None
    if new_hash is not None:
        admin.password_hash = new_hash
    admin.last_login_at = now
    session.add(admin)
    return admin


# --- login attempts --------------------------------------------------------------------------


def attempt_keys(email: str, ip: str) -> tuple[str, str]:
    """The two keys a login attempt counts against."""
    return (f"email:{normalise_email(email)}"[:320], f"ip:{ip}"[:320])


def record_attempt(session: Session, keys: Sequence[str], success: bool, now: datetime) -> None:
    """Remember one attempt under each key, and forget attempts older than two days."""
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < now - ATTEMPTS_KEPT))
    for key in keys:
        session.add(LoginAttempt(key=key, at=now, success=success))
    session.flush()


# --- subscriber counts -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubscriberCounts:
    """Subscribers counted per status, frequency and language; no personal data."""

    total: int
    by_status: dict[str, int]
    by_frequency: dict[str, int]
    by_language: dict[str, int]
    with_bounces: int
    bounces: int


def _count_by(session: Session, column: object) -> dict[str, int]:
    rows = session.exec(select(column, func.count()).group_by(column)).all()  # type: ignore[call-overload]
    return {str(value): int(count) for value, count in sorted(rows, key=lambda r: str(r[0]))}


def subscriber_counts(session: Session) -> SubscriberCounts:
    """The subscribers overview of the admin UI."""
    by_status = _count_by(session, Subscriber.status)
    bounced = session.exec(
        select(func.count(), func.coalesce(func.sum(Subscriber.bounce_count), 0)).where(
            col(Subscriber.bounce_count) > 0
        )
    ).one()
    return SubscriberCounts(
        total=sum(by_status.values()),
        by_status=by_status,
        by_frequency=_count_by(session, Subscriber.frequency),
        by_language=_count_by(session, Subscriber.language),
        with_bounces=int(bounced[0]),
        bounces=int(bounced[1]),
    )


def save_admin(
    engine: Engine, email: str, password: str, now: datetime, *, reset: bool
) -> tuple[str, bool]:
    """Create an admin account, or with ``reset`` give an existing one a new password; returns
    (the stored email, True when created). ValueError when the account cannot be created."""
    with session_scope(engine) as session:
        existing = find_admin(session, email)
        if existing is not None and reset:
            set_password(session, existing, password)
            return existing.email, False
        return create_admin(session, email, password, now).email, True
