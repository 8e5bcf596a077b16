"""Tables of the archive, as SQLAlchemy 2 typed ORM classes.

The migrations in alembic/versions create exactly these tables plus what differs by dialect and
is therefore created there, not here: the full-text index (SQLite FTS5 table and triggers,
PostgreSQL tsvector column and GIN index) and SQLite's index on entry texts (migration 0012).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aksnews.store.revision import SCHEMA_REVISION

__all__ = ["SCHEMA_REVISION", "Base"]


class Base(DeclarativeBase):
    pass


class SourceRow(Base):
    """Fetch state per source URL: what the last conditional GET needs."""

    __tablename__ = "source"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The last fetch that failed, and why (redacted); kept until a later one fails.
    failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("name", "url"),)


class DocumentRow(Base):
    """Every fetched or ingested raw text, kept byte for byte (as UTF-8 text)."""

    __tablename__ = "document"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40), index=True)
    url: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    bytes: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)


class ReleaseRow(Base):
    __tablename__ = "release"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # 'aks:2025-10-12'
    source: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[str] = mapped_column(String(80))
    minor: Mapped[str | None] = mapped_column(String(10), index=True)  # upstream '1.32'
    title: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    tag: Mapped[str | None] = mapped_column(String(40))
    hotfix: Mapped[bool] = mapped_column(Boolean, default=False)
    anchor: Mapped[str] = mapped_column(Text)
    line: Mapped[int] = mapped_column(Integer)
    section_sha256: Mapped[str] = mapped_column(String(64), index=True)
    markdown: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Set while the release is absent from its source's current document (0006).
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReleaseRevisionRow(Base):
    """Each text a release section has had, in order (revision 1 is the first one seen)."""

    __tablename__ = "release_revision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("release.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    section_sha256: Mapped[str] = mapped_column(String(64))
    markdown: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # What the revision was (0006): new, edited, renamed, withdrawn, restored; a rename keeps
    # the heading and date before it. Revisions recorded before 0006 have none of these.
    change: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(Text)
    date: Mapped[dt.date | None] = mapped_column(Date)
    old_title: Mapped[str | None] = mapped_column(Text)
    old_date: Mapped[dt.date | None] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("release_id", "revision"),)


class DocumentHeadRow(Base):
    """The document a (source, scope) currently mirrors: an AKS CHANGELOG has one scope (''),
    upstream CHANGELOG-1.NN.md files one per minor ('1.32')."""

    __tablename__ = "document_head"
    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    bytes: Mapped[int] = mapped_column(Integer)
    releases: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class EntryRow(Base):
    __tablename__ = "entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("release.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    parent_position: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    section: Mapped[str] = mapped_column(Text)
    markdown: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    links: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    line: Mapped[int] = mapped_column(Integer)
    pr: Mapped[int | None] = mapped_column(Integer, index=True)
    author: Mapped[str | None] = mapped_column(String(100))
    sigs: Mapped[str] = mapped_column(Text, default="")  # space separated
    # Minor versions the note concerns, space-padded (' 1.29 1.30 ') for a cheap LIKE filter.
    minors: Mapped[str] = mapped_column(Text, default=" ")
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    # 'ACTION REQUIRED' in the note or an urgent upgrade note (migration 0008)
    action_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The text says something stops working, is blocked or rejected, or needs action by a date.
    breaking: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (Index("ix_entry_release_position", "release_id", "position"),)


class EntryRevisionRow(Base):
    """The text an entry had before its release section was edited in place."""

    __tablename__ = "entry_revision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    markdown: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FactRow(Base):
    __tablename__ = "fact"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("release.id", ondelete="CASCADE"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)  # JSON (model.fact_to_json)
    __table_args__ = (
        Index("ix_fact_type_subject", "type", "subject"),
        Index("ix_fact_release", "release_id"),
    )


class UnreadRow(Base):
    """A statement of an entry the parser could not read (model.UnreadStatement). Derived from
    the release like its facts: a re-parsed release replaces its own."""

    __tablename__ = "unread_statement"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(
        ForeignKey("release.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    expected: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)


class InventoryItemRow(Base):
    """A team, cluster or the default team as one origin described it (JSON payload)."""

    __tablename__ = "inventory_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(Text, index=True)
    item_type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(Text)
    collected_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[str] = mapped_column(Text)


class ApiUseRow(Base):
    __tablename__ = "api_use"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(Text, index=True)
    cluster: Mapped[str] = mapped_column(Text, index=True)
    api_version: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(Text)
    namespace: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    collected_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class VersionSeenRow(Base):
    """A Kubernetes version an inventory origin reported for a cluster: since when, until when.

    Inventories replace what an origin said; this history stays, so stage-order can tell how
    long a staging cluster has run a version.
    """

    __tablename__ = "version_seen"
    cluster: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class OutboxRow(Base):
    """One message to post to a team's channel; see aksnews/deliver/outbox.py for the life cycle."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # idempotency key of the digest or alert
    channel: Mapped[str] = mapped_column(String(40))  # notifier name: 'slack', 'teams'
    position: Mapped[int] = mapped_column(Integer)  # message index of a split digest
    team: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # digest | alert
    payload: Mapped[str] = mapped_column(Text)  # JSON {"body": ..., "thread": bool}
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reference: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)  # the digest's period or the finding
    rate_limited: Mapped[int] = mapped_column(Integer, server_default="0")  # not attempts
    __table_args__ = (
        UniqueConstraint("key", "channel", "position", name="uq_outbox_key_channel_position"),
    )


class AlertStateRow(Base):
    """What a finding was last alerted as, to alert it again only when it escalates."""

    __tablename__ = "alert_state"
    finding_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    severity: Mapped[str] = mapped_column(String(10))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    alerted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DigestFindingRow(Base):
    """A finding as the team's last digest reported it."""

    __tablename__ = "digest_finding"
    team: Mapped[str] = mapped_column(Text, primary_key=True)
    finding_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    period_end: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
