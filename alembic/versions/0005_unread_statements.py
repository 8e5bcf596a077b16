"""Statements the AKS parser could not read, and the breaking flag of entries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch mode): SQLite's full-text triggers on entry stay in place.
    op.add_column(
        "entry",
        sa.Column("breaking", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "unread_statement",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "release_id",
            sa.Integer,
            sa.ForeignKey("release.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "entry_id", sa.Integer, sa.ForeignKey("entry.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("expected", sa.String(40), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_unread_statement_release_id", "unread_statement", ["release_id"])


def downgrade() -> None:
    op.drop_index("ix_unread_statement_release_id", "unread_statement")
    op.drop_table("unread_statement")
    # SQLite drops a column by copying the table, which would drop the search triggers.
    with op.batch_alter_table("entry", recreate="never") as batch:
        batch.drop_column("breaking")
