"""A release page's entries as the CHANGELOG nests them: each sub-bullet under its parent, each
rendered once as a list item (an entry's Markdown starts with its own bullet, which the page's
list already draws)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aksnews.web.models import EntryOut

# The entry's own list marker ('* ', '- ', '+ ') and its indentation; '**bold**' is no marker.
_BULLET = re.compile(r"^[ \t]*[*+-][ \t]+")


@dataclass(frozen=True, slots=True)
class EntryNode:
    entry: EntryOut
    children: tuple[EntryNode, ...] = ()


def item_markdown(markdown: str) -> str:
    """The entry's Markdown without its leading bullet, so that it renders as the item's
    content rather than as a list of its own inside the item."""
    return _BULLET.sub("", markdown, count=1)


def entry_tree(entries: Sequence[EntryOut]) -> tuple[EntryNode, ...]:
    """The entries of one group as a forest, in their order; an entry whose parent is not in the
    group (upstream notes are grouped by kind) stands at the top."""
    positions = {e.position for e in entries}
    children: dict[int, list[EntryOut]] = {}
    roots: list[EntryOut] = []
    for entry in entries:
        # A parent comes before its children in the document, so no chain can loop.
        parent = entry.parent
        if parent is not None and parent in positions and parent < entry.position:
            children.setdefault(parent, []).append(entry)
        else:
            roots.append(entry)

    def node(entry: EntryOut) -> EntryNode:
        return EntryNode(entry, tuple(node(k) for k in children.get(entry.position, ())))

    return tuple(node(e) for e in roots)
