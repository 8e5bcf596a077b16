"""Inventory: what each origin (a file, a collector run) said about teams, clusters, API use.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inventory_item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("origin", sa.Text, nullable=False, index=True),
        sa.Column("item_type", sa.String(20), nullable=False),  # team | cluster | default-team
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_table(
        "api_use",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("origin", sa.Text, nullable=False, index=True),
        sa.Column("cluster", sa.Text, nullable=False, index=True),
        sa.Column("api_version", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("evidence", sa.String(20), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("namespace", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("api_use")
    op.drop_table("inventory_item")
