"""What a document does to the archive: the plan that makes a source's releases mirror it.

Pure: it takes the document's sections, a way to parse one, and the source's archived releases,
and says which releases are kept as they are, edited, renamed, restored, new or withdrawn. The
store applies the plan in one transaction (aksnews/store/archive.py) or, for a dry run, only
reports it.

The rules:
- a section is kept unparsed only when its text equals the current text of an archived release;
  text equal to an older revision (a revert) is parsed and recorded as a new revision;
- a release of the document's scope that the document no longer has is withdrawn, unless its
  entries reappear under a new heading: then it is renamed (AKS corrects release dates in place);
- a heading that repeats an earlier one (same release id) is numbered ('2025-10-12#2'), with a
  warning naming both lines.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from aksnews.model.releases import ParseWarning, Release, Section

# Sources whose documents each hold one minor line (CHANGELOG-1.NN.md): a document withdraws
# releases of its own minors only. Every other source has one document for all its releases.
PER_MINOR_SOURCES = frozenset({"kubernetes"})
# Share of entry lines two sections must have in common to be the same release renamed.
RENAME_SIMILARITY = 0.5
_UPSTREAM_MINOR = re.compile(r"^v(\d+\.\d+)")
_BULLET = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class ArchivedRelease:
    """A release as the archive holds it now (its current revision)."""

    id: int
    key: str
    title: str
    date: date | None
    minor: str | None
    line: int
    section_sha256: str
    revision: int
    withdrawn: bool


@dataclass(frozen=True, slots=True)
class Kept:
    """A section equal to the archived release's current text: nothing to parse."""

    archived: ArchivedRelease
    line: int  # where its heading is now


@dataclass(frozen=True, slots=True)
class Revised:
    """An archived release taking a parsed section's text: edited, restored or renamed."""

    release: Release
    archived: ArchivedRelease
    renamed: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    scope: str  # '' for a whole-source document; '1.31,1.32' for upstream minors
    releases: int  # releases the document holds
    parsed: int  # sections parsed
    kept: tuple[Kept, ...]
    revised: tuple[Revised, ...]
    new: tuple[Release, ...]
    withdrawn: tuple[ArchivedRelease, ...]
    warnings: tuple[ParseWarning, ...]
    last: Release | Kept | None  # the document's last release, for the truncation check

    @property
    def restored(self) -> list[str]:
        """Keys of withdrawn releases the document has again."""
        kept = [k.archived.key for k in self.kept if k.archived.withdrawn]
        return kept + [r.release.key for r in self.revised if r.archived.withdrawn]

    @property
    def edited(self) -> list[str]:
        return [
            r.release.key
            for r in self.revised
            if not r.renamed and r.release.section_sha256 != r.archived.section_sha256
        ]

    @property
    def renamed(self) -> list[Revised]:
        return [r for r in self.revised if r.renamed]


def minor_of(release_version: str) -> str | None:
    match = _UPSTREAM_MINOR.match(release_version)
    return match.group(1) if match else None


def base_key(key: str) -> str:
    """The release id without the number a repeated heading got ('aks:2024-01-01#2')."""
    return key.split("#", 1)[0]


def plan_document(
    source: str,
    sections: Sequence[Section],
    parse: Callable[[Section], tuple[Release | None, list[ParseWarning]]],
    archived: Sequence[ArchivedRelease],
    markdown_of: Callable[[list[int]], dict[int, str]],
    *,
    path: str,
    whole: bool = True,
) -> Plan:
    """The plan for one document. `whole` is False for a single-release draft, which edits or
    adds its release and withdraws nothing."""
    by_sha: dict[str, list[ArchivedRelease]] = {}
    for row in archived:
        by_sha.setdefault(row.section_sha256, []).append(row)
    warnings: list[ParseWarning] = []
    parsed = 0
    items: list[tuple[Section, Release | ArchivedRelease]] = []
    for section in sections:
        same = by_sha.get(section.sha256)
        if same:
            items.append((section, same.pop(0)))
            continue
        release, found = parse(section)
        parsed += 1
        warnings.extend(found)
        if release is not None:
            items.append((section, release))

    # Number repeated ids in document order, the way a fresh ingest of this text would.
    first_line: dict[str, int] = {}
    seen: dict[str, int] = {}
    kept: list[Kept] = []
    fresh: list[Release] = []
    ordered: list[Release | Kept] = []
    for section, item in items:
        base = base_key(item.key)
        n = seen[base] = seen.get(base, 0) + 1
        if n == 1:
            first_line[base] = section.line
        key = base if n == 1 else f"{base}#{n}"
        if n > 1:
            message = (
                f"release heading {section.heading!r} repeats the release of line "
                f"{first_line[base]}; archived as {key.split(':', 1)[1]}"
            )
            warnings.append(ParseWarning(path, section.line, message))
        if isinstance(item, ArchivedRelease) and item.key != key:
            release, found = parse(section)  # its number changed: parse it as a fresh ingest
            parsed += 1
            if release is None:
                continue
            item = release
        if isinstance(item, ArchivedRelease):
            kept.append(Kept(item, section.line))
            ordered.append(kept[-1])
            continue
        if n > 1:
            item = dataclasses.replace(
                item, version=f"{item.version}#{n}", anchor=f"{item.anchor}-{n - 1}"
            )
        fresh.append(item)
        ordered.append(item)

    by_key = {row.key: row for row in archived}
    revised: list[Revised] = []
    candidates: list[Release] = []
    for release in fresh:
        same_key = by_key.get(release.key)
        if same_key is not None:
            revised.append(Revised(release, same_key))
        else:
            candidates.append(release)
    used = {k.archived.id for k in kept} | {r.archived.id for r in revised}
    minors = {k.archived.minor for k in kept} | {minor_of(r.version) for r in fresh}
    in_scope = [
        row
        for row in archived
        if whole
        and not row.withdrawn
        and row.id not in used
        and (source not in PER_MINOR_SOURCES or row.minor in minors)
    ]
    renames = _pair_renames(candidates, in_scope, markdown_of)
    renamed_ids = {row.id for row in renames.values()}
    revised += [Revised(r, renames[r.key], renamed=True) for r in candidates if r.key in renames]
    scope = ",".join(sorted(m for m in minors if m)) if source in PER_MINOR_SOURCES else ""
    return Plan(
        scope=scope,
        releases=len(ordered),
        parsed=parsed,
        kept=tuple(kept),
        revised=tuple(revised),
        new=tuple(r for r in candidates if r.key not in renames),
        withdrawn=tuple(row for row in in_scope if row.id not in renamed_ids),
        warnings=tuple(warnings),
        last=ordered[-1] if ordered else None,
    )


def _pair_renames(
    candidates: Sequence[Release],
    vanished: Sequence[ArchivedRelease],
    markdown_of: Callable[[list[int]], dict[int, str]],
) -> dict[str, ArchivedRelease]:
    """New key -> the vanished release it renames: the most similar pairs first."""
    if not candidates or not vanished:
        return {}
    texts = markdown_of([row.id for row in vanished])
    old_lines = {row.id: _entry_lines(texts.get(row.id, "")) for row in vanished}
    scored: list[tuple[float, int, int]] = []
    for i, release in enumerate(candidates):
        new_lines = _entry_lines(release.markdown)
        for j, row in enumerate(vanished):
            score = _similarity(new_lines, old_lines[row.id])
            if score >= RENAME_SIMILARITY:
                scored.append((score, i, j))
    pairs: dict[str, ArchivedRelease] = {}
    taken: set[int] = set()
    for _score, i, j in sorted(scored, key=lambda s: (-s[0], s[1], s[2])):
        key = candidates[i].key
        if key in pairs or j in taken:
            continue
        pairs[key] = vanished[j]
        taken.add(j)
    return pairs


def _entry_lines(markdown: str) -> frozenset[str]:
    """The bullet lines of a section (what a release says); its other lines when it has none.
    Headings and the release-tracker sentence are in every release and tell nothing."""
    lines = [line.strip() for line in markdown.split("\n")[1:]]
    bullets = [line for line in lines if _BULLET.match(line)]
    return frozenset(bullets or [line for line in lines if line and not line.startswith("#")])


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / max(len(a), len(b))


@dataclass(frozen=True, slots=True)
class Head:
    """The archived document a new one replaces: its size, for the truncation check."""

    bytes: int
    releases: int


# A document this much smaller than the one it replaces is taken for a truncated download.
MIN_RELEASE_SHARE = 0.9
MIN_BYTE_SHARE = 0.8


def shrink_problem(
    plan: Plan,
    head: Head | None,
    size: int,
    archived: Sequence[ArchivedRelease],
    current_text: Callable[[str], str | None],
) -> str | None:
    """Why the document looks cut short compared with what the archive mirrors, or None."""
    reasons: list[str] = []
    last = plan.last
    if isinstance(last, Release):
        old = current_text(last.key)
        if old is not None and len(old) > len(last.markdown) and old.startswith(last.markdown):
            reasons.append(
                f"it ends in the middle of release {last.version} ({len(last.markdown):,} of "
                f"its {len(old):,} archived bytes, {len(old) - len(last.markdown):,} missing)"
            )
    if head is not None:
        lost = head.releases - plan.releases
        if lost > 1 and plan.releases < head.releases * MIN_RELEASE_SHARE:
            reasons.append(
                f"it has {plan.releases} releases where the archived revision has "
                f"{head.releases} ({lost} fewer)"
            )
        if size < head.bytes * MIN_BYTE_SHARE:
            reasons.append(
                f"it has {size:,} bytes where the archived revision has {head.bytes:,} "
                f"({head.bytes - size:,} fewer, {100 * (head.bytes - size) / head.bytes:.0f}%)"
            )
        withdrawn = {row.id for row in plan.withdrawn}
        present = [k.archived for k in plan.kept] + [r.archived for r in plan.revised]
        rows = [row for row in archived if row.id in withdrawn] + present
        bottom = max(rows, key=lambda row: row.line, default=None)
        if bottom is not None and bottom.id in withdrawn:
            reasons.append(
                f"it ends before release {bottom.key.split(':', 1)[1]}, the last one of the "
                "archived revision"
            )
    if not reasons:
        return None
    sizes = f"{size:,} bytes" if head is None else f"{size:,} bytes against {head.bytes:,}"
    return f"looks truncated ({sizes}): " + "; ".join(reasons)
