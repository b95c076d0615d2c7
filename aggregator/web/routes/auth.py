"""Admin login and logout.

Each attempt is counted by the login limiter BEFORE its password is checked, atomically, per
address and per account (:mod:`aggregator.store.login_limit`); a refused attempt is answered
429 without checking. Every checked attempt is recorded. The error never says whether the email
exists. A successful login starts a server-side session and redirects (303) to a local admin
address only; logout ends that session on the server.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from aggregator.store import admins, login_limit
from aggregator.web.auth import client_ip, end_session, safe_next, start_session
from aggregator.web.deps import RuntimeDep, StoreDep, render_page

router = APIRouter()


def _login_form(
    request: Request,
    *,
    next_path: str,
    email: str = "",
    error: str = "",
    status: int = 200,
    logged_out: bool = False,
) -> HTMLResponse:
    return render_page(
        request,
        "admin/login.html",
        status_code=status,
        next_path=safe_next(next_path),
        email=email,
        error=error,
        logged_out=logged_out,
    )


@router.get("/admin/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return _login_form(
        request,
        next_path=request.query_params.get("next", ""),
        logged_out=request.query_params.get("logged_out") == "1",
    )


@router.post("/admin/login", response_model=None)
def login(
    request: Request,
    db: StoreDep,
    runtime: RuntimeDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=2048)] = "",
) -> Response:
    now = runtime.clock.now()
    ip = client_ip(request)
    limits = login_limit.keys_for(email, ip)
    if not login_limit.may_check_password(runtime.engine, limits, now):
        return _login_form(
            request, next_path=next_path, email=email, error="rate-limited", status=429
        )
    keys = admins.attempt_keys(email, ip)
    admin = db.authenticate(email, password, now)
    if admin is None:
        db.record_attempt(keys, False, now)  # committed: the handler returns
        return _login_form(request, next_path=next_path, email=email, error="invalid", status=401)
    db.record_attempt(keys, True, now)
    db.login_succeeded(limits, now)
    response = RedirectResponse(safe_next(next_path), status_code=303)
    start_session(request, response, db, admin)
    return response


@router.post("/admin/logout")
def logout(request: Request, db: StoreDep) -> RedirectResponse:
    response = RedirectResponse("/admin/login?logged_out=1", status_code=303)
    end_session(request, response, db)
    return response
