"""What the knowledge views read beyond facts: the views themselves (the API knowledge base in
aksnews.knowledge.apis and aksnews.knowledge.catalogue, the calendar in aksnews.knowledge.lifecycle, listings in
aksnews.knowledge.release_order, the matcher's view in aksnews.model.findings) are built from what the archive
handle returns."""

from __future__ import annotations

from sqlalchemy import Engine, select

from aksnews.store.tables import release


def upstream_minor_versions(engine: Engine) -> list[str]:
    """Versions of the upstream minors' first releases ('v1.NN.0') archived: versions only, no
    entry counts (what the calendar needs to know a minor shipped)."""
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(release.c.version).where(
                    release.c.source == "kubernetes", release.c.version.like("v%.0")
                )
            )
        )
