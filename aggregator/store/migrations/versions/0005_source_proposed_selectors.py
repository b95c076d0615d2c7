"""source_state.proposed_selectors: the selectors the list reader would configure

When a source's configured selectors match nothing and the selector-free reader reads the list
instead ("selectors stale, read without them"), the health keeps the selectors it proposes.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("source_state") as batch:
        batch.add_column(sa.Column("proposed_selectors", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_state") as batch:
        batch.drop_column("proposed_selectors")
