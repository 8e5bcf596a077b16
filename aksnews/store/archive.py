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

from sqlalchemy import Connection, Engine, delete, insert, select

from aksnews.errors import AksnewsError
from aksnews.model.records import IngestReport, Renamed, SplitDocument
from aksnews.model.releases import ParseWarning
from aksnews.store import tables
from aksnews.store.locks import serialised
from aksnews.store.mirror import (
    ArchivedRelease,
    Head,
    Plan,
    plan_document,
    shrink_problem,
)
from aksnews.store.state import DocumentMeta, document_current, record_source
from aksnews.store.tables import document_head, release
from aksnews.store.writer import ReleaseWriter, chunks


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DocumentShrank(AksnewsError):
    """A document much shorter than the one the archive mirrors: refused unless accepted."""


def ingest_document(
    engine: Engine,
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
    with serialised(engine, f"ingest-{source}"):
        if whole and document_current(engine, source, sha):
            return IngestReport(source=source, path=path, unchanged=True, dry_run=dry_run)
        # Core only: the ORM's import and mapped classes cost a cold ingest ~100 ms.
        with engine.begin() as conn:
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
            document_id: int = conn.execute(
                insert(tables.document).returning(tables.document.c.id),
                {
                    "source": source,
                    "url": meta.url,
                    "fetched_at": meta.fetched_at,
                    "sha256": sha,
                    "etag": meta.etag,
                    "last_modified": meta.last_modified,
                    "bytes": size,
                    "text": text,
                },
            ).scalar_one()
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


def _archived(conn: Connection, source: str) -> list[ArchivedRelease]:
    c = release.c
    rows = conn.execute(
        select(
            c.id,
            c.key,
            c.title,
            c.date,
            c.minor,
            c.line,
            c.section_sha256,
            c.revision,
            c.withdrawn_at,
        )
        .where(c.source == source)
        .order_by(c.id)
    )
    return [
        ArchivedRelease(
            id=r.id,
            key=r.key,
            title=r.title,
            date=r.date,
            minor=r.minor,
            line=r.line,
            section_sha256=r.section_sha256,
            revision=r.revision,
            withdrawn=r.withdrawn_at is not None,
        )
        for r in rows
    ]


def _markdown(conn: Connection, ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in chunks([str(i) for i in ids], 500):
        for release_id, markdown in conn.execute(
            select(release.c.id, release.c.markdown).where(
                release.c.id.in_([int(i) for i in chunk])
            )
        ):
            out[release_id] = markdown
    return out


def _current_markdown(conn: Connection, key: str) -> str | None:
    return conn.execute(
        select(release.c.markdown).where(release.c.key == key, release.c.withdrawn_at.is_(None))
    ).scalar()


def _head(conn: Connection, source: str, scope: str) -> Head | None:
    row = conn.execute(
        select(document_head.c.bytes, document_head.c.releases).where(
            document_head.c.source == source, document_head.c.scope == scope
        )
    ).first()
    return None if row is None else Head(bytes=row.bytes, releases=row.releases)


def _set_head(
    conn: Connection,
    source: str,
    plan: Plan,
    document_id: int,
    sha: str,
    size: int,
    now: dt.datetime,
) -> None:
    table = document_head
    where = (table.c.source == source) & (table.c.scope == plan.scope)
    conn.execute(delete(table).where(where))
    conn.execute(
        insert(table),
        {
            "source": source,
            "scope": plan.scope,
            "document_id": document_id,
            "sha256": sha,
            "bytes": size,
            "releases": plan.releases,
            "updated_at": now,
        },
    )


__all__ = ["DocumentMeta", "ParseWarning", "ingest_document", "sha256_text"]
