"""The last failed fetch of each source URL, for `aksnews status` and the freshness warning.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: a plain ADD COLUMN on both dialects, no table rebuild.
    op.add_column("source", sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("source", sa.Column("last_error", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source") as batch:
        batch.drop_column("last_error")
        batch.drop_column("failed_at")
