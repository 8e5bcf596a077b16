"""The archive: sources, documents, releases, entries, facts, revisions, full-text index.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("checked_at", TS),
        sa.Column("changed_at", TS),
        sa.UniqueConstraint("name", "url"),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(40), nullable=False, index=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("fetched_at", TS, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "release",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("source", sa.String(40), nullable=False, index=True),
        sa.Column("version", sa.String(80), nullable=False),
        sa.Column("minor", sa.String(10), index=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("date", sa.Date, index=True),
        sa.Column("tag", sa.String(40)),
        sa.Column("hotfix", sa.Boolean, nullable=False),
        sa.Column("anchor", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("section_sha256", sa.String(64), nullable=False, index=True),
        sa.Column("markdown", sa.Text, nullable=False),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("document.id"), nullable=False),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_table(
        "release_revision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "release_id",
            sa.Integer,
            sa.ForeignKey("release.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("document.id"), nullable=False),
        sa.Column("section_sha256", sa.String(64), nullable=False),
        sa.Column("markdown", sa.Text, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.UniqueConstraint("release_id", "revision"),
    )
    op.create_table(
        "entry",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "release_id",
            sa.Integer,
            sa.ForeignKey("release.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("parent_position", sa.Integer),
        sa.Column("kind", sa.String(40), nullable=False, index=True),
        sa.Column("section", sa.Text, nullable=False),
        sa.Column("markdown", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("links", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("pr", sa.Integer, index=True),
        sa.Column("author", sa.String(100)),
        sa.Column("sigs", sa.Text, nullable=False),
        sa.Column("minors", sa.Text, nullable=False),
        sa.Column("removed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_entry_release_position", "entry", ["release_id", "position"])
    op.create_table(
        "entry_revision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "entry_id",
            sa.Integer,
            sa.ForeignKey("entry.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("markdown", sa.Text, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
    )
    op.create_table(
        "fact",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "release_id",
            sa.Integer,
            sa.ForeignKey("release.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("entry.id", ondelete="CASCADE")),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_fact_type_subject", "fact", ["type", "subject"])
    op.create_index("ix_fact_release", "fact", ["release_id"])
    _create_search_index()


def _create_search_index() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # A generated column keeps the vector in step with the row without triggers.
        op.execute(
            "ALTER TABLE entry ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english', coalesce(section, '')), 'B') || "
            "setweight(to_tsvector('english', coalesce(text, '')), 'A')) STORED"
        )
        op.execute("CREATE INDEX ix_entry_search ON entry USING GIN (search_vector)")
        return
    # SQLite: an external-content FTS5 table over entry. Porter stemming so 'deprecated' finds
    # 'deprecation'. Updates and deletes are kept in step by triggers; inserts are indexed by
    # the archive writer in one statement per document, because a per-row insert trigger
    # makes a full ingest several times slower.
    op.execute(
        "CREATE VIRTUAL TABLE entry_fts USING fts5(text, section, content='entry', "
        "content_rowid='id', tokenize='porter unicode61')"
    )
    op.execute(
        "CREATE TRIGGER entry_fts_ad AFTER DELETE ON entry BEGIN "
        "INSERT INTO entry_fts(entry_fts, rowid, text, section) "
        "VALUES ('delete', old.id, old.text, old.section); END"
    )
    op.execute(
        "CREATE TRIGGER entry_fts_au AFTER UPDATE OF text, section ON entry BEGIN "
        "INSERT INTO entry_fts(entry_fts, rowid, text, section) "
        "VALUES ('delete', old.id, old.text, old.section); "
        "INSERT INTO entry_fts(rowid, text, section) VALUES (new.id, new.text, new.section); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS entry_fts")
    for table in ("fact", "entry_revision", "entry", "release_revision", "release"):
        op.drop_table(table)
    op.drop_table("document")
    op.drop_table("source")
