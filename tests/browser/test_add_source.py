"""An editor adds a source from a URL in a real browser: paste, preview, save, fetch now."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aggregator.demo.mirror import MirrorServer
from aggregator.store.db import session_scope
from aggregator.store.models import AddedSource
from aggregator.store.sources import SourceStore
from tests.browser.conftest import LiveServer, Tab, _tab, serve_app
from tests.web.list_site import LIST_URL, TITLES, write_list_site


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LiveServer]:
    """An app of its own (the stories this test stores must not show in the shared one), whose
    fetcher reads the news site through the mirror."""
    with (
        MirrorServer(write_list_site(tmp_path / "sites")) as mirror,
        serve_app(tmp_path / "app") as server,
    ):
        server.runtime.settings = server.runtime.settings.model_copy(
            update={"mirror_url": mirror.url, "host_delay": 0.0, "retries": 0}
        )
        yield server


@pytest.fixture
def own_admin_tab(browser: Any, own_server: LiveServer, axe_source: str) -> Iterator[Tab]:
    for tab in _tab(browser, own_server, axe_source):
        tab.log_in()
        yield tab


def test_paste_preview_save_and_fetch_now(own_admin_tab: Tab, own_server: LiveServer) -> None:
    admin_tab, live_server = own_admin_tab, own_server
    page = admin_tab.page
    admin_tab.go("/admin/sources")
    page.get_by_role("link", name="Lisää lähde osoitteesta").click()
    page.wait_for_url("**/admin/sources/new")
    admin_tab.check("admin-source-new")

    page.get_by_label("Sivun tai syötteen osoite").fill(LIST_URL)
    page.get_by_role("button", name="Näytä, mitä sivulta löytyy").click()
    page.wait_for_url("**/admin/sources/new/preview")
    preview = page.locator("#preview-items")
    for title in TITLES:
        assert title in preview.inner_text()
    assert page.locator("#preview-next").inner_text().endswith("/ajankohtaista?page=2")
    assert "feed.xml" in page.locator("#preview-feeds").inner_text()
    assert page.get_by_label("Uutinen", exact=True).input_value() == (
        "div.news-list > article.news-card"
    )
    admin_tab.check("admin-source-preview")

    page.get_by_label("Tunnus", exact=True).fill("kunta-uutiset")
    page.get_by_label("Julkaisijan nimi").fill("Esimerkkikunta")
    page.get_by_role("button", name="Tallenna lähde").click()
    page.wait_for_url(re.compile(r"/admin/sources\?done=added#source-kunta-uutiset"))
    assert "Lähde on lisätty." in page.get_by_role("status").first.inner_text()
    row = page.locator("#source-kunta-uutiset")
    assert "Esimerkkikunta" in row.inner_text() and "lisätty ylläpidossa" in row.inner_text()
    with session_scope(live_server.engine) as session:
        assert session.get(AddedSource, "kunta-uutiset") is not None
    admin_tab.check("admin-sources-added")

    row.get_by_role("button", name=re.compile("Hae nyt")).click()
    page.wait_for_url(re.compile(r"done=fetch-started"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with session_scope(live_server.engine) as session:
            state = SourceStore(session).all_states().get("kunta-uutiset")
            if state is not None and state.last_success_at is not None:
                break
        time.sleep(0.2)
    assert state is not None and state.items_last_run == 10, "fetch now did not finish"
    admin_tab.go("/admin/sources")
    row = page.locator("#source-kunta-uutiset")
    assert "OK" in row.inner_text() and "10" in row.inner_text()
