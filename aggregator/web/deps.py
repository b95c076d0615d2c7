"""Request-scoped dependencies: the runtime, the store in the request's one transaction
(:mod:`aggregator.store.request`), the reader's language, the logged-in admin, and
:func:`render_page`, which renders a template on ``base.html`` with everything the layout needs.

Any page extending ``templates/base.html`` should be rendered with :func:`render_page` (or be
given the same context from :func:`page_context`): the layout then shows the language switcher
for the current address, the admin links for a logged-in admin and the CSRF token for forms.
The layout also renders with only ``lang`` (what :func:`aggregator.templating.render` always
passes), so e-mail-like pages that cannot pass a request still work.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from aggregator.clock import Clock
from aggregator.i18n import LANGUAGE_NAMES, LANGUAGES, normalise_language
from aggregator.runtime import Runtime
from aggregator.store.request import RequestStore, request_store
from aggregator.templating import render
from aggregator.web.auth import CurrentAdmin, LoginRequired, session_admin, session_token
from aggregator.web.security import csrf_token, is_secure_request

LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_clock(request: Request) -> Clock:
    return get_runtime(request).clock


def get_store(request: Request) -> Iterator[RequestStore]:
    """The store in one transaction per request, committed when the handler returns normally.

    Used through :data:`StoreDep`, whose ``scope="function"`` commits BEFORE the response is
    sent: a browser following a 303 after a POST must already see what the POST wrote.
    """
    with request_store(get_runtime(request).engine) as db:
        yield db


def _accept_language(header: str) -> str | None:
    best: tuple[float, str] | None = None
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        code = tag.strip().lower()[:2]
        if code in LANGUAGES and (best is None or quality > best[0]):
            best = (quality, code)
    return best[1] if best else None


def get_language(request: Request) -> str:
    """``?lang=`` if given, else the language cookie, else Accept-Language; Finnish first."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if chosen:
        return normalise_language(chosen)
    return normalise_language(_accept_language(request.headers.get("accept-language", "")))


async def posted_form(request: Request) -> FormData:
    """The submitted form, read once (the CSRF check has parsed it already), so that the
    handlers themselves can be plain functions that FastAPI runs in its thread pool."""
    return await request.form()


StoreDep = Annotated[RequestStore, Depends(get_store, scope="function")]
FormDep = Annotated[FormData, Depends(posted_form)]
LanguageDep = Annotated[str, Depends(get_language)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


# --- admins ----------------------------------------------------------------------------------


def optional_admin(request: Request, db: StoreDep) -> CurrentAdmin | None:
    """The logged-in admin or None (no database read without a session cookie)."""
    if not session_token(request):
        return None
    admin = session_admin(request, db)
    request.state.admin = admin
    return admin


def require_admin(request: Request, db: StoreDep) -> CurrentAdmin:
    """The logged-in admin; anyone else is sent to the login page."""
    admin = optional_admin(request, db)
    if admin is None:
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += f"?{request.url.query}"
        raise LoginRequired(target)
    return admin


AdminDep = Annotated[CurrentAdmin, Depends(require_admin)]


# --- rendering -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LanguageLink:
    code: str
    name: str
    url: str
    current: bool


def language_links(request: Request, current: str) -> list[LanguageLink]:
    """The current address in each language (``?lang=`` replaced, other parameters kept)."""
    links = []
    for code in LANGUAGES:
        query = request.url.include_query_params(lang=code).query
        links.append(
            LanguageLink(code, LANGUAGE_NAMES[code], f"{request.url.path}?{query}", code == current)
        )
    return links


def page_context(request: Request, language: str) -> dict[str, Any]:
    """What ``base.html`` uses besides ``lang``: switcher links, admin, CSRF token, path."""
    return {
        "request_path": request.url.path,
        "language_links": language_links(request, language),
        "admin": getattr(request.state, "admin", None),
        "csrf_token": csrf_token(request),
        "csrf_field": "csrf_token",
    }


def render_page(
    request: Request, template: str, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """``template`` rendered in the reader's language on the shared layout.

    A ``?lang=`` choice is remembered in a cookie, so the language stays as the reader moves on.
    """
    language = get_language(request)
    html = render(template, language, **{**page_context(request, language), **context})
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Language"] = language
    private = request.url.path.startswith("/admin")
    response.headers["Cache-Control"] = "no-store" if private else "no-cache"
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_MAX_AGE,
            httponly=True,
            secure=is_secure_request(request),
            samesite="lax",
            path="/",
        )
    return response
