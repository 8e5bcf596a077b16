"""The lifecycle lexicon for Kubernetes versions in AKS CHANGELOG entries.

A version's event comes from a lemma phrase near it (parsers/aks_kube_versions.py finds which)
and then from modifiers, which take precedence over the plain lemma:

- a restrictor turns availability into LTS-only: 'now only available with LTS', 'available
  only on the Premium tier', '1.27 is LTS-only';
- a parenthesised state right after the version beats the verb before it: 'Added
  1.27.3(preview)' is a preview;
- coordinated predicates give one event each: '1.20 will be deprecated and removed' is a
  deprecation and an end of support;
- a list of patch versions that is the subject of its clause and has no lifecycle lemma is a
  list of new patches: 'AKS Kubernetes patch versions 1.33.2, 1.32.6 include a security fix'.

Lemmas are grouped: preview, ga, available, released, eos, deprecated, lts_only, added,
designation ('available as LTS' names an LTS version and is no lifecycle event).
"""

from __future__ import annotations

import re

from aksnews.model.releases import VersionEvent

# What happened to a version, as phrased in the changelog. At one position the first phrase
# that matches wins, so longer phrases come first ('generally available' before 'available').
KV_PHRASES: tuple[tuple[str, str], ...] = (
    ("community support has ended", "lts_only"),
    ("community supported has ended", "lts_only"),
    ("only available with lts", "lts_only"),
    ("only supported with lts", "lts_only"),
    ("lts-only", "lts_only"),
    ("lts only", "lts_only"),
    ("available as a long", "designation"),
    ("available as an lts", "designation"),
    ("available as lts", "designation"),
    ("available in public preview", "preview"),
    ("available in preview", "preview"),
    ("available for preview", "preview"),
    ("available as preview", "preview"),
    ("released in public preview", "preview"),
    ("released in preview", "preview"),
    ("preview", "preview"),
    ("generally available", "ga"),
    ("general availability", "ga"),
    ("ga", "ga"),
    ("end-of-lifed", "eos"),
    ("end of life", "eos"),
    ("end-of-life", "eos"),
    ("eol", "eos"),
    ("out of standard support", "eos"),
    ("out of community support", "eos"),
    ("out of platform support", "eos"),
    ("out of support", "eos"),
    ("end of standard support", "eos"),
    ("end of community support", "eos"),
    ("end of platform support", "eos"),
    ("end of support", "eos"),
    ("no longer supported", "eos"),
    ("no longer be able to create", "eos"),
    ("support has ended", "eos"),
    ("support will end", "eos"),
    ("support ends", "eos"),
    ("removed", "eos"),
    ("retired", "eos"),
    ("retiring", "eos"),
    ("deprecat", "deprecated"),  # a stem: deprecated, deprecation, deprecating
    ("available", "available"),
    ("released", "released"),
    ("added", "added"),
    ("onboarded", "added"),
    ("introduced", "added"),
    ("updated", "added"),
)

_RESTRICTOR = re.compile(
    r"\bonly\b[^.;]{0,40}?\b(?:lts|long[- ]term support|premium)\b"
    r"|\b(?:lts|long[- ]term support)\b[^.;]{0,12}\bonly\b"
)
_STATE_AFTER = re.compile(r"\s*\(\s*(preview|ga|lts|deprecated)\s*\)")
# A version that is the subject of a lifecycle predicate is news even after a scope word:
# 'a 6 months upgrade window before 1.27 LTS goes End of Life in July 2025'.
SUBJECT_PREDICATE = re.compile(
    r"(?:\s+(?:lts|kubernetes|k8s|community|standard|version|versions))*\s+"
    r"(?:goes|go|will go|is going|are going|reaches|reach|will reach|will be|is|are)\s+"
    r"(?:officially\s+)?(?:end[- ]of[- ]life|out of (?:\w+ )?support|end of (?:\w+ )?support|eol|"
    r"deprecated|retired)"
)
_COORDINATED = re.compile(r"\s*(?:,|and|or|&)\s*(?:and\s+)?(?:then\s+)?$")
_PATCH_LIST_HEAD = re.compile(r"patch versions?[\s:]*$")
_LIST_ITEMS = re.compile(r"(?:v?1\.\d{1,2}(?:\.\d{1,3})?(?:-akslts)?|[\s,&]|and)*")


def event_for(group: str, is_patch: bool) -> VersionEvent | None:
    if group == "lts_only":
        return VersionEvent.LTS_ONLY
    if group == "preview":
        return VersionEvent.PREVIEW
    if group in ("ga", "available", "released"):
        # 'AKS version 1.30 is now available' announces a GA minor; a patch is just available.
        return VersionEvent.PATCH_AVAILABLE if is_patch else VersionEvent.GA
    if group == "eos":
        return VersionEvent.END_OF_SUPPORT
    if group == "deprecated":
        return VersionEvent.DEPRECATED
    if group == "added":
        return VersionEvent.PATCH_AVAILABLE if is_patch else None
    return None  # 'designation': naming a version LTS is not a lifecycle event


def restricts(clause: str) -> bool:
    """Whether the clause limits availability to the LTS plan ('only available with LTS')."""
    return _RESTRICTOR.search(clause) is not None


def modified(
    event: VersionEvent | None, clause: str, end: int, restricted: bool
) -> VersionEvent | None:
    """The event after the modifiers around the version that ends at clause[end];
    `restricted` is restricts(clause), computed once per clause."""
    state = _STATE_AFTER.match(clause, end)
    if state:
        word = state.group(1)
        if word == "preview":
            return VersionEvent.PREVIEW
        if word == "deprecated":
            return VersionEvent.DEPRECATED
    if event in (VersionEvent.GA, VersionEvent.PATCH_AVAILABLE) and restricted:
        return VersionEvent.LTS_ONLY
    return event


def coordinated(
    clause: str, events: list[tuple[int, int, str]], chosen_start: int
) -> list[tuple[int, str]]:
    """Events joined to the chosen one by 'and' / ',' after it: 'deprecated and removed'."""
    out: list[tuple[int, str]] = []
    previous_end = None
    for start, end, group in events:
        if start == chosen_start:
            previous_end = end
            continue
        if previous_end is None or start < previous_end:
            continue
        if not _COORDINATED.match(clause[previous_end:start]):
            break
        out.append((start, group))
        previous_end = end
    return out


_LTS_AFTER = re.compile(r"\s*(?:\(?lts\)?|long[- ]term support)(?![a-z])")
_LTS_BEFORE = re.compile(r"(?:lts|long[- ]term support(?: \(lts\))?)\s+(?:versions?\s+)?$")


def plan_of(clause: str, start: int, end: int, version: str) -> str | None:
    """'lts' when the version at clause[start:end] is named as an LTS version (an '-akslts'
    patch says so itself)."""
    if "akslts" in version:
        return None
    if _LTS_AFTER.match(clause, end):
        return "lts"
    return "lts" if _LTS_BEFORE.search(clause, max(0, start - 32), start) else None


def is_patch_list(clause: str, pos: int) -> bool:
    """Whether the version at clause[pos] is an item of a list that 'patch versions' opens."""
    head = clause.rfind("patch version", 0, pos)
    if head < 0:
        return False
    after_head = clause.find(" ", head + len("patch version")) + 1 or pos
    between = clause[after_head:pos]
    return bool(_PATCH_LIST_HEAD.search(clause, head, after_head)) and (
        _LIST_ITEMS.fullmatch(between) is not None
    )
