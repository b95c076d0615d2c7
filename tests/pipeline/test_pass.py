"""A crawl pass end to end: real fetcher, robots.txt, conditional GET and pagination against the
mirror of the recorded sites, into the real database."""

from __future__ import annotations

from sqlmodel import select

from aggregator.demo.mirror.manifest import Route
from aggregator.health import RunStatus
from aggregator.store.db import session_scope
from aggregator.store.models import GrantCallRow, ItemRow, Sighting, SourceRun
from tests.conftest import SITES
from tests.pipeline.conftest import Harness, sources_by_id


def test_full_pass_stores_every_kind_and_the_second_pass_is_answered_with_304(
    harness: Harness,
) -> None:
    first = harness.run()
    assert set(first) == set(sources_by_id())
    assert all(r.status is RunStatus.OK for r in first.values()), {
        k: r.error_message for k, r in first.items() if r.status is not RunStatus.OK
    }
    kinds = {sources_by_id()[sid].kind for sid, r in first.items() if r.items_new}
    assert kinds == {"feed", "html", "json"}
    # every source with an address yields items (a newsroom whose id is unknown has none yet)
    assert all(r.items_found > 0 for sid, r in first.items() if sources_by_id()[sid].urls)
    assert any(r.pages_fetched >= 2 for r in first.values())  # pagination followed
    stored = harness.snapshot()

    second = harness.run()
    assert sum(r.items_new + r.items_updated for r in second.values()) == 0
    assert all(r.pages_not_modified == r.pages_fetched for r in second.values())
    list_requests = [
        r for r in harness.last_requests if not r.path_and_query.endswith("robots.txt")
    ]
    assert list_requests
    assert all(r.status == 304 and r.if_none_match for r in list_requests)
    assert harness.snapshot() == stored


def test_robots_txt_is_read_and_obeyed(harness: Harness) -> None:
    host = "kotoutuminen.fi"
    disallow_all = {host: [Route(path="/robots.txt", body="User-agent: *\nDisallow: /\n")]}
    report = harness.run(["kotoutuminen-uutiset"], disallow_all)["kotoutuminen-uutiset"]
    assert report.status is RunStatus.FAILED
    assert report.error_kind == "robots"
    assert [r.path_and_query for r in harness.last_requests] == ["/robots.txt"]


def test_story_in_main_list_and_authorities_list_is_one_item_with_two_sightings(
    harness: Harness,
) -> None:
    reports = harness.run(["kotoutuminen-uutiset", "kotoutuminen-viranomaiset"])
    assert reports["kotoutuminen-viranomaiset"].items_found == 10
    assert reports["kotoutuminen-viranomaiset"].items_new == 0  # all already in the main list
    with session_scope(harness.engine) as session:
        shared = session.exec(
            select(Sighting.item_id).where(Sighting.source_id == "kotoutuminen-viranomaiset")
        ).all()
        carriers = {
            item_id: {
                s.source_id
                for s in session.exec(select(Sighting).where(Sighting.item_id == item_id))
            }
            for item_id in shared
        }
        tracked = session.exec(select(Sighting).where(Sighting.url.contains("utm_"))).all()  # type: ignore[attr-defined]
    assert len(shared) == 10
    assert all(
        c == {"kotoutuminen-uutiset", "kotoutuminen-viranomaiset"} for c in carriers.values()
    )
    assert tracked == []  # the tracking parameter of one link was dropped


def test_tem_release_republished_in_the_government_feed_is_one_item(harness: Harness) -> None:
    harness.run(["tem-tiedotteet", "valtioneuvosto-tem"])
    slug = "government-proposes-changes-to-the-funding-of-integration-training"
    items = harness.items_with_url(slug)
    assert len(items) == 1
    with session_scope(harness.engine) as session:
        sources = {
            s.source_id
            for s in session.exec(select(Sighting).where(Sighting.item_id == items[0].id))
        }
    assert sources == {"tem-tiedotteet", "valtioneuvosto-tem"}


def test_story_edited_at_its_source_is_updated_not_duplicated(harness: Harness) -> None:
    source = sources_by_id()["keha-uutiset"]
    harness.run([source.id])
    with session_scope(harness.engine) as session:
        before = {r.id: r.title for r in session.exec(select(ItemRow))}
    page = (SITES / "www.keha-keskus.fi/web/guest/uutiset/page-1.html").read_text(encoding="utf-8")
    old_title = next(t for t in before.values() if t in page)
    edited = page.replace(old_title, old_title + " (päivitetty)")
    path = source.urls[0].split("keha-keskus.fi", 1)[1]
    report = harness.run(
        [source.id],
        {
            "www.keha-keskus.fi": [
                Route(path=path, body=edited, content_type="text/html; charset=utf-8")
            ]
        },
    )[source.id]
    assert report.items_updated == 1
    assert report.items_new == 0
    with session_scope(harness.engine) as session:
        after = {r.id: (r.title, r.edits) for r in session.exec(select(ItemRow))}
    assert after.keys() == before.keys()
    changed = [item_id for item_id, (title, _) in after.items() if title != before[item_id]]
    assert len(changed) == 1
    assert after[changed[0]] == (old_title + " (päivitetty)", 1)


def test_open_grant_calls_come_from_at_least_three_sources(harness: Harness) -> None:
    harness.run()
    with session_scope(harness.engine) as session:
        calls = session.exec(select(GrantCallRow)).all()
        carriers = {
            s.source_id
            for call in calls
            for s in session.exec(select(Sighting).where(Sighting.item_id == call.first_item_id))
        }
    assert {"eusa-amif", "haeavustuksia", "elinvoimakeskus-uutiset"} <= carriers


def test_crash_inside_the_store_transaction_stores_nothing_and_next_pass_recovers(
    harness: Harness,
) -> None:
    def crash_while_storing_sightings(_cursor: object, statement: str, _params: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO SIGHTING"):
            raise RuntimeError("simulated crash while storing")

    harness.statement_hook = crash_while_storing_sightings  # after the stories' INSERT
    report = harness.run(["kotoutuminen-uutiset"])["kotoutuminen-uutiset"]
    assert report.status is RunStatus.FAILED
    assert "simulated crash" in report.error_message
    assert harness.snapshot()["items"] == {}
    harness.statement_hook = None
    retry = harness.run(["kotoutuminen-uutiset"])["kotoutuminen-uutiset"]
    assert retry.status is RunStatus.OK
    assert retry.pages_not_modified == 0  # validators were not saved by the failed pass
    assert retry.items_new == retry.items_found > 20


def test_runs_and_health_are_recorded(harness: Harness) -> None:
    harness.run(["hyvaks-uutiset"])
    state = harness.state("hyvaks-uutiset")
    assert state.last_success_at is not None
    assert state.items_last_run > 0
    assert state.consecutive_failures == 0
    assert state.next_due_at is not None
    with session_scope(harness.engine) as session:
        runs = session.exec(select(SourceRun)).all()
    assert [r.status for r in runs] == ["ok"]
