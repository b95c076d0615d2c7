"""The review queue: tags the learned model suggests, confirmed or rejected with one click.

The model tags an item when it is sure and *suggests* a tag when its probability lies between
its two thresholds (:mod:`aggregator.tagging.learned`). Each suggestion is listed here with the
story and the words that weighed most; "Confirm" adds the tag, "Reject" keeps it off. Either is
stored as a tag override (so re-tagging keeps it, and the next ``aggregator tags train`` learns
from it) and audited; the story is then tagged again at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aggregator.web.deps import AdminDep, LanguageDep, RuntimeDep, StoreDep, render_page
from aggregator.web.routes.admin_rules import tagging
from aggregator.web.views import tag_options

router = APIRouter()

DECISIONS = ("confirm", "reject")
PAGE = 100


@router.get("/admin/suggestions", response_class=HTMLResponse)
def suggestion_queue(
    request: Request, db: StoreDep, language: LanguageDep, admin: AdminDep
) -> HTMLResponse:
    every = tag_options(db.tags.taxonomy(active_only=False), language)
    return render_page(
        request,
        "admin/suggestions.html",
        suggestions=db.pending_suggestions(PAGE),
        total=db.count_pending(),
        labels={o.id: o.label for o in every},
        done=request.query_params.get("done", ""),
    )


@router.post("/admin/suggestions/{item_id}/{tag_id}")
def decide_suggestion(
    item_id: int,
    tag_id: str,
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    admin: AdminDep,
    decision: Annotated[str, Form()],
) -> Any:
    if decision not in DECISIONS:
        raise HTTPException(status_code=422, detail="unknown decision")
    now = runtime.clock.now()
    if not db.decide_suggestion(item_id, tag_id, decision == "confirm", admin.email, now):
        raise HTTPException(status_code=404, detail="no such pending suggestion")
    tagging(request).tag_story(db, item_id, now)
    return RedirectResponse(f"/admin/suggestions?done={decision}", status_code=303)
