"""The archive follows its document: withdrawn releases, renames, and each scope's current text.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

- release.withdrawn_at: set when a release vanished from its document (kept, with its history,
  out of listings); cleared when it comes back.
- release_revision.change/title/date/old_title/old_date: what a revision was (new, edited,
  renamed, withdrawn, restored) and, for a rename, the heading and date before and after.
- document_head: the document each (source, scope) currently mirrors, so "unchanged" means
  equal to that document, and a much shorter one can be told from a real edit.
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy), so SQLite's full-text triggers on entry stay as they are.
    op.add_column("release", sa.Column("withdrawn_at", sa.DateTime(timezone=True)))
    op.add_column("release_revision", sa.Column("change", sa.String(20)))
    op.add_column("release_revision", sa.Column("title", sa.Text))
    op.add_column("release_revision", sa.Column("date", sa.Date))
    op.add_column("release_revision", sa.Column("old_title", sa.Text))
    op.add_column("release_revision", sa.Column("old_date", sa.Date))
    op.create_table(
        "document_head",
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("document.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("releases", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("document_head")
    with op.batch_alter_table("release_revision") as batch:
        for column in ("old_date", "old_title", "date", "title", "change"):
            batch.drop_column(column)
    op.drop_column("release", "withdrawn_at")
