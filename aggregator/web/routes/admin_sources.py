"""The source-health dashboard and its actions: enable, disable, fetch now, edit.

Sources are defined in ``config/sources.toml``; what admins change here is stored on the
source's ``source_state`` row (the switch and ``overrides``) and applied by
:func:`aggregator.runtime.apply_overrides`. Every change is written to the audit log. "Fetch
now" runs :func:`aggregator.pipeline.run_source` in the background and returns at once; the
run records its outcome on the health row like a scheduled one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aggregator.pipeline import run_source
from aggregator.runtime import Runtime
from aggregator.schedule.config import SCHEDULE_FILE, load_schedule_config
from aggregator.schedule.jobs import source_job_id
from aggregator.schedule.state import JobStateView, views_of
from aggregator.sources.registry import SourceConfig
from aggregator.store.models import SourceState, UrlFailure
from aggregator.store.request import RequestStore
from aggregator.store.sources import WEEK
from aggregator.web.deps import AdminDep, FormDep, RuntimeDep, StoreDep, render_page
from aggregator.web.source_form import SourceForm, parse_source_form

log = logging.getLogger(__name__)
router = APIRouter()


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One line of the dashboard."""

    source: SourceConfig
    state: SourceState | None
    configured_enabled: bool
    items_week: int
    edited: bool
    job: JobStateView | None = None
    failing: Sequence[UrlFailure] = ()
    added: bool = False


def _configured(runtime: Runtime, source_id: str) -> SourceConfig:
    """The source as defined (in sources.toml or added in the admin), or 404."""
    source = runtime.definition(source_id)
    if source is None:
        raise HTTPException(status_code=404)
    return source


@router.get("/admin/sources", response_class=HTMLResponse)
def dashboard(request: Request, db: StoreDep, runtime: RuntimeDep, admin: AdminDep) -> HTMLResponse:
    store = db.sources
    states = store.all_states()
    now = runtime.clock.now()
    per_week = store.new_items_since(now - WEEK)
    schedule = load_schedule_config(runtime.settings.config_dir / SCHEDULE_FILE)
    jobs = views_of(db.job_records(now), now, schedule.stale_after)
    configured = {s.id: s for s in runtime.definitions()}
    added = {s.id for s in runtime.added_sources()}
    failing = store.url_failures_by_source()
    rows = [
        SourceRow(
            source=source,
            state=states.get(source.id),
            configured_enabled=configured[source.id].enabled,
            items_week=per_week.get(source.id, 0),
            edited=bool(states.get(source.id) and states[source.id].overrides),
            job=jobs.get(source_job_id(source.id)),
            failing=failing.get(source.id, ()),
            added=source.id in added,
        )
        for source in runtime.sources()
    ]
    digests = [job for job in jobs.values() if job.kind == "digest"]
    return render_page(
        request,
        "admin/sources.html",
        rows=rows,
        digests=digests,
        done=request.query_params.get("done", ""),
    )


def _back(done: str, source_id: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/sources?done={done}#source-{source_id}", status_code=303)


def _switch(db: RequestStore, runtime: Runtime, source_id: str, enabled: bool, actor: str) -> None:
    store = db.sources
    before = store.state(source_id).enabled
    store.set_enabled(source_id, enabled)
    # Forms and filters read the switch directly; feeds and the OPML list are rebuilt at the
    # next content version, which the feed cache reads at most a second later.
    db.content_changed(runtime.clock.now())
    db.audit(
        actor=actor,
        action="source.enable" if enabled else "source.disable",
        entity_type="source",
        entity_id=source_id,
        before={"enabled": before},
        after={"enabled": enabled},
        at=runtime.clock.now(),
    )


@router.post("/admin/sources/{source_id}/enable")
def enable(source_id: str, db: StoreDep, runtime: RuntimeDep, admin: AdminDep) -> Any:
    _configured(runtime, source_id)
    _switch(db, runtime, source_id, True, admin.email)
    return _back("enabled", source_id)


@router.post("/admin/sources/{source_id}/disable")
def disable(source_id: str, db: StoreDep, runtime: RuntimeDep, admin: AdminDep) -> Any:
    _configured(runtime, source_id)
    _switch(db, runtime, source_id, False, admin.email)
    return _back("disabled", source_id)


def fetch_job(runtime: Runtime, source_id: str) -> Callable[[], None]:
    """One crawl of the source with the admins' current edits; errors end up on its health row."""

    def job() -> None:
        try:
            source = runtime.source(source_id)
            with runtime.fetcher() as fetcher:
                run_source(source, runtime.services(fetcher))
        except Exception:  # a background thread has nobody else to report to
            log.exception("fetch now of source %s failed", source_id)

    return job


@router.post("/admin/sources/{source_id}/fetch")
def fetch_now(
    source_id: str, request: Request, db: StoreDep, runtime: RuntimeDep, admin: AdminDep
) -> Any:
    _configured(runtime, source_id)
    db.audit(
        actor=admin.email,
        action="source.fetch_now",
        entity_type="source",
        entity_id=source_id,
        before=None,
        after=None,
        at=runtime.clock.now(),
    )
    request.app.state.run_in_background(fetch_job(runtime, source_id), f"fetch-{source_id}")
    return _back("fetch-started", source_id)


@router.get("/admin/sources/{source_id}/edit", response_class=HTMLResponse)
def edit_page(
    source_id: str, request: Request, db: StoreDep, runtime: RuntimeDep, admin: AdminDep
) -> HTMLResponse:
    configured = _configured(runtime, source_id)
    effective = runtime.source(source_id)
    return render_page(
        request,
        "admin/source_edit.html",
        source=configured,
        form=SourceForm.of(effective),
        errors={},
    )


@router.post("/admin/sources/{source_id}/edit", response_model=None)
def edit(
    source_id: str,
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    admin: AdminDep,
    posted: FormDep,
) -> Any:
    configured = _configured(runtime, source_id)
    form, errors = parse_source_form(posted)
    if errors:
        return render_page(
            request,
            "admin/source_edit.html",
            status_code=422,
            source=configured,
            form=form,
            errors=errors,
        )
    _save_edit(db, runtime, configured, form, admin.email)
    return _back("saved", source_id)


def _save_edit(
    db: RequestStore, runtime: Runtime, configured: SourceConfig, form: SourceForm, actor: str
) -> None:
    store = db.sources
    before = dict(store.state(configured.id).overrides)
    changed = form.overrides_against(configured)
    kept = {k: v for k, v in before.items() if k not in SourceForm.FIELDS}
    overrides = {**kept, **changed}
    db.set_source_overrides(configured.id, overrides)
    db.content_changed(runtime.clock.now())  # feeds name the publisher
    if before.get("urls", list(configured.urls)) != overrides.get("urls", list(configured.urls)):
        store.forget_validators(configured.id)
    db.audit(
        actor=actor,
        action="source.edit",
        entity_type="source",
        entity_id=configured.id,
        before=before,
        after=overrides,
        at=runtime.clock.now(),
    )
