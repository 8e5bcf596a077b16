"""The API knowledge base: which apiVersions are deprecated or removed, when, and by what.

Two sources feed it: the deprecated API migration guide (one ApiChangeFact per removed API
version and resource, parsed by parsers/deprecation_guide.py) and the facts mined from upstream
release notes (parsers/api_mining.py). `build_knowledge` merges them into one KnowledgeRow per
(group/version, set of kinds):

- a guide fact makes a row; a mined fact joins every guide row with the same group/version whose
  kinds overlap its own (a mined fact without kinds, 'All resources under apps/v1beta1', joins
  them all);
- on a guide row the guide wins: removed_in, replacement, replacement_since and notes are the
  guide's (a mined replacement is used only where the guide names none); mined facts add their
  evidence, the earliest deprecated_in, and a disagreement when they name another removal
  release ('pr:85903: removed in 1.18' against the guide's 1.16);
- mined facts that match no guide row make rows of their own, keyed by (group/version, kinds).

The guide is trusted over the notes, and only the CURRENT guide is: when the page changes (the
2021 page named apiextensions.k8s.io/v1beta1 as its own replacement, later fixed), the caller
passes the facts of the newest guide only. Within one call the first guide fact for a key wins,
which for a guide read top to bottom is the newest removal section.

Pure functions over frozen values: nothing here reads a file, the clock or the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aksnews.model import ApiChangeFact, FactType, Release


@dataclass(frozen=True, slots=True)
class SourcedFact:
    """An ApiChangeFact and where it was read ('deprecation-guide:v1.25#4')."""

    fact: ApiChangeFact
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class KnowledgeRow:
    group_version: str
    kinds: tuple[str, ...]
    removed_in: str | None
    deprecated_in: str | None = None
    replacement: str | None = None
    replacement_since: str | None = None
    notes: str = ""
    evidence: tuple[str, ...] = ()  # every source that says so: 'deprecation-guide', 'pr:108035'
    references: tuple[str, ...] = ()
    in_guide: bool = False
    # removed_in comes only from announcements ('will no longer be served in v1.25'): no guide
    # row and no note that says the removal happened
    planned: bool = False
    disagreements: tuple[str, ...] = ()  # 'pr:79604: planned removal in 1.19'

    @property
    def subject(self) -> str:
        return self.group_version


@dataclass(frozen=True, slots=True)
class ReleaseRecall:
    """For one removal release of the guide: which of its rows the release notes alone found."""

    release: str  # '1.25'
    removed: tuple[KnowledgeRow, ...]  # a mined note says it is removed in that release
    announced: tuple[KnowledgeRow, ...]  # a mined note announced removal in that release
    mentioned: tuple[KnowledgeRow, ...]  # mined notes name it, with no or another release
    missed: tuple[KnowledgeRow, ...]

    @property
    def total(self) -> int:
        return len(self.removed) + len(self.announced) + len(self.mentioned) + len(self.missed)

    @property
    def found(self) -> int:
        return len(self.removed) + len(self.announced)

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 1.0


@dataclass(frozen=True, slots=True)
class RecallReport:
    releases: tuple[ReleaseRecall, ...]
    beyond_guide: tuple[KnowledgeRow, ...] = field(default_factory=tuple)  # mined removals


def api_facts(releases: Iterable[Release]) -> list[SourcedFact]:
    """Every ApiChangeFact of the releases, referenced as 'release key#entry position'."""
    out: list[SourcedFact] = []
    for release in releases:
        for entry in release.entries:
            for fact in entry.facts:
                if isinstance(fact, ApiChangeFact):
                    out.append(SourcedFact(fact, f"{release.key}#{entry.position}"))
    return out


def build_knowledge(
    guide: Iterable[SourcedFact], mined: Iterable[SourcedFact]
) -> tuple[KnowledgeRow, ...]:
    """Merge the current guide's facts and the mined facts into one row per API (module doc)."""
    guide_rows, attached, leftovers = _attach(list(guide), list(mined))
    rows = [_guide_row(facts, attached[n]) for n, facts in enumerate(guide_rows)]
    rows.extend(_mined_rows(leftovers))
    return tuple(rows)


def removal_recall(guide: Iterable[SourcedFact], mined: Iterable[SourcedFact]) -> RecallReport:
    """Per removal release of the guide, which guide rows the mined facts alone found.

    A row is 'removed' when a mined removal names the same release, 'announced' when a mined
    deprecation plans removal in that release, 'mentioned' when mined facts name the API with
    no or another release, and 'missed' otherwise. The report also lists the mined removals
    that the guide does not have.
    """
    guide_rows, attached, leftovers = _attach(list(guide), list(mined))
    by_release: dict[str, list[tuple[str, KnowledgeRow]]] = {}
    for n, facts in enumerate(guide_rows):
        row = _guide_row(facts, attached[n])
        release = row.removed_in or "?"
        by_release.setdefault(release, []).append((_found_as(row, attached[n]), row))
    releases = tuple(
        ReleaseRecall(
            release=release,
            removed=tuple(r for how, r in rows if how == "removed"),
            announced=tuple(r for how, r in rows if how == "announced"),
            mentioned=tuple(r for how, r in rows if how == "mentioned"),
            missed=tuple(r for how, r in rows if how == "missed"),
        )
        for release, rows in sorted(by_release.items(), key=lambda kv: _minor_key(kv[0]))
    )
    beyond = tuple(r for r in _mined_rows(leftovers) if not r.planned and r.removed_in)
    return RecallReport(releases=releases, beyond_guide=beyond)


# --- matching ---------------------------------------------------------------------------------


def _norm(kinds: Iterable[str]) -> frozenset[str]:
    return frozenset(k.lower() for k in kinds)


def _matches(mined: ApiChangeFact, guide: ApiChangeFact) -> bool:
    if mined.group_version != guide.group_version:
        return False
    return not mined.kinds or not guide.kinds or bool(_norm(mined.kinds) & _norm(guide.kinds))


def _attach(
    guide: Sequence[SourcedFact], mined: Sequence[SourcedFact]
) -> tuple[list[list[SourcedFact]], list[list[SourcedFact]], list[SourcedFact]]:
    """Guide facts grouped by key, the mined facts attached to each group, and the rest."""
    groups: list[list[SourcedFact]] = []
    index: dict[tuple[str, frozenset[str]], int] = {}
    for sourced in guide:
        key = (sourced.fact.group_version, _norm(sourced.fact.kinds))
        if key in index:
            groups[index[key]].append(sourced)
        else:
            index[key] = len(groups)
            groups.append([sourced])
    attached: list[list[SourcedFact]] = [[] for _ in groups]
    leftovers: list[SourcedFact] = []
    for sourced in mined:
        hits = [n for n, g in enumerate(groups) if _matches(sourced.fact, g[0].fact)]
        for n in hits:
            attached[n].append(sourced)
        if not hits:
            leftovers.append(sourced)
    return groups, attached, leftovers


def _found_as(row: KnowledgeRow, mined: Sequence[SourcedFact]) -> str:
    removal = [m.fact for m in mined if m.fact.removed_in == row.removed_in]
    if any(f.type is FactType.API_REMOVAL for f in removal):
        return "removed"
    if removal:
        return "announced"
    return "mentioned" if mined else "missed"


# --- merging ----------------------------------------------------------------------------------


def _minor_key(minor: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in minor.split("."))
    except ValueError:
        return (1 << 30,)


def _earliest(values: Iterable[str | None]) -> str | None:
    present = [v for v in values if v]
    return min(present, key=_minor_key) if present else None


def _evidence(facts: Iterable[SourcedFact]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    evidence: dict[str, None] = {}
    references: dict[str, None] = {}
    for sourced in facts:
        evidence.update(dict.fromkeys(sourced.fact.evidence))
        if sourced.reference:
            references[sourced.reference] = None
    return tuple(evidence), tuple(references)


def _disagreement(sourced: SourcedFact, removed_in: str | None) -> str | None:
    fact = sourced.fact
    if fact.removed_in is None or fact.removed_in == removed_in:
        return None
    who = ", ".join(fact.evidence) or sourced.reference or "a note"
    if fact.type is FactType.API_REMOVAL:
        return f"{who}: removed in {fact.removed_in}"
    return f"{who}: planned removal in {fact.removed_in}"


def _guide_row(guide: Sequence[SourcedFact], mined: Sequence[SourcedFact]) -> KnowledgeRow:
    first = guide[0].fact
    replacement, since = first.replacement, first.replacement_since
    if replacement is None:
        stated = next((m.fact for m in mined if m.fact.replacement), None)
        if stated is not None:
            replacement, since = stated.replacement, stated.replacement_since
    evidence, references = _evidence([*guide, *mined])
    disagreements = (_disagreement(m, first.removed_in) for m in mined)
    return KnowledgeRow(
        group_version=first.group_version,
        kinds=first.kinds,
        removed_in=first.removed_in,
        deprecated_in=_earliest(f.fact.deprecated_in for f in [*guide, *mined]),
        replacement=replacement,
        replacement_since=since,
        notes=first.notes,
        evidence=evidence,
        references=references,
        in_guide=True,
        disagreements=tuple(dict.fromkeys(d for d in disagreements if d)),
    )


def _mined_rows(facts: Sequence[SourcedFact]) -> list[KnowledgeRow]:
    """Rows for mined facts that no guide row took, one per (group/version, kinds)."""
    groups: dict[tuple[str, frozenset[str]], list[SourcedFact]] = {}
    for sourced in facts:
        key = (sourced.fact.group_version, _norm(sourced.fact.kinds))
        groups.setdefault(key, []).append(sourced)
    rows = [_mined_row(group) for group in groups.values()]
    rows.sort(key=lambda r: (_minor_key(r.removed_in or "0"), r.group_version), reverse=True)
    return rows


def _mined_row(group: Sequence[SourcedFact]) -> KnowledgeRow:
    removals = [s for s in group if s.fact.type is FactType.API_REMOVAL and s.fact.removed_in]
    if removals:
        removed_in = _earliest(s.fact.removed_in for s in removals)
    else:
        # The newest announcement holds the current plan (plans slip: 1.19 became 1.22).
        plans = [s.fact for s in group if s.fact.removed_in]
        newest = max(plans, key=lambda f: _minor_key(f.deprecated_in or "0"), default=None)
        removed_in = newest.removed_in if newest else None
    stated = next((s.fact for s in group if s.fact.replacement), None)
    evidence, references = _evidence(group)
    disagreements = (_disagreement(s, removed_in) for s in group)
    kinds: dict[str, None] = {}
    for sourced in group:
        kinds.update(dict.fromkeys(sourced.fact.kinds))
    return KnowledgeRow(
        group_version=group[0].fact.group_version,
        kinds=tuple(kinds),
        removed_in=removed_in,
        deprecated_in=_earliest(s.fact.deprecated_in for s in group),
        replacement=stated.replacement if stated else None,
        replacement_since=stated.replacement_since if stated else None,
        notes=group[0].fact.notes,
        evidence=evidence,
        references=references,
        planned=not removals,
        disagreements=tuple(dict.fromkeys(d for d in disagreements if d)),
    )
