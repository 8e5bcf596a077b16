"""Outbox rows say what they are (title) and how often the peer rate-limited them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN works on SQLite as it is (no batch copy), so the outbox's rows are untouched.
    # The digest's period or the finding, for `aksnews outbox`; rows queued before have none.
    op.add_column("outbox", sa.Column("title", sa.Text))
    # Rate-limited attempts: the peer took nothing, so they do not count toward giving up.
    op.add_column(
        "outbox", sa.Column("rate_limited", sa.Integer, nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("rate_limited")
        batch.drop_column("title")
