"""Server-side admin sessions: a row per logged-in browser, so a session can really end.

The cookie carries a random 256-bit token; the table keeps its SHA-256 (``token_hash``), the
admin and the moment the session expires. A session is valid while its row exists, its
``expires_at`` lies after the injected clock's now, and its admin is active. Logout deletes its
row; :func:`end_all` (called by :func:`aggregator.store.admins.set_password`) deletes every
row of an admin, so a replayed cookie after either gets the login page.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from aggregator.store.models import AdminSession, AdminUser


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start(session: Session, admin: AdminUser, now: datetime, lifetime: timedelta) -> str:
    """A new session for ``admin``; returns the token for the cookie (never stored)."""
    assert admin.id is not None
    session.exec(delete(AdminSession).where(col(AdminSession.expires_at) <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        AdminSession(
            token_hash=token_hash(token),
            admin_id=admin.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    return token


def admin_for(session: Session, token: str, now: datetime) -> AdminUser | None:
    """The active admin whose unexpired session ``token`` opens, or None."""
    if not token or len(token) > 128:
        return None
    row = session.get(AdminSession, token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    admin = session.get(AdminUser, row.admin_id)
    if admin is None or not admin.active:
        return None
    return admin


def end(session: Session, token: str) -> None:
    """End the session ``token`` opens (logout); unknown tokens are ignored."""
    if token and len(token) <= 128:
        session.exec(delete(AdminSession).where(col(AdminSession.token_hash) == token_hash(token)))


def end_all(session: Session, admin_id: int) -> None:
    """End every session of an admin (a new password, a disabled account)."""
    session.exec(delete(AdminSession).where(col(AdminSession.admin_id) == admin_id))


def count(session: Session, admin_id: int, now: datetime) -> int:
    rows = session.exec(
        select(AdminSession.token_hash).where(
            AdminSession.admin_id == admin_id, col(AdminSession.expires_at) > now
        )
    ).all()
    return len(rows)
