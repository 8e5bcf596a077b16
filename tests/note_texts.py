"""A deliberately small splitter for the tests of the mining: note texts of the release notes.

It takes the note sections of a release-notes file ('Urgent Upgrade Notes' and every kind
heading: Deprecation, API Change, Feature, Bug or Regression, Other...; not Dependencies) and
returns one note per bullet at any depth, its sub-bullets
included (as the changelog parser's entries carry them). Bullets that only label a group
('- API', '- kube-apiserver') are left out; their children are notes of their own. The real
parser (parsers/kubernetes_changelog.py) does much more; this keeps the mining tests free of it, and
of parsers/inline.py: the plain text comes from markdown-it-py (tests/markdown_oracle.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_oracle import bullet_lines

from aksnews.model.releases import EntryKind

_HEADING = re.compile(r"^(#+)\s*(.*?)\s*$")
_MINED = re.compile(
    r"^(urgent upgrade notes|deprecations?(?: and removals)?|api changes?|(?:notable )?features?"
    r"|documentation|failing tests?|bug or regression|other \(.*\)|uncategorized"
    r"|other notable changes)$",
    re.I,
)
_KINDS = {
    "urgent": EntryKind.URGENT_UPGRADE,
    "deprec": EntryKind.DEPRECATION,
    "api": EntryKind.API_CHANGE,
    "feature": EntryKind.FEATURE,
    "notable feature": EntryKind.FEATURE,
    "document": EntryKind.DOCUMENTATION,
    "failing": EntryKind.FAILING_TEST,
    "bug": EntryKind.BUG,
}
_BULLET = re.compile(r"^(\s*)[-*]\s+(.*)$")
_PR = re.compile(r"\[#(\d+)\]\(https://github\.com/kubernetes/kubernetes/pull/\d+\)")


@dataclass(frozen=True)
class Note:
    kind: EntryKind
    text: str  # plain text, sub-bullets included
    pr: int | None
    line: int  # 1-based line of the bullet


def _kind(title: str) -> EntryKind:
    lowered = title.lower()
    return next((k for p, k in _KINDS.items() if lowered.startswith(p)), EntryKind.OTHER)


def mined_notes(text: str) -> list[Note]:
    items: list[tuple[int, EntryKind, list[str], int]] = []
    stack: list[tuple[int, list[str]]] = []
    level: int | None = None
    kind: EntryKind | None = None
    for n, line in enumerate(text.split("\n"), start=1):
        heading = _HEADING.match(line)
        if heading:
            depth, title = len(heading.group(1)), heading.group(2)
            if level is not None and depth <= level:
                level, kind, stack = None, None, []
            if _MINED.match(title):
                level, kind, stack = depth, _kind(title), []
            continue
        if kind is None:
            continue
        bullet = _BULLET.match(line)
        if bullet:
            indent = len(bullet.group(1))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            lines = [line]
            for _, parent in stack:
                parent.append(line)
            stack.append((indent, lines))
            items.append((indent, kind, lines, n))
        elif line.strip():
            for _, parent in stack:
                parent.append(line)
    notes: list[Note] = []
    for _, note_kind, lines, n in items:
        head = _BULLET.match(lines[0])
        label = head.group(2).strip().rstrip(":") if head else ""
        if len(lines) > 1 and len(label.split()) <= 3 and not label.endswith("."):
            continue
        markdown = "\n".join(lines)
        pr = _PR.search(markdown)
        notes.append(Note(note_kind, bullet_lines(markdown), int(pr.group(1)) if pr else None, n))
    return notes
