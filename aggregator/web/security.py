"""Security middleware and helpers: response headers, CSRF tokens on every form.

Every response gets a strict Content-Security-Policy (no inline script or style anywhere, so
none is allowed), nosniff, frame denial and a same-origin referrer; HTTPS responses also get
HSTS (behind a TLS proxy run ``aggregator serve --proxy-headers`` so the scheme is known).

CSRF tokens are signed and bound to the session (the "signed double submit" of the OWASP CSRF
cheat sheet): the browser holds a random seed in an HttpOnly cookie, and each form's token is
``HMAC(secret_key, seed | SHA-256(admin session token))``. :func:`csrf_protect` (a router
dependency) recomputes it from the cookies that came with the unsafe request. Someone able to
plant a cookie for the host (a sibling subdomain, plain HTTP) can plant a seed and a token of
their own browser, but not one made for the editor's session, which they cannot read: the pair
is refused. A token from before a login or logout does not survive it. With ``https_cookies``
on, the cookie is ``__Host-csrftoken``. (asgi-csrf and starlette-csrf were checked: both sign a
double-submit token but bind it to nothing, which is exactly the planted-pair hole.)
Routes that must accept a POST without a form token (RFC 8058 one-click unsubscribe,
authenticated by its signed URL instead) are listed in :data:`CSRF_EXEMPT_PATH_PREFIXES`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any

from fastapi import HTTPException, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


HOST_PREFIX = "__Host-"
SESSION_COOKIE_BASE = "admin_session"  # the name web.auth uses; read here to bind tokens


def _settings(request: Request) -> Any:
    return request.app.state.runtime.settings


def cookie_name(request: Request, base: str) -> str:
    """``base``, or ``__Host-base`` when the site is served over HTTPS (``https_cookies``)."""
    return f"{HOST_PREFIX}{base}" if _settings(request).https_cookies else base


def cookie_secure(request: Request) -> bool:
    return bool(_settings(request).https_cookies) or is_secure_request(request)


def _seed(request: Request) -> str:
    """This browser's CSRF seed (made on first use; the middleware sets the cookie)."""
    seed = getattr(request.state, "csrf_seed", None)
    if seed is None:
        sent = request.cookies.get(cookie_name(request, CSRF_COOKIE), "")
        seed = sent if 16 <= len(sent) <= 128 else secrets.token_urlsafe(32)
        request.state.csrf_seed = seed
    return str(seed)


def _bound_session(request: Request) -> str:
    """The session token the form is for: one started by this very request (a login), else
    the one the browser sent."""
    started = getattr(request.state, "session_token", None)
    if started is not None:
        return str(started)
    return request.cookies.get(cookie_name(request, SESSION_COOKIE_BASE), "")


def _sign(request: Request, seed: str, session_token: str) -> str:
    secret = _settings(request).secret_key.get_secret_value().encode()
    bound = hashlib.sha256(session_token.encode("utf-8", "surrogatepass")).hexdigest()
    message = f"csrf|{seed}|{bound}".encode("utf-8", "surrogatepass")
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page: signed, bound to this browser's seed and session."""
    return _sign(request, _seed(request), _bound_session(request))


_RAW_SECURITY_HEADERS = tuple(
    (name.lower().encode("latin-1"), value.encode("latin-1"))
    for name, value in SECURITY_HEADERS.items()
)
_RAW_HSTS = (b"strict-transport-security", HSTS.encode("latin-1"))


class SecurityMiddleware:
    """Adds the security headers and the CSRF cookie to every HTTP response.

    A plain ASGI middleware (not ``BaseHTTPMiddleware``, whose task group and streaming
    wrapper cost more than a cached feed answer itself): it edits the header list of the
    ``http.response.start`` message on its way out. A header the route already set is left as
    it is. The CSRF cookie is set when the page made a seed (``request.state.csrf_seed``) that
    the browser does not hold yet.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _secured(scope, message.get("headers", ()))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def secured_headers(
    headers: Iterable[tuple[bytes, bytes]], *, https: bool
) -> list[tuple[bytes, bytes]]:
    """``headers`` plus the security headers they lack (HSTS too when ``https``).

    What the middleware adds to every answer; the feed cache adds it once per cached answer.
    """
    raw = list(headers)
    present = {name.lower() for name, _ in raw}
    raw.extend(pair for pair in _RAW_SECURITY_HEADERS if pair[0] not in present)
    if https and _RAW_HSTS[0] not in present:
        raw.append(_RAW_HSTS)
    return raw


def _secured(scope: Scope, headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` plus the security headers they lack, and the CSRF cookie when due."""
    raw = secured_headers(headers, https=scope.get("scheme") == "https")
    seed = scope.get("state", {}).get("csrf_seed")
    if seed:
        raw.extend(_csrf_cookie(Request(scope), seed))
    return raw


def _csrf_cookie(request: Request, seed: str) -> list[tuple[bytes, bytes]]:
    """The ``set-cookie`` header for ``seed`` unless the browser sent that very cookie."""
    name = cookie_name(request, CSRF_COOKIE)
    if request.cookies.get(name) == seed:
        return []
    cookie = Response()
    cookie.set_cookie(
        name, seed, httponly=True, secure=cookie_secure(request), samesite="lax", path="/"
    )
    return [pair for pair in cookie.raw_headers if pair[0] == b"set-cookie"]


async def csrf_protect(request: Request) -> None:
    """Refuse an unsafe request whose form token does not match the browser's cookie."""
    if request.method not in UNSAFE_METHODS:
        return
    if request.url.path.startswith(CSRF_EXEMPT_PATH_PREFIXES):
        return
    seed = request.cookies.get(cookie_name(request, CSRF_COOKIE), "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        sent = value if isinstance(value, str) else ""
    if not seed or not sent:
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid")
    session_token = request.cookies.get(cookie_name(request, SESSION_COOKIE_BASE), "")
    expected = _sign(request, seed, session_token)
    if not hmac.compare_digest(expected.encode(), sent.encode("utf-8", "surrogatepass")):
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid")
