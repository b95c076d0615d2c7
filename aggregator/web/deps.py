"""Request-scoped dependencies: the runtime, a database session, the reader's language."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlmodel import Session

from aggregator.clock import Clock
from aggregator.i18n import LANGUAGES, normalise_language
from aggregator.runtime import Runtime
from aggregator.store.db import session_scope

LANGUAGE_COOKIE = "lang"


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_clock(request: Request) -> Clock:
    return get_runtime(request).clock


def get_session(request: Request) -> Iterator[Session]:
    """A session per request, committed when the handler returns normally."""
    with session_scope(get_runtime(request).engine) as session:
        yield session


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
