"""item.date_kind / date_origin / date_note / closed_when_seen: which date a story carries

A story is dated by its publisher ("published", with where the date was read) or, lacking a
publication date, by when it was first seen ("first_seen"); a grant call that had closed when
it was first seen is no news (aggregator.normalize.dating). Existing stories are sorted out
here: a date after the first sighting, and the grant portal's opening day (stored as the
publication date before), are no publication dates; their stories become first seen.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 12:40:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from aggregator.store.db import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOCK_SKEW = timedelta(hours=2)  # aggregator.normalize.dating.CLOCK_SKEW when this was written
PORTAL_NOTE = "the grant portal gives no publication date: its opening day is not one"


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: on SQLite a batch rebuild drops and recreates ``item``,
    # and with foreign keys on that deletes every row that cascades from it (sightings, keys,
    # tags, grant links).
    op.add_column(
        "item", sa.Column("date_kind", sa.String(16), nullable=False, server_default="first_seen")
    )
    op.add_column(
        "item", sa.Column("date_origin", sa.String(16), nullable=False, server_default="")
    )
    op.add_column("item", sa.Column("date_note", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "item",
        sa.Column("closed_when_seen", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    _sort_out_dates(op.get_bind())


def _sort_out_dates(bind: sa.engine.Connection) -> None:
    item = sa.table(
        "item",
        sa.column("id", sa.Integer),
        sa.column("published_at", UTCDateTime),
        sa.column("first_seen_at", UTCDateTime),
        sa.column("grant", sa.JSON),
        sa.column("date_kind", sa.String),
        sa.column("date_note", sa.Text),
        sa.column("published_has_time", sa.Boolean),
        sa.column("sort_at", UTCDateTime),
        sa.column("closed_when_seen", sa.Boolean),
    )
    rows = bind.execute(
        sa.select(item.c.id, item.c.published_at, item.c.first_seen_at, item.c.grant)
    )
    for item_id, published_raw, first_seen_raw, grant in list(rows):
        published, first_seen = published_raw, first_seen_raw
        if published is None or first_seen is None:
            continue
        note = ""
        if isinstance(grant, dict) and "publication_type" in grant:
            note = PORTAL_NOTE
        elif published > first_seen + CLOCK_SKEW:
            note = (
                f"date {published.isoformat()} is after the first sighting: not a publication date"
            )
        if note:
            bind.execute(
                sa.update(item)
                .where(item.c.id == item_id)
                .values(
                    published_at=None,
                    published_has_time=False,
                    date_kind="first_seen",
                    date_note=note,
                    sort_at=first_seen,
                )
            )
        else:
            bind.execute(
                sa.update(item)
                .where(item.c.id == item_id)
                .values(date_kind="published", sort_at=min(published, first_seen))
            )
    _mark_closed_calls(bind, item)


def _mark_closed_calls(bind: sa.engine.Connection, item: sa.TableClause) -> None:
    """Stories of calls whose deadline had passed when they were first seen."""
    link = sa.table("item_grant", sa.column("item_id"), sa.column("grant_call_id"))
    call = sa.table("grant_call", sa.column("id"), sa.column("closes_at", UTCDateTime))
    query = (
        sa.select(item.c.id, item.c.date_kind, item.c.sort_at, call.c.closes_at)
        .join(link, link.c.item_id == item.c.id)
        .join(call, call.c.id == link.c.grant_call_id)
        .where(call.c.closes_at.is_not(None), call.c.closes_at < item.c.first_seen_at)
    )
    for item_id, kind, sort_at, closes_at in list(bind.execute(query)):
        sort = min(closes_at, sort_at) if kind == "first_seen" else sort_at
        bind.execute(
            sa.update(item).where(item.c.id == item_id).values(closed_when_seen=True, sort_at=sort)
        )


def downgrade() -> None:
    for column in ("closed_when_seen", "date_note", "date_origin", "date_kind"):
        op.drop_column("item", column)
