"""Migration 0012 sorts out the dates of stories stored before it, on both databases: a date
after the first sighting and the grant portal's opening day become first seen, the rest stay
published, and a call that had closed when first seen is marked and sorted at its deadline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from aggregator.store.db import make_engine, upgrade
from aggregator.store.models import GrantCallRow, ItemGrantLink, ItemRow

SEEN = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
ITEM_COLUMNS = (
    "id", "title", "language", "url", "primary_source_id", "primary_url_key", "published_at",
    "published_has_time", "first_seen_at", "updated_at", "sort_at", "content_hash", "grant",
    "summary", "body_text", "body_html", "kind", "publisher", "guid", "edits",
)  # fmt: skip


def _table(model: Any, names: tuple[str, ...]) -> sa.TableClause:
    """The table with only the named columns (those of the schema before 0012)."""
    columns = model.__table__.c
    return sa.table(model.__tablename__, *[sa.column(n, columns[n].type) for n in names])


def _story(
    item_id: int, published: datetime | None, grant: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "id": item_id, "title": f"Story {item_id}", "language": "fi",
        "url": f"https://example.test/{item_id}", "primary_source_id": "test",
        "primary_url_key": f"url:example.test/{item_id}", "published_at": published,
        "published_has_time": published is not None, "first_seen_at": SEEN, "updated_at": SEEN,
        "sort_at": min(published, SEEN) if published else SEEN, "content_hash": str(item_id),
        "grant": grant, "summary": "", "body_text": "", "body_html": "", "kind": "",
        "publisher": "", "guid": "", "edits": 0,
    }  # fmt: skip


def test_stored_dates_are_sorted_out(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    past = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    opening = datetime(2027, 1, 11, 6, 0, tzinfo=UTC)
    deadline = datetime(2023, 10, 31, 14, 15, tzinfo=UTC)
    try:
        upgrade(engine, "0011")
        with engine.begin() as connection:
            connection.execute(
                _table(ItemRow, ITEM_COLUMNS).insert(),
                [
                    _story(1, past),
                    _story(2, opening),  # dated in the future of its sighting
                    _story(3, datetime(2026, 12, 1, 6, 0, tzinfo=UTC), {"publication_type": ""}),
                    _story(4, None),  # a closed call page without a date
                    _story(5, datetime(2023, 9, 7, 7, 0, tzinfo=UTC)),  # its news, dated
                ],
            )
            call = GrantCallRow(
                id=1, call_key="amif-2023", title="AMIF", closes_at=deadline, first_seen_at=SEEN,
                updated_at=SEEN,
            )  # fmt: skip
            names = ("id", "call_key", "title", "url", "language", "opens_has_time",
                     "closes_at", "closes_has_time", "eligible", "rolling", "evidence",
                     "first_seen_at", "updated_at")  # fmt: skip
            connection.execute(
                _table(GrantCallRow, names).insert().values({n: getattr(call, n) for n in names})
            )
            link = _table(ItemGrantLink, ("item_id", "grant_call_id"))
            connection.execute(link.insert(), [{"item_id": 4, "grant_call_id": 1}])
            connection.execute(link.insert(), [{"item_id": 5, "grant_call_id": 1}])
        upgrade(engine)
        with engine.connect() as connection:
            columns = (
                "id",
                "date_kind",
                "published_at",
                "sort_at",
                "closed_when_seen",
                "date_note",
            )
            rows = connection.execute(
                sa.select(*[ItemRow.__table__.c[n] for n in columns]).order_by(sa.text("id"))  # type: ignore[attr-defined]
            )
            found = {row[0]: row[1:] for row in rows}
    finally:
        engine.dispose()
    assert found[1][:4] == ("published", past, past, False)
    assert found[2][:4] == ("first_seen", None, SEEN, False)
    assert "after the first sighting" in found[2][4]
    assert found[3][:4] == ("first_seen", None, SEEN, False)
    assert "grant portal" in found[3][4]
    assert found[4][:4] == ("first_seen", None, deadline, True)
    assert found[5][:4] == (
        "published",
        datetime(2023, 9, 7, 7, 0, tzinfo=UTC),
        datetime(2023, 9, 7, 7, 0, tzinfo=UTC),
        True,
    )
