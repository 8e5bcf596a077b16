"""What the matcher and the knowledge-base commands read from the archive, assembled."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from aksnews.apis import KnowledgeRow, SourcedFact, build_knowledge
from aksnews.findings import ArchiveView
from aksnews.lifecycle import DatedVersionFact, MinorLifecycle, build_calendar
from aksnews.model import ApiChangeFact, KubernetesVersionFact, VersionLifecycleFact
from aksnews.store.queries import list_facts, list_releases


def load_knowledge(engine: Engine) -> tuple[KnowledgeRow, ...]:
    """The API knowledge base: the current guide's rows merged with facts mined from notes.

    Guide sections are revised in place when the page changes, so their stored facts are the
    current page's: exactly what build_knowledge wants.
    """
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


def load_calendar(engine: Engine, today: dt.date) -> list[MinorLifecycle]:
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
    return build_calendar(lifecycle, versions, today)


def load_archive_view(engine: Engine, today: dt.date) -> ArchiveView:
    return ArchiveView(
        knowledge=load_knowledge(engine),
        calendar=tuple(load_calendar(engine, today)),
        node_images=tuple(list_facts(engine, fact_type="node-image", source="aks")),
        retirements=tuple(list_facts(engine, fact_type="retirement", source="aks")),
        versions=tuple(list_facts(engine, fact_type="kubernetes-version", source="aks")),
        release_urls={r.key: r.url for r in list_releases(engine)},
    )
