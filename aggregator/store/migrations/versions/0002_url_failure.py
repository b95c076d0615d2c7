"""url_failure: pages of a source that failed, retried with backoff

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import aggregator.store.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "url_failure",
        sa.Column("source_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "first_failed_at", aggregator.store.db.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_failed_at", aggregator.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retry_at", aggregator.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("error_kind", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "url"),
    )


def downgrade() -> None:
    op.drop_table("url_failure")
