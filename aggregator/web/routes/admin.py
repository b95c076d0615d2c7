"""Admin overview pages: the start page, the subscribers overview and the audit log.

The subscribers overview shows counts only (status, frequency, language, bounces): curating
tags and sources does not need anybody's address, so the admin UI never lists them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from aggregator.store.models import AuditEntry
from aggregator.web.deps import AdminDep, StoreDep, render_page

router = APIRouter()

AUDIT_PAGE = 50


@router.get("/admin")
def admin_home(admin: AdminDep) -> RedirectResponse:
    return RedirectResponse("/admin/sources", status_code=303)


@router.get("/admin/subscribers", response_class=HTMLResponse)
def subscribers(request: Request, db: StoreDep, admin: AdminDep) -> HTMLResponse:
    return render_page(request, "admin/subscribers.html", counts=db.subscriber_counts())


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    entity: str
    before: str
    after: str
    href: str = ""


ENTITY_PAGES = {
    "item": "/admin/items/{}",
    "rule": "/admin/rules/{}",
    "source": "/admin/sources/{}/edit",
    "tag": "/admin/tags/{}",
}


def _row(entry: AuditEntry) -> AuditRow:
    page = ENTITY_PAGES.get(entry.entity_type)
    return AuditRow(
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        entity=f"{entry.entity_type} {entry.entity_id}",
        before=_compact(entry.before),
        after=_compact(entry.after),
        href=page.format(quote(entry.entity_id)) if page and entry.entity_id else "",
    )


def _compact(value: dict[str, Any] | None) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)[:600]


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_log(request: Request, db: StoreDep, admin: AdminDep) -> HTMLResponse:
    try:
        page = max(1, min(int(request.query_params.get("page", "1")), 1000))
    except ValueError:
        page = 1
    entries = db.audit_log(limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE)
    rows = [_row(entry) for entry in entries[:AUDIT_PAGE]]
    return render_page(
        request,
        "admin/audit.html",
        rows=rows,
        page=page,
        has_next=len(entries) > AUDIT_PAGE,
    )
