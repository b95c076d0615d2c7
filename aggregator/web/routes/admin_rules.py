"""The rule workbench: draft a rule, preview what it would add and remove, save, apply.

Preview and save post the same form. A draft is checked by the tagging engine
(:func:`aggregator.tagging.rules.check_rule`, the checks behind ``validate_rule``) and each of
its messages is shown next to the field it is about. Saving writes the ``rule`` table (the tag
store audits it) and tells every tagger to rebuild, so new stories get the rule at once;
"apply to stored stories" re-tags the history (:func:`aggregator.store.tagging.retag`), keeping
every admin override.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData

from aggregator.display import source_display_names
from aggregator.runtime import Runtime
from aggregator.store.queries import ItemFilter, StoryView
from aggregator.store.request import RequestStore
from aggregator.store.tagging import RulePreview
from aggregator.web.deps import (
    AdminDep,
    FormDep,
    LanguageDep,
    RuntimeDep,
    StoreDep,
    render_page,
)
from aggregator.web.rule_form import RuleForm, errors_by_field, parse_rule_form, rule_message
from aggregator.web.tagging_service import TaggingService
from aggregator.web.views import tag_options

router = APIRouter()

PREVIEW_LIMIT = 100


def tagging(request: Request) -> TaggingService:
    service: TaggingService = request.app.state.tagging
    return service


@dataclass(frozen=True, slots=True)
class Draft:
    """A posted rule form with the tagging engine's verdict on it."""

    form: RuleForm
    is_new: bool
    taken: frozenset[str] = frozenset()
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def _check(request: Request, db: RequestStore, posted: FormData) -> Draft:
    form = parse_rule_form(posted)
    is_new = posted.get("is_new") == "1"
    taken = {row.id for row in db.tags.rules()}
    if not is_new:
        taken.discard(form.id)  # an edited rule keeps its id; a new one may not reuse one
    check = tagging(request).check(db, form.record(), taken)
    return Draft(form, is_new, frozenset(taken), errors_by_field(check.errors), check.warnings)


def _workbench(
    request: Request,
    db: RequestStore,
    runtime: Runtime,
    language: str,
    draft: Draft,
    *,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    return render_page(
        request,
        "admin/rule_edit.html",
        status_code=status_code,
        form=draft.form,
        is_new=draft.is_new,
        errors={
            name: [rule_message(m, language) for m in messages]
            for name, messages in draft.errors.items()
        },
        warnings=[rule_message(m, language) for m in draft.warnings],
        tags=tag_options(db.tags.taxonomy(), language),
        sources=list(source_display_names(runtime.configured_sources).items()),
        **extra,
    )


@router.get("/admin/rules", response_class=HTMLResponse)
def rule_list(
    request: Request, db: StoreDep, language: LanguageDep, admin: AdminDep
) -> HTMLResponse:
    labels = {o.id: o.label for o in tag_options(db.tags.taxonomy(), language)}
    return render_page(
        request,
        "admin/rules.html",
        rules=[(row, RuleForm.of(row.definition)) for row in db.tags.rules()],
        labels=labels,
    )


@router.get("/admin/rules/new", response_class=HTMLResponse)
def new_rule(
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    language: LanguageDep,
    admin: AdminDep,
) -> HTMLResponse:
    return _workbench(request, db, runtime, language, Draft(RuleForm(), is_new=True))


def _applied(request: Request) -> dict[str, str] | None:
    if "applied" not in request.query_params:
        return None
    return {
        "checked": request.query_params.get("checked", ""),
        "changed": request.query_params.get("changed", ""),
    }


@router.get("/admin/rules/{rule_id}", response_class=HTMLResponse)
def edit_rule(
    rule_id: str,
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    language: LanguageDep,
    admin: AdminDep,
) -> HTMLResponse:
    row = next((r for r in db.tags.rules() if r.id == rule_id), None)
    if row is None:
        raise HTTPException(status_code=404)
    return _workbench(
        request,
        db,
        runtime,
        language,
        Draft(RuleForm.of(row.definition), is_new=False),
        saved=request.query_params.get("saved") == "1",
        applied=_applied(request),
    )


def _stories(db: RequestStore, ids: tuple[int, ...]) -> list[StoryView]:
    if not ids:
        return []
    return db.find_items(ItemFilter(item_ids=ids[:PREVIEW_LIMIT], limit=PREVIEW_LIMIT))


def _preview_context(db: RequestStore, result: RulePreview) -> dict[str, Any]:
    return {
        "preview": result,
        "added": _stories(db, result.added),
        "removed": _stories(db, result.removed),
        "preview_limit": PREVIEW_LIMIT,
    }


@router.post("/admin/rules/preview", response_class=HTMLResponse)
def preview(
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    language: LanguageDep,
    admin: AdminDep,
    posted: FormDep,
) -> HTMLResponse:
    """The draft's effect on every stored story; nothing is saved."""
    draft = _check(request, db, posted)
    if draft.errors:
        return _workbench(request, db, runtime, language, draft, status_code=422)
    rule = tagging(request).validate(db, draft.form.record(), draft.taken)
    result = tagging(request).preview(db, rule)
    context = _preview_context(db, result)
    return _workbench(request, db, runtime, language, draft, **context)


@router.post("/admin/rules/save", response_model=None)
def save(
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    language: LanguageDep,
    admin: AdminDep,
    posted: FormDep,
) -> HTMLResponse | RedirectResponse:
    draft = _check(request, db, posted)
    if draft.errors:
        return _workbench(request, db, runtime, language, draft, status_code=422)
    rule = tagging(request).validate(db, draft.form.record(), draft.taken)
    now = runtime.clock.now()
    db.tags.save_rule(rule.to_dict(), admin.email, now)
    tagging(request).rules_saved(db, now)
    return RedirectResponse(f"/admin/rules/{quote(rule.id)}?saved=1", status_code=303)


@router.post("/admin/rules/apply")
def apply_to_history(
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    admin: AdminDep,
    posted: FormDep,
) -> RedirectResponse:
    """Re-tag every stored story with the saved rules (admin overrides survive)."""
    value = posted.get("rule_id", "")
    rule_id = value if isinstance(value, str) else ""
    now = runtime.clock.now()
    result = tagging(request).retag_all(db, now)
    db.audit(
        actor=admin.email,
        action="rules.apply_history",
        entity_type="rule",
        entity_id=rule_id,
        before=None,
        after={"checked": result.checked, "changed": result.changed},
        at=now,
    )
    target = f"/admin/rules/{quote(rule_id)}" if rule_id else "/admin/rules"
    query = urlencode({"applied": 1, "checked": result.checked, "changed": result.changed})
    return RedirectResponse(f"{target}?{query}", status_code=303)
