"""SQLite: entries found by their exact text, for search's identical-text hits.

Search reads the matches in relevance order and stops once the page is settled; a hit stands
for every entry with exactly its text, so the page's texts are then looked up to count their
copies and show the newest. Without this index each lookup scanned the entry table.

PostgreSQL gets nothing: its search groups the matches by text in the query (windows over
the matched rows), which no index serves, and a btree cannot hold its longest texts (over
2.7 KB) anyway.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_entry_text", "entry", ["text"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_entry_text", table_name="entry")
