"""What the knowledge views read beyond facts. The views themselves are built in
aksnews.knowledge from what the archive handle returns: the API knowledge base (apis,
catalogue), the calendar (lifecycle), listings (release_order) and the matcher's view (view)."""

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
