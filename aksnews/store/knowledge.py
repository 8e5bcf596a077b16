"""What the matcher and the knowledge-base commands read from the archive, assembled."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select

from aksnews.lifecycle import (
    DatedVersionFact,
    MinorLifecycle,
    ScheduleFact,
    UpstreamDate,
    build_calendar,
    upstream_dates,
)
from aksnews.model import (
    ApiChangeFact,
    FeatureGateRemovalFact,
    FlagRemovalFact,
    KubernetesVersionFact,
    UpstreamLifecycleFact,
    UpstreamReleaseFact,
    VersionLifecycleFact,
)
from aksnews.release_order import Listing, listing
from aksnews.store.queries import list_facts, list_releases
from aksnews.store.tables import release

if TYPE_CHECKING:
    # Imported where used: `releases` and `show` need only the listing, not the API catalogue
    # and the matcher's view (~60 ms of start-up).
    from aksnews.api_catalogue import ApiKnowledge
    from aksnews.apis import KnowledgeRow
    from aksnews.findings import ArchiveView


def load_knowledge(engine: Engine) -> tuple[KnowledgeRow, ...]:
    """The API knowledge base: the current guide's rows merged with facts mined from notes.

    Guide sections are revised in place when the page changes, so their stored facts are the
    current page's: exactly what build_knowledge wants.
    """
    from aksnews.apis import SourcedFact, build_knowledge

    guide: list[SourcedFact] = []
    mined: list[SourcedFact] = []
    for fact_type in ("api-removal", "api-deprecation"):
        for stored in list_facts(engine, fact_type=fact_type):
            if not isinstance(stored.fact, ApiChangeFact):
                continue
            reference = f"{stored.release_key}#entry-{stored.entry_id}"
            is_guide = stored.release_key.startswith("deprecation-guide:")
            (guide if is_guide else mined).append(SourcedFact(stored.fact, reference))
    return build_knowledge(guide, mined)


def load_schedule(engine: Engine) -> list[ScheduleFact]:
    """The upstream release schedule's facts (minors and patch dates)."""
    return [
        ScheduleFact(f.fact, f.release_key)
        for fact_type in ("upstream-lifecycle", "upstream-release")
        for f in list_facts(engine, fact_type=fact_type, source="kubernetes-schedule")
        if isinstance(f.fact, UpstreamLifecycleFact | UpstreamReleaseFact)
    ]


def load_upstream_dates(engine: Engine) -> dict[str, UpstreamDate]:
    """Dates of upstream releases by version, from the release schedule."""
    return upstream_dates(load_schedule(engine))


def load_listing(
    engine: Engine,
    *,
    source: str | None = None,
    since: dt.date | None = None,
    limit: int | None = None,
    finals_only: bool = False,
    include_withdrawn: bool = False,
) -> Listing:
    """Releases newest first, upstream ones dated by the schedule (aksnews.release_order);
    releases withdrawn from their document only with `include_withdrawn`."""
    if source is not None and source not in ("kubernetes", "kubernetes-schedule"):
        # AKS and document sources date every release: the database orders and limits them.
        rows = list_releases(
            engine, source=source, since=since, limit=limit, include_withdrawn=include_withdrawn
        )
        return Listing(tuple(rows), tuple(r.key for r in rows if r.date is None))
    return listing(
        list_releases(engine, source=source, include_withdrawn=include_withdrawn),
        load_upstream_dates(engine),
        since=since,
        limit=limit,
        finals_only=finals_only,
    )


def load_api_knowledge(engine: Engine | None) -> ApiKnowledge:
    """The API knowledge base with where it came from: the archive's rows (API versions,
    removed feature gates and flags) once it has any, else the snapshot shipped with aksnews.

    This is the one entry point for commands that may run without an archive (engine None).
    """
    from aksnews.api_catalogue import ApiKnowledge, load_snapshot, removed_gates_and_flags

    if engine is not None:
        rows = load_knowledge(engine)
        found: list[tuple[FeatureGateRemovalFact | FlagRemovalFact, str]] = []
        for fact_type in ("feature-gate-removal", "flag-removal"):
            for stored in list_facts(engine, fact_type=fact_type):
                if isinstance(stored.fact, FeatureGateRemovalFact | FlagRemovalFact):
                    found.append((stored.fact, stored.release_key))
        gates, flags = removed_gates_and_flags(found)
        archived = ApiKnowledge(rows, gates, flags, origin="archive")
        if not archived.empty:
            return archived
    return load_snapshot()


def load_calendar(engine: Engine, today: dt.date) -> list[MinorLifecycle]:
    """The reconciled lifecycle of every minor (aksnews.lifecycle), judged on `today`."""
    lifecycle = [
        (f.fact, f.release_key)
        for f in list_facts(engine, fact_type="version-lifecycle")
        if isinstance(f.fact, VersionLifecycleFact)
    ]
    versions = [
        DatedVersionFact(f.fact, f.release_key, f.release_date)
        for f in list_facts(engine, fact_type="kubernetes-version", source="aks")
        if isinstance(f.fact, KubernetesVersionFact)
    ]
    with engine.connect() as conn:  # versions only: no entry counts needed here
        upstream = list(
            conn.scalars(
                select(release.c.version).where(
                    release.c.source == "kubernetes", release.c.version.like("v%.0")
                )
            )
        )
    return build_calendar(
        lifecycle, versions, today, schedule=load_schedule(engine), upstream_versions=upstream
    )


def load_archive_view(engine: Engine, today: dt.date) -> ArchiveView:
    from aksnews.findings import ArchiveView

    return ArchiveView(
        knowledge=load_knowledge(engine),
        calendar=tuple(load_calendar(engine, today)),
        node_images=tuple(list_facts(engine, fact_type="node-image", source="aks")),
        retirements=tuple(list_facts(engine, fact_type="retirement", source="aks")),
        versions=tuple(list_facts(engine, fact_type="kubernetes-version", source="aks")),
        release_urls={r.key: r.url for r in list_releases(engine)},
    )
