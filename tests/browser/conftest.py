"""Fixtures for the browser tests: the real app under uvicorn, one shared Chromium, axe-core.

One live server per session: a seeded SQLite database, a loopback SMTP sink for the
subscription mails, uvicorn on 127.0.0.1 (a port chosen by the OS) in a thread. One Chromium
per session (Debian's, never a downloaded one); every test gets a fresh context, so cookies
never leak between tests. :func:`check_page` runs axe-core on the page, fails on any violation
or console error (a CSP violation is one), and saves a screenshot under
``test-artifacts/screenshots/``.

Without /usr/bin/chromium or node_modules/axe-core the tests skip and say why; with
REQUIRE_BROWSER=1 (CI) that is a failure instead.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from aggregator.clock import FixedClock
from aggregator.demo.smtp_sink import SmtpSink
from aggregator.runtime import Runtime
from aggregator.settings import Settings
from aggregator.store.db import create_all, make_engine
from aggregator.web.app import create_app
from tests.support.paths import PROJECT_ROOT
from tests.web.seed import ADMIN_EMAIL, ADMIN_PASSWORD, NOW, Seeded, seed_database, write_config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_SOURCE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@dataclass
class LiveServer:
    url: str
    engine: Engine
    seeded: Seeded
    sink: SmtpSink
    runtime: Runtime


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with a seeded database, serving on 127.0.0.1 until the session ends."""
    with serve_app(tmp_path_factory.mktemp("browser")) as server:
        yield server


@contextmanager
def serve_app(folder: Path) -> Iterator[LiveServer]:
    """The app with a seeded database in ``folder``, on 127.0.0.1, until the block ends
    (tests that change what the shared server shows start their own)."""
    config = write_config(folder / "config")
    database_url = f"sqlite:///{folder / 'web.sqlite3'}"
    engine = make_engine(database_url)
    create_all(engine)
    seeded = seed_database(engine, config)
    sock = _free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with SmtpSink() as sink:
        settings = Settings(
            database_url=database_url,
            config_dir=config,
            base_url=url,
            smtp_host=sink.host,
            smtp_port=sink.port,
            mail_rate_per_second=0,
            secret_key=SecretStr("browser-test-secret"),
        )
        runtime = Runtime(settings, clock=FixedClock(NOW))
        server = uvicorn.Server(
            uvicorn.Config(create_app(runtime), log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, "uvicorn did not start"
        yield LiveServer(url, engine, seeded, sink, runtime)
        server.should_exit = True
        thread.join(timeout=5)
    runtime.close()
    engine.dispose()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_SOURCE.exists():
        _unavailable(f"{AXE_SOURCE} missing: run `npm ci` (scripts/bootstrap.sh does)")
    return AXE_SOURCE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not installed (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """A page of a fresh browser context, with what its console said."""

    page: Any
    base_url: str
    axe: str
    console_errors: list[str] = field(default_factory=list)
    document_statuses: set[int] = field(default_factory=set)

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("load")
        return response

    def check(self, name: str) -> None:
        """axe-core finds no violation, the console no error; then a screenshot."""
        self.page.evaluate(self.axe)
        violations = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))"
        )
        assert not violations, f"axe on {name}:\n" + json.dumps(violations, indent=1)
        errors = [e for e in self.console_errors if not self._own_status(e)]
        assert not errors, f"console errors on {name}: {errors}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def _own_status(self, error: str) -> bool:
        """Chromium logs a page answered with 4xx (a form with errors, a 404 page) as an error."""
        return any(
            error == f"Failed to load resource: the server responded with a status of {status} "
            f"({reason})"
            for status, reason in ((s, HTTPStatus(s).phrase) for s in self.document_statuses)
        )

    def log_in(self) -> None:
        self.go("/admin/login")
        self.page.get_by_label("Sähköpostiosoite").fill(ADMIN_EMAIL)
        self.page.get_by_label("Salasana").fill(ADMIN_PASSWORD)
        self.page.get_by_role("button", name="Kirjaudu sisään").click()
        self.page.wait_for_url("**/admin/sources")


def _tab(browser: Any, live_server: LiveServer, axe_source: str, **options: Any) -> Iterator[Tab]:
    context = browser.new_context(
        **{"locale": "fi-FI", "viewport": {"width": 1280, "height": 900}, **options}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    tab = Tab(page, live_server.url, axe_source)

    def on_console(message: Any) -> None:
        if message.type == "error":
            tab.console_errors.append(message.text)

    def on_response(response: Any) -> None:
        if response.request.is_navigation_request():
            tab.document_statuses.add(response.status)

    page.on("console", on_console)
    page.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    page.on("response", on_response)
    yield tab
    context.close()


@pytest.fixture
def tab(browser: Any, live_server: LiveServer, axe_source: str) -> Iterator[Tab]:
    yield from _tab(browser, live_server, axe_source)


@pytest.fixture
def admin_tab(tab: Tab) -> Tab:
    tab.log_in()
    return tab


@pytest.fixture
def no_script_tab(browser: Any, live_server: LiveServer, axe_source: str) -> Iterator[Tab]:
    yield from _tab(browser, live_server, axe_source, java_script_enabled=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
