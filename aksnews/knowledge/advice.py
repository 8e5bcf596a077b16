"""What to move an apiVersion to: the newest stable replacement the target minor still serves.

The guide names replacements as of the day it was written ('flowcontrol.apiserver.k8s.io/v1,
flowcontrol.apiserver.k8s.io/v1beta3'), and some of them are removed later themselves (v1beta3
in 1.32). Advice for a cluster going to minor T is therefore checked against the knowledge base
itself: a candidate is served at T when it is served since a minor <= T (its replacement_since
where a row names it; unknown counts as served) and no row of the same kind says it is removed
(or planned to be removed) at or before T. The candidates are the row's own replacements and
every other version of the same group that the knowledge base knows for the kind; of those
served at T the most stable and newest wins (v1 over v1beta3 over v1beta2 over v1alpha1). When
none is served the advice says so instead of naming a version that does not work.

Pure: rows in, an Advice out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aksnews.knowledge.apis import KnowledgeRow, minor_key

_VERSION = re.compile(r"v(\d+)(?:(alpha|beta)(\d+))?$")
_STAGE = {"alpha": 0, "beta": 1, None: 2}


@dataclass(frozen=True, slots=True)
class Advice:
    replacement: str | None  # one group/version, served at the target
    since: str | None  # the minor it is served from, when the knowledge base says
    note: str  # one sentence for a person: what to do, or why nothing can be named


def version_rank(group_version: str) -> tuple[int, int, int]:
    """Stable over beta over alpha, then the higher number: v1 > v1beta3 > v1beta1 > v1alpha2."""
    m = _VERSION.match(group_version.rpartition("/")[2])
    if m is None:
        return (-1, -1, -1)
    stage = _STAGE[m.group(2)]
    return (stage, int(m.group(1)), int(m.group(3) or 0))


def _kind_matches(row: KnowledgeRow, kind: str) -> bool:
    return not row.kinds or not kind or row.kind.lower() == kind.lower()


def _removed_by(rows: Iterable[KnowledgeRow], gv: str, kind: str, target: str) -> str | None:
    """The release at or before `target` that stops serving gv for this kind, if any."""
    for row in rows:
        if row.group_version != gv or not row.removed_in or not _kind_matches(row, kind):
            continue
        if minor_key(row.removed_in) <= minor_key(target):
            return row.removed_in
    return None


def _since(rows: Iterable[KnowledgeRow], gv: str, kind: str) -> str | None:
    """The earliest minor the knowledge base says gv is served from, for this kind.

    Only rows that name gv as their one replacement count: with alternatives ('v1, v1beta3,
    available since 1.26') the minor belongs to the earliest of them, not to each.
    """
    found = [
        row.replacement_since
        for row in rows
        if row.replacement_since and _kind_matches(row, kind) and _replacements(row) == [gv]
    ]
    return min(found, key=minor_key) if found else None


def _replacements(row: KnowledgeRow) -> list[str]:
    return [r.strip() for r in (row.replacement or "").split(",") if r.strip()]


def candidates(row: KnowledgeRow, kind: str, rows: Sequence[KnowledgeRow]) -> list[str]:
    """The row's replacements and the newer versions of its group known for this kind."""
    group = row.group_version.split("/")[0]
    named = _replacements(row)
    groups = {group, *(r.split("/")[0] for r in named)}
    known = [
        gv
        for other in rows
        if _kind_matches(other, kind)
        for gv in (other.group_version, *_replacements(other))
        if gv.split("/")[0] in groups
    ]
    own = version_rank(row.group_version)
    return [
        gv
        for gv in dict.fromkeys([*named, *known])
        if gv != row.group_version
        # a replacement is newer than what it replaces, except across groups (extensions)
        and (gv.split("/")[0] != group or version_rank(gv) > own)
    ]


def served_at(gv: str, kind: str, target: str, rows: Sequence[KnowledgeRow]) -> bool:
    """Whether the knowledge base does not contradict gv serving `kind` at minor `target`.

    A row that names gv among alternatives gives the earliest minor of them all: gv is served
    from that minor at the soonest, so a target before it is not served either.
    """
    for row in rows:
        since = row.replacement_since
        named = gv in _replacements(row) and _kind_matches(row, kind)
        if named and since and minor_key(since) > minor_key(target):
            return False
    return _removed_by(rows, gv, kind, target) is None


def proven_at(gv: str, kind: str, target: str, rows: Sequence[KnowledgeRow]) -> bool:
    """Whether the knowledge base says gv serves `kind` at `target`: served since a minor at or
    before it, or named as the replacement of a version removed at or before it (the guide
    says to migrate there then), and not removed since."""
    if _removed_by(rows, gv, kind, target) is not None:
        return False
    since = _since(rows, gv, kind)
    if since is not None:
        return minor_key(since) <= minor_key(target)
    return any(
        row.removed_in
        and not row.planned
        and minor_key(row.removed_in) <= minor_key(target)
        and _kind_matches(row, kind)
        and gv in _replacements(row)
        for row in rows
    )


def advise(row: KnowledgeRow, kind: str, target: str, rows: Sequence[KnowledgeRow]) -> Advice:
    """The replacement to offer for `row` (used as `kind`) on a cluster going to `target`.

    The newest, most stable candidate the knowledge base proves served at the target; failing
    that, the row's own replacement when nothing says it is not served there; else none.
    """
    subject = f"{row.group_version} {kind}".strip()
    found = [gv for gv in candidates(row, kind, rows) if proven_at(gv, kind, target, rows)]
    if not found:
        found = [gv for gv in _replacements(row) if served_at(gv, kind, target, rows)]
    if not found:
        named = _replacements(row)
        if named:
            note = (
                f"No replacement of {subject} is served at {target}: "
                f"{', '.join(named)} no longer served there."
            )
        else:
            note = f"The knowledge base names no replacement of {subject} served at {target}."
        return Advice(None, None, note)
    best = max(found, key=version_rank)
    since = _since(rows, best, kind)
    when = f", served since {since}" if since else ""
    return Advice(best, since, f"Move {kind or 'it'} to {best}{when}.")
