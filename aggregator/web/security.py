"""Security middleware and helpers: response headers, CSRF tokens on every form.

Every response gets a strict Content-Security-Policy (no inline script or style anywhere, so
none is allowed), nosniff, frame denial and a same-origin referrer; HTTPS responses also get
HSTS (behind a TLS proxy run ``aggregator serve --proxy-headers`` so the scheme is known).

CSRF uses a per-browser random token in an HttpOnly cookie that every rendered form repeats in
a hidden field; :func:`csrf_protect` (a router dependency) compares the two on every unsafe
request. Routes that must accept a POST without a form token (RFC 8058 one-click unsubscribe,
authenticated by its signed URL instead) are listed in :data:`CSRF_EXEMPT_PATH_PREFIXES`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import Response

CSRF_COOKIE = "csrftoken"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_EXEMPT_PATH_PREFIXES: tuple[str, ...] = ("/unsubscribe/one-click/",)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


HSTS = "max-age=31536000; includeSubDomains"


def is_secure_request(request: Request) -> bool:
    """Cookies are Secure unless the app is served over plain HTTP on localhost."""
    host = (request.url.hostname or "").lower()
    return request.url.scheme == "https" or host not in ("127.0.0.1", "localhost", "::1")


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (created on first use; the middleware sets the cookie)."""
    token = getattr(request.state, "csrf_token", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        request.state.csrf_token = token
    return str(token)


class SecurityMiddleware(BaseHTTPMiddleware):
    """Adds the security headers and the CSRF cookie to every response."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        token = getattr(request.state, "csrf_token", None)
        if token and request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(
                CSRF_COOKIE,
                token,
                httponly=True,
                secure=is_secure_request(request),
                samesite="lax",
                path="/",
            )
        return response


async def csrf_protect(request: Request) -> None:
    """Refuse an unsafe request whose form token does not match the browser's cookie."""
    if request.method not in UNSAFE_METHODS:
        return
    if request.url.path.startswith(CSRF_EXEMPT_PATH_PREFIXES):
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        sent = value if isinstance(value, str) else ""
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid")
