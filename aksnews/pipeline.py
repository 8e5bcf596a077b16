"""Where the stages meet: fetch or read a document, parse what changed, store it.

The CLI and (later) the scheduler call these functions; the stages themselves never call each
other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from aksnews.config import Settings
from aksnews.ingest import file_mtime, read_document
from aksnews.parsers.base import ParseOptions, get_parser
from aksnews.store.archive import DocumentMeta, fetch_state, ingest_text, record_check
from aksnews.store.records import IngestReport


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ingest_file(
    engine: Engine,
    settings: Settings,
    path: Path,
    *,
    source: str,
    release: str | None = None,
) -> IngestReport:
    parser = get_parser(source)
    text = read_document(path, max_bytes=settings.max_document_bytes)
    meta = DocumentMeta(url=path.resolve().as_uri(), fetched_at=file_mtime(path))
    return ingest_text(
        engine, parser, text, path=str(path), meta=meta, options=ParseOptions(release=release)
    )


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    source: str
    url: str
    not_modified: bool  # the server answered 304: nothing downloaded, nothing parsed
    report: IngestReport | None  # None when not modified


def source_urls(settings: Settings, sources: Iterable[str]) -> list[tuple[str, str]]:
    """(source, url) pairs to poll. Upstream minors are added by the caller that knows them."""
    by_source = {
        "aks": settings.aks_url,
        "deprecation-guide": settings.deprecation_guide_url,
        "aks-calendar": settings.aks_calendar_url,
    }
    return [(s, by_source[s]) for s in sources if s in by_source]


def fetch_and_ingest(
    engine: Engine,
    settings: Settings,
    source: str,
    url: str,
    *,
    now: Callable[[], dt.datetime] = _now,
) -> FetchOutcome:
    """Conditional GET of one source; parse and store only what changed."""
    from aksnews.fetch import FetchOptions, fetch_document  # httpx is imported only to fetch

    etag, last_modified = fetch_state(engine, source, url)
    options = FetchOptions(
        timeout=settings.fetch_timeout,
        retries=settings.fetch_retries,
        max_bytes=settings.max_document_bytes,
    )
    result = fetch_document(url, etag=etag, last_modified=last_modified, options=options)
    meta = DocumentMeta(
        url=url,
        fetched_at=result.fetched_at,
        etag=result.etag,
        last_modified=result.last_modified,
    )
    if result.not_modified or result.text is None:
        record_check(engine, source, meta)
        return FetchOutcome(source=source, url=url, not_modified=True, report=None)
    report = ingest_text(engine, get_parser(source), result.text, path=url, meta=meta)
    if report.unchanged:
        record_check(engine, source, meta)
    return FetchOutcome(source=source, url=url, not_modified=False, report=report)
