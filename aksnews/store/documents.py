"""Where the archive's knowledge came from: the newest stored document of a source."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select

from aksnews.store.schema import DocumentRow


@dataclass(frozen=True, slots=True)
class DocumentOrigin:
    url: str
    fetched_at: dt.datetime  # a file's mtime when it was ingested from disk


def latest_document(engine: Engine, source: str) -> DocumentOrigin | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(DocumentRow.url, DocumentRow.fetched_at)
            .where(DocumentRow.source == source)
            .order_by(DocumentRow.fetched_at.desc(), DocumentRow.id.desc())
            .limit(1)
        ).first()
    return None if row is None else DocumentOrigin(url=row.url, fetched_at=row.fetched_at)
