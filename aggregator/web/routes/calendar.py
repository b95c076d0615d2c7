"""``/calendar/grants.ics`` and ``/calendar/audience/{id}.ics``: grant-call deadlines to subscribe
to in any calendar app. Deadlines from the last 90 days onwards are included, so a call that just
closed is still visible; ETag and Cache-Control let calendar apps poll cheaply."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from fastapi import APIRouter, HTTPException, Request, Response

from aggregator.i18n import gettext
from aggregator.publish.render.calendar import render_calendar
from aggregator.store.request import RequestStore
from aggregator.web.deps import LanguageDep, StoreDep, get_runtime

router = APIRouter()
HISTORY = timedelta(days=90)
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _respond(request: Request, body: bytes) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=900"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=CALENDAR_TYPE, headers=headers)


def _calendar(
    request: Request, db: RequestStore, language: str, audiences: tuple[str, ...]
) -> Response:
    runtime = get_runtime(request)
    now = runtime.clock.now()
    calls = db.grants.calls(closing_after=now - HISTORY, audiences=audiences)
    name = gettext(language, "Grant call deadlines – Kotoutumisuutiset")
    body = render_calendar(
        calls, language=language, base_url=runtime.settings.base_url, name=name, stamp=now
    )
    return _respond(request, body)


@router.get("/calendar/grants.ics")
def all_deadlines(
    request: Request,
    db: StoreDep,
    language: LanguageDep,
) -> Response:
    return _calendar(request, db, language, ())


@router.get("/calendar/audience/{audience_id}.ics")
def audience_deadlines(
    audience_id: str,
    request: Request,
    db: StoreDep,
    language: LanguageDep,
) -> Response:
    known = [t.id for t in db.tags.taxonomy() if t.kind == "audience"]
    if audience_id not in known:
        raise HTTPException(
            status_code=404,
            detail=f"unknown audience {audience_id!r}; valid audiences: {', '.join(known)}",
        )
    return _calendar(request, db, language, (audience_id,))
