"""Upstream notes carry an action_required flag beside their kind.

'ACTION REQUIRED' appears inside notes of every kind, not only under 'Urgent Upgrade Notes'; the
flag keeps that without inventing a kind. SQLite adds the column in place (no batch mode, so the
search-index triggers stay).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "entry",
        sa.Column("action_required", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite >= 3.35 and PostgreSQL): batch mode would drop the FTS triggers.
    op.execute("ALTER TABLE entry DROP COLUMN action_required")
