"""Admin: add a source from a URL (paste, preview, adjust, save) and export added sources.

An editor pastes a URL; the preview shows what the selector-free reader found there (items,
next page, proposed selectors) and the feeds the page offers, with a form holding the proposal.
Saving checks the definition like sources.toml, stores it in ``added_source``, audits it
(``source.add``) and returns to the dashboard, where "Fetch now" reads it at once. Added
sources are exported as ``[[source]]`` blocks at ``/admin/sources/export.toml`` (and by
``aggregator sources export``), to move them into sources.toml.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from aggregator.errors import AggregatorError
from aggregator.runtime import Runtime
from aggregator.sources.toml_block import source_blocks
from aggregator.web.add_source import AddSourceForm, Preview, check, preview
from aggregator.web.deps import AdminDep, FormDep, RuntimeDep, StoreDep, render_page

router = APIRouter()
TEMPLATE = "admin/source_new.html"


def _taken(runtime: Runtime) -> set[str]:
    return {source.id for source in runtime.definitions()}


@router.get("/admin/sources/new", response_class=HTMLResponse)
def new_source_page(request: Request, admin: AdminDep) -> HTMLResponse:
    return render_page(request, TEMPLATE, url="", preview=None, form=None, error="")


@router.post("/admin/sources/new/preview", response_class=HTMLResponse)
def preview_source(
    request: Request, runtime: RuntimeDep, admin: AdminDep, posted: FormDep
) -> HTMLResponse:
    url = str(posted.get("url", "") or "").strip()[:2000]
    if not url.startswith(("http://", "https://")):
        return _page(request, url=url, error="bad-url", status_code=422)
    try:
        with runtime.fetcher() as fetcher:
            found = preview(fetcher, url, _taken(runtime))
    except AggregatorError as error:
        return _page(request, url=url, error="fetch-failed", problem=str(error), status_code=422)
    return _page(request, url=url, preview=found, form=found.proposal)


@router.post("/admin/sources/new", response_model=None)
def save_source(
    request: Request, db: StoreDep, runtime: RuntimeDep, admin: AdminDep, posted: FormDep
) -> Any:
    form = AddSourceForm.of(posted)
    now = runtime.clock.now()
    definition, problem = check(form, _taken(runtime), actor=admin.email, at=now)
    if problem:
        return _page(request, url=form.url, form=form, error=problem, status_code=422)
    db.added_sources.add(definition, from_url=form.url, actor=admin.email, at=now)
    db.audit(
        actor=admin.email,
        action="source.add",
        entity_type="source",
        entity_id=definition["id"],
        before=None,
        after=definition,
        at=now,
    )
    return RedirectResponse(f"/admin/sources?done=added#source-{definition['id']}", status_code=303)


@router.get("/admin/sources/export.toml")
def export_added(db: StoreDep, admin: AdminDep) -> Response:
    rows = db.added_sources.all()
    text = source_blocks(
        (row.definition, f"added in the admin by {row.added_by} on {row.added_at:%Y-%m-%d}")
        for row in rows
    )
    return Response(
        text or "# no sources were added in the admin\n",
        media_type="application/toml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="added-sources.toml"'},
    )


def _page(
    request: Request,
    *,
    url: str,
    preview: Preview | None = None,
    form: AddSourceForm | None = None,
    error: str = "",
    problem: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return render_page(
        request,
        TEMPLATE,
        status_code=status_code,
        url=url,
        preview=preview,
        form=form,
        error=error,
        problem=problem,
    )
