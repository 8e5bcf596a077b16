"""Core `Table` descriptions of the archive tables that the read paths and the ingest use.

Reading and writing through these instead of the ORM classes of schema.py keeps
`sqlalchemy.orm` and the mapped schema (~100 ms of start-up) out of read commands such as
`releases`, `show` and `facts`, and out of `ingest`.
They describe the same tables (tests/store/test_core_tables.py compares every column with
schema.py); schema.py and the migrations remain the definition.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

source = Table(
    "source",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("url", Text, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("checked_at", DateTime(timezone=True)),
    Column("changed_at", DateTime(timezone=True)),
    Column("failed_at", DateTime(timezone=True)),
    Column("last_error", Text),
)

document = Table(
    "document",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), nullable=False),
    Column("url", Text, nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("bytes", Integer, nullable=False),
    Column("text", Text, nullable=False),
)

document_head = Table(
    "document_head",
    metadata,
    Column("source", String(40), primary_key=True),
    Column("scope", String(200), primary_key=True),
    Column("document_id", Integer, ForeignKey("document.id"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("releases", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

release = Table(
    "release",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(120), nullable=False),
    Column("source", String(40), nullable=False),
    Column("version", String(80), nullable=False),
    Column("minor", String(10)),
    Column("title", Text, nullable=False),
    Column("date", Date),
    Column("tag", String(40)),
    Column("hotfix", Boolean, nullable=False),
    Column("anchor", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("section_sha256", String(64), nullable=False),
    Column("markdown", Text, nullable=False),
    Column("document_id", Integer, nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("withdrawn_at", DateTime(timezone=True)),
)

release_revision = Table(
    "release_revision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("release_id", Integer, ForeignKey("release.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("document_id", Integer, nullable=False),
    Column("section_sha256", String(64), nullable=False),
    Column("markdown", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("change", String(20)),
    Column("title", Text),
    Column("date", Date),
    Column("old_title", Text),
    Column("old_date", Date),
)

entry = Table(
    "entry",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("release_id", Integer, ForeignKey("release.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("parent_position", Integer),
    Column("kind", String(40), nullable=False),
    Column("section", Text, nullable=False),
    Column("markdown", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("links", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("pr", Integer),
    Column("author", String(100)),
    Column("sigs", Text, nullable=False),
    Column("minors", Text, nullable=False),
    Column("removed", Boolean, nullable=False),
    Column("action_required", Boolean, nullable=False),
    Column("breaking", Boolean, nullable=False),
)

entry_revision = Table(
    "entry_revision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_id", Integer, ForeignKey("entry.id"), nullable=False),
    Column("markdown", Text, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

fact = Table(
    "fact",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("release_id", Integer, ForeignKey("release.id"), nullable=False),
    Column("entry_id", Integer, ForeignKey("entry.id")),
    Column("type", String(40), nullable=False),
    Column("subject", Text, nullable=False),
    Column("payload", Text, nullable=False),
)

unread_statement = Table(
    "unread_statement",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("release_id", Integer, ForeignKey("release.id"), nullable=False),
    Column("entry_id", Integer, ForeignKey("entry.id"), nullable=False),
    Column("expected", String(40), nullable=False),
    Column("text", Text, nullable=False),
)

# The inventory, for `check` and the other readers of the merged inventory (inventory_view.py).
inventory_item = Table(
    "inventory_item",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("origin", Text, nullable=False),
    Column("item_type", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("collected_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text, nullable=False),
)

api_use = Table(
    "api_use",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("origin", Text, nullable=False),
    Column("cluster", Text, nullable=False),
    Column("api_version", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("evidence", String(20), nullable=False),
    Column("location", Text, nullable=False),
    Column("namespace", Text),
    Column("name", Text),
    Column("collected_at", DateTime(timezone=True), nullable=False),
)

version_seen = Table(
    "version_seen",
    metadata,
    Column("cluster", Text, primary_key=True),
    Column("version", String(40), primary_key=True),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)
