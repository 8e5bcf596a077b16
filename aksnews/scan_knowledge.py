"""Where `aksnews scan` takes its API knowledge from: the one seam between scan and the store.

Today: the archive's knowledge base (the deprecation guide merged with facts mined from upstream
notes), as `aksnews apis` reads it. An empty archive is an error that says how to fill it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from aksnews.apis import KnowledgeRow
from aksnews.errors import AksnewsError
from aksnews.store.engine import safe_url


class NoKnowledge(AksnewsError):
    """Nothing to judge apiVersions by."""


@dataclass(frozen=True, slots=True)
class ApiKnowledge:
    rows: tuple[KnowledgeRow, ...]
    description: str  # where the rows come from, for the report: 'archive ...: guide, notes'


def api_knowledge(engine: Engine) -> ApiKnowledge:
    from aksnews.store.documents import latest_document
    from aksnews.store.knowledge import load_knowledge
    from aksnews.store.queries import list_releases

    rows = load_knowledge(engine)
    if not rows:
        raise NoKnowledge(
            "no API knowledge: run `aksnews fetch` (or `aksnews ingest deprecation-guide.md "
            "--source deprecation-guide`)"
        )
    guide = latest_document(engine, "deprecation-guide")
    upstream = list_releases(engine, source="kubernetes", limit=1)
    parts = [f"archive {safe_url(str(engine.url))}"]
    in_guide = sum(1 for r in rows if r.in_guide)
    if guide is not None:
        day = guide.fetched_at.date().isoformat()
        parts.append(f"deprecation guide of {day} from {guide.url} ({in_guide} rows)")
    if upstream:
        parts.append(f"upstream notes up to {upstream[0].key.partition(':')[2]}")
    return ApiKnowledge(rows=rows, description=", ".join(parts))
