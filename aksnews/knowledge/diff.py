"""What changes upstream between two Kubernetes versions: the report behind `aksnews diff`.

Pure: takes archived upstream releases (with entries and facts), two versions and the API
knowledge base. Pre-releases are left out because the v1.NN.0 notes repeat everything since the
previous minor. The report reads in the order an upgrade breaks:

1. urgent upgrade notes, and notes of any kind marked ACTION REQUIRED;
2. from the knowledge base: the API versions, feature gates and flags removed in the range
   (the guide and every note, not only the notes of these releases: 1.25 and 1.26 only link to
   the guide);
3. deprecations and API changes;
4. dependency bumps, one line per module from its first version in the range to its last
   (a 1.29 to 1.32 diff has hundreds of Go module bumps).

Minors of the range with no release in the archive are named, so a short report is not
mistaken for a quiet upgrade.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aksnews.knowledge.apis import KnowledgeRow
from aksnews.knowledge.catalogue import ApiKnowledge, FlagRemoval, GateRemoval
from aksnews.model.records import ReleaseDetail, ReleaseSummary, StoredEntry
from aksnews.model.releases import ComponentUpdateFact

if TYPE_CHECKING:
    from aksnews.store.handle import Archive

# The order a reader needs: what breaks the upgrade first. (kind, title); the removed-* sections
# come from the knowledge base, the others from the notes.
GROUPS: tuple[tuple[str, str], ...] = (
    ("urgent-upgrade", "Urgent upgrade notes"),
    ("removed-api", "Removed APIs"),
    ("removed-feature-gate", "Removed feature gates"),
    ("removed-flag", "Removed flags"),
    ("deprecation", "Deprecations"),
    ("api-change", "API changes"),
    ("dependency", "Dependency changes"),
)
NOTE_KINDS = frozenset({"urgent-upgrade", "deprecation", "api-change", "dependency"})


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


def range_keys(summaries: Iterable[ReleaseSummary], start: Version, end: Version) -> list[str]:
    """The keys of the final releases in the range, in the order build_diff reads them (by
    version; releases of one version in the order given)."""
    chosen = [s for s in summaries if in_range(s.version, start, end)]
    chosen.sort(key=lambda s: release_version(s.version) or (0, 0, 0))
    return [s.key for s in chosen]


@dataclass(frozen=True, slots=True)
class DiffGroup:
    kind: str
    title: str
    entries: tuple[StoredEntry, ...]


@dataclass(frozen=True, slots=True)
class DependencyChange:
    """One module over the whole range: its first 'from' and its last 'to'."""

    component: str
    from_version: str | None
    to_version: str | None  # None: removed
    bumps: int  # how many notes of the range changed it


@dataclass(frozen=True, slots=True)
class UpgradeDiff:
    start: str
    end: str
    releases: tuple[str, ...]  # release keys in version order
    groups: tuple[DiffGroup, ...]
    removed_apis: tuple[KnowledgeRow, ...] = ()
    removed_gates: tuple[GateRemoval, ...] = ()
    removed_flags: tuple[FlagRemoval, ...] = ()
    dependencies: tuple[DependencyChange, ...] = ()
    missing_minors: tuple[str, ...] = ()  # minors of the range with no release archived
    knowledge_origin: str | None = None  # 'archive' or 'snapshot'


def build_diff(
    start: Version,
    end: Version,
    releases: Iterable[ReleaseDetail],
    kinds: Sequence[str] = (),
    knowledge: ApiKnowledge | None = None,
) -> UpgradeDiff:
    chosen = sorted(
        (r for r in releases if in_range(r.summary.version, start, end)),
        key=lambda r: release_version(r.summary.version) or (0, 0, 0),
    )
    wanted = {k for k, _ in GROUPS if not kinds or k in kinds}
    urgent = [e for r in chosen for e in r.entries if _urgent(e)]
    urgent_ids = {e.id for e in urgent}
    groups = []
    for kind, title in GROUPS:
        if kind not in wanted or kind not in NOTE_KINDS:
            continue
        if kind == "urgent-upgrade":
            entries = tuple(urgent)
        else:
            entries = tuple(
                e for r in chosen for e in r.entries if e.kind == kind and e.id not in urgent_ids
            )
        groups.append(DiffGroup(kind=kind, title=title, entries=entries))
    minors = _range_minors(start, end)
    apis: tuple[KnowledgeRow, ...] = ()
    gates: tuple[GateRemoval, ...] = ()
    flags: tuple[FlagRemoval, ...] = ()
    if knowledge is not None:
        if "removed-api" in wanted:
            apis = tuple(
                sorted(
                    (r for r in knowledge.apis if r.removed_in in minors),
                    key=lambda r: (_minor_key(r.removed_in), r.planned, r.group_version, r.kind),
                )
            )
        if "removed-feature-gate" in wanted:
            gates = tuple(g for g in knowledge.gates if g.removed_in in minors)
        if "removed-flag" in wanted:
            flags = tuple(f for f in knowledge.flags if f.removed_in in minors)
    dependencies: tuple[DependencyChange, ...] = ()
    if "dependency" in wanted:
        dependencies = collapse_dependencies(
            e for r in chosen for e in r.entries if e.kind == "dependency"
        )
    archived = {f"{v[0]}.{v[1]}" for r in chosen if (v := release_version(r.summary.version))}
    return UpgradeDiff(
        start=_label(start),
        end=_label(end),
        releases=tuple(r.summary.key for r in chosen),
        groups=tuple(groups),
        removed_apis=apis,
        removed_gates=gates,
        removed_flags=flags,
        dependencies=dependencies,
        missing_minors=tuple(m for m in minors if m not in archived),
        knowledge_origin=knowledge.origin if knowledge is not None else None,
    )


def _urgent(entry: StoredEntry) -> bool:
    return entry.kind == "urgent-upgrade" or entry.action_required


def collapse_dependencies(entries: Iterable[StoredEntry]) -> tuple[DependencyChange, ...]:
    """One line per module: the first 'from' and the last 'to' of the range (entries in order)."""
    first: dict[str, str | None] = {}
    last: dict[str, str | None] = {}
    bumps: dict[str, int] = {}
    for entry in entries:
        for stored in entry.facts:
            fact = stored.fact
            if not isinstance(fact, ComponentUpdateFact):
                continue
            if fact.component not in first:
                first[fact.component] = fact.from_version
            last[fact.component] = fact.to_version
            bumps[fact.component] = bumps.get(fact.component, 0) + 1
    return tuple(
        DependencyChange(c, first[c], last[c], bumps[c])
        for c in sorted(first, key=str.lower)
        if first[c] != last[c]
    )


def _range_minors(start: Version, end: Version) -> list[str]:
    """The minors an upgrade from `start` to `end` moves into. From a patch (1.30.2) its own
    minor is already running: its removals happened at 1.30.0, and its later patches add none."""
    return [f"{start.major}.{m}" for m in range(start.minor + 1, end.minor + 1)]


def _minor_key(minor: str | None) -> tuple[int, int]:
    major, _, rest = (minor or "0.0").partition(".")
    return (int(major), int(rest)) if major.isdigit() and rest.isdigit() else (1 << 30, 0)


def _label(v: Version) -> str:
    return v.minor_text if v.patch is None else f"{v.minor_text}.{v.patch}"


def minors_between(start: Version, end: Version) -> list[str]:
    """Minor lines whose releases can fall in the range, for the store query."""
    return [f"{start.major}.{m}" for m in range(start.minor, end.minor + 1)]


def load_upstream_range(archive: Archive, start: Version, end: Version) -> list[ReleaseDetail]:
    """Final upstream releases after `start` up to `end`, with their entries (for diff, plan)."""
    keys = [
        summary.key
        for summary in archive.list_releases(source="kubernetes", minors=minors_between(start, end))
        if in_range(summary.version, start, end)
    ]
    return archive.get_releases(keys)
