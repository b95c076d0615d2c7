"""Bad input through the whole pipeline: every case gives a clear error (or repaired items) on
that source's health, the pass goes on with the other sources, and nothing stored is lost."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from aggregator.health import RunStatus
from aggregator.store.db import session_scope
from aggregator.store.sources import SourceStore
from tests.pipeline.conftest import (
    CONFIG,
    MALFORMED,
    Harness,
    first_page_route,
    malformed_cases,
)


def healthy_for(source_id: str) -> str:
    """Another source run in the same pass, to show the pass goes on."""
    return "hyvaks-uutiset" if source_id == "keha-uutiset" else "keha-uutiset"


def _stored_before(harness: Harness, source_id: str) -> dict[str, Any]:
    first = harness.run([source_id, healthy_for(source_id)])
    assert all(r.status is RunStatus.OK for r in first.values())
    return harness.snapshot()


@pytest.mark.parametrize("case", malformed_cases(), ids=lambda c: c["file"])
def test_malformed_page_is_an_error_or_repaired_items_and_loses_nothing(
    harness: Harness, case: dict[str, Any]
) -> None:
    source_id = case["source"]
    before = _stored_before(harness, source_id)
    body = (MALFORMED / case["file"]).read_bytes()
    route = first_page_route(source_id, body=body, content_type=case["content_type"])
    reports = harness.run([source_id, healthy_for(source_id)], route)
    report = reports[source_id]
    assert reports[healthy_for(source_id)].status is RunStatus.OK
    after = harness.snapshot()
    if case["expect"] == "error":
        assert report.status is RunStatus.FAILED
        assert report.error_kind == "parse"
        assert case["error"].lower() in report.error_message.lower()
        assert after == before
        state = harness.state(source_id)
        assert state.consecutive_failures == 1
        assert state.last_error_kind == "parse"
    else:
        assert report.status is RunStatus.OK
        assert report.items_found >= case["min_items"]
        if "warning" in case:
            assert any(case["warning"].lower() in w.lower() for w in report.warnings)
        assert before["items"].keys() <= after["items"].keys()


HTTP_FAULTS: dict[str, tuple[dict[str, Any], str, str]] = {
    "404": ({"status": 404, "body": "not found"}, "http-status", "404"),
    "500": ({"status": 500, "body": "oops"}, "http-status", "500"),
    "503-retry-after": (
        {"status": 503, "body": "busy", "headers": {"Retry-After": "0"}},
        "http-status",
        "503",
    ),
    "timeout": ({"body": "late", "delay_seconds": 1.5}, "timeout", "timed out"),
    "slow-drip": ({"body": "x" * 40, "drip_seconds": 0.1}, "timeout", ""),
    "redirect-loop": ({"status": 302, "headers": {"Location": "{url}"}}, "redirects", "redirect"),
    "oversized": ({"size_bytes": 2_000_000, "content_type": "text/html"}, "too-large", ""),
}


@pytest.mark.parametrize("fault", sorted(HTTP_FAULTS))
def test_http_fault_is_recorded_on_the_source_and_the_pass_goes_on(
    harness: Harness, fault: str
) -> None:
    source_id = "kotoutuminen-uutiset"
    before = _stored_before(harness, source_id)
    answer, kind, words = HTTP_FAULTS[fault]
    if "Location" in answer.get("headers", {}):
        from tests.pipeline.conftest import sources_by_id

        answer = {**answer, "headers": {"Location": sources_by_id()[source_id].urls[0]}}
    if fault == "slow-drip":
        harness.settings_overrides["total_timeout"] = 1.0
    reports = harness.run(
        [source_id, healthy_for(source_id)], first_page_route(source_id, **answer)
    )
    report = reports[source_id]
    assert reports[healthy_for(source_id)].status is RunStatus.OK
    assert report.status is RunStatus.FAILED
    assert report.error_kind == kind, report.error_message
    assert words.lower() in report.error_message.lower()
    assert harness.snapshot() == before
    state = harness.state(source_id)
    assert state.last_error_kind == kind
    assert state.last_error_message == report.error_message
    assert state.consecutive_failures == 1
    assert state.last_success_at is not None  # from the earlier good pass


def test_a_source_recovers_on_the_next_good_pass(harness: Harness) -> None:
    source_id = "kotoutuminen-uutiset"
    harness.run([source_id], first_page_route(source_id, status=500, body="down"))
    assert harness.state(source_id).consecutive_failures == 1
    report = harness.run([source_id])[source_id]
    assert report.status is RunStatus.OK
    state = harness.state(source_id)
    assert state.consecutive_failures == 0
    assert state.last_error_kind == ""
    assert state.items_last_run > 0


def test_redesigned_list_is_read_without_its_stale_selectors_and_says_so(
    harness: Harness,
) -> None:
    from tests.conftest import SITES

    source_id = "kotoutuminen-uutiset"
    harness.run([source_id])
    before = harness.snapshot()
    redesigned = next((SITES / "kotoutuminen.fi").rglob("*redesign*.html"))
    report = harness.run(
        [source_id],
        first_page_route(
            source_id, body=redesigned.read_bytes(), content_type="text/html; charset=utf-8"
        ),
    )[source_id]
    assert report.status is RunStatus.OK
    assert report.used_fallback
    assert report.items_found == 20
    assert any(w.startswith("selectors stale, read without them") for w in report.warnings)
    state = harness.state(source_id)
    assert state.markup_changed
    assert state.used_fallback
    assert state.proposed_selectors["item"] == "ul.news-feed__list > li.news-feed__entry"
    assert state.proposed_selectors["title"] == "a.nf-card__link"
    assert before["items"].keys() <= harness.snapshot()["items"].keys()  # the same stories
    assert harness.snapshot()["items"].keys() == before["items"].keys()
    harness.run([source_id])  # the selectors match again: the flags clear
    state = harness.state(source_id)
    assert not state.used_fallback and not state.markup_changed
    assert not state.proposed_selectors


def test_list_that_used_to_yield_and_now_yields_nothing_is_flagged(harness: Harness) -> None:
    source_id = "hyvaks-uutiset"
    harness.run([source_id])
    empty_page = "<html><body><main><p>Ei uutisia.</p></main></body></html>"
    report = harness.run(
        [source_id], first_page_route(source_id, body=empty_page, content_type="text/html")
    )[source_id]
    assert report.status is RunStatus.FAILED
    assert report.error_kind == "parse"
    state = harness.state(source_id)
    assert state.markup_changed
    assert "no items" in state.last_error_message


def test_a_source_without_selectors_is_read_like_one_with_them(
    harness: Harness, tmp_path: Path
) -> None:
    """The same source configured without [source.selectors] stores the same stories."""
    source_id = "kotoutuminen-uutiset"
    with_selectors = harness.run([source_id])[source_id]
    configured = harness.snapshot()
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    sources = (config / "sources.toml").read_text(encoding="utf-8")
    block = sources[sources.index(f'id = "{source_id}"') :]
    selectors = block[block.index("[source.selectors]") : block.index("[source.article]")]
    (config / "sources.toml").write_text(sources.replace(selectors, "", 1), encoding="utf-8")
    harness.settings_overrides["config_dir"] = config
    with session_scope(harness.engine) as session:
        SourceStore(session).forget_validators(source_id)  # as an edited source does
    report = harness.run([source_id])[source_id]
    assert report.status is RunStatus.OK and not report.used_fallback
    assert report.items_found == with_selectors.items_found > 20  # both list pages
    assert report.pages_parsed == with_selectors.pages_parsed == 2
    assert harness.snapshot()["items"] == configured["items"]
    assert not harness.state(source_id).markup_changed
