"""The line scan that cuts one AKS CHANGELOG release section into bullet items and paragraphs.

No markdown parser: one pass over the lines, dispatching on each line's first character (a
regex per line shape for every line would cost more than the rest of the parse). Nesting follows
CommonMark (an item is nested when it reaches its parent's text column) plus the one rule the
changelog's authors rely on beyond it: items under a section label ('* Bug Fixes') are nested
even when indented by less ('  * Fixed ...' under ' * Bug Fixes'). Continuation lines (lazy or
indented), fenced code (inside an item or right after it), reference-style link definitions,
headings and '---' separators are recognised. What a node means (a label, an entry, its kind)
is decided by parsers/aks_changelog.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aksnews.model.releases import EntryKind
from aksnews.parsers.aks_kube_versions import FactContext

_HEADING = re.compile(r"(?P<level>#{1,6})[ \t]+(?P<text>.*?)[ \t#]*$")
# '1. Scale up' (the '-', '*', '+' bullets are read without a regex).
_ORDERED = re.compile(r"(?P<marker>(\d{1,9})[.)])[ \t]+(?P<content>\S.*)")
# '*Clusters using ...': a bullet without its space (no other '*' on the line: not emphasis).
_STAR_NO_SPACE = re.compile(r"(?P<marker>\*)(?P<content>[A-Z\[][^*]*)$")
_THEMATIC_BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_REF_DEFINITION = re.compile(r" {0,3}\[(?P<label>[^\]]+)\]:[ \t]*<?(?P<url>[^\s>]+)>?")

SectionInfo = tuple[str, EntryKind | None, bool]  # (name as written, kind, known)


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int


@dataclass(eq=False, slots=True)
class Node:
    """A bullet item or a prose paragraph; the parser fills in the fields after `children`."""

    index: int  # line index within the section (0 is the release heading)
    indent: int  # column of the bullet marker (0 for paragraphs)
    content: int  # column where the item's text starts
    lines: list[str]  # its own lines, dedented to `indent`
    parent: Node | None
    headings: tuple[Heading, ...]  # headings in force, outermost first
    siblings: list[Node]
    bullet: bool = True
    ordered: bool = False
    label_like: bool = False  # its text names a section ('Bug Fixes:')
    children: list[Node] = field(default_factory=list)
    pending_blank: int = 0  # blank lines inside the item, kept only when text follows
    label: str | None = None  # set when the node only names a section: not an entry
    section: SectionInfo = ("", None, False)
    position: int | None = None  # entry position, once it is an entry
    kind: EntryKind = EntryKind.OTHER
    context: FactContext | None = None  # what its children inherit, computed on first use

    def append(self, line: str, indent: int) -> None:
        if self.pending_blank:
            self.lines.extend([""] * self.pending_blank)
            self.pending_blank = 0
        self.lines.append(line[min(indent, self.indent) :])


@dataclass
class Scan:
    """What the line scan of one section found."""

    nodes: list[Node] = field(default_factory=list)  # in document order
    refs: dict[str, str] = field(default_factory=dict)  # reference-style link definitions
    open_fence: int | None = None  # line index of a code fence that is never closed


@dataclass
class _Lists:
    """The open lists while scanning: where the next bullet goes."""

    is_label: Callable[[str], bool]
    nodes: list[Node]
    stack: list[Node] = field(default_factory=list)  # open items, innermost last
    top: list[Node] = field(default_factory=list)  # top-level siblings since the last heading
    headings: tuple[Heading, ...] = ()

    def open_item(self, index: int, line: str, indent: int, width: int, text: str) -> Node:
        """A bullet at `indent` whose marker and spaces take `width` columns."""
        stack = self.stack
        while stack:
            parent = stack[-1]
            # CommonMark nests an item that reaches its parent's text column; authors also nest
            # items under a section label with less indentation (' * Bug Fixes' + '  * Fixed').
            if indent >= parent.content or (indent > parent.indent and parent.label_like):
                break
            stack.pop()
        parent_node = stack[-1] if stack else None
        siblings = parent_node.children if parent_node else self.top
        node = Node(
            index,
            indent,
            indent + width,
            [line[indent:]],
            parent_node,
            self.headings,
            siblings,
            ordered=line[indent].isdigit(),
            label_like=len(text) < 40 and self.is_label(text),
        )
        siblings.append(node)
        self.nodes.append(node)
        stack.append(node)
        return node

    def heading(self, text: str, level: int) -> None:
        self.headings = (*(h for h in self.headings if h.level < level), Heading(text, level))
        self.stack.clear()
        self.top = []

    def paragraph(self, index: int) -> Node:
        self.stack.clear()
        node = Node(index, 0, 0, [], None, self.headings, self.top, bullet=False)
        self.top.append(node)
        self.nodes.append(node)
        return node

    def owner_after_blank(self, indent: int) -> Node | None:
        """The open item that an indented line continues after a blank line."""
        for item in reversed(self.stack):
            if indent >= item.content:
                del self.stack[self.stack.index(item) + 1 :]
                return item
        return None


def scan(lines: Sequence[str], is_label: Callable[[str], bool]) -> Scan:
    """Items and paragraphs of one release section (lines[0] is its heading). `is_label` tells
    whether an item's text only names a section ('Bug Fixes:')."""
    state = Scan()
    lists = _Lists(is_label, state.nodes)
    stack = lists.stack
    last: Node | None = None  # the node that took the previous non-blank line
    fence: str | None = None
    fence_owner: Node | None = None
    prev_blank = True
    for index in range(1, len(lines)):
        line = lines[index]
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if fence is not None:
            if fence_owner is not None:
                fence_owner.append(line, indent)
            if body.startswith(fence):
                fence = None
            continue
        if not body or body.isspace():
            prev_blank = True
            for item in stack:
                item.pending_blank += 1
            continue
        was_blank, prev_blank = prev_blank, False
        first = body[0]
        is_fence = first in "`~" and body.startswith(("```", "~~~"))
        if not is_fence:
            if first in "-*+" and body[1:2] == " ":  # the common bullet, without a regex
                text = body[2:].lstrip(" \t")
                if text and (text[0] not in "-*_" or not _THEMATIC_BREAK.match(line)):
                    space = len(body) - 1 - len(text)
                    width = 1 + (space if space <= 4 else 1)  # 5+ spaces: code, CommonMark says
                    last = lists.open_item(index, line, indent, width, text)
                    continue
            if first == "#" and indent < 4:
                heading = _HEADING.match(body)
                if heading:  # '#hashtag' is text
                    lists.heading(heading.group("text"), len(heading.group("level")))
                    last = None
                    continue
            if first in "-*_" and _THEMATIC_BREAK.match(line):
                stack.clear()
                last = None
                continue
            if first == "[" and (was_blank or not stack):
                ref = _REF_DEFINITION.match(line)
                if ref:
                    state.refs[ref.group("label").lower()] = ref.group("url")
                    stack.clear()
                    last = None
                    continue
            if first.isdigit() or (first == "*" and stack):
                bullet = (_ORDERED if first.isdigit() else _STAR_NO_SPACE).match(body)
                # Only '1.' starts a list inside a paragraph ('... in\n2023. The ...').
                if bullet and first.isdigit() and bullet.group(2) != "1" and not was_blank:
                    bullet = bullet if stack and stack[-1].ordered else None
                if bullet:
                    space = bullet.start("content") - len(bullet.group("marker"))
                    width = len(bullet.group("marker")) + (space if space <= 4 else 1)
                    last = lists.open_item(index, line, indent, width, bullet.group("content"))
                    continue
        # Text: continues the current item or paragraph, or starts a paragraph.
        owner = last if not was_blank else lists.owner_after_blank(indent)
        if owner is None:
            if is_fence:
                # A top-level code block explains the note just above it.
                stack.clear()
                owner = next((n for n in reversed(state.nodes) if not n.label_like), None)
                if owner is not None and owner.headings != lists.headings:
                    owner = None
            else:
                owner = lists.paragraph(index)
        if owner is not None:
            owner.append(line, indent)
        last = owner
        if is_fence:
            fence, fence_owner, state.open_fence = body[:3], owner, index
    if fence is None:
        state.open_fence = None
    return state


def normalized_lines(text: str) -> list[str]:
    """The section's lines; CRs dropped, tabs and non-breaking spaces in indentation expanded
    (the corpus has both). Checked once per section, not once per line."""
    lines = text.split("\n")
    if "\r" not in text and "\t" not in text and "\u00a0" not in text:
        return lines
    out = []
    for line in lines:
        line = line.rstrip("\r")
        body = line.lstrip(" \t\u00a0")
        out.append(line[: len(line) - len(body)].replace("\u00a0", " ").expandtabs(4) + body)
    return out
