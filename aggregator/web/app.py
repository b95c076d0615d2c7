"""The FastAPI application: one factory used by ``aggregator serve``, the demo and the tests."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from aggregator.runtime import Runtime
from aggregator.web.security import SecurityMiddleware, csrf_protect

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(runtime: Runtime) -> FastAPI:
    """The whole web app for ``runtime`` (its settings, database and clock)."""
    app = FastAPI(
        title="Kotoutumisuutiset",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.runtime = runtime
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", response_class=PlainTextResponse, include_in_schema=False)
    def healthz() -> str:
        return "ok"

    return app
