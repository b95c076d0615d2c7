"""Security: CSRF on every form, headers and CSP on every page, escaping and sanitising of
scraped text, admin pages closed to anonymous visitors, no open redirect after login."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from aggregator.web.security import CSRF_COOKIE, CSRF_EXEMPT_PATH_PREFIXES
from tests.web.conftest import BASE_URL, form_token, log_in
from tests.web.seed import Seeded

PUBLIC_PAGES = ["/", "/?q=kunta", "/items/{placement}", "/items/{hostile}", "/grants", "/feeds"]
ADMIN_PAGES = [
    "/admin/sources",
    "/admin/sources/eusa-amif/edit",
    "/admin/rules",
    "/admin/rules/new",
    "/admin/rules/placement-kuntapaikka",
    "/admin/tags",
    "/admin/tags/new",
    "/admin/tags/placement",
    "/admin/items",
    "/admin/items/{placement}",
    "/admin/subscribers",
    "/admin/audit",
    "/admin/suggestions",
]


def _filled(path: str, seeded: Seeded) -> str:
    return path.format(**seeded.items)


def _post_routes(app: FastAPI) -> list[str]:
    """Every POST path of the app (other engineers' routers included), parameters filled."""
    paths = []
    for route in iter_route_contexts(app.routes):
        if "POST" in (getattr(route, "methods", None) or ()):
            paths.append(re.sub(r"\{[^}]+\}", "1", str(route.path)))
    return sorted(set(paths))


def test_every_post_route_refuses_a_request_without_the_csrf_token(
    app: FastAPI, client: TestClient
) -> None:
    client.get("/")  # the browser has a CSRF cookie, but the attacker's form lacks the token
    paths = _post_routes(app)
    assert "/admin/login" in paths and "/admin/rules/save" in paths
    unprotected = []
    for path in paths:
        response = client.post(path, data={"email": "a@b.fi", "tag": "funding"})
        if response.status_code != 403:
            unprotected.append(path)
    documented = [path for path in paths if path.startswith(CSRF_EXEMPT_PATH_PREFIXES)]
    assert unprotected == documented, unprotected


def test_with_a_valid_token_the_same_posts_get_past_the_csrf_check(
    app: FastAPI, client: TestClient
) -> None:
    token = form_token(client, "/admin/login")
    for path in _post_routes(app):
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code != 403, path


def test_a_token_from_another_browser_is_refused(client: TestClient, seeded: Seeded) -> None:
    with TestClient(client.app, base_url=BASE_URL) as other:
        stolen = form_token(other, "/admin/login")
    form_token(client, "/admin/login")
    response = client.post(
        "/admin/login", data={"csrf_token": stolen, "email": "x@y.fi", "password": "x" * 12}
    )
    assert response.status_code == 403


def test_the_csrf_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    cookie = client.get("/admin/login").headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "/admin/login", "/nothing-here"])
def test_pages_carry_the_security_headers(client: TestClient, seeded: Seeded, path: str) -> None:
    response = client.get(_filled(path, seeded), headers={"accept": "text/html"})
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _assert_no_inline_code(html: str, path: str) -> None:
    assert not INLINE_SCRIPT.search(html), f"inline script on {path}"
    assert not INLINE_STYLE.search(html), f"inline style on {path}"
    assert not EVENT_HANDLER.search(html), f"event handler attribute on {path}"
    assert "javascript:" not in html.lower(), f"javascript: URL on {path}"


def test_no_page_has_inline_script_style_or_handlers(
    admin_client: TestClient, seeded: Seeded
) -> None:
    for path in PUBLIC_PAGES + ADMIN_PAGES:
        url = _filled(path, seeded)
        response = admin_client.get(url)
        assert response.status_code == 200, url
        _assert_no_inline_code(response.text, url)


def test_scraped_text_is_escaped_and_body_html_sanitised_again(
    client: TestClient, seeded: Seeded
) -> None:
    page = client.get(f"/items/{seeded.items['hostile']}").text
    assert "&lt;b&gt;Kotoutumislaki&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "onerror=alert(2)&gt;" in page  # the summary is text: shown, never parsed
    for payload in ("alert(3)", "alert(4)", "alert(5)", "alert(6)", "evil.example", "display:none"):
        assert payload not in page, payload
    assert "<p>Hallituksen esitys.</p>" in page
    assert '<a rel="noopener noreferrer nofollow">linkki</a>' in page
    listing = client.get("/").text
    assert "<script>alert(1)" not in listing and "&lt;script&gt;alert(1)" in listing


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_send_anonymous_visitors_to_the_login(
    client: TestClient, seeded: Seeded, path: str
) -> None:
    url = _filled(path, seeded)
    response = client.get(url)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=/admin/")


def test_admin_actions_need_a_login_even_with_a_valid_token(
    client: TestClient, seeded: Seeded
) -> None:
    token = form_token(client, "/admin/login")
    response = client.post("/admin/sources/eusa-amif/disable", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


def test_admin_pages_are_not_cached(admin_client: TestClient, seeded: Seeded) -> None:
    response = admin_client.get("/admin/sources")
    assert response.headers["cache-control"] == "no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in response.text


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/admin", "//evil.example/admin", "/\\evil.example", "/grants", ""],
)
def test_login_never_redirects_off_the_admin_pages(
    client: TestClient, seeded: Seeded, target: str
) -> None:
    token = form_token(client, "/admin/login")
    response = client.post(
        "/admin/login",
        data={
            "csrf_token": token,
            "email": "editor@example.org",
            "password": "correct horse battery",
            "next": target,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"


def test_login_returns_to_the_page_asked_for(client: TestClient, seeded: Seeded) -> None:
    first = client.get("/admin/audit?page=2")
    assert first.headers["location"] == "/admin/login?next=/admin/audit%3Fpage%3D2"
    login_page = client.get(first.headers["location"]).text
    assert 'name="next" value="/admin/audit?page=2"' in login_page
    token = form_token(client, "/admin/login")
    response = client.post(
        "/admin/login",
        data={
            "csrf_token": token,
            "email": "EDITOR@example.org ",
            "password": "correct horse battery",
            "next": "/admin/audit?page=2",
        },
    )
    assert response.headers["location"] == "/admin/audit?page=2"


def test_logout_ends_the_session(admin_client: TestClient, seeded: Seeded) -> None:
    token = form_token(admin_client, "/admin/sources")
    response = admin_client.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert 'admin_session=""' in response.headers["set-cookie"]
    assert admin_client.get("/admin/sources").status_code == 303
    log_in(admin_client)
    assert admin_client.get("/admin/sources").status_code == 200


def test_https_responses_carry_hsts(app: FastAPI, seeded: Seeded) -> None:
    with TestClient(app, base_url="https://uutiset.example.fi") as client:
        assert client.get("/").headers["strict-transport-security"].startswith("max-age=")
    with TestClient(app, base_url=BASE_URL) as client:
        assert "strict-transport-security" not in client.get("/").headers


def test_the_admin_link_shows_only_to_a_logged_in_admin(client: TestClient, seeded: Seeded) -> None:
    assert 'href="/admin"' not in client.get("/").text
    log_in(client)
    assert 'href="/admin"' in client.get("/").text
    assert 'href="/admin"' in client.get("/grants").text
