"""A list page served again with the same bytes and no validators (a plain 200) is recognised by
its hash and not parsed again; other bytes are parsed as usual. Real fetcher, mirror and DB."""

from __future__ import annotations

from sqlmodel import select

from aggregator.demo.mirror.manifest import Route
from aggregator.health import RunStatus
from aggregator.pipeline import body_hash
from aggregator.store.db import session_scope
from aggregator.store.models import HttpValidator, SourceRun
from tests.conftest import SITES
from tests.pipeline.conftest import Harness, first_page_route

SOURCE = "valtioneuvosto-tem"
FEED = SITES / "valtioneuvosto.fi" / "feeds" / "all-ministries-en.rss.xml"
NO_VALIDATORS = {"ETag": "", "Last-Modified": ""}


def _served(body: bytes) -> dict[str, list[Route]]:
    return first_page_route(
        SOURCE, body=body, content_type="application/rss+xml", headers=NO_VALIDATORS
    )


def test_same_bytes_without_validators_are_not_parsed_again(harness: Harness) -> None:
    body = FEED.read_bytes()
    first = harness.run([SOURCE], _served(body))[SOURCE]
    assert first.status is RunStatus.OK and first.items_new > 0
    with session_scope(harness.engine) as session:
        row = session.exec(select(HttpValidator).where(HttpValidator.source_id == SOURCE)).one()
        assert (row.etag, row.last_modified) == (None, None)
        assert row.content_hash == body_hash(body)
    stored = harness.snapshot()

    again = harness.run([SOURCE], _served(body))[SOURCE]
    requests = [r for r in harness.last_requests if not r.path_and_query.endswith("robots.txt")]
    assert [(r.status, r.if_none_match, r.if_modified_since) for r in requests] == [
        (200, None, None)
    ]
    assert again.status is RunStatus.OK
    assert (again.pages_fetched, again.pages_not_modified, again.pages_parsed) == (1, 1, 0)
    assert (again.items_found, again.items_new, again.items_updated) == (0, 0, 0)
    assert harness.snapshot() == stored
    with session_scope(harness.engine) as session:
        runs = session.exec(select(SourceRun).where(SourceRun.source_id == SOURCE)).all()
        assert [run.pages_not_modified for run in runs] == [0, 1]


def test_other_bytes_are_parsed_and_their_hash_kept(harness: Harness) -> None:
    body = FEED.read_bytes()
    harness.run([SOURCE], _served(body))
    changed = body.replace(b"</channel>", b"<!-- edited --></channel>", 1)
    assert changed != body
    report = harness.run([SOURCE], _served(changed))[SOURCE]
    assert report.pages_parsed == 1 and report.pages_not_modified == 0
    assert report.items_found > 0 and report.items_new == 0
    with session_scope(harness.engine) as session:
        row = session.exec(select(HttpValidator).where(HttpValidator.source_id == SOURCE)).one()
        assert row.content_hash == body_hash(changed)
