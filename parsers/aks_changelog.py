"""Parser for the AKS CHANGELOG (github.com/Azure/AKS, CHANGELOG.md).

The document has one '## Release YYYY-MM-DD' section per weekly release, newest first. Its layout
drifted over seven years and this parser follows every shape the corpus shows:

- headings '## Release 2019-01-31', '## Release 2021-12-9' (no zero padding),
  '## Release 2019-02-12 - Hotfix Release (UPDATE)', '## Release 2019-08-19 (Hotfix)',
  '## Release Notes 2025-10-12' and '## Release Notes - 2026-07-17';
- sections as headings ('### Announcements', '### Release notes' + '#### Features'), as bullets
  that only name a section ('* Bug Fixes:' with the items nested below it or, in a few releases,
  as its siblings), as a bold paragraph ('**Service Updates**'), or absent (2019 releases list
  their news directly under the release heading);
- bullets indented by 1 to 4 spaces, tabs or non-breaking spaces, '*Text' without a space,
  continuation lines, fenced code inside items, prose paragraphs, reference-style links.

Structure comes from a line scan, never a markdown parse: the file is 0.8 MB and markdown-it
would spend about 350 ms on it. Inline markdown is reduced with parsers/inline.py (with a fast
path for plain '[text](url)' links); facts come from parsers/aks_facts.py.

Entry kinds follow the section an item sits in: 'Bug Fixes' -> bug-fix; 'Announcements',
'Important Service Updates', 'Service Updates', 'Preannouncement', 'Known Issues' ->
announcement; 'Security Disclosures' -> security; 'Kubernetes Version' -> kubernetes-version.
An item announcing a Kubernetes version in another section keeps that section's kind; its
KubernetesVersionFact carries the news. Two refinements: an item under Component Updates (or in
an unknown section) that links node image notes is node-image; an item in no section at all
(the 2019 layout) is classified from its wording, and is an announcement when nothing else fits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import ClassVar

from aksnews.model.releases import (
    Entry,
    EntryKind,
    Fact,
    KubernetesVersionFact,
    NodeImageFact,
    ParseWarning,
    Release,
    Section,
    Source,
    UnreadStatement,
    VersionEvent,
)
from aksnews.parsers.aks_blocks import Heading, Node, SectionInfo, normalized_lines, scan
from aksnews.parsers.aks_components import clear_memo as clear_component_memo
from aksnews.parsers.aks_facts import child_context, extract_facts
from aksnews.parsers.aks_kube_versions import NO_CONTEXT, FactContext
from aksnews.parsers.aks_text import normalize
from aksnews.parsers.aks_unread import clear_memo as clear_unread_memo
from aksnews.parsers.aks_unread import is_breaking, unread_statements
from aksnews.parsers.base import (
    DocumentRejected,
    ParseOptions,
    reject_unless_text,
    split_on_headings,
)
from aksnews.parsers.inline import DESTINATION, github_anchor, links, plain_text

_RELEASE_HEADING = re.compile(
    r"##[ \t]+Release(?:[ \t]+Notes)?[ \t]*(?:[-\u2013:][ \t]*)?"
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)",
    re.IGNORECASE,
)
_ANY_RELEASE_HEADING = re.compile(r"^##[ \t]+Release(?:[ \t]+Notes)?\b", re.IGNORECASE | re.M)
_TOP_HEADING = re.compile(r"#{1,2}[ \t]")
_DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_TAG = re.compile(r"This release is titled(?:\s+as)?\s+`?(?P<tag>v\d{8})\b", re.IGNORECASE)
_HOTFIX = re.compile(r"hot-?fix", re.IGNORECASE)
_REF_USE = re.compile(r"\]\[(?P<label>[^\]]*)\]")
_REF_LINK = re.compile(r"\[([^\[\]]*)\]\[([^\]]*)\]")
_BOLD_ONLY = re.compile(r"\*\*(?P<label>[^*]+?):?\*\*:?$")
_BOLD_LEAD = re.compile(r"\*\*(?P<label>[^*]+?)\*\*")

# '<HOST GROUP ID>' placeholders (and hostile '<script>') must survive as text: plain_text drops
# anything shaped like an HTML tag.
_LT = re.compile(r"<(?!https?://)")
_LT_GUARD = "\ue000"
# What plain_text rewrites besides simple links and runs of spaces.
_INLINE_MARKUP = re.compile(r"[\[\]`*_<\\\t]")
# Plain '[text](url "title")' links. No '!?' in front: an optional first character stops the
# regex engine from skipping ahead to '[' and triples the cost (images take the slow path).
_SIMPLE_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*<?(" + DESTINATION + r")>?(?:\s+\"[^\"]*\")?\s*\)")
_SPACES = re.compile(r" {2,}")
# As in parsers/inline.py: '<https://...>' autolinks and '`code`' spans.
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_CODE_SPAN = re.compile(r"`+([^`]*)`+")

# Release-level boilerplate that is not news.
_BOILERPLATE = re.compile(
    r"Monitor the release status[^.\n]*?\[AKS-Release-Tracker\]\([^)]*\)\.?"
    r"|This release is titled(?:\s+as)?\s+`?v\d{8}`?\.?"
    r"|This release is rolling out to all regions[^.\n*]*(?:\.\d[^.\n*]*)*\.?"
    r"|Hotfix releases follow an accelerated rollout schedule[^*]*"
    r"|\*\*|\s+",
    re.IGNORECASE,
)

# Section names as the changelog writes them (normalised: lower case, no '*' or ':').
_SECTION_NAMES = {
    EntryKind.ANNOUNCEMENT: "announcements|announcement|important service updates|"
    "service updates|preannouncement|preannouncements|known issues|important announcements",
    EntryKind.KUBERNETES_VERSION: "kubernetes version|kubernetes versions",
    EntryKind.FEATURE: "features|feature|new features|new feature",
    EntryKind.PREVIEW_FEATURE: "preview features|preview feature|public preview|"
    "new features in preview",
    EntryKind.BEHAVIORAL_CHANGE: "behavioral changes|behavioral change|behavior changes|"
    "behavior change|behaviour changes|behavioural changes",
    EntryKind.BUG_FIX: "bug fixes|bug fix|bugfixes|fixes|bugs",
    EntryKind.SECURITY: "security|security disclosures|security fixes|security updates",
    EntryKind.COMPONENT_UPDATE: "component updates|component update|components updates",
    EntryKind.NODE_IMAGE: "windows node images|node images|vhd updates|node image updates",
}
_KINDS: dict[str, EntryKind | None] = {
    name: kind for kind, names in _SECTION_NAMES.items() for name in names.split("|")
}
# A container: the kind comes from the '#### Features' or '* Features' inside it.
_KINDS.update({"release notes": None, "release note": None})
# Headings that are not in the table: the wording decides ('### Important behavioral change').
_FUZZY_KINDS = [
    (re.compile(r"behavio"), EntryKind.BEHAVIORAL_CHANGE),
    (re.compile(r"preview"), EntryKind.PREVIEW_FEATURE),
    (re.compile(r"\bfix|\bbug"), EntryKind.BUG_FIX),
    (re.compile(r"security|\bcve\b"), EntryKind.SECURITY),
    (re.compile(r"node image|\bvhd\b"), EntryKind.NODE_IMAGE),
    (re.compile(r"component"), EntryKind.COMPONENT_UPDATE),
    (re.compile(r"announce|service update|known issue"), EntryKind.ANNOUNCEMENT),
    (re.compile(r"kubernetes version"), EntryKind.KUBERNETES_VERSION),
    (re.compile(r"feature"), EntryKind.FEATURE),
]
# How an item in no section reads; the first match wins.
_GUESS_KINDS = [
    (
        re.compile(
            r"^(?:fix(?:ed|es)?|resolved?|corrected|bug ?fix|hot-?fix(?:ed)?|a bug|an issue|"
            r"issues? (?:where|with))\b|\b(?:has|have) been (?:fixed|resolved)\b",
            re.I,
        ),
        EntryKind.BUG_FIX,
    ),
    (
        re.compile(r"\bCVE-\d|\bGHSA-|\bsecurity (?:bug|fix|issue|vulnerabilit)", re.I),
        EntryKind.SECURITY,
    ),
    (re.compile(r"\b(?:updated|upgraded|bumped)\b.*\bto\b", re.I), EntryKind.COMPONENT_UPDATE),
    (re.compile(r"\bpreview\b", re.I), EntryKind.PREVIEW_FEATURE),
    (
        re.compile(
            r"\bnow (?:generally )?available\b|\bgenerally available\b|\bGA\b|"
            r"\bnow supports?\b|\bsupport for\b|\bnew features?\b",
            re.I,
        ),
        EntryKind.FEATURE,
    ),
]
_KUBERNETES_FIRST = re.compile(r"(?:new\s+)?(?:AKS\s+)?(?:kubernetes|k8s)\b", re.IGNORECASE)
_IMAGE_KINDS = {EntryKind.COMPONENT_UPDATE, EntryKind.OTHER}


def _normalize_label(text: str) -> str:
    words = text.replace("*", " ").replace("_", " ").replace("`", " ").split()
    return " ".join(words).rstrip(":").strip().lower()


@lru_cache(maxsize=512)
def _section_info(text: str) -> SectionInfo:
    """Kind of a heading or label; known is False for names no section table or wording fits."""
    name = text.replace("**", "").strip().rstrip(":").strip()
    key = _normalize_label(name)
    if key in _KINDS:
        return name, _KINDS[key], True
    for pattern, kind in _FUZZY_KINDS:
        if pattern.search(key):
            return name, kind, True
    return name, None, False


def _is_label_like(text: str) -> bool:
    return len(text) < 40 and _normalize_label(text) in _KINDS


# --- inline markdown ----------------------------------------------------------------------------


def _code_text(m: re.Match[str]) -> str:
    return m.group(1)


def _slow_plain(source: str) -> str:
    """plain_text(source), with '<' kept literally."""
    if "<" not in source:
        return plain_text(source)
    return plain_text(_LT.sub(_LT_GUARD, source)).replace(_LT_GUARD, "<")


def _text_and_links(
    markdown: str, text_start: int, refs: tuple[tuple[str, str], ...]
) -> tuple[str, tuple[str, ...]]:
    """plain_text() of the item's text and links() of its markdown, in one pass for the common
    case of plain '[text](url)' links (the corpus test checks both against the helpers), plus
    the targets of reference-style links ('[text][1]') defined in the section."""
    lines = markdown[text_start:].splitlines()
    if len(lines) == 1:
        source = lines[0].strip()
    else:
        source = "\n".join(line for line in (raw.strip() for raw in lines) if line)
    if refs:  # '[text][1]' reads as 'text' when [1] is defined
        labels = {label for label, _ in refs}
        source = _REF_LINK.sub(
            lambda m: m.group(1) if m.group(2).lower() in labels else m.group(0), source
        )
    targets: list[str] = []
    autolinks: list[str] = []

    def keep_text(m: re.Match[str]) -> str:
        targets.append(m.group(2))
        return m.group(1)

    def keep_url(m: re.Match[str]) -> str:
        autolinks.append(m.group(1))
        return m.group(1)

    # The same rewrites as plain_text, in its order, for the shapes the changelog uses.
    reduced = source
    if "[" in reduced and "![" not in reduced:
        reduced = _SIMPLE_LINK.sub(keep_text, reduced)
    if "<" in reduced:
        reduced = _AUTOLINK.sub(keep_url, reduced)
    if "`" in reduced:
        reduced = _CODE_SPAN.sub(_code_text, reduced)
    if _INLINE_MARKUP.search(reduced):
        text = _slow_plain(source)  # emphasis, escapes, odd brackets: the helper decides
    elif "\n" in reduced or "  " in reduced:
        lines = [_SPACES.sub(" ", line).strip() for line in reduced.splitlines()]
        text = "\n".join(line for line in lines if line)
    else:
        text = reduced
    if "](" not in markdown and "http" not in markdown:
        found: tuple[str, ...] = ()
    elif (
        "![" not in markdown
        and len(targets) == markdown.count("](")
        and markdown.count("http") == markdown.count("](http") + len(autolinks)
    ):
        found = tuple(dict.fromkeys(targets + autolinks))  # no bare URLs: what links() finds
    else:
        found = links(markdown)
    if refs:
        found = tuple(dict.fromkeys([*found, *(url for _, url in refs)]))
    return text, found


def _refs_used(markdown: str, refs: dict[str, str]) -> tuple[tuple[str, str], ...]:
    if not refs or "][" not in markdown:
        return ()
    used = (m.group("label").lower() for m in _REF_USE.finditer(markdown))
    return tuple((label, refs[label]) for label in dict.fromkeys(used) if label in refs)


@lru_cache(maxsize=8192)
def _analyse(
    markdown: str,
    text_start: int,
    refs: tuple[tuple[str, str], ...],
    ctx: FactContext | None,
    default_event: VersionEvent | None,
) -> tuple[str, str, tuple[str, ...], tuple[Fact, ...], bool, tuple[UnreadStatement, ...]]:
    """(plain text, flattened text, links, facts, breaking, unread statements) of one item. A
    pure function of its inputs, memoised because weekly releases repeat many announcements
    word for word."""
    text, found = _text_and_links(markdown, text_start, refs)
    # Hard-wrapped prose on one line, so that sentences stay whole.
    flat = text if "\n" not in text and "  " not in text else " ".join(text.split())
    context = NO_CONTEXT if ctx is None else ctx
    facts = extract_facts(flat, found, markdown, context, default_event)
    normal = normalize(flat)
    low = normal.lower()
    return text, flat, found, facts, is_breaking(low), unread_statements(normal, facts)


def clear_memos() -> None:
    """Forget every memoised item and sentence (for cold measurements)."""
    _analyse.cache_clear()
    clear_component_memo()
    clear_unread_memo()


# --- sections ------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _heading_section(headings: tuple[Heading, ...]) -> SectionInfo:
    """The innermost heading that names a section or an unknown one, else the container."""
    for heading in reversed(headings):
        info = _section_info(heading.text)
        if info[1] is not None or not info[2]:
            return info
    return (headings[-1].text, None, True) if headings else ("", None, False)


def _assign_sections(nodes: Sequence[Node]) -> None:
    """Mark section labels and give every node its section, in document order: the label it is
    nested under, else a childless label bullet before it among its siblings, else its parent's
    section, else the heading in force."""
    latest_label: dict[int, Node] = {}  # id(sibling list) -> last label seen in it
    for node in nodes:
        if len(node.lines) == 1:
            text = node.lines[0]
            if node.bullet and node.label_like:
                node.label = text[node.content - node.indent :].strip()
            elif not node.bullet and _BOLD_ONLY.match(text.strip()):  # '**Service Updates**'
                node.label_like = _is_label_like(text)
                node.label = text.strip() if node.label_like else None
        key = id(node.siblings)
        label = latest_label.get(key)
        if node.label is not None:
            latest_label[key] = node
        parent = node.parent
        if parent is not None and parent.label is not None:
            node.section = _section_info(parent.label)
        elif label is not None and label.label is not None and not label.children:
            node.section = _section_info(label.label)
        elif parent is not None:
            node.section = parent.section
        else:
            node.section = _heading_section(node.headings)


def _guess_kind(text: str, facts: Sequence[Fact], fallback: EntryKind) -> EntryKind:
    first = text.split(". ", 1)[0]
    if _KUBERNETES_FIRST.match(first) and any(isinstance(f, KubernetesVersionFact) for f in facts):
        return EntryKind.KUBERNETES_VERSION
    for pattern, kind in _GUESS_KINDS:
        if pattern.search(first):
            return kind
    return fallback


def _context_of(parent: Node, entries: Sequence[Entry]) -> FactContext:
    if parent.context is None:
        assert parent.position is not None
        parent.context = child_context(" ".join(entries[parent.position].text.split()))
    return parent.context


class AksChangelogParser:
    """AKS CHANGELOG (github.com/Azure/AKS): releases, entries and their facts."""

    name: ClassVar[str] = "aks"
    source: ClassVar[Source] = Source.AKS

    def check(self, text: str, path: str) -> None:
        reject_unless_text(text, path, expect="the AKS CHANGELOG (markdown)")
        if not _ANY_RELEASE_HEADING.search(text):
            raise DocumentRejected(
                path, "no '## Release YYYY-MM-DD' headings: this is not the AKS CHANGELOG"
            )

    def split(
        self, text: str, path: str, options: ParseOptions
    ) -> tuple[list[Section], list[ParseWarning]]:
        # Cut at every '#' and '##' heading, so that a foreign '## Something' ends the release
        # above it, then keep the release sections only.
        sections = split_on_headings(text, lambda line: _TOP_HEADING.match(line) is not None)
        kept: list[Section] = []
        warnings: list[ParseWarning] = []
        for section in sections:
            if section.text.startswith("## ") and _ANY_RELEASE_HEADING.match(section.text):
                kept.append(section)
            elif _DATE_LIKE.search(section.heading):
                message = f"heading {section.heading!r} has a date but is not a release; ignored"
                warnings.append(ParseWarning(path, section.line, message))
        return kept, warnings

    def parse_section(
        self, section: Section, path: str, options: ParseOptions
    ) -> tuple[Release | None, list[ParseWarning]]:
        lines = normalized_lines(section.text)
        m = _RELEASE_HEADING.match(lines[0])
        if m is None:
            message = f"no release date in heading {section.heading!r}; section skipped"
            return None, [ParseWarning(path, section.line, message)]
        try:
            day = dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        except ValueError:
            message = f"impossible release date in heading {section.heading!r}; section skipped"
            return None, [ParseWarning(path, section.line, message)]
        warnings: list[ParseWarning] = []
        entries = self._entries(lines, section.line, path, warnings)
        if not entries:
            warnings.append(ParseWarning(path, section.line, "release has no entries"))
        head = section.text[:2000]  # the tag is in the release-tracker sentence under the heading
        tag = _TAG.search(head) if "titled" in head else None
        release = Release(
            source=Source.AKS,
            version=day.isoformat(),
            title=section.heading,
            line=section.line,
            section_sha256=section.sha256,
            date=day,
            tag=tag.group("tag") if tag else None,
            hotfix=_HOTFIX.search(section.heading) is not None,
            anchor=github_anchor(section.heading),
            entries=tuple(entries),
            markdown=section.text,
        )
        return release, warnings

    def _entries(
        self, lines: Sequence[str], first_line: int, path: str, warnings: list[ParseWarning]
    ) -> list[Entry]:
        state = scan(lines, _is_label_like)
        if state.open_fence is not None:
            line = first_line + state.open_fence
            warnings.append(ParseWarning(path, line, "code fence is never closed"))
        _assign_sections(state.nodes)
        entries: list[Entry] = []
        for node in state.nodes:
            if node.label is not None:
                continue
            markdown = node.lines[0] if len(node.lines) == 1 else "\n".join(node.lines)
            if not node.bullet and not _BOILERPLATE.sub("", markdown):
                continue
            parent = node.parent
            while parent is not None and parent.position is None:
                parent = parent.parent  # labels are not entries: the nearest entry above
            section, kind, _known = node.section
            if not node.bullet and kind is None:
                lead = _BOLD_LEAD.match(markdown)  # '**Important behavioral change**: ...'
                if lead:
                    kind = _section_info(lead.group("label"))[1]
            ctx = _context_of(parent, entries) if parent else None
            if ctx is NO_CONTEXT:
                ctx = None  # hashing None is cheaper for the memo than hashing a dataclass
            default_event = VersionEvent.PREVIEW if kind is EntryKind.PREVIEW_FEATURE else None
            text_start = node.content - node.indent if node.bullet else 0
            refs = _refs_used(markdown, state.refs) if state.refs else ()
            text, flat, found_links, facts, breaking, unread = _analyse(
                markdown, text_start, refs, ctx, default_event
            )
            if not text:
                continue
            if kind is None:
                if parent is not None and parent.section[1] is None:
                    kind = parent.kind  # a detail of an unsectioned item reads like its parent
                else:
                    fallback = EntryKind.OTHER if section else EntryKind.ANNOUNCEMENT
                    kind = _guess_kind(flat, facts, fallback)
            if kind in _IMAGE_KINDS and facts and isinstance(facts[0], NodeImageFact):
                kind = EntryKind.NODE_IMAGE
            node.kind = kind
            node.position = len(entries)
            entries.append(
                Entry(
                    kind,
                    section,
                    node.position,
                    markdown,
                    text,
                    first_line + node.index,
                    found_links,
                    parent.position if parent else None,
                    facts,
                    breaking=breaking,
                    unread=unread,
                )
            )
        return entries
