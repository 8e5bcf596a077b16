"""Where `aksnews scan` takes its API knowledge from: the one seam between scan and the store.

The archive's knowledge base (the deprecation guide merged with facts mined from upstream
notes) once the archive has one; before that, the snapshot shipped with aksnews (built from
the same documents by scripts/build_api_snapshot.py), so a scan works on a fresh machine with
an empty database. The description says which, for the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aksnews.errors import AksnewsError
from aksnews.knowledge.apis import KnowledgeRow

if TYPE_CHECKING:
    from aksnews.store.handle import Archive


class NoKnowledge(AksnewsError):
    """Nothing to judge apiVersions by."""


@dataclass(frozen=True, slots=True)
class ApiKnowledge:
    rows: tuple[KnowledgeRow, ...]
    description: str  # where the rows come from, for the report: 'archive ...: guide, notes'


def api_knowledge(archive: Archive) -> ApiKnowledge:
    from aksnews.knowledge.catalogue import load_api_knowledge

    found = load_api_knowledge(archive)
    rows = tuple(found.apis)
    if not rows:
        raise NoKnowledge(
            "no API knowledge: run `aksnews fetch` (or `aksnews ingest deprecation-guide.md "
            "--source deprecation-guide`)"
        )
    if found.origin == "snapshot":
        paths = [s.split()[0] for s in found.sources]
        notes = [p for p in paths if "release-notes" in p]
        others = [p.rpartition("/")[2] for p in paths if p not in notes]
        inputs = others + ([f"{len(notes)} upstream release notes"] if notes else [])
        return ApiKnowledge(
            rows=rows,
            description=f"the snapshot shipped with aksnews, of {found.generated} ({len(rows)} "
            f"rows from {' and '.join(inputs) or 'the corpus'}; `aksnews fetch` replaces it)",
        )
    guide = archive.latest_document("deprecation-guide")
    upstream = archive.list_releases(source="kubernetes", limit=1)
    parts = [f"archive {archive.safe_url}"]
    in_guide = sum(1 for r in rows if r.in_guide)
    if guide is not None:
        day = guide.fetched_at.date().isoformat()
        parts.append(f"deprecation guide of {day} from {guide.url} ({in_guide} rows)")
    if upstream:
        parts.append(f"upstream notes up to {upstream[0].key.partition(':')[2]}")
    return ApiKnowledge(rows=rows, description=", ".join(parts))
