"""The source-health dashboard: health shown, enable/disable, fetch now, edit; all audited."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from aggregator.demo.mirror import MirrorServer
from aggregator.health import Health
from aggregator.runtime import Runtime
from aggregator.store import audit
from aggregator.store.db import session_scope
from aggregator.store.models import ItemRow, Sighting, SourceRun
from aggregator.store.sources import SourceStore
from tests.web.conftest import Jobs, form_token
from tests.web.seed import NOW, Seeded, write_mirror_site


def post(client: TestClient, url: str, **data: str) -> httpx.Response:
    token = form_token(client, "/admin/sources")
    response: httpx.Response = client.post(url, data={"csrf_token": token, **data})
    return response


def test_dashboard_shows_health_errors_flags_and_weekly_counts(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    with session_scope(engine) as session:
        store = SourceStore(session)
        store.set_health(
            "hyvaks-uutiset",
            Health(
                last_success_at=NOW - timedelta(days=3),
                last_error_at=NOW - timedelta(hours=1),
                last_error_kind="http-status",
                last_error_message="HTTP 503 from https://www.hyvaks.fi/uutiset.xml",
                consecutive_failures=3,
                markup_changed=True,
                next_due_at=NOW + timedelta(hours=4),
            ),
        )
        store.set_health("eusa-amif", Health(last_success_at=NOW, items_last_run=7))
        session.add(
            SourceRun(
                source_id="eusa-amif",
                started_at=NOW - timedelta(days=1),
                finished_at=NOW - timedelta(days=1),
                status="ok",
                items_new=4,
            )
        )
    page = admin_client.get("/admin/sources?lang=en").text
    hyvaks = page[page.index('id="source-hyvaks-uutiset"') :]
    hyvaks = hyvaks[: hyvaks.index("</tr>")]
    assert "Failing (3 times)" in hyvaks
    assert "markup changed?" in hyvaks
    assert "HTTP 503 from https://www.hyvaks.fi/uutiset.xml" in hyvaks
    assert "17.11.2026" not in hyvaks and "17 Nov 2026" in hyvaks  # English dates
    assert "20 Nov 2026 16:00" in hyvaks  # next run, Helsinki time
    eusa = page[page.index('id="source-eusa-amif"') :]
    eusa = eusa[: eusa.index("</tr>")]
    assert ">OK<" in eusa and '<td class="num">4</td>' in eusa and "last run: 7 items" in eusa


def test_disable_and_enable_switch_the_source_and_are_audited(
    admin_client: TestClient, runtime: Runtime, engine: Engine, seeded: Seeded
) -> None:
    response = post(admin_client, "/admin/sources/hyvaks-uutiset/disable")
    assert response.status_code == 303
    assert not runtime.source("hyvaks-uutiset").enabled
    page = admin_client.get("/admin/sources?done=disabled&lang=en").text
    assert "The source is disabled" in page
    row = page[page.index('id="source-hyvaks-uutiset"') :]
    assert ">Disabled<" in row[: row.index("</tr>")]
    post(admin_client, "/admin/sources/hyvaks-uutiset/enable")
    assert runtime.source("hyvaks-uutiset").enabled
    with session_scope(engine) as session:
        actions = [(e.action, e.actor, e.after) for e in audit.recent(session)]
    assert actions[:2] == [
        ("source.enable", "editor@example.org", {"enabled": True}),
        ("source.disable", "editor@example.org", {"enabled": False}),
    ]


def test_unknown_source_is_404(admin_client: TestClient, seeded: Seeded) -> None:
    assert post(admin_client, "/admin/sources/nope/disable").status_code == 404
    assert admin_client.get("/admin/sources/nope/edit").status_code == 404


def test_fetch_now_returns_at_once_and_runs_the_source_in_the_background(
    admin_client: TestClient,
    runtime: Runtime,
    engine: Engine,
    jobs: Jobs,
    seeded: Seeded,
    tmp_path: Path,
) -> None:
    response = post(admin_client, "/admin/sources/test-feed/fetch")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/sources?done=fetch-started#source-test-feed"
    assert [name for name, _ in jobs.started] == ["fetch-test-feed"]
    with session_scope(engine) as session:
        assert SourceStore(session).all_states().get("test-feed") is None  # nothing ran yet
    with MirrorServer(write_mirror_site(tmp_path / "sites")) as mirror:
        runtime.settings = runtime.settings.model_copy(
            update={"mirror_url": mirror.url, "host_delay": 0.0, "retries": 0}
        )
        jobs.started[0][1]()  # what the background thread runs
    with session_scope(engine) as session:
        state = SourceStore(session).state("test-feed")
        stored = session.exec(
            select(ItemRow)
            .join(Sighting, col(Sighting.item_id) == col(ItemRow.id))
            .where(Sighting.source_id == "test-feed")
        ).all()
    assert state.last_success_at == NOW and state.items_last_run == 1
    assert [row.title for row in stored] == ["Uusi kuntapaikkakorvaus tulee voimaan"]


def test_a_failing_background_fetch_is_recorded_on_the_health_row(
    admin_client: TestClient, runtime: Runtime, engine: Engine, jobs: Jobs, seeded: Seeded
) -> None:
    post(admin_client, "/admin/sources/test-feed/fetch")
    runtime.settings = runtime.settings.model_copy(
        update={"mirror_url": "http://127.0.0.1:9", "retries": 0, "connect_timeout": 0.5}
    )
    jobs.started[0][1]()
    with session_scope(engine) as session:
        state = SourceStore(session).state("test-feed")
    assert state.consecutive_failures == 1 and state.last_error_kind


def test_edit_stores_only_changed_fields_and_forgets_validators(
    admin_client: TestClient, runtime: Runtime, engine: Engine, seeded: Seeded
) -> None:
    with session_scope(engine) as session:
        SourceStore(session).save_validators(
            "eusa-amif", "https://eusa-rahastot2021.fi/feed.xml", '"abc"', None, NOW
        )
    form = admin_client.get("/admin/sources/eusa-amif/edit").text
    assert 'value="Sisäministeriö: EU:n sisäasioiden rahastot"' in form
    response = post(
        admin_client,
        "/admin/sources/eusa-amif/edit",
        publisher="Sisäministeriö: EU:n sisäasioiden rahastot",
        urls="https://eusa-rahastot2021.fi/feed.xml\nhttps://eusa-rahastot2021.fi/ajankohtaista.xml",
        interval_minutes="120",
        max_pages="1",
    )
    assert response.status_code == 303
    source = runtime.source("eusa-amif")
    assert source.urls[1] == "https://eusa-rahastot2021.fi/ajankohtaista.xml"
    assert source.interval_minutes == 120
    with session_scope(engine) as session:
        store = SourceStore(session)
        assert store.state("eusa-amif").overrides == {
            "urls": [
                "https://eusa-rahastot2021.fi/feed.xml",
                "https://eusa-rahastot2021.fi/ajankohtaista.xml",
            ],
            "interval_minutes": 120,
        }
        assert store.validators("eusa-amif", "https://eusa-rahastot2021.fi/feed.xml") is None
        entry = audit.recent(session)[0]
    assert entry.action == "source.edit" and entry.before == {}
    assert entry.after is not None and entry.after["interval_minutes"] == 120
    page = admin_client.get("/admin/sources?lang=en").text
    row = page[page.index('id="source-eusa-amif"') :]
    assert ">edited<" in row[: row.index("</tr>")]


def test_edit_errors_are_shown_next_to_each_field(
    admin_client: TestClient, runtime: Runtime, seeded: Seeded
) -> None:
    response = post(
        admin_client,
        "/admin/sources/eusa-amif/edit?lang=en",
        publisher=" ",
        urls="ftp://example.org/feed\nnot a url",
        interval_minutes="1",
        max_pages="many",
    )
    assert response.status_code == 422
    page = response.text
    assert '<p class="field-error" id="publisher-error">This field is required.</p>' in page
    assert "Each line must be a full http:// or https:// address." in page
    assert "The number is outside the allowed range." in page
    assert "Write a whole number." in page
    assert 'aria-describedby="urls-hint urls-error" aria-invalid="true"' in page
    assert runtime.source("eusa-amif") == replace(runtime.configured_sources[2])


def test_dashboard_shows_the_schedulers_next_runs_last_results_and_digest_jobs(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    from aggregator.store.models import JobState

    with session_scope(engine) as session:
        session.add(
            JobState(
                job_id="source:eusa-amif",
                next_run_at=NOW + timedelta(minutes=42),
                last_run_at=NOW - timedelta(minutes=18),
                last_result="ok",
            )
        )
        session.add(JobState(job_id="source:keha-uutiset", running=True, last_result="ok"))
        session.add(
            JobState(
                job_id="digest:daily",
                next_run_at=NOW + timedelta(hours=20),
                last_run_at=NOW - timedelta(hours=4),
                last_result="failed",
                last_error="SMTP 421 try later",
            )
        )
    page = admin_client.get("/admin/sources?lang=en").text
    eusa = page[page.index('id="source-eusa-amif"') :]
    eusa = eusa[: eusa.index("</tr>")]
    assert "20 Nov 2026 12:42" in eusa  # NOW (10:00 UTC) + 42 min, shown in Helsinki time
    assert "scheduler's last run 20 Nov 2026 11:42: ok" in eusa
    digests = page[page.index("Digest jobs") :]
    assert "Daily digest" in digests
    assert "SMTP 421 try later" in digests
    finnish = admin_client.get("/admin/sources?lang=fi").text
    assert "Uutiskirjeiden ajot" in finnish


def test_dashboard_lists_the_failing_links_of_a_source(
    admin_client: TestClient, engine: Engine, seeded: Seeded
) -> None:
    """A partial failure names its URLs for the admin, with the error and the next try."""
    with session_scope(engine) as session:
        store = SourceStore(session)
        for url in ("https://www.hyvaks.fi/badredir", "https://www.hyvaks.fi/rikki"):
            store.record_url_failure(
                "hyvaks-uutiset",
                url,
                ("fetch", f"redirect to an invalid Location ({url})"),
                NOW,
                lambda count: timedelta(hours=count),
            )

    page = admin_client.get("/admin/sources?lang=en")

    assert page.status_code == 200
    row = page.text.split('id="source-hyvaks-uutiset"', 1)[1].split("</tr>", 1)[0]
    assert "2 links failing" in row
    assert "https://www.hyvaks.fi/badredir" in row
    assert "https://www.hyvaks.fi/rikki" in row
    assert "redirect to an invalid Location" in row
    assert "2 linkkiä epäonnistuu" in admin_client.get("/admin/sources?lang=fi").text


def test_dashboard_marks_sources_whose_address_nobody_verified(
    admin_client: TestClient, seeded: Seeded
) -> None:
    def row(page: str, source_id: str) -> str:
        start = page[page.index(f'id="source-{source_id}"') :]
        return start[: start.index("</tr>")]

    finnish = admin_client.get("/admin/sources").text
    assert "osoitetta ei ole varmistettu" in row(finnish, "hyvaks-uutiset")
    assert "Inferred from article URLs; the list was not seen." in row(finnish, "hyvaks-uutiset")
    assert "osoitetta ei ole varmistettu" not in row(finnish, "kotoutuminen-uutiset")
    swedish = admin_client.get("/admin/sources?lang=sv").text
    assert "adressen är inte bekräftad" in row(swedish, "hyvaks-uutiset")
    english = admin_client.get("/admin/sources?lang=en").text
    assert "address not verified" in row(english, "test-feed")


def test_a_disabled_source_leaves_forms_filters_and_opml_at_once(
    admin_client: TestClient, client: TestClient, seeded: Seeded
) -> None:
    def offered() -> dict[str, bool]:
        home = client.get("/").text
        filter_block = home[home.index('<select id="source"') :]
        filter_block = filter_block[: filter_block.index("</select>")]
        return {
            "filter": 'value="hyvaks-uutiset"' in filter_block,
            "subscribe": 'value="hyvaks-uutiset"' in client.get("/subscribe").text,
            "feeds page": "/feeds/source/hyvaks-uutiset." in client.get("/feeds").text,
            "opml": "/feeds/source/hyvaks-uutiset." in client.get("/feeds/index.opml").text,
        }

    def settled(expected: bool) -> dict[str, bool]:
        """What is offered once the feed cache has read the new content version (<= 1 s)."""
        deadline = time.monotonic() + 5
        while (seen := offered()) != dict.fromkeys(seen, expected) and time.monotonic() < deadline:
            time.sleep(0.2)
        return seen

    assert offered() == dict.fromkeys(("filter", "subscribe", "feeds page", "opml"), True)
    post(admin_client, "/admin/sources/hyvaks-uutiset/disable")
    immediately = offered()
    assert not (immediately["filter"] or immediately["subscribe"] or immediately["feeds page"])
    assert settled(False) == dict.fromkeys(("filter", "subscribe", "feeds page", "opml"), False)
    post(admin_client, "/admin/sources/hyvaks-uutiset/enable")
    assert all(settled(True).values())
