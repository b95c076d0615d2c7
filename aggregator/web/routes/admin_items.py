"""Stories for admins: find one, then add or remove tags by hand.

An admin's decision is a tag override (:meth:`~aggregator.store.tags.TagStore.set_override`)
that every later re-tagging keeps; the story's tags are then stored again as its computed tags
(the database rules on its text, the default tags of every source that carried it) merged with
all its overrides (:func:`aggregator.store.tagging.tag_story`),
so the reason "set by admin X at T" shows at once. "Reset" drops the override and lets the
rules decide again. Every change is audited by the tag store.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aggregator.web.deps import AdminDep, LanguageDep, RuntimeDep, StoreDep, render_page
from aggregator.web.filters import PAGE_SIZE, parse_filters
from aggregator.web.routes.admin_rules import tagging
from aggregator.web.views import source_names, tag_badges, tag_options

router = APIRouter()

ACTIONS = ("add", "remove", "reset")


@router.get("/admin/items", response_class=HTMLResponse)
def item_list(
    request: Request, db: StoreDep, language: LanguageDep, admin: AdminDep
) -> HTMLResponse:
    options = tag_options(db.tags.taxonomy(), language)
    filters = parse_filters(
        request.query_params,
        audiences=[o.id for o in options if o.kind == "audience"],
        topics=[o.id for o in options if o.kind == "topic"],
        sources=(),
        languages=(),
    )
    item_filter = filters.item_filter()
    total = db.count_items(item_filter)
    return render_page(
        request,
        "admin/items.html",
        filters=filters,
        stories=db.find_items(item_filter),
        total=total,
        pages=max(1, -(-total // PAGE_SIZE)),
        labels={o.id: o.label for o in options},
        options=options,
    )


@router.get("/admin/items/{item_id}", response_class=HTMLResponse)
def item_tags_page(
    item_id: int,
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    language: LanguageDep,
    admin: AdminDep,
) -> HTMLResponse:
    story = db.get_item(item_id)
    if story is None:
        raise HTTPException(status_code=404)
    options = tag_options(db.tags.taxonomy(), language)
    # labels of inactive tags too: a story may still carry a topic that was deactivated
    every = tag_options(db.tags.taxonomy(active_only=False), language)
    overrides = db.tags.overrides([item_id]).get(item_id, [])
    return render_page(
        request,
        "admin/item.html",
        story=story,
        badges=tag_badges(
            story.tags, {o.id: o.label for o in every}, source_names(runtime.sources())
        ),
        options=[o for o in options if o.id not in story.audiences + story.topics],
        overrides={o.tag_id: o for o in overrides},
        done=request.query_params.get("done", ""),
    )


@router.post("/admin/items/{item_id}/tags")
def change_tag(
    item_id: int,
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    admin: AdminDep,
    action: Annotated[str, Form()],
    tag: Annotated[str, Form(max_length=64)],
    note: Annotated[str, Form(max_length=500)] = "",
    note_public: Annotated[bool, Form()] = False,
) -> Any:
    story = db.get_item(item_id)
    store = db.tags
    if story is None:
        raise HTTPException(status_code=404)
    if action not in ACTIONS or tag not in store.kinds():
        raise HTTPException(status_code=422, detail="unknown action or tag")
    if action == "add" and tag not in {row.id for row in store.taxonomy()}:
        raise HTTPException(status_code=422, detail="the tag is deactivated")
    now = runtime.clock.now()
    if action == "reset":
        store.clear_override(item_id, tag, admin.email, now)
    else:
        store.set_override(item_id, tag, action, admin.email, now, note.strip(), note_public)
    tagging(request).tag_story(db, item_id, now)
    return RedirectResponse(f"/admin/items/{item_id}?done={action}", status_code=303)
