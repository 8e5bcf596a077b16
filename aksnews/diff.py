"""What changes upstream between two Kubernetes versions: the report behind `aksnews diff`.

Pure: takes archived upstream releases (with entries and facts) and two versions. Pre-releases
are left out because the v1.NN.0 notes repeat everything since the previous minor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aksnews.model import FactType
from aksnews.store.records import ReleaseDetail, StoredEntry, StoredFact

# The order a reader needs: what breaks the upgrade first.
GROUPS: tuple[tuple[str, str], ...] = (
    ("urgent-upgrade", "Urgent upgrade notes"),
    ("deprecation", "Deprecations"),
    ("api-change", "API changes"),
    ("dependency", "Dependency changes"),
)


@dataclass(frozen=True, slots=True, order=True)
class Version:
    major: int
    minor: int
    patch: int | None  # None: the whole minor line ('1.22')

    @classmethod
    def parse(cls, text: str) -> Version:
        parts = text.strip().removeprefix("v").split(".")
        try:
            if len(parts) == 2:
                return cls(int(parts[0]), int(parts[1]), None)
            if len(parts) == 3 and parts[2].isdigit():
                return cls(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
        raise ValueError(f"not a Kubernetes version: {text!r} (want 1.NN or 1.NN.P)")

    @property
    def minor_text(self) -> str:
        return f"{self.major}.{self.minor}"


def release_version(version: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) of a final upstream release 'v1.32.5'; None for pre-releases."""
    parts = version.removeprefix("v").split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def in_range(version: str, start: Version, end: Version) -> bool:
    """After `start` (a whole minor line when no patch is given) and up to `end` inclusive."""
    v = release_version(version)
    if v is None:
        return False
    lower = (start.major, start.minor, start.patch if start.patch is not None else 10**9)
    upper = (end.major, end.minor, end.patch if end.patch is not None else 10**9)
    return lower < v <= upper


@dataclass(frozen=True, slots=True)
class DiffGroup:
    kind: str
    title: str
    entries: tuple[StoredEntry, ...]


@dataclass(frozen=True, slots=True)
class UpgradeDiff:
    start: str
    end: str
    releases: tuple[str, ...]  # release keys in version order
    groups: tuple[DiffGroup, ...]
    removed_apis: tuple[StoredFact, ...]


def build_diff(
    start: Version, end: Version, releases: Iterable[ReleaseDetail], kinds: Sequence[str] = ()
) -> UpgradeDiff:
    chosen = sorted(
        (r for r in releases if in_range(r.summary.version, start, end)),
        key=lambda r: release_version(r.summary.version) or (0, 0, 0),
    )
    wanted = [g for g in GROUPS if not kinds or g[0] in kinds]
    groups = []
    for kind, title in wanted:
        entries = tuple(e for r in chosen for e in r.entries if e.kind == kind)
        groups.append(DiffGroup(kind=kind, title=title, entries=entries))
    removed = tuple(
        f for r in chosen for e in r.entries for f in e.facts if f.fact.type is FactType.API_REMOVAL
    )
    return UpgradeDiff(
        start=_label(start),
        end=_label(end),
        releases=tuple(r.summary.key for r in chosen),
        groups=tuple(groups),
        removed_apis=removed,
    )


def _label(v: Version) -> str:
    return v.minor_text if v.patch is None else f"{v.minor_text}.{v.patch}"


def minors_between(start: Version, end: Version) -> list[str]:
    """Minor lines whose releases can fall in the range, for the store query."""
    return [f"{start.major}.{m}" for m in range(start.minor, end.minor + 1)]
