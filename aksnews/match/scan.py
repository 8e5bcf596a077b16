"""`aksnews scan`: deprecated and removed apiVersions in manifests, judged at a target minor.

Pluto's detect-files for aksnews users: no archive, inventory or cluster needed, only the API
knowledge base. Pure: the objects found in manifests and the knowledge rows come in, rows and an
exit code go out.

At a target minor T an apiVersion/kind is
- removed when the knowledge says it is no longer served at or before T;
- deprecated when it is still served at T and its deprecation release is at or before T. The
  guide names removal releases only; when no note names the deprecation release, the
  deprecation policy gives one at the latest: a deprecated beta API is served for at least
  three more releases, so an API removed in R is deprecated by R-3 (shown as "by R-3").
Rows deprecated only after T, and apiVersions the knowledge does not name, are not reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from aksnews.knowledge.apis import KnowledgeRow
from aksnews.match.apis import knowledge_index
from aksnews.model.inventory import ApiUse
from aksnews.model.versions import try_parse_kube_version

# Kubernetes deprecation policy, rule 4a: beta API versions are served at least 9 months or 3
# releases after their deprecation, whichever is longer.
POLICY_RELEASES_AFTER_DEPRECATION = 3


class Status(StrEnum):
    DEPRECATED = "deprecated"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class ScanRow:
    name: str | None
    namespace: str | None
    kind: str
    api_version: str
    status: Status
    replacement: str | None
    replacement_since: str | None
    replacement_served: bool | None  # at the target; None when no replacement is named
    deprecated_in: str | None
    deprecated_in_inferred: bool  # from the removal release and the deprecation policy
    removed_in: str | None
    location: str  # 'path:line', '-:line' for stdin, 'helm:ns/release rev N: template'
    evidence: tuple[str, ...]  # sources of the knowledge row: 'deprecation-guide', 'pr:NNN'


@dataclass(frozen=True, slots=True)
class ScanOptions:
    target: str  # '1.25'
    only_show_removed: bool = False
    ignore_deprecations: bool = False
    ignore_removals: bool = False


def _minor(text: str | None) -> tuple[int, int] | None:
    version = try_parse_kube_version(text) if text else None
    return (version.major, version.minor) if version else None


def _deprecated_from(row: KnowledgeRow) -> tuple[str | None, bool]:
    """The release the row is deprecated in, and whether that was inferred from the policy."""
    if row.deprecated_in:
        return row.deprecated_in, False
    removed = _minor(row.removed_in)
    if removed is None:
        return None, False
    major, minor = removed
    return f"{major}.{max(minor - POLICY_RELEASES_AFTER_DEPRECATION, 0)}", True


def _status(row: KnowledgeRow, target: tuple[int, int]) -> Status | None:
    removed = _minor(row.removed_in)
    if removed is not None and removed <= target:
        return Status.REMOVED
    deprecated = _minor(_deprecated_from(row)[0])
    if deprecated is not None and deprecated <= target:
        return Status.DEPRECATED
    return None


def _row_for(rows: Sequence[KnowledgeRow], kind: str) -> KnowledgeRow | None:
    """The guide's row for the kind first, then the earliest removal; rows without kinds last."""
    low = kind.lower()
    hits = [r for r in rows if any(k.lower() == low for k in r.kinds)]
    hits = hits or [r for r in rows if not r.kinds]
    if not hits:
        return None
    return min(hits, key=lambda r: (not r.in_guide, r.planned, _minor(r.removed_in) or (999, 0)))


def judge(
    uses: Iterable[ApiUse], knowledge: Iterable[KnowledgeRow], options: ScanOptions
) -> list[ScanRow]:
    """One row per object whose apiVersion/kind is deprecated or removed at the target."""
    target = _minor(options.target)
    if target is None:
        raise ValueError(f"not a minor version: {options.target!r}")
    index = knowledge_index(knowledge)
    out: list[ScanRow] = []
    for use in uses:
        row = _row_for(index.get(use.api_version, ()), use.kind)
        if row is None:
            continue
        status = _status(row, target)
        if status is None or (options.only_show_removed and status is not Status.REMOVED):
            continue
        since = _minor(row.replacement_since)
        served = None if not row.replacement else (since is None or since <= target)
        deprecated_in, inferred = _deprecated_from(row)
        out.append(
            ScanRow(
                name=use.name,
                namespace=use.namespace,
                kind=use.kind,
                api_version=use.api_version,
                status=status,
                replacement=row.replacement,
                replacement_since=row.replacement_since,
                replacement_served=served,
                deprecated_in=deprecated_in,
                deprecated_in_inferred=inferred,
                removed_in=row.removed_in,
                location=use.location,
                evidence=row.evidence,
            )
        )
    return out


def exit_code(rows: Iterable[ScanRow], options: ScanOptions) -> int:
    """Pluto's: 3 a removed apiVersion, 2 a deprecated one, 0 neither (each can be ignored)."""
    statuses = {r.status for r in rows}
    if Status.REMOVED in statuses and not options.ignore_removals:
        return 3
    if Status.DEPRECATED in statuses and not options.ignore_deprecations:
        return 2
    return 0
