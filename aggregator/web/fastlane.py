"""Answers prepared in advance and sent before routing: ``/healthz`` and cached feeds.

:class:`PreparedAnswers` is the app's outermost middleware. A GET or HEAD of ``/healthz``, or
of an address the feed cache served at the current content version
(:meth:`~aggregator.web.feedcache.FeedService.served`), is answered right there with header
lists built once (security headers included, HSTS for HTTPS). Such an answer needs nothing the
rest of the stack does: no route to find, no gzip to apply (a feed's gzip variant was
compressed when it was built), no CSRF cookie (no page made one), no HTTP error to turn into a
page. Everything else (a first request for a feed, a new version, pages, errors) goes on to
the app unchanged, and the feed routes fill the cache.

Measured by ``benchmarks/bench_serve.py`` against a minimal ASGI app sending the same bytes.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from aggregator.publish.feedbuild import Answer
from aggregator.web.feedcache import FeedService
from aggregator.web.security import secured_headers

HEALTHZ_PATH = "/healthz"
SAFE_METHODS = frozenset({"GET", "HEAD"})


def healthz_response() -> PlainTextResponse:
    """What ``/healthz`` answers: "ok", without the database, the templates or a thread."""
    return PlainTextResponse("ok")


def _prepared(response: PlainTextResponse, *, https: bool) -> Answer:
    headers = tuple(secured_headers(response.raw_headers, https=https))
    return Answer(response.status_code, headers, bytes(response.body))


HEALTHZ = {https: _prepared(healthz_response(), https=https) for https in (False, True)}


class PreparedAnswers:
    """ASGI middleware: sends ``/healthz`` and current cached feeds before routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in SAFE_METHODS:
            answer = await self._prepared(scope)
            if answer is not None:
                await send({"type": "http.response.start", "status": answer.status,
                            "headers": answer.headers})  # fmt: skip
                await send({"type": "http.response.body", "body": answer.body})
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _prepared(scope: Scope) -> Answer | None:
        path = scope["path"]
        if path == HEALTHZ_PATH:
            return HEALTHZ[scope.get("scheme") == "https"]
        app = scope.get("app")
        service = getattr(app.state, "feed_service", None) if app is not None else None
        address = (path, scope["query_string"])
        if not isinstance(service, FeedService) or not service.holds(address):
            return None
        served = service.served(address, await service.watch.snapshot())
        return None if served is None else served.answer_for(scope)
