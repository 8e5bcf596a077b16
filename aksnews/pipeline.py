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
from aksnews.errors import ConfigError
from aksnews.ingest import file_mtime, read_document
from aksnews.store.records import IngestReport
from aksnews.store.state import DocumentMeta, document_current, fetch_state, record_check


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ingest_file(
    engine: Engine,
    settings: Settings,
    path: Path,
    *,
    source: str,
    release: str | None = None,
    accept_shrink: bool = False,
    dry_run: bool = False,
) -> IngestReport:
    text = read_document(path, max_bytes=settings.max_document_bytes)
    meta = DocumentMeta(url=path.resolve().as_uri(), fetched_at=file_mtime(path))
    return _ingest(
        engine,
        source,
        text,
        str(path),
        meta,
        release=release,
        accept_shrink=accept_shrink,
        dry_run=dry_run,
    )


def _ingest(
    engine: Engine,
    source: str,
    text: str,
    path: str,
    meta: DocumentMeta,
    *,
    release: str | None = None,
    accept_shrink: bool = False,
    dry_run: bool = False,
) -> IngestReport:
    """Make the archive mirror `text`; the bytes it mirrors already cost one query and import
    no parser."""
    import hashlib

    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if release is None and document_current(engine, source, sha):
        return IngestReport(source=source, path=path, unchanged=True, dry_run=dry_run)
    # The parsers and the ORM writer, only when there is work.
    from aksnews.parsers.base import ParseOptions, get_parser
    from aksnews.store.archive import ingest_text

    parser = get_parser(source)
    options = ParseOptions(release=release)
    return ingest_text(
        engine,
        parser,
        text,
        path=path,
        meta=meta,
        options=options,
        accept_shrink=accept_shrink,
        dry_run=dry_run,
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
    accept_shrink: bool = False,
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
    report = _ingest(engine, source, result.text, url, meta, accept_shrink=accept_shrink)
    if report.unchanged:
        record_check(engine, source, meta)
    return FetchOutcome(source=source, url=url, not_modified=False, report=report)


def parse_minor_range(text: str) -> tuple[str | None, str | None]:
    """'1.28-' -> ('1.28', None); '1.28-1.32' -> both; '1.30' -> ('1.30', '1.30')."""
    from aksnews.lifecycle import minor_of

    first, dash, last = text.strip().partition("-")
    start = minor_of(first) if first else None
    end = (minor_of(last) if last else None) if dash else start
    if start is None or (last and end is None):
        raise ConfigError(f"kubernetes_minors: {text!r} is not a range like 1.28- or 1.28-1.32")
    return start, end


def default_first_minor(engine: Engine) -> str:
    """The oldest minor worth fetching: the oldest that the AKS calendar lists or a cluster of
    the inventory runs; with neither, the newest GA minor announced by AKS minus three."""
    from aksnews.lifecycle import minor_key, minor_of
    from aksnews.model import KubernetesVersionFact, VersionEvent, VersionLifecycleFact
    from aksnews.store.inventory import load_inventory
    from aksnews.store.queries import list_facts

    mentioned = [
        f.fact.minor
        for f in list_facts(engine, fact_type="version-lifecycle")
        if isinstance(f.fact, VersionLifecycleFact)
    ]
    mentioned += [
        m
        for c in load_inventory(engine).clusters
        for m in [minor_of(c.kubernetes_version or "")]
        if m is not None
    ]
    if mentioned:
        return min(mentioned, key=minor_key)
    ga = [
        m
        for f in list_facts(engine, fact_type="kubernetes-version", source="aks")
        if isinstance(f.fact, KubernetesVersionFact) and f.fact.event is VersionEvent.GA
        for m in [minor_of(f.fact.version)]
        if m is not None
    ]
    if ga:
        major, minor = minor_key(max(ga, key=minor_key))
        return f"{major}.{max(minor - 3, 0)}"
    return FALLBACK_FIRST_MINOR


# Used only when the archive knows nothing yet (no calendar, no AKS changelog).
FALLBACK_FIRST_MINOR = "1.30"


def fetch_kubernetes(
    engine: Engine,
    settings: Settings,
    *,
    now: Callable[[], dt.datetime] = _now,
    accept_shrink: bool = False,
) -> list[FetchOutcome]:
    """Fetch CHANGELOG-1.NN.md for the configured window; discover new minors by probing.

    Probing the minor after the newest one fetched is how a new release is noticed: its file
    answers 404 until the release team creates it, which is normal and ends the walk.
    """
    from aksnews.fetch import NotFound
    from aksnews.lifecycle import minor_key

    if settings.kubernetes_minors:
        first, last = parse_minor_range(settings.kubernetes_minors)
    else:
        first, last = default_first_minor(engine), None
    assert first is not None
    major, minor = minor_key(first)
    outcomes: list[FetchOutcome] = []
    while True:
        name = f"{major}.{minor}"
        if last is not None and minor_key(name) > minor_key(last):
            break
        url = settings.kubernetes_url.format(minor=name)
        try:
            outcomes.append(
                fetch_and_ingest(
                    engine, settings, "kubernetes", url, now=now, accept_shrink=accept_shrink
                )
            )
        except NotFound:
            if last is None:
                break
            raise
        minor += 1
        if minor - minor_key(first)[1] > 100:  # a mirror answering 200 for anything
            break
    return outcomes
