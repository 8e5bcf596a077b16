"""The ingest flow of one source: fetch or read a document, parse what changed, store it.

The CLI commands and the service cycle (aksnews.service.cycle, the one orchestrator) call these
functions; the stages themselves never call each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aksnews.config import Settings
from aksnews.errors import AksnewsError, ConfigError
from aksnews.model.records import IngestReport
from aksnews.sources.local import file_mtime, read_document
from aksnews.store.state import DocumentMeta

if TYPE_CHECKING:
    from aksnews.store.handle import Archive


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def ingest_file(
    archive: Archive,
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
        archive,
        source,
        text,
        str(path),
        meta,
        release=release,
        accept_shrink=accept_shrink,
        dry_run=dry_run,
    )


def _ingest(
    archive: Archive,
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
    if release is None and archive.document_current(source, sha):
        return IngestReport(source=source, path=path, unchanged=True, dry_run=dry_run)
    # The parsers and the writer, only when there is work.
    from aksnews.parsers.base import ParseOptions, get_parser
    from aksnews.sources.local import ingest_text

    parser = get_parser(source)
    options = ParseOptions(release=release)
    return ingest_text(
        archive,
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
        "kubernetes-schedule": settings.kubernetes_schedule_url,
    }
    return [(s, by_source[s]) for s in sources if s in by_source]


def fetch_and_ingest(
    archive: Archive,
    settings: Settings,
    source: str,
    url: str,
    *,
    now: Callable[[], dt.datetime] = _now,
    accept_shrink: bool = False,
) -> FetchOutcome:
    """Conditional GET of one source; parse and store only what changed."""
    from aksnews.sources.fetch import (  # httpx is imported only to fetch
        FetchOptions,
        NotFound,
        fetch_document,
    )

    etag, last_modified = archive.fetch_state(source, url)
    options = FetchOptions(
        timeout=settings.fetch_timeout,
        retries=settings.fetch_retries,
        max_bytes=settings.max_document_bytes,
    )
    try:
        result = fetch_document(url, etag=etag, last_modified=last_modified, options=options)
    except NotFound:
        # Probing the next upstream CHANGELOG answers 404 until it exists: not a failure.
        if source != "kubernetes":
            _record_failure(archive, source, url, now(), "not found (404)")
        raise
    except AksnewsError as exc:
        _record_failure(archive, source, url, now(), str(exc))
        raise
    meta = DocumentMeta(
        url=url,
        fetched_at=result.fetched_at,
        etag=result.etag,
        last_modified=result.last_modified,
    )
    if result.not_modified or result.text is None:
        archive.record_check(source, meta)
        return FetchOutcome(source=source, url=url, not_modified=True, report=None)
    try:
        report = _ingest(archive, source, result.text, url, meta, accept_shrink=accept_shrink)
    except AksnewsError as exc:  # fetched, but not a document of its kind (an error page)
        _record_failure(archive, source, url, now(), str(exc))
        raise
    if report.unchanged:
        archive.record_check(source, meta)
    return FetchOutcome(source=source, url=url, not_modified=False, report=report)


def _record_failure(archive: Archive, source: str, url: str, when: dt.datetime, error: str) -> None:
    from aksnews.sources.fetch import redact_url

    archive.record_failure(source, url, when, error.replace(url, redact_url(url)))


def parse_minor_range(text: str) -> tuple[str | None, str | None]:
    """'1.28-' -> ('1.28', None); '1.28-1.32' -> both; '1.30' -> ('1.30', '1.30')."""
    from aksnews.knowledge.lifecycle import minor_of

    first, dash, last = text.strip().partition("-")
    start = minor_of(first) if first else None
    end = (minor_of(last) if last else None) if dash else start
    if start is None or (last and end is None):
        raise ConfigError(f"kubernetes_minors: {text!r} is not a range like 1.28- or 1.28-1.32")
    return start, end


def default_first_minor(archive: Archive) -> str:
    """The oldest minor worth fetching: the oldest that the AKS calendar lists or a cluster of
    the inventory runs; with neither, the newest GA minor announced by AKS minus three."""
    from aksnews.inventory.merge import load_inventory
    from aksnews.knowledge.lifecycle import minor_key, minor_of
    from aksnews.model.releases import KubernetesVersionFact, VersionEvent, VersionLifecycleFact

    mentioned = [
        f.fact.minor
        for f in archive.list_facts(fact_type="version-lifecycle")
        if isinstance(f.fact, VersionLifecycleFact)
    ]
    mentioned += [
        m
        for c in load_inventory(archive).clusters
        for m in [minor_of(c.kubernetes_version or "")]
        if m is not None
    ]
    if mentioned:
        return min(mentioned, key=minor_key)
    ga = [
        m
        for f in archive.list_facts(fact_type="kubernetes-version", source="aks")
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


@dataclass(frozen=True, slots=True)
class MinorPlan:
    """Which upstream minors to fetch: listed ones, then an open walk from `open_from` up."""

    listed: tuple[str, ...] = ()
    open_from: str | None = None


def parse_minors(text: str) -> MinorPlan:
    """'1.22,1.32' (a list), '1.28-1.32' (a range), '1.28-' (from 1.28 up), or a mix of them."""
    from aksnews.knowledge.lifecycle import minor_key

    listed: list[str] = []
    open_from: str | None = None
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        first, last = parse_minor_range(item)
        assert first is not None
        if last is None:
            open_from = min(open_from or first, first, key=minor_key)
            continue
        major, minor = minor_key(first)
        listed += [f"{major}.{n}" for n in range(minor, minor_key(last)[1] + 1)]
    return MinorPlan(tuple(dict.fromkeys(listed)), open_from)


@dataclass(frozen=True, slots=True)
class MissingMinor:
    minor: str
    url: str

    def __str__(self) -> str:
        from aksnews.sources.fetch import redact_url

        name = self.url.rsplit("/", 1)[-1]
        return f"{name} not found at {redact_url(self.url)}; set kubernetes_minors"


@dataclass(frozen=True, slots=True)
class KubernetesFetch:
    outcomes: tuple[FetchOutcome, ...]
    missing: tuple[MissingMinor, ...]  # minors expected but absent (gaps in a mirror)


def mirror_minors(template: str) -> tuple[str, ...]:
    """The minors a file:// mirror holds, from its folder listing ('' for other URLs)."""
    import re
    import urllib.parse
    import urllib.request

    from aksnews.knowledge.lifecycle import minor_key

    parts = urllib.parse.urlsplit(template)
    if parts.scheme != "file" or "{minor}" not in parts.path.rsplit("/", 1)[-1]:
        return ()
    folder, _, pattern = urllib.request.url2pathname(parts.path).rpartition("/")
    before, _, after = pattern.partition("{minor}")
    wanted = re.compile(re.escape(before) + r"(\d+\.\d+)" + re.escape(after))
    try:
        names = [p.name for p in Path(folder or "/").iterdir()]
    except OSError:
        return ()
    found = {m[1] for name in names if (m := wanted.fullmatch(name))}
    return tuple(sorted(found, key=minor_key))


def walk_kubernetes(
    archive: Archive,
    settings: Settings,
    *,
    now: Callable[[], dt.datetime] = _now,
    accept_shrink: bool = False,
) -> KubernetesFetch:
    """Fetch CHANGELOG-1.NN.md for the configured minors; discover new minors by probing.

    Listed minors (kubernetes_minors '1.22,1.32', '1.22-1.32') are fetched and the absent ones
    reported. The open walk ('1.28-', or the default) starts at its first minor (for a file://
    mirror without kubernetes_minors: the oldest minor the mirror holds) and goes up. A 404
    there is a gap, reported, while a newer minor is known to exist (archived upstream, or in
    the mirror), and while nothing has been found yet up to the newest minor the archive
    knows; after that it is the probe for the next minor, which answers 404 until the release
    team creates it, and ends the walk quietly.
    """
    from aksnews.knowledge.lifecycle import minor_key
    from aksnews.sources.fetch import NotFound

    mirror = mirror_minors(settings.kubernetes_url)
    if settings.kubernetes_minors:
        plan = parse_minors(settings.kubernetes_minors)
    else:
        plan = MinorPlan(open_from=mirror[0] if mirror else default_first_minor(archive))
    outcomes: list[FetchOutcome] = []
    missing: list[MissingMinor] = []

    def fetch(minor: str) -> bool:
        url = settings.kubernetes_url.format(minor=minor)
        try:
            outcomes.append(
                fetch_and_ingest(
                    archive, settings, "kubernetes", url, now=now, accept_shrink=accept_shrink
                )
            )
        except NotFound:
            missing.append(MissingMinor(minor, url))
            return False
        return True

    for minor in plan.listed:
        fetch(minor)
    if plan.open_from is not None:
        upstream = set(archive.archived_minors(source="kubernetes")) | set(mirror)
        known = set(archive.archived_minors()) | upstream | {plan.open_from}
        newest_upstream = max(upstream | {plan.open_from}, key=minor_key)
        newest_known = max(known, key=minor_key)
        major, first = minor_key(plan.open_from)
        found = False
        for number in range(first, first + 100):  # a mirror answering 200 for anything
            minor = f"{major}.{number}"
            if minor in plan.listed:
                continue
            if fetch(minor):
                found = True
                continue
            beyond = minor_key(newest_upstream if found else newest_known)
            if minor_key(minor) > beyond:
                missing.pop()  # the probe for the next minor: not published yet
                break
    return KubernetesFetch(tuple(outcomes), tuple(missing))


def fetch_kubernetes(
    archive: Archive,
    settings: Settings,
    *,
    now: Callable[[], dt.datetime] = _now,
    accept_shrink: bool = False,
) -> list[FetchOutcome]:
    """walk_kubernetes for callers that only log the gaps (the scheduler's poll)."""
    import logging

    walk = walk_kubernetes(archive, settings, now=now, accept_shrink=accept_shrink)
    for gap in walk.missing:
        logging.getLogger(__name__).warning("source=kubernetes warning=%s", gap)
    return list(walk.outcomes)
