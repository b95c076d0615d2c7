"""The subscribers overview (counts, never addresses) and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from aggregator.store import audit
from aggregator.store.admins import subscriber_counts
from aggregator.store.db import session_scope
from tests.web.seed import NOW, Seeded


def test_subscriber_counts_by_status_frequency_language_and_bounces(
    engine: Engine, seeded: Seeded
) -> None:
    with session_scope(engine) as session:
        counts = subscriber_counts(session)
    assert counts.total == 4
    assert counts.by_status == {"active": 2, "pending": 1, "unsubscribed": 1}
    assert counts.by_frequency == {"daily": 1, "weekly": 3}
    assert counts.by_language == {"en": 1, "fi": 2, "sv": 1}
    assert (counts.with_bounces, counts.bounces) == (1, 2)


def test_subscribers_page_shows_counts_and_no_address(
    admin_client: TestClient, seeded: Seeded
) -> None:
    page = admin_client.get("/admin/subscribers?lang=en").text
    assert "<dt>All subscribers</dt><dd>4</dd>" in page
    assert "<dt>Subscribers with bounced mail</dt><dd>1</dd>" in page
    assert '<th scope="row">waiting for confirmation</th><td class="num">1</td>' in page
    assert '<th scope="row">Swedish</th><td class="num">1</td>' in page
    assert "@example.org" not in page.replace("editor@example.org", "")


def test_audit_log_lists_changes_newest_first_and_pages(
    admin_client: TestClient, engine: Engine, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(engine) as session:
        for n in range(3):
            audit.record(
                session,
                actor="editor@example.org",
                action=f"test.action{n}",
                entity_type="source",
                entity_id="eusa-amif",
                before={"n": n},
                after={"n": n + 1, "text": "<b>x</b>"},
                at=NOW + timedelta(minutes=n),
            )
    page = admin_client.get("/admin/audit?lang=en").text
    assert page.index("test.action2") < page.index("test.action1") < page.index("test.action0")
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert '<a href="/admin/sources/eusa-amif/edit">source eusa-amif</a>' in page
    monkeypatch.setattr("aggregator.web.routes.admin.AUDIT_PAGE", 2)
    first = admin_client.get("/admin/audit?lang=en").text
    assert 'href="?page=2" rel="next"' in first and "test.action0" not in first
    second = admin_client.get("/admin/audit?page=2&lang=en").text
    assert "test.action0" in second and 'href="?page=1" rel="prev"' in second
