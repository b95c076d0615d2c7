"""Admin accounts and logins: argon2 hashes, session cookies, rate limiting, the CLI."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from aggregator.cli import main
from aggregator.clock import FixedClock
from aggregator.runtime import Runtime
from aggregator.store import admins
from aggregator.store.db import session_scope
from aggregator.store.models import AdminUser, LoginAttempt
from aggregator.web.auth import SESSION_COOKIE
from aggregator.web.security import is_secure_request
from tests.web.conftest import form_token, log_in
from tests.web.seed import ADMIN_EMAIL, ADMIN_PASSWORD, NOW, Seeded


def attempt(client: TestClient, email: str, password: str, lang: str = "fi") -> Any:
    token = form_token(client, "/admin/login")
    return client.post(
        f"/admin/login?lang={lang}",
        data={"csrf_token": token, "email": email, "password": password},
    )


def test_passwords_are_stored_as_argon2id_hashes(engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        admin = session.exec(select(AdminUser)).one()
    assert admin.password_hash.startswith("$argon2id$")
    assert ADMIN_PASSWORD not in admin.password_hash


@pytest.mark.parametrize(
    ("email", "password", "problem"),
    [
        ("not-an-address", "long enough password", "not an email address"),
        ("new@example.org", "short", "at least 10 characters"),
        ("EDITOR@example.org", "another long password", "already exists"),
    ],
)
def test_create_admin_refuses_bad_input(
    engine: Engine, seeded: Seeded, email: str, password: str, problem: str
) -> None:
    with session_scope(engine) as session, pytest.raises(ValueError, match=problem):
        admins.create_admin(session, email, password, NOW)


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(
    client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    wrong_password = attempt(client, ADMIN_EMAIL, "not the password")
    unknown_email = attempt(client, "nobody@example.org", ADMIN_PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert "Wrong email address or password." in attempt(client, ADMIN_EMAIL, "x" * 12, "en").text
    assert SESSION_COOKIE not in client.cookies
    with session_scope(engine) as session:
        keys = sorted(a.key for a in session.exec(select(LoginAttempt)))
    assert keys == [
        "email:editor@example.org",
        "email:editor@example.org",
        "email:nobody@example.org",
        *["ip:testclient"] * 3,
    ]


def test_session_cookie_is_httponly_strict_and_not_secure_on_plain_localhost(
    client: TestClient, seeded: Seeded
) -> None:
    response = attempt(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app: Any, seeded: Seeded) -> None:
    with TestClient(app, base_url="https://uutiset.example.fi", follow_redirects=False) as client:
        response = attempt(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert "Secure" in response.headers["set-cookie"]


@pytest.mark.parametrize(
    ("url", "secure"),
    [
        ("http://127.0.0.1:8000/", False),
        ("http://localhost/admin", False),
        ("https://127.0.0.1/", True),
        ("http://uutiset.example.fi/", True),  # plain HTTP elsewhere: cookies never leave
        ("https://uutiset.example.fi/", True),
    ],
)
def test_cookies_are_secure_except_on_plain_localhost(url: str, secure: bool) -> None:
    parts = urlsplit(url)
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": parts.scheme,
        "server": (parts.hostname, parts.port or 80),
        "path": parts.path,
        "query_string": b"",
        "headers": [(b"host", parts.netloc.encode())],
    }
    assert is_secure_request(Request(scope)) is secure


def test_five_failures_block_the_email_for_fifteen_minutes(
    client: TestClient, clock: FixedClock, seeded: Seeded
) -> None:
    for _ in range(admins.MAX_FAILURES):
        assert attempt(client, ADMIN_EMAIL, "guess guess guess").status_code == 401
    blocked = attempt(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert blocked.status_code == 429
    assert SESSION_COOKIE not in client.cookies
    clock.advance(14 * 60)
    assert attempt(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 429
    clock.advance(2 * 60)
    assert attempt(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303


def test_failures_from_one_address_block_it_for_every_email(
    client: TestClient, seeded: Seeded
) -> None:
    for n in range(admins.MAX_FAILURES):
        attempt(client, f"guess{n}@example.org", "guess guess guess")
    assert attempt(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 429


def test_a_success_starts_the_count_again(client: TestClient, seeded: Seeded) -> None:
    for _ in range(admins.MAX_FAILURES - 1):
        attempt(client, ADMIN_EMAIL, "typo typo typo")
    assert attempt(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303
    for _ in range(admins.MAX_FAILURES - 1):
        attempt(client, ADMIN_EMAIL, "typo typo typo")
    assert attempt(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 303


def test_rate_limited_page_explains_the_wait(client: TestClient, seeded: Seeded) -> None:
    for _ in range(admins.MAX_FAILURES):
        attempt(client, ADMIN_EMAIL, "guess guess guess")
    page = attempt(client, ADMIN_EMAIL, ADMIN_PASSWORD, "en").text
    assert "Too many failed logins. Wait 15 minutes and try again." in page


def test_a_tampered_session_cookie_is_ignored(admin_client: TestClient, seeded: Seeded) -> None:
    value = admin_client.cookies[SESSION_COOKIE]
    admin_client.cookies.set(SESSION_COOKIE, value[:-2] + ("A" if value[-1] != "A" else "B"))
    assert admin_client.get("/admin/sources").status_code == 303


def test_a_new_password_or_a_disabled_account_ends_every_session(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    with session_scope(engine) as session:
        admin = admins.find_admin(session, ADMIN_EMAIL)
        assert admin is not None
        admins.set_password(session, admin, "a brand new password")
    assert admin_client.get("/admin/sources").status_code == 303
    log_in(admin_client, password="a brand new password")
    assert admin_client.get("/admin/sources").status_code == 200
    with session_scope(engine) as session:
        admin = admins.find_admin(session, ADMIN_EMAIL)
        assert admin is not None
        admin.active = False
        session.add(admin)
    assert admin_client.get("/admin/sources").status_code == 303


def test_last_login_is_recorded(admin_client: TestClient, engine: Engine, seeded: Seeded) -> None:
    with session_scope(engine) as session:
        admin = admins.find_admin(session, ADMIN_EMAIL)
    assert admin is not None and admin.last_login_at == NOW


# --- the command line ------------------------------------------------------------------------


def test_admin_create_prompts_for_the_password_twice(runtime: Runtime, engine: Engine) -> None:
    result = CliRunner().invoke(
        main,
        ["admin", "create", "New.Admin@example.org"],
        input="first try password\nmistyped password\nlong secret words\nlong secret words\n",
        obj=runtime,
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert "admin account created: new.admin@example.org" in result.output
    assert "long secret words" not in result.output
    with session_scope(engine) as session:
        assert admins.authenticate(session, "new.admin@example.org", "long secret words", NOW)


def test_admin_create_reads_the_password_from_stdin(runtime: Runtime, engine: Engine) -> None:
    result = CliRunner().invoke(
        main,
        ["admin", "create", "script@example.org", "--password-stdin"],
        input="piped secret words\n",
        obj=runtime,
    )
    assert result.exit_code == 0, result.output
    with session_scope(engine) as session:
        assert admins.authenticate(session, "script@example.org", "piped secret words", NOW)


def test_admin_create_refuses_a_short_password_and_a_duplicate(
    runtime: Runtime, engine: Engine
) -> None:
    short = CliRunner().invoke(
        main, ["admin", "create", "a@example.org", "--password-stdin"], input="short\n", obj=runtime
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    args = ["admin", "create", "a@example.org", "--password-stdin"]
    assert CliRunner().invoke(main, args, input="long enough pw\n", obj=runtime).exit_code == 0
    again = CliRunner().invoke(main, args, input="long enough pw\n", obj=runtime)
    assert again.exit_code == 1 and "already exists" in again.output
    reset = CliRunner().invoke(main, [*args, "--reset"], input="another password\n", obj=runtime)
    assert reset.exit_code == 0 and "new password set" in reset.output


def test_serve_runs_uvicorn_on_the_configured_address(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append({"app": app, **kw}))
    runtime.settings.web_host, runtime.settings.web_port = "127.0.0.1", 8123
    result = CliRunner().invoke(main, ["serve"], obj=runtime)
    assert result.exit_code == 0, result.output
    assert calls[0]["host"] == "127.0.0.1" and calls[0]["port"] == 8123
    assert calls[0]["app"].state.runtime is runtime
    CliRunner().invoke(main, ["serve", "--port", "9000", "--host", "192.0.2.10"], obj=runtime)
    assert (calls[1]["host"], calls[1]["port"]) == ("192.0.2.10", 9000)
