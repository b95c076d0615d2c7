"""The grant-calls page: calls open now, soonest deadline first, then calls opening later.

The calls come from :meth:`aggregator.store.grants.GrantStore.calls`, the same read model as
the grant feeds and the calendar: deadline not passed (rolling and undated calls last), and
only calls that a story with an audience links to, so an off-field call of the same funder
stays out. Each call links to the first story about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from aggregator.clock import helsinki_date
from aggregator.store.queries import GrantView
from aggregator.web.deps import RuntimeDep, StoreDep, optional_admin, render_page

# A logged-in admin sees the admin link in the header on public pages too.
router = APIRouter(dependencies=[Depends(optional_admin)])


@dataclass(frozen=True, slots=True)
class CallRow:
    call: GrantView
    item_id: int | None
    days_left: int | None


def _row(call: GrantView, now: datetime) -> CallRow:
    days = None
    if call.closes_at is not None and not call.rolling:
        days = (helsinki_date(call.closes_at) - helsinki_date(now)).days
    return CallRow(call, call.item_ids[0] if call.item_ids else None, days)


def _opened(call: GrantView, now: datetime) -> bool:
    return call.opens_at is None or call.opens_at <= now


@router.api_route("/grants", methods=["GET", "HEAD"], response_class=HTMLResponse)
def grants(request: Request, db: StoreDep, runtime: RuntimeDep) -> HTMLResponse:
    now = runtime.clock.now()
    calls = db.grants.calls(closing_after=now)
    return render_page(
        request,
        "pages/grants.html",
        open_rows=[_row(call, now) for call in calls if _opened(call, now)],
        upcoming_rows=sorted(
            (_row(call, now) for call in calls if not _opened(call, now)),
            key=lambda row: row.call.opens_at or now,
        ),
    )
