"""What the headings of upstream Kubernetes notes say about the notes below them.

The changelog parser (kubernetes_changelog) keeps a stack of open headings; each one is
classified here once: a kind of notes ('### API Change'), a container ('## Changes by Kind'), a
SIG group of the older drafts ('### SIG Node'), a dependency change ('### Added') or downloads.

Kind headings upstream adds later ('### Design') are not errors: under 'Changes by Kind' an
unknown heading keeps its own normalised name ('design'), synonyms of the known kinds
('Bug Fixes', 'Cleanup') map onto them, and nothing is folded into 'other'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from aksnews.model.releases import EntryKind


class Mode(Enum):
    NONE = "none"  # a container heading ('Changes by Kind') or an unknown one: nothing to emit
    NOTES = "notes"  # one entry per top-level bullet
    DEPENDENCIES = "dependencies"  # one entry per bullet, with component-update facts
    PROSE = "prose"  # security information, known issues: one entry per sub-heading or bullet
    NARRATIVE = "narrative"  # major themes: essays that repeat notes found elsewhere
    DOWNLOADS = "downloads"  # sha512 tables: skipped without looking at them


@dataclass(frozen=True, slots=True)
class Context:
    mode: Mode
    kind: EntryKind = EntryKind.OTHER
    mixed: bool = False  # old 'Other notable changes' lists mix fixes with the rest
    listing: bool = False  # old metric-name lists: items, not notes, so no PR is expected
    name: str | None = None  # an unknown kind heading's normalised name ('design')


_K = EntryKind
_NOTES = Mode.NOTES
# Heading text (lower case, trailing ':' dropped) -> what the notes below it are.
HEADINGS: dict[str, Context] = {
    **dict.fromkeys(
        ["urgent upgrade notes", "action required"], Context(_NOTES, _K.URGENT_UPGRADE)
    ),
    **dict.fromkeys(
        ["deprecation", "deprecations", "deprecations and removals", "other deprecations"],
        Context(_NOTES, _K.DEPRECATION),
    ),
    **dict.fromkeys(
        [
            "removed and deprecated metrics",
            "removed metrics",
            "deprecated metrics",
            "deprecated/changed metrics",
            "depreciated/changed metrics",
        ],
        Context(_NOTES, _K.DEPRECATION, listing=True),
    ),
    **dict.fromkeys(["api change", "api changes"], Context(_NOTES, _K.API_CHANGE)),
    **dict.fromkeys(["feature", "features", "notable features"], Context(_NOTES, _K.FEATURE)),
    **dict.fromkeys(
        ["added metrics", "metrics changes"], Context(_NOTES, _K.FEATURE, listing=True)
    ),
    "documentation": Context(_NOTES, _K.DOCUMENTATION),
    "failing test": Context(_NOTES, _K.FAILING_TEST),
    **dict.fromkeys(["bug or regression", "bug fixes"], Context(_NOTES, _K.BUG)),
    **dict.fromkeys(["other (cleanup or flake)", "uncategorized"], Context(_NOTES, _K.OTHER)),
    **dict.fromkeys(
        [
            "other (bug, cleanup or flake)",
            "other notable changes",
            "detailed bug fixes and changes",
        ],
        Context(_NOTES, _K.OTHER, mixed=True),
    ),
    **dict.fromkeys(
        ["dependencies", "external dependencies", "detailed go dependency changes"],
        Context(Mode.DEPENDENCIES, _K.DEPENDENCY),
    ),
    "important security information": Context(Mode.PROSE, _K.BUG),
    "known issues": Context(Mode.PROSE, _K.OTHER),
    "changes by kind": Context(Mode.NONE),
}
CHANGES_BY_KIND = HEADINGS["changes by kind"]

# Other spellings of the known kinds, as the release team's labels name them (kind/bug,
# kind/cleanup...) or as a heading might: compared after normalising (kind_heading_name).
_SYNONYMS: dict[str, EntryKind] = {
    **dict.fromkeys(
        ["urgent", "urgent-upgrade", "urgent-upgrade-note", "action-required"], _K.URGENT_UPGRADE
    ),
    **dict.fromkeys(
        ["deprecations", "removal", "removals", "deprecation-and-removal"], _K.DEPRECATION
    ),  # fmt: skip
    **dict.fromkeys(["api", "api-changes", "apis"], _K.API_CHANGE),
    **dict.fromkeys(["features", "enhancement", "enhancements"], _K.FEATURE),
    **dict.fromkeys(["docs", "documentation-changes"], _K.DOCUMENTATION),
    **dict.fromkeys(["failing-tests", "flaky-test", "flaky-tests", "test"], _K.FAILING_TEST),
    **dict.fromkeys(
        [
            "bug",
            "bugs",
            "bug-fix",
            "bug-fixes",
            "bugfix",
            "bugfixes",
            "regression",
            "fixes",
            "bug-or-regression",
            "bugs-or-regressions",
        ],
        _K.BUG,
    ),  # fmt: skip
    **dict.fromkeys(
        [
            "other",
            "cleanup",
            "flake",
            "cleanup-or-flake",
            "other-cleanup-or-flake",
            "other-cleanup",
            "uncategorized",
            "misc",
            "miscellaneous",
        ],
        _K.OTHER,
    ),  # fmt: skip
}
_NARRATIVE = re.compile(r"(?:\d+\.\d+ )?what.s new\b|major themes|other notable announcements")
_DEP_CHANGES = frozenset({"added", "changed", "removed", "unchanged"})
# SIG group headings of the older drafts; cloud providers were grouped the same way.
_SIGS = {
    "api machinery": "api-machinery",
    "apps": "apps",
    "architecture": "architecture",
    "auth": "auth",
    "autoscaling": "autoscaling",
    "cli": "cli",
    "cloud provider": "cloud-provider",
    "cluster lifecycle": "cluster-lifecycle",
    "lifecycle": "cluster-lifecycle",
    "instrumentation": "instrumentation",
    "network": "network",
    "node": "node",
    "release": "release",
    "scheduling": "scheduling",
    "storage": "storage",
    "testing": "testing",
    "windows": "windows",
}
_PROVIDERS = frozenset({"aws", "azure", "gcp", "openstack", "vmware"})


@dataclass(slots=True)
class Frame:
    """One open heading: what it says about the lines below it until a same-or-higher heading."""

    level: int
    title: str
    context: Context | None = None
    sig: str | None = None
    dep_change: str | None = None


def heading_key(title: str) -> str:
    return " ".join(title.lower().rstrip(":").split())


def kind_heading_name(title: str) -> str:
    """'Bug Fixes' -> 'bug-fixes', 'Other (Cleanup or Flake)' -> 'other-cleanup-or-flake'."""
    return re.sub(r"[^a-z0-9]+", "-", heading_key(title)).strip("-") or "unnamed"


def kind_context(title: str) -> Context:
    """The notes under a kind heading 'Changes by Kind' does not list in HEADINGS."""
    name = kind_heading_name(title)
    known = _SYNONYMS.get(name) or _SYNONYMS.get(name.removesuffix("s"))
    if known is None:
        known = next((k for k in EntryKind if k.value == name), None)
    if known is not None:
        return Context(_NOTES, known)
    return Context(_NOTES, EntryKind.OTHER, name=name)


def classify(level: int, title: str) -> Frame:
    key = heading_key(title)
    if key in HEADINGS:
        return Frame(level, title, context=HEADINGS[key])
    if key.startswith("downloads for"):
        return Frame(level, title, context=Context(Mode.DOWNLOADS))
    if key.startswith(("changelog since", "release notes for")):
        return Frame(level, title, context=Context(Mode.NONE))
    if _NARRATIVE.match(key):
        return Frame(level, title, context=Context(Mode.NARRATIVE))
    sig_key = key.removeprefix("sig ")
    if sig_key in _SIGS:
        return Frame(level, title, sig=_SIGS[sig_key])
    if key in _DEP_CHANGES:
        return Frame(level, title, dep_change=key)
    if sig_key in _PROVIDERS:
        return Frame(level, title, sig="")  # a group heading that names no SIG
    return Frame(level, title)
