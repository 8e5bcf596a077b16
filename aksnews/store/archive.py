"""Writing a parsed document into the archive: one transaction per document.

Only sections whose text differs from the current text of an archived release are parsed: the
line scan gives each release section a sha256, and aksnews/store/mirror.py plans what the
document does (kept, edited, renamed, restored, new, withdrawn releases). A failure anywhere
rolls the whole document back, so a bad file never leaves half an ingest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from aksnews.errors import AksnewsError
from aksnews.model.records import IngestReport, Renamed, SplitDocument
from aksnews.model.releases import ParseWarning
from aksnews.store.mirror import (
    ArchivedRelease,
    Head,
    Plan,
    plan_document,
    shrink_problem,
)
from aksnews.store.sql import Sql, Store, chunks, first, int_list, read_day, scalar, stamp
from aksnews.store.state import DocumentMeta, document_current, record_source
from aksnews.store.writer import ReleaseWriter


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DocumentShrank(AksnewsError):
    """A document much shorter than the one the archive mirrors: refused unless accepted."""


def ingest_document(
    store: Store,
    document: SplitDocument,
    *,
    meta: DocumentMeta,
    accept_shrink: bool = False,
    dry_run: bool = False,
) -> IngestReport:
    """Make the source's releases mirror `document`; the document is one transaction.

    Ingests of one source are serialised per database, so two at once end as one after the
    other would. With `dry_run` the plan is reported and nothing is written.
    """
    source, text, path, whole = document.source, document.text, document.path, document.whole
    sections, warnings = document.sections, document.warnings
    sha = sha256_text(text)
    with store.serialised(f"ingest-{source}"):
        if whole and document_current(store, source, sha):
            return IngestReport(source=source, path=path, unchanged=True, dry_run=dry_run)
        with store.begin() as conn:
            archived = _archived(conn, source)
            plan = plan_document(
                source,
                sections,
                document.parse,
                archived,
                lambda ids: _markdown(conn, ids),
                path=path,
                whole=whole,
            )
            size = len(text.encode("utf-8"))
            if whole and not accept_shrink:
                problem = shrink_problem(
                    plan,
                    _head(conn, source, plan.scope),
                    size,
                    archived,
                    lambda key: _current_markdown(conn, key),
                )
                if problem:
                    raise DocumentShrank(
                        f"{path}: {problem}. Nothing was written; if the source really "
                        "shrank, ingest it again with --accept-shrink"
                    )
            report = IngestReport(
                source=source,
                path=path,
                unchanged=False,
                sections=len(sections),
                parsed=plan.parsed,
                new_releases=tuple(r.key for r in plan.new),
                revised_releases=tuple(plan.edited),
                warnings=tuple(warnings) + plan.warnings,
                renamed_releases=tuple(
                    Renamed(r.archived.key, r.release.key, r.archived.title, r.release.title)
                    for r in plan.renamed
                ),
                withdrawn_releases=tuple(row.key for row in plan.withdrawn),
                restored_releases=tuple(plan.restored),
                dry_run=dry_run,
            )
            if dry_run:
                return report
            document_id = int(
                scalar(
                    conn,
                    "INSERT INTO document (source, url, fetched_at, sha256, etag, last_modified, "
                    "bytes, text) VALUES (:source, :url, :fetched_at, :sha256, :etag, "
                    ":last_modified, :bytes, :text) RETURNING id",
                    {
                        "source": source,
                        "url": meta.url,
                        "fetched_at": stamp(conn.dialect, meta.fetched_at),
                        "sha256": sha,
                        "etag": meta.etag,
                        "last_modified": meta.last_modified,
                        "bytes": size,
                        "text": text,
                    },
                )
            )
            writer = ReleaseWriter(conn, document_id, meta.fetched_at)
            writer.apply(plan)
            if whole:
                _set_head(conn, source, plan, document_id, sha, size, meta.fetched_at)
            record_source(conn, source, meta, changed=True)
    return dataclasses.replace(
        report,
        document_id=document_id,
        entries=writer.entries_written,
        facts=writer.facts_written,
        unread=tuple(writer.unread),
    )


def _archived(conn: Sql, source: str) -> list[ArchivedRelease]:
    rows = conn.rows(
        'SELECT id, "key", title, date, minor, line, section_sha256, revision, withdrawn_at '
        "FROM release WHERE source = :source ORDER BY id",
        {"source": source},
    )
    return [
        ArchivedRelease(
            id=rid,
            key=key,
            title=title,
            date=read_day(date),
            minor=minor,
            line=line,
            section_sha256=sha,
            revision=revision,
            withdrawn=withdrawn_at is not None,
        )
        for rid, key, title, date, minor, line, sha, revision, withdrawn_at in rows
    ]


def _markdown(conn: Sql, ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in chunks(ids, 500):
        rows = conn.rows(f"SELECT id, markdown FROM release WHERE id IN ({int_list(chunk)})")
        out.update((release_id, markdown) for release_id, markdown in rows)
    return out


def _current_markdown(conn: Sql, key: str) -> str | None:
    value = scalar(
        conn,
        'SELECT markdown FROM release WHERE "key" = :key AND withdrawn_at IS NULL',
        {"key": key},
    )
    return None if value is None else str(value)


def _head(conn: Sql, source: str, scope: str) -> Head | None:
    row = first(
        conn,
        "SELECT bytes, releases FROM document_head WHERE source = :source AND scope = :scope",
        {"source": source, "scope": scope},
    )
    return None if row is None else Head(bytes=row[0], releases=row[1])


def _set_head(
    conn: Sql,
    source: str,
    plan: Plan,
    document_id: int,
    sha: str,
    size: int,
    now: dt.datetime,
) -> None:
    params = {
        "source": source,
        "scope": plan.scope,
        "document_id": document_id,
        "sha256": sha,
        "bytes": size,
        "releases": plan.releases,
        "updated_at": stamp(conn.dialect, now),
    }
    conn.run("DELETE FROM document_head WHERE source = :source AND scope = :scope", params)
    conn.run(
        "INSERT INTO document_head (source, scope, document_id, sha256, bytes, releases, "
        "updated_at) VALUES (:source, :scope, :document_id, :sha256, :bytes, :releases, "
        ":updated_at)",
        params,
    )


__all__ = ["DocumentMeta", "ParseWarning", "ingest_document", "sha256_text"]
