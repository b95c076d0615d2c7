"""Fixtures for the web tests: a seeded database, the app and a client that speaks to it.

The client talks to ``http://127.0.0.1`` so the cookies are not Secure (plain localhost, like
``aggregator serve`` on a developer machine) and the CSRF and session cookies round-trip.
Background jobs (fetch now) are collected instead of started, so a test can run them itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from aggregator.clock import FixedClock
from aggregator.runtime import Runtime
from aggregator.settings import Settings
from aggregator.tagging.morphology import Morphology, create_morphology
from aggregator.web.app import create_app
from tests.web.seed import ADMIN_EMAIL, ADMIN_PASSWORD, NOW, Seeded, seed_database, write_config

BASE_URL = "http://127.0.0.1"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def morphology() -> Morphology:
    """One analyser for the whole run (building it is the slow part of the tagger)."""
    return create_morphology()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str, config_dir: Path) -> Settings:
    return Settings(
        database_url=database_url,
        config_dir=config_dir,
        base_url="https://uutiset.example.fi",
        secret_key=SecretStr("test-secret-key-for-web-tests"),
    )


@pytest.fixture
def runtime(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    runtime = Runtime(settings, clock=clock)
    yield runtime
    runtime.close()


@pytest.fixture
def seeded(engine: Engine, config_dir: Path) -> Seeded:
    return seed_database(engine, config_dir)


@dataclass
class Jobs:
    """Background jobs the app asked to start, by name."""

    started: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def __call__(self, job: Callable[[], None], name: str) -> None:
        self.started.append((name, job))


@pytest.fixture
def jobs() -> Jobs:
    return Jobs()


@pytest.fixture
def app(runtime: Runtime, seeded: Seeded, jobs: Jobs, morphology: Morphology) -> FastAPI:
    return create_app(runtime, run_in_background=jobs, morphology=morphology)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE_URL, follow_redirects=False) as client:
        yield client


def form_token(client: TestClient, page: str) -> str:
    """The CSRF token of the form on ``page`` (GETting it also sets the cookie)."""
    response = client.get(page)
    match = CSRF_INPUT.search(response.text)
    assert match, f"no CSRF field on {page}"
    return match.group(1)


def post_form(
    client: TestClient,
    url: str,
    data: dict[str, Any],
    *,
    token_from: str = "/admin/login",  # noqa: S107 - a page, not a password
) -> httpx.Response:
    """POST ``data`` with a valid CSRF token, as the browser would after loading a form."""
    token = form_token(client, token_from)
    response: httpx.Response = client.post(url, data={**data, "csrf_token": token})
    return response


def log_in(client: TestClient, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
    response = post_form(client, "/admin/login", {"email": email, "password": password})
    assert response.status_code == 303, response.text


@pytest.fixture
def admin_client(client: TestClient) -> TestClient:
    log_in(client)
    return client
