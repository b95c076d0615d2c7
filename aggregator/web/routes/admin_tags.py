"""The taxonomy editor: the audiences and topics, their labels (fi, sv, en) and descriptions.

Admins add topics and edit every tag's labels and descriptions. The three audiences are fixed
by the service's design (feeds, digests and the public filters are built around them), so they
can be neither added nor deactivated. A deactivated topic disappears from everything that reads
the active taxonomy (``TagStore.taxonomy()``): the public filters and story tags, the feeds
list and OPML, the digest's choices, and the tagger, so no new story gets it. Stories keep
the stored tag until they are tagged again (nothing is deleted), so a topic reactivated soon
after shows on them again. A topic that an enabled rule still gives cannot be deactivated: the
page names the rules to disable first.

Every change goes through :meth:`~aggregator.store.tags.TagStore.save_tag` (audited: who, when,
before and after) and then :func:`~aggregator.store.tagging.rules_changed`, so the tagger of every
process (this app, the scheduler) is rebuilt over the new taxonomy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aggregator.runtime import Runtime
from aggregator.store.models import TagRow
from aggregator.store.request import RequestStore
from aggregator.store.tag_usage import TagUsage
from aggregator.types import TagKind
from aggregator.web.deps import (
    AdminDep,
    FormDep,
    LanguageDep,
    RuntimeDep,
    StoreDep,
    get_language,
    render_page,
)
from aggregator.web.tag_form import (
    DESCRIPTION_MAX,
    ID_MAX,
    LABEL_MAX,
    TagForm,
    check_tag_form,
    parse_tag_form,
)
from aggregator.web.views import label_of

router = APIRouter()

LIMITS = {"id": ID_MAX, "label": LABEL_MAX, "description": DESCRIPTION_MAX}
DONE = ("saved", "unchanged", "deactivated", "activated")


@dataclass(frozen=True, slots=True)
class TagLine:
    """One audience or topic with how much it is used."""

    tag: TagRow
    usage: TagUsage


def _all_tags(db: RequestStore) -> list[TagRow]:
    """Every tag, active or not, audiences first, in taxonomy order."""
    rows = db.tags.taxonomy(active_only=False)
    return sorted(rows, key=lambda row: row.kind != TagKind.AUDIENCE.value)


def _tag(db: RequestStore, tag_id: str) -> TagRow:
    row = next((r for r in db.tags.taxonomy(active_only=False) if r.id == tag_id), None)
    if row is None:
        raise HTTPException(status_code=404)
    return row


def _others(db: RequestStore, tag_id: str) -> list[dict[str, Any]]:
    return [row.model_dump() for row in _all_tags(db) if row.id != tag_id]


def _save(db: RequestStore, runtime: Runtime, data: dict[str, Any], actor: str) -> None:
    """Store (audited) and make every tagger rebuild over the changed taxonomy."""
    now = runtime.clock.now()
    db.tags.save_tag(data, actor, now)
    db.rules_changed(now)


def _tag_page(tag_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/tags/{quote(tag_id)}?done={done}", status_code=303)


# --- list and new topic --------------------------------------------------------------------------


@router.get("/admin/tags", response_class=HTMLResponse)
def tag_list(
    request: Request, db: StoreDep, language: LanguageDep, admin: AdminDep
) -> HTMLResponse:
    rows = _all_tags(db)
    usage = db.tag_usage()
    added = next((r for r in rows if r.id == request.query_params.get("added")), None)
    return render_page(
        request,
        "admin/tags.html",
        lines=[TagLine(row, usage.get(row.id, TagUsage())) for row in rows],
        added_label=label_of(added, language) if added else "",
    )


def _new_topic_page(
    request: Request, form: TagForm, errors: dict[str, str], *, status_code: int = 200
) -> HTMLResponse:
    return render_page(
        request,
        "admin/tag_edit.html",
        status_code=status_code,
        is_new=True,
        form=form,
        errors=errors,
        limits=LIMITS,
    )


@router.get("/admin/tags/new", response_class=HTMLResponse)
def new_topic(request: Request, admin: AdminDep) -> HTMLResponse:
    return _new_topic_page(request, TagForm(), {})


@router.post("/admin/tags/new", response_model=None)
def add_topic(
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    admin: AdminDep,
    posted: FormDep,
) -> HTMLResponse | RedirectResponse:
    """A new topic, active at once; it goes after every existing tag."""
    draft = parse_tag_form(posted)
    others = _others(db, "")
    errors = check_tag_form(draft, others, is_new=True)
    if errors:
        return _new_topic_page(request, draft, errors, status_code=422)
    position = max((int(tag["position"]) for tag in others), default=-1) + 1
    data = {"id": draft.id, "kind": TagKind.TOPIC.value, **draft.texts()}
    _save(db, runtime, {**data, "active": True, "position": position}, admin.email)
    query = urlencode({"added": draft.id})
    return RedirectResponse(f"/admin/tags?{query}#tag-{quote(draft.id)}", status_code=303)


# --- one tag -------------------------------------------------------------------------------------


def _tag_page_view(
    request: Request,
    db: RequestStore,
    row: TagRow,
    *,
    form: TagForm | None = None,
    errors: dict[str, str] | None = None,
    refused: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    done = request.query_params.get("done", "")
    return render_page(
        request,
        "admin/tag_edit.html",
        status_code=status_code,
        is_new=False,
        tag=row,
        label=label_of(row, get_language(request)),
        form=form or TagForm.of(row.model_dump()),
        errors=errors or {},
        usage=db.tag_usage(row.id).get(row.id, TagUsage()),
        done=done if done in DONE else "",
        refused=refused,
        limits=LIMITS,
    )


@router.get("/admin/tags/{tag_id}", response_class=HTMLResponse)
def edit_tag(tag_id: str, request: Request, db: StoreDep, admin: AdminDep) -> HTMLResponse:
    return _tag_page_view(request, db, _tag(db, tag_id))


@router.post("/admin/tags/{tag_id}", response_model=None)
def save_tag(
    tag_id: str,
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    admin: AdminDep,
    posted: FormDep,
) -> HTMLResponse | RedirectResponse:
    """New labels and descriptions; the id and kind never change (feeds and rules use them)."""
    row = _tag(db, tag_id)
    draft = replace(parse_tag_form(posted), id=row.id)
    errors = check_tag_form(draft, _others(db, row.id), is_new=False)
    if errors:
        return _tag_page_view(request, db, row, form=draft, errors=errors, status_code=422)
    changes = draft.changes(row.model_dump())
    if not changes:
        return _tag_page(row.id, "unchanged")
    _save(db, runtime, {"id": row.id, **changes}, admin.email)
    return _tag_page(row.id, "saved")


@router.post("/admin/tags/{tag_id}/deactivate", response_model=None)
def deactivate(
    tag_id: str,
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    admin: AdminDep,
) -> HTMLResponse | RedirectResponse:
    """Hide a topic everywhere; refused for audiences and while enabled rules give it."""
    row = _tag(db, tag_id)
    usage = db.tag_usage(row.id).get(row.id, TagUsage())
    if row.kind == TagKind.AUDIENCE.value or usage.rules:
        return _tag_page_view(request, db, row, refused=True, status_code=409)
    if row.active:
        _save(db, runtime, {"id": row.id, "active": False}, admin.email)
    return _tag_page(row.id, "deactivated")


@router.post("/admin/tags/{tag_id}/activate")
def activate(tag_id: str, db: StoreDep, runtime: RuntimeDep, admin: AdminDep) -> RedirectResponse:
    row = _tag(db, tag_id)
    if not row.active:
        _save(db, runtime, {"id": row.id, "active": True}, admin.email)
    return _tag_page(row.id, "activated")
