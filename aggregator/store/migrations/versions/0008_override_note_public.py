"""tag_override.note_public: an editor's note shown on the public story page when marked so

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 06:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tag_override") as batch:
        batch.add_column(
            sa.Column("note_public", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("tag_override") as batch:
        batch.drop_column("note_public")
