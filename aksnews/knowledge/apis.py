"""The API knowledge base: which apiVersions are deprecated or removed, when, and by what.

Two sources feed it: the deprecated API migration guide (one ApiChangeFact per removed API
version, parsed by parsers/deprecation_guide.py) and the facts mined from every upstream note
(parsers/api_mining.py). `build_knowledge` merges them into KnowledgeRows keyed by
(group/version, kind, removal event):

- one row per kind: the guide's 'batch/v1beta1 CronJob' and a note's 'CronJob objects of
  batch/v1beta1' meet on the same key, whatever other kinds each names;
- a removal event is one life of a (group/version, kind): from its first deprecation to the
  release that stops serving it. A version that comes back later (scheduling.k8s.io/v1alpha1,
  removed in 1.23 and reintroduced for a new kind) is announced again by a deprecation after
  that release, which opens a new event and so a new row; a second removal note of the same
  event (1.16 stops serving by default, 1.18 removes the switch) is a disagreement of that row;
- a mined fact that names no kind ('apps/v1beta1 is no longer served') joins the rows of its
  group/version with the same removal release, else every row of that group/version, else it
  makes a row without a kind;
- on a guide row the guide wins: removed_in, replacement, replacement_since and notes are the
  guide's (a mined replacement is used only where the guide names none); mined facts add their
  evidence, the earliest deprecated_in, and a disagreement when they name another removal
  release ('pr:85903: removed in 1.18' against the guide's 1.16);
- confidence: the guide over an urgent note (or one marked ACTION REQUIRED) over another note.

Only the CURRENT guide is trusted: when the page changes (the 2021 page named
apiextensions.k8s.io/v1beta1 as its own replacement, later fixed) the caller passes the facts of
the newest guide only. Within one call the first guide fact for a key wins, which for a guide
read top to bottom is the newest removal section.

Pure functions over frozen values: nothing here reads a file, the clock or the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

from aksnews.model.releases import ApiChangeFact, FactType, Release

if TYPE_CHECKING:
    from aksnews.store.handle import Archive


class Confidence(IntEnum):
    """How far a row is to be trusted: by its best source."""

    NOTE = 1  # a release note of any kind
    URGENT_NOTE = 2  # an urgent upgrade note, or a note marked ACTION REQUIRED
    GUIDE = 3  # the deprecated API migration guide

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")


@dataclass(frozen=True, slots=True)
class SourcedFact:
    """An ApiChangeFact and where it was read ('deprecation-guide:v1.25#4')."""

    fact: ApiChangeFact
    reference: str | None = None
    section: str | None = None  # the guide subsection ('CronJob') when known


@dataclass(frozen=True, slots=True)
class KnowledgeRow:
    group_version: str
    kinds: tuple[str, ...]  # the one kind of the row, or () for a fact that named none
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
    confidence: Confidence = Confidence.NOTE
    guide_section: str | None = None  # 'v1.25 CronJob': where the guide says so

    @property
    def subject(self) -> str:
        return self.group_version

    @property
    def kind(self) -> str:
        return self.kinds[0] if self.kinds else ""

    @property
    def prs(self) -> tuple[int, ...]:
        return tuple(int(e[3:]) for e in self.evidence if e.startswith("pr:") and e[3:].isdigit())


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
                    out.append(SourcedFact(fact, f"{release.key}#{entry.position}", entry.section))
    return out


def build_knowledge(
    guide: Iterable[SourcedFact], mined: Iterable[SourcedFact]
) -> tuple[KnowledgeRow, ...]:
    """Merge the current guide's facts and the mined facts into rows (module docstring)."""
    events = _events(list(guide), list(mined))
    rows = [_guide_row(e) for e in events if e.guide]
    rows.extend(sorted((_mined_row(e) for e in events if not e.guide), key=_newest_first))
    return tuple(rows)


def removal_recall(guide: Iterable[SourcedFact], mined: Iterable[SourcedFact]) -> RecallReport:
    """Per removal release of the guide, which guide rows the mined facts alone found.

    A row is 'removed' when a mined removal names the same release, 'announced' when a mined
    deprecation plans removal in that release, 'mentioned' when mined facts name the API with
    no or another release, and 'missed' otherwise. The report also lists the mined removals
    that the guide does not have.
    """
    events = _events(list(guide), list(mined))
    by_release: dict[str, list[tuple[str, KnowledgeRow]]] = {}
    for event in events:
        if event.guide:
            row = _guide_row(event)
            by_release.setdefault(row.removed_in or "?", []).append((_found_as(event), row))
    releases = tuple(
        ReleaseRecall(
            release=release,
            removed=tuple(r for how, r in rows if how == "removed"),
            announced=tuple(r for how, r in rows if how == "announced"),
            mentioned=tuple(r for how, r in rows if how == "mentioned"),
            missed=tuple(r for how, r in rows if how == "missed"),
        )
        for release, rows in sorted(by_release.items(), key=lambda kv: minor_key(kv[0]))
    )
    beyond = sorted(
        (r for e in events if not e.guide if not (r := _mined_row(e)).planned and r.removed_in),
        key=_newest_first,
    )
    return RecallReport(releases=releases, beyond_guide=tuple(beyond))


# --- events -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Event:
    """One life of a (group/version, kind): the facts that speak of it."""

    group_version: str
    kind: str
    guide: list[SourcedFact] = field(default_factory=list)
    mined: list[SourcedFact] = field(default_factory=list)

    @property
    def removed_in(self) -> str | None:
        if self.guide:
            return self.guide[0].fact.removed_in
        return _earliest(s.fact.removed_in for s in self.mined if _is_removal(s.fact))


def _is_removal(fact: ApiChangeFact) -> bool:
    return fact.type is FactType.API_REMOVAL and fact.removed_in is not None


def _when(fact: ApiChangeFact) -> str | None:
    """The release a fact speaks from: a removal's release, a deprecation's announcement."""
    return fact.removed_in if _is_removal(fact) else fact.deprecated_in


def _kinds_of(fact: ApiChangeFact) -> list[str]:
    return list(dict.fromkeys(fact.kinds)) or [""]


def _events(guide: Sequence[SourcedFact], mined: Sequence[SourcedFact]) -> list[_Event]:
    events: list[_Event] = []
    index: dict[tuple[str, str, str | None], _Event] = {}
    for sourced in guide:
        for kind in _kinds_of(sourced.fact):
            key = (sourced.fact.group_version, kind.lower(), sourced.fact.removed_in)
            if key not in index:
                index[key] = _Event(sourced.fact.group_version, kind)
                events.append(index[key])
            index[key].guide.append(sourced)
    by_kind: dict[tuple[str, str], list[_Event]] = {}
    for event in events:
        by_kind.setdefault((event.group_version, event.kind.lower()), []).append(event)
    # Facts with kinds first and in time order, so that events exist before kinds-less facts
    # look for them and a deprecation after a removal finds the event closed.
    ordered = sorted(mined, key=lambda s: (not s.fact.kinds, minor_key(_when(s.fact) or "0")))
    for sourced in ordered:
        fact = sourced.fact
        if fact.kinds:
            for kind in _kinds_of(fact):
                chain = by_kind.setdefault((fact.group_version, kind.lower()), [])
                _join(chain, sourced, fact.group_version, kind, events)
            continue
        same_version = [e for e in events if e.group_version == fact.group_version and e.kind]
        # 'All resources under apps/v1beta1' removed in 1.16: the rows removed then, and the
        # rows of that version still open (announced only); else all of its rows
        same_release = [e for e in same_version if e.removed_in in (fact.removed_in, None)]
        targets = same_release or same_version
        if targets:
            for event in targets:
                event.mined.append(sourced)
        else:
            chain = by_kind.setdefault((fact.group_version, ""), [])
            _join(chain, sourced, fact.group_version, "", events)
    return events


def _join(
    chain: list[_Event], sourced: SourcedFact, gv: str, kind: str, events: list[_Event]
) -> None:
    """Put a fact in the event of its (group/version, kind) that was alive when it was said."""
    when = _when(sourced.fact)
    for event in sorted(chain, key=lambda e: minor_key(e.removed_in or "999")):
        removed = event.removed_in
        if removed is None or when is None or minor_key(when) <= minor_key(removed):
            event.mined.append(sourced)
            return
    last = max(chain, key=lambda e: minor_key(e.removed_in or "0"), default=None)
    if last is not None and _is_removal(sourced.fact):
        last.mined.append(sourced)  # said again later: a disagreement, not a new life
        return
    # A deprecation after the version stopped being served: it came back. A new row.
    event = _Event(gv, kind)
    event.mined.append(sourced)
    chain.append(event)
    events.append(event)


def _found_as(event: _Event) -> str:
    removal = [m.fact for m in event.mined if m.fact.removed_in == event.removed_in]
    if any(f.type is FactType.API_REMOVAL for f in removal):
        return "removed"
    if removal:
        return "announced"
    return "mentioned" if event.mined else "missed"


# --- merging ----------------------------------------------------------------------------------


def minor_key(minor: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in minor.split("."))
    except ValueError:
        return (1 << 30,)


def _newest_first(row: KnowledgeRow) -> tuple[tuple[int, ...], str, str]:
    key = minor_key(row.removed_in or "0")
    return tuple(-k for k in key), row.group_version, row.kind


def _earliest(values: Iterable[str | None]) -> str | None:
    present = [v for v in values if v]
    return min(present, key=minor_key) if present else None


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


def _note_confidence(facts: Iterable[SourcedFact]) -> Confidence:
    urgent = any(s.fact.urgent for s in facts)
    return Confidence.URGENT_NOTE if urgent else Confidence.NOTE


def _guide_row(event: _Event) -> KnowledgeRow:
    first = event.guide[0]
    fact = first.fact
    replacement, since = fact.replacement, fact.replacement_since
    if replacement is None:
        stated = next((m.fact for m in event.mined if m.fact.replacement), None)
        if stated is not None:
            replacement, since = stated.replacement, stated.replacement_since
    evidence, references = _evidence([*event.guide, *event.mined])
    disagreements = (_disagreement(m, fact.removed_in) for m in event.mined)
    section = f"v{fact.removed_in}" if fact.removed_in else None
    if section and first.section:
        section = f"{section} {first.section}"
    return KnowledgeRow(
        group_version=event.group_version,
        kinds=(event.kind,) if event.kind else (),
        removed_in=fact.removed_in,
        deprecated_in=_earliest(f.fact.deprecated_in for f in [*event.guide, *event.mined]),
        replacement=replacement,
        replacement_since=since,
        notes=fact.notes,
        evidence=evidence,
        references=references,
        in_guide=True,
        disagreements=tuple(dict.fromkeys(d for d in disagreements if d)),
        confidence=Confidence.GUIDE,
        guide_section=section,
    )


def _mined_row(event: _Event) -> KnowledgeRow:
    group = event.mined
    removals = [s for s in group if _is_removal(s.fact)]
    if removals:
        removed_in = _earliest(s.fact.removed_in for s in removals)
    else:
        # The newest announcement holds the current plan (plans slip: 1.19 became 1.22).
        plans = [s.fact for s in group if s.fact.removed_in]
        newest = max(plans, key=lambda f: minor_key(f.deprecated_in or "0"), default=None)
        removed_in = newest.removed_in if newest else None
    stated = next((s.fact for s in group if s.fact.replacement), None)
    evidence, references = _evidence(group)
    disagreements = (_disagreement(s, removed_in) for s in group)
    return KnowledgeRow(
        group_version=event.group_version,
        kinds=(event.kind,) if event.kind else (),
        removed_in=removed_in,
        deprecated_in=_earliest(s.fact.deprecated_in for s in group),
        replacement=stated.replacement if stated else None,
        replacement_since=stated.replacement_since if stated else None,
        notes=group[0].fact.notes,
        evidence=evidence,
        references=references,
        planned=not removals,
        disagreements=tuple(dict.fromkeys(d for d in disagreements if d)),
        confidence=_note_confidence(group),
    )


def load_knowledge(archive: Archive) -> tuple[KnowledgeRow, ...]:
    """The API knowledge base: the current guide's rows merged with facts mined from notes.

    Guide sections are revised in place when the page changes, so their stored facts are the
    current page's: exactly what build_knowledge wants.
    """
    guide: list[SourcedFact] = []
    mined: list[SourcedFact] = []
    for fact_type in ("api-removal", "api-deprecation"):
        for stored in archive.list_facts(fact_type=fact_type):
            if not isinstance(stored.fact, ApiChangeFact):
                continue
            reference = f"{stored.release_key}#entry-{stored.entry_id}"
            is_guide = stored.release_key.startswith("deprecation-guide:")
            (guide if is_guide else mined).append(SourcedFact(stored.fact, reference))
    return build_knowledge(guide, mined)
