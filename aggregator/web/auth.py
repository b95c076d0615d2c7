"""Admin sessions: a signed, expiring cookie naming the admin, checked on every admin request.

The cookie holds the admin's id and a fingerprint of their password hash, signed with the
secret key (itsdangerous) and valid for :data:`SESSION_MAX_AGE`. Changing the password or
deactivating the account therefore ends every session at once, with no session table. The
cookie is HttpOnly, SameSite=Strict and Secure except on plain-HTTP localhost
(:func:`~aggregator.web.security.is_secure_request`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from aggregator.store.models import AdminUser
from aggregator.web.security import is_secure_request

SESSION_COOKIE = "admin_session"
SESSION_MAX_AGE = 12 * 3600
_SALT = "kotoutumisuutiset.admin-session"


@dataclass(frozen=True, slots=True)
class CurrentAdmin:
    """The logged-in admin as pages see it (no password hash)."""

    id: int
    email: str


class LoginRequired(Exception):
    """Raised by :func:`require_admin`; the app answers with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def _serializer(request: Request) -> URLSafeTimedSerializer:
    secret = request.app.state.runtime.settings.secret_key.get_secret_value()
    return URLSafeTimedSerializer(secret, salt=_SALT)


def _fingerprint(admin: AdminUser) -> str:
    return hashlib.sha256(admin.password_hash.encode()).hexdigest()[:16]


def start_session(request: Request, response: Response, admin: AdminUser) -> None:
    """Log ``admin`` in: a fresh signed cookie (never reusing what the browser sent)."""
    token = _serializer(request).dumps({"id": admin.id, "pw": _fingerprint(admin)})
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        secure=is_secure_request(request),
        samesite="strict",
        path="/",
    )


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        secure=is_secure_request(request),
        samesite="strict",
    )


def session_admin(request: Request, session: Session) -> CurrentAdmin | None:
    """The admin whose valid session cookie came with ``request``, if any."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        data = _serializer(request).loads(token, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    admin = session.get(AdminUser, data["id"])
    if admin is None or not admin.active or data.get("pw") != _fingerprint(admin):
        return None
    assert admin.id is not None
    return CurrentAdmin(id=admin.id, email=admin.email)


def safe_next(value: str | None) -> str:
    """Where to go after login: a local admin path only (no open redirect)."""
    if not value:
        return "/admin"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin") or "\\" in value:
        return "/admin"
    if parts.path.startswith("/admin/login"):
        return "/admin"
    return value


def login_url(next_path: str) -> str:
    return f"/admin/login?next={quote(safe_next(next_path), safe='/')}"


def client_ip(request: Request) -> str:
    """The peer address (a reverse proxy must pass the real one via uvicorn's proxy headers)."""
    return request.client.host if request.client else "unknown"
