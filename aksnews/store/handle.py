"""The typed handle to the archive: the only way in from outside aksnews/store/.

Callers (ingest, the run cycle, the scheduler, the outbox policy, the commands, the web pages)
receive an `Archive` and call one method per use; each takes and returns frozen values (model,
records, inventory values), never an Engine, a connection or a row. The methods import the
modules doing the work when called, so a read command (`search`, `releases`) never imports the
ORM the writers use.

Views derived from archived facts (the API knowledge base, the version calendar, diff ranges,
merged inventories, findings) are computed by the stages above from what these methods return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aksnews.errors import DuplicateKey

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from aksnews.model.inventory import ApiUse, Cluster, Inventory, Team
    from aksnews.model.records import (
        IngestReport,
        ReleaseDetail,
        ReleaseSummary,
        SearchHit,
        SourceStatus,
        SplitDocument,
        StoredEntry,
        StoredFact,
        StoredUnread,
    )
    from aksnews.model.upgrade import UpgradeInputs
    from aksnews.store.documents import DocumentOrigin
    from aksnews.store.native import SqliteFile
    from aksnews.store.outbox import AlertStateRow, OutboxRow
    from aksnews.store.search import SearchQuery, SearchResults
    from aksnews.store.sql import Store
    from aksnews.store.state import DocumentMeta


class ArchiveWrite:
    """One open transaction: what the cycle and the outbox write together or not at all."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def key_queued(self, key: str, channel: str | None = None) -> bool:
        from aksnews.store.outbox import key_queued

        return key_queued(self._conn, key, channel)

    def insert_messages(
        self,
        *,
        key: str,
        channel: str,
        team: str,
        kind: str,
        title: str | None,
        payloads: Sequence[str],
        status: str,
        now: dt.datetime,
    ) -> int:
        from aksnews.store.outbox import insert_messages

        return insert_messages(
            self._conn,
            key=key,
            channel=channel,
            team=team,
            kind=kind,
            title=title,
            payloads=payloads,
            status=status,
            now=now,
        )

    def record_alert_states(self, states: Sequence[AlertStateRow]) -> None:
        from aksnews.store.outbox import record_alert_states

        record_alert_states(self._conn, states)

    def record_reported(
        self,
        team: str,
        payloads: Sequence[tuple[str, str]],
        period_end: dt.date,
        now: dt.datetime,
    ) -> None:
        """Replace `team`'s digest snapshot with (finding key, JSON text) pairs."""
        from aksnews.store.digest_findings import record_reported

        record_reported(self._conn, team, payloads, period_end, now)


class Archive:
    """An open archive database (SQLite or PostgreSQL), migrated on open.

    A SQLite file opened by URL is also reachable without SQLAlchemy (aksnews.store.native):
    the ingest and the fetch state use it, and the SQLAlchemy engine every other method uses is
    created when one is first called. A command that only ingests or polls never imports it.
    """

    def __init__(self, engine: Engine | None, *, url: str = "", native: SqliteFile | None = None):
        # Tests of the store build one on the engine their fixtures opened; everyone else
        # calls Archive.open.
        self._engine_ = engine
        self._url = url or (str(engine.url) if engine is not None else "")
        self._native = native

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> Archive:
        """The archive at `url` (default: the XDG SQLite file); see aksnews.store.engine."""
        from aksnews.store.location import normalise_url, sqlite_path

        url = normalise_url(url)
        path = sqlite_path(url)
        if path is None:
            from aksnews.store.engine import open_engine

            return cls(open_engine(url, migrate=migrate))
        from aksnews.store.native import open_file

        native = open_file(path, url)
        archive = cls(None, url=url, native=native)
        if migrate and not native.ensure_schema():
            from aksnews.store.engine import ensure_schema

            ensure_schema(archive._engine)  # an older schema: alembic migrates it
        return archive

    @property
    def _engine(self) -> Engine:
        if self._engine_ is None:
            from aksnews.store.engine import open_engine

            self._engine_ = open_engine(self._url, migrate=False)
        return self._engine_

    @property
    def _store(self) -> Store:
        """What the ingest path runs on (aksnews.store.sql)."""
        if self._native is not None:
            return self._native
        from aksnews.store.sql import EngineStore

        return EngineStore(self._engine)

    @property
    def safe_url(self) -> str:
        """The database URL with any password hidden, for messages."""
        if self._engine_ is None:
            return self._url  # a SQLite file: no password to hide
        from aksnews.store.engine import safe_url

        return safe_url(str(self._engine_.url))

    def dispose(self) -> None:
        if self._native is not None:
            self._native.close()
        if self._engine_ is not None:
            self._engine_.dispose()

    @contextmanager
    def transaction(self) -> Iterator[ArchiveWrite]:
        """One transaction; a unique key another writer took first raises DuplicateKey."""
        from sqlalchemy.exc import IntegrityError

        try:
            with self._engine.begin() as conn:
                yield ArchiveWrite(conn)
        except IntegrityError as exc:
            raise DuplicateKey(str(exc.orig)) from exc

    # -- releases, entries, facts -------------------------------------------------------------

    def list_releases(
        self,
        *,
        source: str | None = None,
        since: dt.date | None = None,
        minor: str | None = None,
        minors: Sequence[str] | None = None,
        limit: int | None = None,
        include_withdrawn: bool = False,
    ) -> list[ReleaseSummary]:
        from aksnews.store.queries import list_releases

        return list_releases(
            self._engine,
            source=source,
            since=since,
            minor=minor,
            minors=minors,
            limit=limit,
            include_withdrawn=include_withdrawn,
        )

    def release_urls(self) -> dict[str, str]:
        """Release key -> public URL of every release not withdrawn (the `url` of
        list_releases() without reading the rest of each release nor counting its entries)."""
        from aksnews.store.facts import release_urls

        return release_urls(self._store)

    def release_versions(self, source: str) -> list[tuple[str, str, dt.date | None]]:
        """(key, version, date) of every release of `source` not withdrawn."""
        from aksnews.store.facts import release_versions

        return release_versions(self._store, source)

    def release_notes(self, keys: Sequence[str], kinds: Collection[str]) -> Iterator[ReleaseDetail]:
        """The releases of `keys` one at a time, each with only its notes of `kinds` (and those
        marked ACTION REQUIRED): what `diff` shows, streamed (aksnews.store.upstream_notes)."""
        from aksnews.store.upstream_notes import release_notes

        return release_notes(self._engine, keys, kinds)

    def get_release(self, ref: str) -> ReleaseDetail:
        from aksnews.store.queries import get_release

        return get_release(self._engine, ref)

    def get_releases(self, keys: Sequence[str]) -> list[ReleaseDetail]:
        from aksnews.store.queries import get_releases

        return get_releases(self._engine, keys)

    def get_entry(self, entry_id: int) -> StoredEntry:
        from aksnews.store.queries import get_entry

        return get_entry(self._engine, entry_id)

    def list_facts(
        self,
        *,
        fact_type: str | None = None,
        source: str | None = None,
        since: dt.date | None = None,
        subject: str | None = None,
        include_withdrawn: bool = False,
    ) -> list[StoredFact]:
        from aksnews.store.facts import list_facts

        return list_facts(
            self._store,
            fact_type=fact_type,
            source=source,
            since=since,
            subject=subject,
            include_withdrawn=include_withdrawn,
        )

    def list_unread(
        self,
        *,
        source: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> list[StoredUnread]:
        from aksnews.store.queries import list_unread

        return list_unread(self._engine, source=source, since=since, until=until)

    def revised_releases(self, source: str | None = None) -> list[str]:
        from aksnews.store.queries import revised_releases

        return revised_releases(self._engine, source)

    def archive_counts(self) -> dict[str, int]:
        from aksnews.store.queries import archive_counts

        return archive_counts(self._engine)

    def entries_about(
        self, *, source: str, kinds: list[str], minors: list[str], limit: int = 500
    ) -> list[StoredEntry]:
        from aksnews.store.queries import entries_about

        return entries_about(self._engine, source=source, kinds=kinds, minors=minors, limit=limit)

    def list_entries(
        self,
        *,
        source: str | None = None,
        kind: str | None = None,
        minor: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: int = 20,
        offset: int = 0,
        include_withdrawn: bool = False,
    ) -> tuple[list[SearchHit], int]:
        from aksnews.store.queries import list_entries

        return list_entries(
            self._engine,
            source=source,
            kind=kind,
            minor=minor,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
            include_withdrawn=include_withdrawn,
        )

    def upstream_minor_versions(self) -> list[str]:
        """Versions of the upstream minors' first releases ('v1.NN.0') the archive holds."""
        from aksnews.store.facts import upstream_minor_versions

        return upstream_minor_versions(self._store)

    def archived_minors(self, *, source: str | None = None) -> frozenset[str]:
        from aksnews.store.minors import archived_minors

        return archived_minors(self._engine, source=source)

    def search(self, query: SearchQuery) -> SearchResults:
        if self._native is not None:
            from aksnews.store.search import search_file

            return search_file(self._native, query)
        from aksnews.store.search import search

        return search(self._engine, query)

    def latest_document(self, source: str) -> DocumentOrigin | None:
        from aksnews.store.documents import latest_document

        return latest_document(self._engine, source)

    # -- ingest and fetch state ---------------------------------------------------------------

    def ingest(
        self,
        document: SplitDocument,
        *,
        meta: DocumentMeta,
        accept_shrink: bool = False,
        dry_run: bool = False,
    ) -> IngestReport:
        """Make the source's releases mirror a split document (aksnews.store.archive)."""
        from aksnews.store.archive import ingest_document

        return ingest_document(
            self._store, document, meta=meta, accept_shrink=accept_shrink, dry_run=dry_run
        )

    def document_current(self, source: str, sha256: str) -> bool:
        from aksnews.store.state import document_current

        return document_current(self._store, source, sha256)

    def fetch_state(self, source: str, url: str) -> tuple[str | None, str | None]:
        from aksnews.store.state import fetch_state

        return fetch_state(self._store, source, url)

    def record_check(self, source: str, meta: DocumentMeta) -> None:
        from aksnews.store.state import record_check

        record_check(self._store, source, meta)

    def record_failure(self, source: str, url: str, when: dt.datetime, error: str) -> None:
        from aksnews.store.state import record_failure

        record_failure(self._store, source, url, when, error)

    def last_poll(self) -> dt.datetime | None:
        from aksnews.store.state import last_poll

        return last_poll(self._store)

    def source_statuses(
        self, sources: Sequence[str], as_of: dt.date | None = None
    ) -> list[SourceStatus]:
        """Per source named, its fetch state and newest release (aksnews.store.status)."""
        from aksnews.store.status import source_statuses

        return source_statuses(self._store, sources, as_of)

    # -- inventory ----------------------------------------------------------------------------

    def inventory_statements(self) -> Inventory:
        """Every origin's statements, clusters not yet merged (aksnews.inventory.merge)."""
        from aksnews.store.inventory_view import load_statements

        return load_statements(self._store)

    def replace_origin(
        self,
        origin: str,
        *,
        collected_at: dt.datetime,
        teams: Sequence[Team] = (),
        clusters: Sequence[Cluster] = (),
        api_uses: Sequence[ApiUse] = (),
        default_team: str | None = None,
        upgrade: UpgradeInputs | None = None,
    ) -> None:
        from aksnews.store.inventory import replace_origin

        replace_origin(
            self._engine,
            origin,
            collected_at=collected_at,
            teams=teams,
            clusters=clusters,
            api_uses=api_uses,
            default_team=default_team,
            upgrade=upgrade,
        )

    def replace_api_uses(
        self,
        by_origin: Mapping[str, Sequence[ApiUse]],
        *,
        collected_at: dt.datetime,
        family: str,
        replace_family: bool = False,
        upgrade_by_origin: Mapping[str, UpgradeInputs] | None = None,
    ) -> tuple[str, ...]:
        from aksnews.store.inventory import replace_api_uses

        return replace_api_uses(
            self._engine,
            by_origin,
            collected_at=collected_at,
            family=family,
            replace_family=replace_family,
            upgrade_by_origin=upgrade_by_origin,
        )

    # -- digests and the outbox's rows --------------------------------------------------------

    def last_reported(self, team: str) -> dict[str, Any] | None:
        """The team's findings at its last digest as JSON values by key; None if it had none."""
        from aksnews.store.digest_findings import last_reported

        return last_reported(self._engine, team)

    def key_queued(self, key: str, channel: str | None = None) -> bool:
        with self._engine.connect() as conn:
            return ArchiveWrite(conn).key_queued(key, channel)

    def teams_with(self, kind: str) -> set[str]:
        from aksnews.store.outbox import teams_with

        return teams_with(self._engine, kind)

    def outbox_rows(
        self, status: str | None = None, *, newest_first: bool = False, key: str | None = None
    ) -> list[OutboxRow]:
        from aksnews.store.outbox import rows

        return rows(self._engine, status, newest_first=newest_first, key=key)

    def outbox_row(self, row_id: int) -> OutboxRow | None:
        from aksnews.store.outbox import row_by_id

        return row_by_id(self._engine, row_id)

    def due_rows(self, status: str, now: dt.datetime) -> list[OutboxRow]:
        from aksnews.store.outbox import due_rows

        return due_rows(self._engine, status, now)

    def earlier_parts(
        self, key: str, channel: str, position: int
    ) -> list[tuple[int, str, str | None]]:
        from aksnews.store.outbox import earlier_parts

        return earlier_parts(self._engine, key, channel, position)

    def set_status_where(self, old: str, new: str, last_error: str) -> list[OutboxRow]:
        from aksnews.store.outbox import set_status_where

        return set_status_where(self._engine, old, new, last_error)

    def claim(self, row_id: int, old: str, new: str) -> bool:
        """Compare-and-set of a row's status: True when this call moved it."""
        from aksnews.store.outbox import claim

        return claim(self._engine, row_id, old, new)

    def update_row(self, row_id: int, **values: Any) -> None:
        from aksnews.store.outbox import update

        update(self._engine, row_id, **values)

    def count_rate_limited(self, row_id: int) -> None:
        from aksnews.store.outbox import count_rate_limited

        count_rate_limited(self._engine, row_id)

    def requeue(self, ids: Iterable[int], allowed: Sequence[str], status: str, note: str) -> int:
        from aksnews.store.outbox import requeue

        return requeue(self._engine, ids, allowed, status, note)

    def alert_states(self) -> list[AlertStateRow]:
        from aksnews.store.outbox import alert_states

        return alert_states(self._engine)

    # -- locks --------------------------------------------------------------------------------

    def sqlite_file(self) -> Path | None:
        """The SQLite file of the archive; None for PostgreSQL and in-memory SQLite."""
        if self._native is not None:
            return self._native.path
        from aksnews.store.locks import sqlite_file

        return sqlite_file(self._engine)

    def lock_path(self, name: str) -> Path | None:
        from aksnews.store.locks import lock_file_path, lock_path

        if self._native is not None:
            return lock_file_path(self._native.path, name)
        return lock_path(self._engine, name)

    def advisory_lock(self, name: str) -> AbstractContextManager[bool]:
        """Held by one process of all using the database; yields False when another holds it."""
        from aksnews.store.locks import advisory_lock

        return advisory_lock(self._engine, name)

    def exclusive(self, name: str) -> AbstractContextManager[bool]:
        from aksnews.store.locks import exclusive

        return exclusive(self._engine, name)

    def serialised(self, name: str) -> AbstractContextManager[None]:
        return self._store.serialised(name)
