"""Feed addresses for RSS readers, served from the in-memory cache of rendered feeds.

``/feeds/{all,grants}.{rss,atom,json}``, ``/feeds/{audience,topic,source}/{id}.{fmt}``,
``/feeds/custom.{fmt}?audience=a&audience=b&topic=t&source=s&item_lang=fi`` (values of one kind
OR-ed, kinds AND-ed) and ``/feeds/index.opml``; every one takes ``lang`` (fi, sv, en: the
language of the feed's own texts) and the feeds take ``limit`` (1–200, default 50).

Answers carry a strong ETag (a second one for the gzip body), Last-Modified and Cache-Control;
``If-None-Match`` (or, without it, ``If-Modified-Since``) gets 304 (:mod:`..conditional`).
Gzip bodies are compressed once when a feed is built, so the app's gzip middleware leaves
``/feeds/`` alone. These routes answer the first request for an address at a content version;
later ones are answered from the cache before routing (:mod:`..fastlane`). An unknown
audience, topic or source is a 404 listing the valid ids; an unknown parameter, a repeated
``lang``/``limit``, a bad value or an absurd query (too long, too many parameters) is a 400.
Values reach SQL only through :class:`~aggregator.store.queries.ItemFilter`, which binds every
one.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from aggregator.i18n import DEFAULT_LANGUAGE, LANGUAGES
from aggregator.publish.feedbuild import Answer, RenderedFeed, Snapshot
from aggregator.publish.render.opml import DEFAULT_LIMIT, MAX_LIMIT, FeedFormat, FeedKind, FeedSpec
from aggregator.web.conditional import accepts_gzip as accepts_gzip  # re-exported
from aggregator.web.conditional import choice
from aggregator.web.deps import render_page
from aggregator.web.feedcache import FeedService

router = APIRouter()

MAX_QUERY_BYTES = 2048
MAX_PARAMETERS = 40
MAX_VALUE_CHARS = 64
SUBJECT_KINDS = {"audience": FeedKind.AUDIENCE, "topic": FeedKind.TOPIC, "source": FeedKind.SOURCE}
NAMED_FEEDS = {"all": FeedKind.ALL, "grants": FeedKind.GRANTS, "custom": FeedKind.CUSTOM}
FEED_PARAMETERS = frozenset({"lang", "limit"})
CUSTOM_PARAMETERS = FEED_PARAMETERS | {"audience", "topic", "source", "item_lang"}
OPML_PARAMETERS = frozenset({"lang"})
FORMATS = {fmt.value: fmt for fmt in FeedFormat}
_ITEM_LANGUAGE = re.compile(r"^[a-z]{2}$")
_LIMIT = re.compile(r"^[0-9]{1,3}$")

# What a route does on a cache miss: the rendered feed, or the error answer to send.
Resolver = Callable[[Request, FeedService, Snapshot], Awaitable[RenderedFeed | Response]]


class BadFeedRequest(Exception):
    """The query cannot name a feed; the message says why (sent with status 400)."""


class PreparedResponse(Response):
    """A cached :class:`Answer` sent as is: its header pairs were encoded when it was built."""

    def __init__(self, answer: Answer) -> None:  # no super(): nothing left to compute
        self.status_code = answer.status
        self.body = answer.body
        self.background = None
        self.raw_headers = list(answer.headers)  # middleware appends to this list


def feed_service(request: Request) -> FeedService:
    """This app's feed cache, created on first use."""
    state = request.app.state
    service: FeedService | None = getattr(state, "feed_service", None)
    if service is None:
        service = FeedService(state.runtime)
        state.feed_service = service
    return service


def feed_route(resolve: Resolver) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint that answers from the address cache and calls ``resolve`` on a miss."""

    async def endpoint(request: Request) -> Response:
        service = feed_service(request)
        snapshot = await service.watch.snapshot()
        address = (request.scope["path"], request.scope["query_string"])
        feed = service.by_address(address, snapshot)
        if feed is None:
            resolved = await resolve(request, service, snapshot)
            if isinstance(resolved, Response):
                return for_browsers(request, resolved)
            feed = resolved
            service.remember_address(address, feed)
        return send(request, feed)

    return endpoint


async def resolve_opml(
    request: Request, service: FeedService, snapshot: Snapshot
) -> RenderedFeed | Response:
    """Every audience, topic and source feed with its title, for importing into a reader."""
    try:
        language = _language(parse_query(request.scope["query_string"], OPML_PARAMETERS))
    except BadFeedRequest as error:
        return bad_request(error)
    return await service.opml(language, snapshot)


async def resolve_subject(
    request: Request, service: FeedService, snapshot: Snapshot
) -> RenderedFeed | Response:
    """One audience, topic or source: ``/feeds/audience/funding.rss``."""
    feed_kind = SUBJECT_KINDS.get(request.path_params["kind"])
    subject, fmt = split_file_name(request.path_params["file_name"])
    if feed_kind is None or fmt is None or not subject:
        return no_such_feed()
    return await resolve_feed(request, service, snapshot, feed_kind, subject, fmt)


async def resolve_named(
    request: Request, service: FeedService, snapshot: Snapshot
) -> RenderedFeed | Response:
    """``/feeds/all.rss``, ``/feeds/grants.atom``, ``/feeds/custom.json?...``."""
    name, fmt = split_file_name(request.path_params["file_name"])
    kind = NAMED_FEEDS.get(name)
    if kind is None or fmt is None:
        return no_such_feed()
    return await resolve_feed(request, service, snapshot, kind, "", fmt)


async def resolve_feed(
    request: Request,
    service: FeedService,
    snapshot: Snapshot,
    kind: FeedKind,
    subject: str,
    fmt: FeedFormat,
) -> RenderedFeed | Response:
    try:
        spec = parse_spec(kind, subject, request.scope["query_string"])
    except BadFeedRequest as error:
        return bad_request(error)
    unknown = (await service.catalogue(snapshot)).unknown(spec)
    if unknown is not None:
        return JSONResponse(
            {
                "detail": f"unknown {unknown.kind} {unknown.value!r}",
                "kind": unknown.kind,
                "valid_ids": list(unknown.valid),
            },
            status_code=404,
        )
    return await service.feed(spec, fmt, snapshot)


# Plain Starlette routes: public GETs need none of FastAPI's dependency solving (the app-wide
# CSRF check only concerns unsafe methods), which is most of a cached answer's cost.
for _path, _resolve in (
    ("/feeds/index.opml", resolve_opml),
    ("/feeds/{kind}/{file_name}", resolve_subject),
    ("/feeds/{file_name}", resolve_named),
):
    router.add_route(_path, feed_route(_resolve), methods=["GET", "HEAD"], include_in_schema=False)


# --- the request -------------------------------------------------------------------------


def split_file_name(file_name: str) -> tuple[str, FeedFormat | None]:
    """``funding.rss`` -> (``funding``, RSS); an unknown extension gives no format."""
    stem, dot, extension = file_name.rpartition(".")
    return stem, FORMATS.get(extension) if dot else None


def parse_query(raw: bytes, allowed: frozenset[str]) -> dict[str, list[str]]:
    """Parameter name -> distinct values in the order given; refuses what no feed takes."""
    if not raw:
        return {}
    if len(raw) > MAX_QUERY_BYTES:
        raise BadFeedRequest(f"the query is longer than {MAX_QUERY_BYTES} bytes")
    try:
        pairs = parse_qsl(
            raw.decode("latin-1"), keep_blank_values=True, max_num_fields=MAX_PARAMETERS
        )
    except ValueError:
        raise BadFeedRequest(f"more than {MAX_PARAMETERS} query parameters") from None
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            raise BadFeedRequest(f"unknown parameter {name[:MAX_VALUE_CHARS]!r}; allowed: {known}")
        value = value.strip()
        if not value or len(value) > MAX_VALUE_CHARS:
            raise BadFeedRequest(f"{name} needs a value of 1 to {MAX_VALUE_CHARS} characters")
        chosen = values.setdefault(name, [])
        if value not in chosen:
            chosen.append(value)
    return values


def parse_spec(kind: FeedKind, subject: str, raw: bytes) -> FeedSpec:
    """The feed a request names (ids are checked against the catalogue afterwards)."""
    if len(subject) > MAX_VALUE_CHARS:
        raise BadFeedRequest(f"an id has at most {MAX_VALUE_CHARS} characters")
    params = parse_query(raw, CUSTOM_PARAMETERS if kind is FeedKind.CUSTOM else FEED_PARAMETERS)
    language, limit = _language(params), _limit(params)
    if kind is FeedKind.CUSTOM:
        return _custom(params, language, limit)
    spec = FeedSpec(kind, language=language, limit=limit)
    if kind is FeedKind.AUDIENCE:
        return replace(spec, audiences=(subject,))
    if kind is FeedKind.TOPIC:
        return replace(spec, topics=(subject,))
    if kind is FeedKind.SOURCE:
        return replace(spec, sources=(subject,))
    return spec


def _custom(params: dict[str, list[str]], language: str, limit: int) -> FeedSpec:
    item_languages = tuple(value.lower() for value in params.get("item_lang", ()))
    if not all(_ITEM_LANGUAGE.match(value) for value in item_languages):
        raise BadFeedRequest("item_lang takes two-letter language codes such as fi")
    spec = FeedSpec(
        FeedKind.CUSTOM,
        audiences=tuple(params.get("audience", ())),
        topics=tuple(params.get("topic", ())),
        sources=tuple(params.get("source", ())),
        item_languages=item_languages,
        language=language,
        limit=limit,
    )
    if not (spec.audiences or spec.topics or spec.sources or spec.item_languages):
        raise BadFeedRequest("a custom feed needs an audience, topic, source or item_lang")
    return spec


def _one(params: dict[str, list[str]], name: str) -> str | None:
    given = params.get(name, [])
    if len(given) > 1:
        raise BadFeedRequest(f"give {name} only once")
    return given[0] if given else None


def _language(params: dict[str, list[str]]) -> str:
    language = (_one(params, "lang") or DEFAULT_LANGUAGE).lower()
    if language not in LANGUAGES:
        raise BadFeedRequest(f"lang is one of {', '.join(LANGUAGES)}")
    return language


def _limit(params: dict[str, list[str]]) -> int:
    given = _one(params, "limit")
    if given is None:
        return DEFAULT_LIMIT
    if not _LIMIT.match(given) or not 1 <= int(given) <= MAX_LIMIT:
        raise BadFeedRequest(f"limit is a whole number from 1 to {MAX_LIMIT}")
    return int(given)


# --- the answer --------------------------------------------------------------------------


def send(request: Request, feed: RenderedFeed) -> Response:
    """The feed, or 304 when the reader's copy is current; gzip when the reader takes it."""
    gzip, current = choice(feed, request.scope["headers"])
    return PreparedResponse(feed.answer(gzip=gzip, not_modified=current))


def for_browsers(request: Request, answer: Response) -> Response:
    """A feed error as an HTML page when a browser asked (``Accept: text/html``); feed readers
    and tools keep the JSON answer, which lists what exists."""
    if answer.status_code < 400 or "text/html" not in request.headers.get("accept", ""):
        return answer
    return render_page(
        request, "pages/error.html", status_code=answer.status_code, status=answer.status_code
    )


def bad_request(error: BadFeedRequest) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=400)


def no_such_feed() -> JSONResponse:
    return JSONResponse(
        {
            "detail": "no such feed",
            "feeds": [
                "/feeds/all.{rss,atom,json}",
                "/feeds/grants.{rss,atom,json}",
                "/feeds/audience/{id}.{rss,atom,json}",
                "/feeds/topic/{id}.{rss,atom,json}",
                "/feeds/source/{id}.{rss,atom,json}",
                "/feeds/custom.{rss,atom,json}?audience=...&topic=...&source=...",
                "/feeds/index.opml",
            ],
        },
        status_code=404,
    )
