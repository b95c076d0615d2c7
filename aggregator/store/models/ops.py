"""Operational tables: admin accounts, login attempts, the scheduler lease and job states,
and the content version that invalidates feed caches across processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from aggregator.store.db import UTCDateTime


class AdminUser(SQLModel, table=True):
    __tablename__ = "admin_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=320, index=True)  # e.g. "ip:127.0.0.1" or "email:a@b"
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    success: bool = False


class AdminSession(SQLModel, table=True):
    """One logged-in browser. The cookie holds a random token; only its SHA-256 is stored, so
    a database dump opens no session. Logout deletes the row, a password change or a disabled
    account deletes them all, and ``expires_at`` is compared with the injected clock."""

    __tablename__ = "admin_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    admin_id: int = Field(foreign_key="admin_user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class LoginLimit(SQLModel, table=True):
    """A login counter per key (``ip:<address>``, ``email:<address>``) counted with one atomic
    upsert, or a known-good address of an account (``known:<email>|<address>``). See
    :mod:`aggregator.store.login_limit`."""

    __tablename__ = "login_limit"

    key: str = Field(primary_key=True, max_length=400)
    window_start: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 0
    next_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime, index=True)


class SchedulerLease(SQLModel, table=True):
    """Only one scheduler per database: the holder renews the lease before it expires."""

    __tablename__ = "scheduler_lease"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=255)
    acquired_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class JobState(SQLModel, table=True):
    __tablename__ = "job_state"

    job_id: str = Field(primary_key=True, max_length=128)
    next_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_result: str = Field(default="", max_length=32)
    last_error: str = Field(default="", sa_type=Text)
    running: bool = False


class ContentVersion(SQLModel, table=True):
    """Bumped whenever stories, tags or grant calls change; feed caches key on it."""

    __tablename__ = "content_version"

    name: str = Field(primary_key=True, max_length=32)
    version: int = 0
    changed_at: datetime = Field(sa_type=UTCDateTime)
