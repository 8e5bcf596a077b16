"""Which Kubernetes minors the archive knows: to tell a typo ('1.40') from a real target."""

from __future__ import annotations

from sqlalchemy import Engine, select

from aksnews.model.versions import leading_minor
from aksnews.store.tables import fact, release

# Facts whose subject is a version or a minor ('1.32.7', '1.32').
_VERSION_FACTS = ("kubernetes-version", "version-lifecycle")


def archived_minors(engine: Engine, *, source: str | None = None) -> frozenset[str]:
    """Minors named by upstream releases, the guide, the AKS calendar and AKS version news;
    with `source`, only the minors of that source's releases ('kubernetes': upstream lines)."""
    with engine.connect() as conn:
        query = select(release.c.minor).distinct()
        if source is not None:
            query = query.where(release.c.source == source)
        minors = {m for m in conn.scalars(query) if m}
        if source is not None:
            return frozenset(minors)
        subjects = conn.scalars(
            select(fact.c.subject).where(fact.c.type.in_(_VERSION_FACTS)).distinct()
        )
        minors.update(m for s in subjects if (m := leading_minor(s.removeprefix("v"))))
    return frozenset(minors)
