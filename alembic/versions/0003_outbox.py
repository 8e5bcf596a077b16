"""Outbox of messages to teams, and what each finding was last alerted as.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        # The idempotency key (Digest.period_key, the alert key): with the channel and the
        # position it names one message, and the unique constraint is what guarantees a message
        # is queued once even when two runs race.
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("team", sa.Text, nullable=False, index=True),
        sa.Column("kind", sa.String(10), nullable=False),  # digest | alert
        sa.Column("payload", sa.Text, nullable=False),  # JSON {"body": ..., "thread": bool}
        # pending | sending | sent | failed | uncertain
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("reference", sa.Text),  # e.g. the Slack message ts, to thread the rest
        sa.UniqueConstraint("key", "channel", "position", name="uq_outbox_key_channel_position"),
    )
    op.create_table(
        "alert_state",
        sa.Column("finding_key", sa.String(40), primary_key=True),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("deadline", sa.Date),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_state")
    op.drop_table("outbox")
