"""Admin sessions: a random token in a cookie, a row in ``admin_session`` on the server.

A login stores a new session (:mod:`aggregator.store.admin_sessions`) and sets its token as
the cookie; every admin request looks the token up and compares its expiry with the injected
clock (:data:`SESSION_MAX_AGE` after login). Logout deletes the row, so the old cookie, replayed,
gets the login page; a new password or a disabled account ends every session of the account.
The cookie is HttpOnly, SameSite=Strict and Secure except on plain-HTTP localhost
(:func:`~aggregator.web.security.is_secure_request`); with ``https_cookies`` on it is named
``__Host-admin_session`` (always Secure, Path=/, no Domain), and a cookie without the prefix is
not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import Response

from aggregator.store.models import AdminUser
from aggregator.store.request import RequestStore
from aggregator.web.security import SESSION_COOKIE_BASE, cookie_name, cookie_secure

SESSION_COOKIE = SESSION_COOKIE_BASE
SESSION_MAX_AGE = 12 * 3600


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


def session_cookie(request: Request) -> str:
    """The session cookie's name for this site (``__Host-`` prefixed over HTTPS)."""
    return cookie_name(request, SESSION_COOKIE)


def session_token(request: Request) -> str:
    """The session token the browser sent, or ``""``."""
    return request.cookies.get(session_cookie(request), "")


def start_session(request: Request, response: Response, db: RequestStore, admin: AdminUser) -> None:
    """Log ``admin`` in: a new server-side session and its cookie (never reusing what the
    browser sent, so a planted session id is worthless)."""
    runtime = request.app.state.runtime
    token = db.start_admin_session(admin, runtime.clock.now(), timedelta(seconds=SESSION_MAX_AGE))
    request.state.session_token = token  # pages rendered now bind their CSRF tokens to it
    response.set_cookie(
        session_cookie(request),
        token,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        secure=cookie_secure(request),
        samesite="strict",
        path="/",
    )


def end_session(request: Request, response: Response, db: RequestStore) -> None:
    """Log out: the server forgets the session, the browser drops the cookie."""
    db.end_admin_session(session_token(request))
    response.delete_cookie(
        session_cookie(request),
        path="/",
        httponly=True,
        secure=cookie_secure(request),
        samesite="strict",
    )


def session_admin(request: Request, db: RequestStore) -> CurrentAdmin | None:
    """The admin whose live session the request's cookie opens, if any."""
    token = session_token(request)
    if not token:
        return None
    now = request.app.state.runtime.clock.now()
    admin = db.admin_for(token, now)
    if admin is None:
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
