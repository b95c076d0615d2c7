"""Admin sessions that end, CSRF tokens bound to the session, and a login limiter that counts
atomically and never lets a stranger lock an editor out (issue 17, defects 3-6).

The concurrent-login test runs the real app under uvicorn on loopback and sends 40 wrong
passwords at once from 40 threads; a 401 is only ever answered after the password was checked,
so the number of 401s is the number of password checks.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from aggregator.clock import FixedClock
from aggregator.store import admins, login_limit
from aggregator.store.db import session_scope
from aggregator.store.models import LoginAttempt, LoginLimit
from aggregator.web.auth import SESSION_COOKIE, SESSION_MAX_AGE
from aggregator.web.security import CSRF_COOKIE
from tests.web.conftest import BASE_URL, CSRF_INPUT, form_token, log_in
from tests.web.seed import ADMIN_EMAIL, ADMIN_PASSWORD, Seeded

CONCURRENT = 40


def attempt(client: TestClient, password: str, email: str = ADMIN_EMAIL) -> Any:
    token = form_token(client, "/admin/login")
    return client.post(
        "/admin/login", data={"csrf_token": token, "email": email, "password": password}
    )


def client_from(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, base_url=BASE_URL, follow_redirects=False, client=(address, 40000))


# --- sessions that end -----------------------------------------------------------------------


def test_a_cookie_replayed_after_logout_gets_the_login_page(
    admin_client: TestClient, seeded: Seeded
) -> None:
    stolen = admin_client.cookies[SESSION_COOKIE]
    token = form_token(admin_client, "/admin/sources")
    assert admin_client.post("/admin/logout", data={"csrf_token": token}).status_code == 303

    admin_client.cookies.set(SESSION_COOKIE, stolen)
    replay = admin_client.get("/admin/sources")

    assert replay.status_code == 303
    assert replay.headers["location"].startswith("/admin/login")


def test_a_session_expires_on_the_injected_clock(
    admin_client: TestClient, clock: FixedClock, seeded: Seeded
) -> None:
    clock.advance(SESSION_MAX_AGE - 60)
    assert admin_client.get("/admin/sources").status_code == 200
    clock.advance(120)
    assert admin_client.get("/admin/sources").status_code == 303


def test_a_password_change_ends_the_other_sessions_server_side(
    app: FastAPI, engine: Engine, seeded: Seeded
) -> None:
    with client_from(app, "10.1.1.1") as laptop, client_from(app, "10.1.1.2") as phone:
        log_in(laptop)
        log_in(phone)
        with session_scope(engine) as session:
            admin = admins.find_admin(session, ADMIN_EMAIL)
            assert admin is not None
            admins.set_password(session, admin, ADMIN_PASSWORD)  # even the same password
        assert laptop.get("/admin/sources").status_code == 303
        assert phone.get("/admin/sources").status_code == 303


def test_logout_ends_only_its_own_session(app: FastAPI, seeded: Seeded) -> None:
    with client_from(app, "10.1.1.1") as laptop, client_from(app, "10.1.1.2") as phone:
        log_in(laptop)
        log_in(phone)
        token = form_token(laptop, "/admin/sources")
        laptop.post("/admin/logout", data={"csrf_token": token})
        assert laptop.get("/admin/sources").status_code == 303
        assert phone.get("/admin/sources").status_code == 200


# --- CSRF ------------------------------------------------------------------------------------


def test_a_planted_csrf_pair_from_another_session_is_refused(app: FastAPI, seeded: Seeded) -> None:
    """Someone who can set a cookie for the host (a sibling subdomain, plain HTTP) plants the
    cookie and field of their own browser; the editor's session does not accept them."""
    with client_from(app, "10.9.9.9") as attacker:
        planted_token = form_token(attacker, "/admin/login")
        planted_cookie = attacker.cookies[CSRF_COOKIE]
    with client_from(app, "10.1.1.1") as editor:
        log_in(editor)
        editor.cookies.set(CSRF_COOKIE, planted_cookie)
        response = editor.post(
            "/admin/sources/hyvaks-uutiset/disable", data={"csrf_token": planted_token}
        )
        assert response.status_code == 403
        own = form_token(editor, "/admin/sources")
        ok = editor.post("/admin/sources/hyvaks-uutiset/disable", data={"csrf_token": own})
        assert ok.status_code == 303


def test_a_token_from_before_login_does_not_work_after_it(app: FastAPI, seeded: Seeded) -> None:
    with client_from(app, "10.1.1.1") as editor:
        before = form_token(editor, "/admin/login")
        log_in(editor)
        stale = editor.post("/admin/sources/hyvaks-uutiset/disable", data={"csrf_token": before})
        assert stale.status_code == 403


def test_a_token_is_signed_not_just_repeated(app: FastAPI, seeded: Seeded) -> None:
    """The old double submit accepted any equal cookie and field; a made-up pair is refused."""
    with client_from(app, "10.1.1.1") as editor:
        log_in(editor)
        editor.cookies.set(CSRF_COOKIE, "made-up-value")
        response = editor.post(
            "/admin/sources/hyvaks-uutiset/disable", data={"csrf_token": "made-up-value"}
        )
        assert response.status_code == 403


def test_host_prefixed_secure_cookies_over_https(
    app: FastAPI, runtime: Any, seeded: Seeded
) -> None:
    runtime.settings.https_cookies = True
    with TestClient(app, base_url="https://uutiset.example.fi", follow_redirects=False) as c:
        page = c.get("/admin/login")
        token = CSRF_INPUT.search(page.text)
        assert token is not None
        csrf_cookie = page.headers["set-cookie"]
        assert csrf_cookie.startswith("__Host-csrftoken=")
        assert "Secure" in csrf_cookie and "Path=/" in csrf_cookie and "Domain" not in csrf_cookie
        response = c.post(
            "/admin/login",
            data={"csrf_token": token.group(1), "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        )
        assert response.status_code == 303
        session_cookie = response.headers["set-cookie"]
        assert session_cookie.startswith("__Host-admin_session=")
        assert "Secure" in session_cookie and "Domain" not in session_cookie
        assert c.get("/admin/sources").status_code == 200
        # a cookie without the prefix (as a sibling subdomain could plant) is not read
        plain = c.cookies["__Host-admin_session"]
        c.cookies.clear()
        c.cookies.set("admin_session", plain)
        assert c.get("/admin/sources").status_code == 303


# --- the login limiter -----------------------------------------------------------------------


def test_a_strangers_failures_never_lock_an_editor_out_of_a_known_address(
    app: FastAPI, clock: FixedClock, seeded: Seeded
) -> None:
    with client_from(app, "10.1.1.1") as editor:
        log_in(editor)  # this address is now known good for the account
    codes = []
    for n in range(4):  # a stranger guessing from four addresses at once
        with client_from(app, f"203.0.113.{n + 1}") as stranger:
            codes += [attempt(stranger, f"guess {n} guess").status_code for _ in range(6)]
    checked = codes.count(401)
    assert login_limit.MAX_FAILURES <= checked <= login_limit.MAX_FAILURES + 1
    assert codes.count(429) == len(codes) - checked

    with client_from(app, "10.1.1.1") as editor:
        assert attempt(editor, ADMIN_PASSWORD).status_code == 303
    with client_from(app, "10.2.2.2") as elsewhere:  # unknown address: waits, is not locked
        assert attempt(elsewhere, ADMIN_PASSWORD).status_code == 429
        clock.advance(login_limit.ACCOUNT_DELAY_CAP.total_seconds() + 1)
        assert attempt(elsewhere, ADMIN_PASSWORD).status_code == 303


def test_an_account_under_attack_allows_one_check_per_growing_delay(
    app: FastAPI, clock: FixedClock, seeded: Seeded
) -> None:
    waits = [login_limit.account_wait(n) for n in range(1, 14)]
    assert waits == sorted(waits) and waits[0] < waits[5] < waits[-1]
    assert waits[-1] == login_limit.ACCOUNT_DELAY_CAP
    for n in range(login_limit.MAX_FAILURES):
        with client_from(app, f"198.51.100.{n + 1}") as guesser:
            assert attempt(guesser, "wrong password!").status_code == 401
    with client_from(app, "198.51.100.50") as guesser:
        assert attempt(guesser, "wrong password!").status_code == 401  # the slot
        assert attempt(guesser, "wrong password!").status_code == 429  # within the wait
        clock.advance(login_limit.account_wait(2).total_seconds() + 0.5)
        assert attempt(guesser, "wrong password!").status_code == 401  # the next slot


@pytest.fixture
def live_app(app: FastAPI) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_forty_concurrent_wrong_passwords_check_it_at_most_five_times(
    live_app: str, engine: Engine, seeded: Seeded
) -> None:
    barrier = threading.Barrier(CONCURRENT)

    def one_guess(n: int) -> int:
        with httpx.Client(base_url=live_app, timeout=60) as browser:
            token = CSRF_INPUT.search(browser.get("/admin/login").text)
            assert token is not None
            barrier.wait(timeout=60)
            response = browser.post(
                "/admin/login",
                data={"csrf_token": token.group(1), "email": ADMIN_EMAIL, "password": f"x{n}" * 6},
            )
            return response.status_code

    with ThreadPoolExecutor(CONCURRENT) as pool:
        codes = list(pool.map(one_guess, range(CONCURRENT)))

    checked = codes.count(401)
    print(f"\n40 concurrent wrong passwords: {checked} checked, {codes.count(429)} refused (429)")
    assert sorted(set(codes)) == [401, 429]
    assert checked <= login_limit.MAX_FAILURES
    assert codes.count(429) == CONCURRENT - checked
    with session_scope(engine) as session:
        failures = session.exec(
            select(LoginAttempt).where(LoginAttempt.key == f"email:{ADMIN_EMAIL}")
        ).all()
    assert len(failures) == checked


def test_a_login_forgets_limiter_rows_nobody_reads_any_more(
    engine: Engine, clock: FixedClock, seeded: Seeded
) -> None:
    old = login_limit.keys_for("someone@example.org", "192.0.2.1")
    login_limit.may_check_password(engine, old, clock.now())
    clock.advance((login_limit.KNOWN_FOR + timedelta(days=1)).total_seconds())
    fresh = login_limit.keys_for(ADMIN_EMAIL, "192.0.2.2")
    with session_scope(engine) as session:
        login_limit.succeeded(session, fresh, clock.now())
    with session_scope(engine) as session:
        keys = sorted(row.key for row in session.exec(select(LoginLimit)))
    assert keys == [fresh.known]
