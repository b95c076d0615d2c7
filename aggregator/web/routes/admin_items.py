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

from aggregator.store.queries import count_items, find_items, get_item
from aggregator.store.tags import TagStore
from aggregator.web.deps import AdminDep, LanguageDep, RuntimeDep, SessionDep, render_page
from aggregator.web.filters import PAGE_SIZE, parse_filters
from aggregator.web.routes.admin_rules import tagging
from aggregator.web.views import source_names, tag_badges, tag_options

router = APIRouter()

ACTIONS = ("add", "remove", "reset")


@router.get("/admin/items", response_class=HTMLResponse)
def item_list(
    request: Request, session: SessionDep, language: LanguageDep, admin: AdminDep
) -> HTMLResponse:
    options = tag_options(TagStore(session).taxonomy(), language)
    filters = parse_filters(
        request.query_params,
        audiences=[o.id for o in options if o.kind == "audience"],
        topics=[o.id for o in options if o.kind == "topic"],
        sources=(),
        languages=(),
    )
    item_filter = filters.item_filter()
    total = count_items(session, item_filter)
    return render_page(
        request,
        "admin/items.html",
        filters=filters,
        stories=find_items(session, item_filter),
        total=total,
        pages=max(1, -(-total // PAGE_SIZE)),
        labels={o.id: o.label for o in options},
        options=options,
    )


@router.get("/admin/items/{item_id}", response_class=HTMLResponse)
def item_tags_page(
    item_id: int,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    language: LanguageDep,
    admin: AdminDep,
) -> HTMLResponse:
    story = get_item(session, item_id)
    if story is None:
        raise HTTPException(status_code=404)
    options = tag_options(TagStore(session).taxonomy(), language)
    # labels of inactive tags too: a story may still carry a topic that was deactivated
    every = tag_options(TagStore(session).taxonomy(active_only=False), language)
    overrides = TagStore(session).overrides([item_id]).get(item_id, [])
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
    session: SessionDep,
    runtime: RuntimeDep,
    admin: AdminDep,
    action: Annotated[str, Form()],
    tag: Annotated[str, Form(max_length=64)],
    note: Annotated[str, Form(max_length=500)] = "",
    note_public: Annotated[bool, Form()] = False,
) -> Any:
    story = get_item(session, item_id)
    store = TagStore(session)
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
    tagging(request).tag_story(session, item_id, now)
    return RedirectResponse(f"/admin/items/{item_id}?done={action}", status_code=303)
