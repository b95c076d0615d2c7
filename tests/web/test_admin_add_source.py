"""Admin: add a source from a URL. Paste, preview what the reader found, adjust, save (audited),
fetch now; the source lives in the database beside sources.toml and exports as TOML."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from aggregator.cli import main
from aggregator.demo.mirror import MirrorServer
from aggregator.runtime import Runtime
from aggregator.sources.registry import load_sources
from aggregator.store import audit
from aggregator.store.db import session_scope
from aggregator.store.models import AddedSource, ItemRow, Sighting
from aggregator.store.sources import SourceStore
from tests.web.conftest import Jobs, form_token
from tests.web.list_site import FEED_URL, HOST, LIST_URL, TITLES, write_list_site
from tests.web.seed import NOW, Seeded

NEW = "/admin/sources/new"
VALUE = re.compile(r'<input type="(?:text|hidden|number)" id="(\w+)" name="\w+" value="([^"]*)"')


@pytest.fixture
def mirror(runtime: Runtime, tmp_path: Path) -> Iterator[MirrorServer]:
    with MirrorServer(write_list_site(tmp_path / "sites")) as server:
        runtime.settings = runtime.settings.model_copy(
            update={"mirror_url": server.url, "host_delay": 0.0, "retries": 0}
        )
        yield server


def post(client: TestClient, url: str, data: dict[str, str]) -> httpx.Response:
    response: httpx.Response = client.post(
        url, data={"csrf_token": form_token(client, NEW), **data}
    )
    return response


def proposal(page: str) -> dict[str, str]:
    """The save form's fields as the preview filled them in."""
    save_form = page[page.index('action="/admin/sources/new" ') :]
    fields = dict(VALUE.findall(save_form))
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', save_form)
    fields.update({name: value for name, value in hidden if name != "csrf_token"})
    return fields


def test_paste_preview_save_fetch_now(
    admin_client: TestClient,
    runtime: Runtime,
    engine: Engine,
    jobs: Jobs,
    mirror: MirrorServer,
    seeded: Seeded,
) -> None:
    form_page = admin_client.get(NEW).text
    assert "Lisää lähde osoitteesta" in form_page and 'name="csrf_token"' in form_page
    preview = post(admin_client, f"{NEW}/preview", {"url": LIST_URL})
    assert preview.status_code == 200, preview.text
    page = preview.text
    assert all(title in page for title in TITLES)  # the items preview
    assert "2026-11-09" in page
    assert f"https://{HOST}/ajankohtaista?page=2" in page  # the next page
    assert FEED_URL in page and "Esikatsele tätä syötettä" in page  # feeds on offer
    fields = proposal(page)
    assert fields["sel_item"] == "div.news-list &gt; article.news-card"
    assert fields["sel_title"] == "h2.news-card__title a" and fields["kind"] == "html"
    assert (fields["id"], fields["language"], fields["max_pages"]) == (
        "uutiset-ajankohtaista", "fi", "2"
    )  # fmt: skip

    adjusted = {
        **{k: v.replace("&gt;", ">") for k, v in fields.items()},
        "id": "kunta-ajankohtaista",
        "publisher": "Esimerkkikunta",
    }
    saved = post(admin_client, NEW, adjusted)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/admin/sources?done=added#source-kunta-ajankohtaista"

    with session_scope(engine) as session:
        row = session.get(AddedSource, "kunta-ajankohtaista")
        assert row is not None and row.from_url == LIST_URL
        assert row.definition["selectors"]["item"] == "div.news-list > article.news-card"
        entry = audit.recent(session, limit=1)[0]
    assert (entry.action, entry.entity_id) == ("source.add", "kunta-ajankohtaista")
    source = runtime.source("kunta-ajankohtaista")
    assert source.publisher == "Esimerkkikunta" and source.verified and source.max_pages == 2
    dashboard = admin_client.get("/admin/sources?done=added").text
    assert "Lähde on lisätty." in dashboard and "lisätty ylläpidossa" in dashboard
    assert 'action="/admin/sources/kunta-ajankohtaista/fetch"' in dashboard

    fetched = post(admin_client, "/admin/sources/kunta-ajankohtaista/fetch", {})
    assert fetched.status_code == 303
    assert [name for name, _ in jobs.started] == ["fetch-kunta-ajankohtaista"]
    jobs.started[0][1]()
    with session_scope(engine) as session:
        state = SourceStore(session).state("kunta-ajankohtaista")
        stored = session.exec(
            select(ItemRow.title)
            .join(Sighting, col(Sighting.item_id) == col(ItemRow.id))
            .where(Sighting.source_id == "kunta-ajankohtaista")
        ).all()
    assert state.last_success_at == NOW and state.items_last_run == 10  # two pages of five
    assert set(stored) == set(TITLES)


def test_a_feed_url_is_previewed_as_a_feed(
    admin_client: TestClient, mirror: MirrorServer, seeded: Seeded
) -> None:
    page = post(admin_client, f"{NEW}/preview", {"url": FEED_URL}).text
    assert "Osoite on syöte." in page and TITLES[0] in page
    fields = proposal(page)
    assert fields["kind"] == "feed" and fields["url"] == FEED_URL
    assert "sel_item" not in fields


def test_the_id_of_an_existing_source_is_refused(
    admin_client: TestClient, mirror: MirrorServer, seeded: Seeded, engine: Engine
) -> None:
    fields = proposal(post(admin_client, f"{NEW}/preview", {"url": LIST_URL}).text)
    fields = {k: v.replace("&gt;", ">") for k, v in fields.items()}
    taken = post(admin_client, NEW, {**fields, "id": "test-feed"})
    assert taken.status_code == 422
    assert "Tällä tunnuksella on jo lähde" in taken.text
    invalid = post(admin_client, NEW, {**fields, "language": "suomi"})
    assert invalid.status_code == 422 and "Lähde ei läpäise tarkistuksia" in invalid.text
    assert "language" in invalid.text
    with session_scope(engine) as session:
        assert session.exec(select(AddedSource)).all() == []


def test_a_url_that_cannot_be_fetched_says_why(
    admin_client: TestClient, mirror: MirrorServer, seeded: Seeded
) -> None:
    missing = post(admin_client, f"{NEW}/preview", {"url": f"https://{HOST}/ei-ole"})
    assert missing.status_code == 422 and "Sivua ei voitu hakea" in missing.text
    assert "404" in missing.text
    bad = post(admin_client, f"{NEW}/preview", {"url": "ftp://x"})
    assert bad.status_code == 422 and "Kirjoita koko http://- tai https://-osoite." in bad.text


def test_forms_need_the_csrf_token_and_a_login(
    admin_client: TestClient, client: TestClient, seeded: Seeded
) -> None:
    refused = admin_client.post(f"{NEW}/preview", data={"url": LIST_URL})
    assert refused.status_code == 403
    admin_client.cookies.clear()
    assert client.get(NEW).status_code in (302, 303)


def test_added_sources_export_as_toml_the_registry_reads(
    admin_client: TestClient,
    mirror: MirrorServer,
    seeded: Seeded,
    tmp_path: Path,
    database_url: str,
    config_dir: Path,
) -> None:
    empty = admin_client.get("/admin/sources/export.toml")
    assert empty.status_code == 200 and empty.text.startswith("# no sources")
    fields = proposal(post(admin_client, f"{NEW}/preview", {"url": LIST_URL}).text)
    post(admin_client, NEW, {k: v.replace("&gt;", ">") for k, v in fields.items()})
    exported = admin_client.get("/admin/sources/export.toml")
    assert exported.headers["content-type"].startswith("application/toml")
    assert "attachment" in exported.headers["content-disposition"]
    toml = tmp_path / "exported.toml"
    toml.write_text(exported.text, "utf-8")
    (source,) = load_sources(toml)
    assert source.id == "uutiset-ajankohtaista" and source.urls == (LIST_URL,)
    assert source.selectors is not None and source.selectors.title == "h2.news-card__title a"
    cli = CliRunner().invoke(
        main,
        ["sources", "export"],
        env={"DATABASE_URL": database_url, "AGGREGATOR_CONFIG_DIR": str(config_dir)},
    )
    assert cli.exit_code == 0, cli.output
    assert cli.output == exported.text
