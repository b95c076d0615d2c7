"""How the app is served: the access log setting of ``aggregator serve``, the liveness probe,
and the security headers on answers that skip the page machinery."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aggregator.cli import main
from aggregator.runtime import Runtime
from aggregator.web.security import HSTS, SECURITY_HEADERS
from tests.web.seed import Seeded


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append({"app": app, **kw}))
    return calls


def test_serve_keeps_the_access_log_off_unless_asked(
    runtime: Runtime, uvicorn_calls: list[dict[str, Any]]
) -> None:
    assert CliRunner().invoke(main, ["serve"], obj=runtime).exit_code == 0
    assert uvicorn_calls[-1]["access_log"] is False
    assert CliRunner().invoke(main, ["serve", "--access-log"], obj=runtime).exit_code == 0
    assert uvicorn_calls[-1]["access_log"] is True


def test_the_access_log_setting_turns_it_on_and_the_flag_can_turn_it_off(
    runtime: Runtime, uvicorn_calls: list[dict[str, Any]]
) -> None:
    runtime.settings.access_log = True
    result = CliRunner().invoke(main, ["serve"], obj=runtime)
    assert uvicorn_calls[-1]["access_log"] is True and "access log on" in result.output
    CliRunner().invoke(main, ["serve", "--no-access-log"], obj=runtime)
    assert uvicorn_calls[-1]["access_log"] is False


def test_healthz_answers_ok_with_the_security_headers(client: TestClient, seeded: Seeded) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"
    assert response.headers["content-type"].startswith("text/plain")
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "strict-transport-security" not in response.headers
    assert client.head("/healthz").status_code == 200


def test_healthz_over_https_carries_hsts(app: FastAPI, seeded: Seeded) -> None:
    with TestClient(app, base_url="https://uutiset.example.fi") as client:
        assert client.get("/healthz").headers["strict-transport-security"] == HSTS


def test_a_header_the_route_set_itself_is_not_overwritten_or_doubled(
    client: TestClient, seeded: Seeded
) -> None:
    response = client.get("/feeds/all.rss")
    assert response.headers["access-control-allow-origin"] == "*"
    raw_names = [name.lower() for name, _ in response.headers.raw]
    for name in SECURITY_HEADERS:
        assert raw_names.count(name.lower().encode()) == 1, name
