"""What the matcher reads: the slice of the archive's knowledge it needs, as one value.

Built from the archive handle's facts and the views of this package (API knowledge base,
reconciled calendar); tests build it from files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aksnews.knowledge.apis import KnowledgeRow
from aksnews.knowledge.lifecycle import MinorLifecycle
from aksnews.model.links import release_key_url
from aksnews.model.records import StoredFact

if TYPE_CHECKING:
    from aksnews.store.handle import Archive


@dataclass(frozen=True, slots=True)
class ArchiveView:
    """What the matcher reads from the archive; load_archive_view fills it, tests build it.

    - knowledge: the merged API knowledge base (aksnews.knowledge.apis.build_knowledge); row
      references are 'release key#...' strings;
    - calendar: one MinorLifecycle per Kubernetes minor
      (aksnews.knowledge.lifecycle.build_calendar);
    - node_images, retirements, versions: stored node-image, retirement and kubernetes-version
      facts of AKS releases, each with its release key and release date;
    - release_urls: release key -> public URL with the heading anchor, for links back to the
      source (missing keys fall back to the document's page).
    """

    knowledge: tuple[KnowledgeRow, ...] = ()
    calendar: tuple[MinorLifecycle, ...] = ()
    node_images: tuple[StoredFact, ...] = ()
    retirements: tuple[StoredFact, ...] = ()
    versions: tuple[StoredFact, ...] = ()
    release_urls: Mapping[str, str] = field(default_factory=dict)

    def url(self, release_key: str) -> str:
        """The release's URL; without a stored one, the page of its document."""
        return release_key_url(self.release_urls, release_key)


def load_archive_view(archive: Archive, today: dt.date) -> ArchiveView:
    """What the matcher reads, from the archive's facts as of `today`."""
    from aksnews.knowledge.apis import load_knowledge
    from aksnews.knowledge.lifecycle import load_calendar

    versions = tuple(archive.list_facts(fact_type="kubernetes-version", source="aks"))
    return ArchiveView(
        knowledge=load_knowledge(archive),
        calendar=tuple(load_calendar(archive, today, versions)),
        node_images=tuple(archive.list_facts(fact_type="node-image", source="aks")),
        retirements=tuple(archive.list_facts(fact_type="retirement", source="aks")),
        versions=versions,
        release_urls=archive.release_urls(),
    )
