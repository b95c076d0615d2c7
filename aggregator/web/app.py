"""The FastAPI application: one factory used by ``aggregator serve``, the demo and the tests.

Every route module has its own router; this module includes them, installs the middleware
(outermost first: prepared answers for /healthz and cached feeds, security headers and CSRF
cookie, gzip for pages) and the app-wide CSRF check, and turns errors into pages in the
reader's language. Long admin actions (fetch now) run through
``app.state.run_in_background``, a daemon thread by default, so the request returns at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi import Depends, FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Receive, Scope, Send

from aggregator.resources import package_path
from aggregator.runtime import Runtime
from aggregator.tagging.morphology import Morphology
from aggregator.web.auth import LoginRequired, login_url
from aggregator.web.deps import render_page
from aggregator.web.fastlane import PreparedAnswers, healthz_response
from aggregator.web.routes import (
    admin,
    admin_add_source,
    admin_items,
    admin_rules,
    admin_sources,
    admin_suggestions,
    admin_tags,
    auth,
    feeds,
    feeds_page,
    grants_page,
    pages,
)
from aggregator.web.routes import calendar as calendar_routes
from aggregator.web.routes import subscriptions as subscription_routes
from aggregator.web.security import SecurityMiddleware, csrf_protect
from aggregator.web.tagging_service import TaggingService

STATIC_DIR = package_path("web", "static")
PRECOMPRESSED_PREFIX = "/feeds/"

BackgroundRunner = Callable[[Callable[[], None], str], None]


def run_in_thread(job: Callable[[], None], name: str) -> None:
    """Start ``job`` in a daemon thread (it must catch and record its own errors)."""
    threading.Thread(target=job, name=name, daemon=True).start()


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_path), status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    """An error page for browsers; the plain answer for feeds, APIs and tools."""
    assert isinstance(exc, StarletteHTTPException)
    if "text/html" not in request.headers.get("accept", "") or exc.status_code < 400:
        return await http_exception_handler(request, exc)
    response = render_page(
        request, "pages/error.html", status_code=exc.status_code, status=exc.status_code
    )
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """A malformed address (``/items/abc``) is "not found" to a browser; API clients and tools
    keep FastAPI's JSON list of what was wrong."""
    assert isinstance(exc, RequestValidationError)
    if "text/html" not in request.headers.get("accept", ""):
        return await request_validation_exception_handler(request, exc)
    in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
    status = 404 if in_path else 400
    return render_page(request, "pages/error.html", status_code=status, status=status)


class PageGZipMiddleware(GZipMiddleware):
    """Starlette's gzip for pages; feed answers (``/feeds/...``) pass untouched, since each
    feed carries its own gzip variant, compressed once when it was built."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PRECOMPRESSED_PREFIX):
            await self.app(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


async def healthz(request: Request) -> Response:
    """The liveness probe (``PreparedAnswers`` sends the same answer before routing)."""
    return healthz_response()


def create_app(
    runtime: Runtime,
    *,
    run_in_background: BackgroundRunner = run_in_thread,
    morphology: Morphology | None = None,
) -> FastAPI:
    """The whole web app for ``runtime`` (its settings, database and clock).

    ``morphology`` lets tests share one analyser between apps (it is built lazily otherwise).
    """
    app = FastAPI(
        title="Kotoutumisuutiset",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.runtime = runtime
    app.state.run_in_background = run_in_background
    app.state.tagging = TaggingService(runtime, morphology)
    app.add_middleware(PageGZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityMiddleware)
    app.add_middleware(PreparedAnswers)  # outermost: /healthz and cached feeds need no more
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)

    # A plain route, async: FastAPI's sync endpoint would hop to a worker thread for "ok".
    app.router.add_route("/healthz", healthz, methods=["GET", "HEAD"], include_in_schema=False)
    app.include_router(pages.router)
    app.include_router(grants_page.router)
    app.include_router(feeds_page.router)
    app.include_router(feeds.router)
    app.include_router(auth.router)
    app.include_router(admin.router)
    app.include_router(admin_add_source.router)
    app.include_router(admin_sources.router)
    app.include_router(admin_rules.router)
    app.include_router(admin_tags.router)
    app.include_router(admin_items.router)
    app.include_router(admin_suggestions.router)
    app.include_router(subscription_routes.router)
    app.include_router(calendar_routes.router)
    return app
