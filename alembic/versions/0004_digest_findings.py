"""The findings each team's last digest reported, to tell new, escalated and resolved apart.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_finding",
        sa.Column("team", sa.Text, primary_key=True),
        sa.Column("finding_key", sa.String(40), primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),  # report.finding_json
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("digest_finding")
