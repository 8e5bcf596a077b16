"""Parser for the upstream Kubernetes notes: CHANGELOG-1.NN.md files and release-notes drafts.

A CHANGELOG file is a table of contents followed by one '# v1.NN.P' section per release (alpha,
beta and rc included). Inside a section the notes sit under '## Urgent Upgrade Notes',
'## Changes by Kind' / '### <Kind>', '## Dependencies' / '### Added|Changed|Removed' and
'## Important Security Information'. A release-notes draft (sig-release) is the v1.NN.0 section
without its '# v1.NN.0' heading, so the caller names the release (ParseOptions.release). Drafts
before 1.19 group notes by SIG or use other headings ('Notable Features', 'Deprecations and
Removals', 'Other notable changes'); the heading table below maps them onto the same kinds.

Everything is a line scan: headings set the context, top-level bullets start notes, indented
and lazy lines continue them. The sha512 download tables are skipped by looking only at the
first character of their lines. No markdown parser runs here (a full parse costs seconds).
Reading one note once found (attribution, SIGs, text, links, dependency facts) is in
kubernetes_notes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import ClassVar

from aksnews.model.releases import Entry, EntryKind, Fact, ParseWarning, Release, Section, Source
from aksnews.parsers.api_mining import mine_note
from aksnews.parsers.base import (
    DocumentRejected,
    ParseOptions,
    reject_unless_text,
    section_sha256,
)
from aksnews.parsers.inline import github_anchor
from aksnews.parsers.kubernetes_headings import (
    CHANGES_BY_KIND,
    Context,
    Frame,
    Mode,
    classify,
    kind_context,
)
from aksnews.parsers.kubernetes_notes import (
    ATTRIBUTION,
    PULL,
    attribution_count,
    cve_facts,
    dependency_facts,
    last_attribution,
    note_links,
    note_text,
)

_RELEASE_HEADING = re.compile(r"#[ \t]+(v1\.\d+\.\d+(?:-(?:alpha|beta|rc)\.\d+)?)(?![\w.-])(.*)$")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_HEADING = re.compile(r"(#{1,6})[ \t]+(.*?)[ \t#]*$")
_BULLET = re.compile(r"( {0,3})([-*+]|\d{1,3}[.)])(?:[ \t]+|$)")
_FIX = re.compile(
    r"(?:[\w./ -]{1,40}:\s*)?(?:fix(?:e[sd])?|bug ?fix|resolved?|correct(?:ed|s)?)\b", re.I
)
_ACTION_REQUIRED = re.compile(r"\baction\s+required\b", re.I)
_NO_ACTION = re.compile(r"\bno\s+(?:\w+\s+)?$", re.I)  # 'No (user) action required'
_EMPTY_PROSE = re.compile(
    r"(?i)(?:none|no known issues(?: reported)?|_?nothing has changed\._?)\.?"
)


@dataclass(slots=True)
class _Block:
    """The raw lines of one note (or one prose item) and the context it started in."""

    start: int  # index in the section's lines
    lines: list[str]
    context: Context
    section: str
    sig: str | None
    dep_change: str | None
    content_col: int = 1  # a bullet indented less than this starts the next item
    marker: str = "-"
    blank: bool = False  # the last line seen was blank
    titled: bool = False  # a security or known-issue item: its heading line, then everything


@dataclass(slots=True)
class _State:
    path: str
    release: str
    section_line: int
    entries: list[Entry] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)

    def warn(self, index: int, message: str) -> None:
        self.warnings.append(ParseWarning(self.path, self.section_line + index, message))


class KubernetesChangelogParser:
    """Upstream Kubernetes CHANGELOG-1.NN.md files and sig-release release-notes drafts."""

    name: ClassVar[str] = "kubernetes"
    source: ClassVar[Source] = Source.KUBERNETES

    def check(self, text: str, path: str) -> None:
        reject_unless_text(text, path, expect="Kubernetes release notes")
        if not text.startswith("#") and "\n#" not in text:
            raise DocumentRejected(path, "no markdown headings: not Kubernetes release notes")

    def split(
        self, text: str, path: str, options: ParseOptions
    ) -> tuple[list[Section], list[ParseWarning]]:
        if "\r" in text:  # the line scan expects '\n' line ends
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        sections = _split_releases(text)
        if sections:
            return sections, []
        if options.release:
            # A release-notes draft: the whole document is the one release the caller named.
            body = text.rstrip("\n")
            return [Section(options.release, 1, body, section_sha256(body))], []
        message = "no '# v1.NN.P' release heading and no release named (ParseOptions.release)"
        return [], [ParseWarning(path, 1, message)]

    def parse_section(
        self, section: Section, path: str, options: ParseOptions
    ) -> tuple[Release | None, list[ParseWarning]]:
        heading = _RELEASE_HEADING.match("# " + section.heading)
        if heading:
            version, rest = heading.group(1), heading.group(2)
        elif options.release:
            version, rest = options.release, ""
        else:
            return None, [ParseWarning(path, section.line, f"not a release: {section.heading!r}")]
        state = _State(path, version, section.line)
        kept = _walk(section.text.replace("\r\n", "\n").split("\n"), state)
        release = Release(
            source=Source.KUBERNETES,
            version=version,
            title=section.heading,
            line=section.line,
            section_sha256=section.sha256,
            date=_date(rest),
            anchor=github_anchor(section.heading),
            entries=tuple(state.entries),
            markdown=kept,
        )
        return release, state.warnings


def _split_releases(text: str) -> list[Section]:
    """Cut at '# v1.NN.P' headings outside column-0 code fences.

    base.split_on_headings also honours indented fences, and one upstream note (PR 101822 in
    CHANGELOG-1.22) opens an indented fence it never closes, which would hide the next four
    release headings. An indented fence ends with its list item, so only column-0 fences count.
    """
    lines = text.split("\n")
    starts: list[int] = []
    in_fence = False
    for i, line in enumerate(lines):
        if line.startswith(("```", "~~~")):
            in_fence = not in_fence
        elif line.startswith("# v1.") and not in_fence and _RELEASE_HEADING.match(line):
            starts.append(i)
    sections: list[Section] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = "\n".join(lines[start:end]).rstrip("\n")
        heading = lines[start].lstrip("#").strip()
        sections.append(Section(heading, start + 1, body, section_sha256(body)))
    return sections


def _date(text: str) -> dt.date | None:
    # The upstream files give no release dates today; a date written after the version is used.
    m = _ISO_DATE.search(text)
    if m is None:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _context(stack: list[Frame]) -> tuple[Frame | None, str | None, str | None]:
    """The innermost heading that sets a context, the innermost SIG and dependency change."""
    ctx: Frame | None = None
    sig: str | None = None
    dep: str | None = None
    for frame in reversed(stack):
        if sig is None and frame.sig is not None:
            sig = frame.sig
        if dep is None and frame.dep_change is not None:
            dep = frame.dep_change
        if frame.context is not None:
            ctx = frame
            break
    return ctx, sig or None, dep


def _walk(lines: list[str], state: _State) -> str:
    """Scan a section's lines, emitting entries into `state`; returns the markdown kept."""
    stack: list[Frame] = []
    block: _Block | None = None
    ctx_frame: Frame | None = None
    sig: str | None = None
    dep: str | None = None
    mode = Mode.NONE
    in_fence = False
    skipped: list[tuple[int, int]] = []
    skip_from = -1
    for i, line in enumerate(lines):
        first = line[:1]
        if mode is Mode.DOWNLOADS and first != "#":
            continue  # sha512 tables: never looked at
        if first == "`" or first == "~":
            if line.startswith(("```", "~~~")):
                in_fence = not in_fence
        elif first == "#" and not in_fence:
            m = _HEADING.match(line)
            if m is not None:
                level = len(m.group(1))
                if mode is Mode.DOWNLOADS and level > 2:
                    continue
                _flush(block, state)
                block = None
                frame = classify(level, m.group(2))
                if frame.sig is not None:
                    # A SIG group heading never ends the kind it is grouped under, even when
                    # an older draft wrote it one level too high ('## Testing').
                    while stack and stack[-1].level >= level and stack[-1].context is None:
                        stack.pop()
                else:
                    while stack and stack[-1].level >= level:
                        stack.pop()
                if frame.context is None and frame.sig is None and frame.dep_change is None:
                    parent = _context(stack)[0]
                    if parent is not None and parent.context is CHANGES_BY_KIND:
                        frame.context = kind_context(frame.title)
                        label = frame.context.name or frame.context.kind.value
                        state.warn(
                            i, f"unknown kind heading {frame.title!r}: notes kept as {label}"
                        )
                stack.append(frame)
                was_downloads = mode is Mode.DOWNLOADS
                ctx_frame, sig, dep = _context(stack)
                mode = ctx_frame.context.mode if ctx_frame and ctx_frame.context else Mode.NONE
                if mode is Mode.DOWNLOADS and not was_downloads:
                    skip_from = i
                elif was_downloads and mode is not Mode.DOWNLOADS:
                    skipped.append((skip_from, i))
                if mode is Mode.PROSE and ctx_frame is not frame and ctx_frame is not None:
                    block = _new_block(i, [line], ctx_frame, sig, dep)
                    block.titled = True
                continue
        if mode is Mode.NOTES or mode is Mode.DEPENDENCIES or mode is Mode.PROSE:
            assert ctx_frame is not None
            block = _feed(block, i, line, ctx_frame, sig, dep, state)
        elif mode is Mode.NONE and first and first in "-*+" and PULL.search(line):
            state.warn(i, "note outside any known section: skipped")
    if mode is Mode.DOWNLOADS:
        skipped.append((skip_from, len(lines)))
    _flush(block, state)
    if not skipped:
        return "\n".join(lines)
    kept: list[str] = []
    start = 0
    for a, b in skipped:
        kept.extend(lines[start:a])
        start = b
    kept.extend(lines[start:])
    return "\n".join(kept)


def _new_block(i: int, lines: list[str], frame: Frame, sig: str | None, dep: str | None) -> _Block:
    assert frame.context is not None
    return _Block(i, lines, frame.context, frame.title.strip(), sig, dep)


def _feed(
    block: _Block | None,
    i: int,
    line: str,
    frame: Frame,
    sig: str | None,
    dep: str | None,
    state: _State,
) -> _Block | None:
    """Add one line to the current note, or start the next one; returns the open block."""
    assert frame.context is not None
    if block is not None and block.titled:
        # Under a security or known-issue sub-heading everything belongs to that one item.
        block.lines.append(line)
        return block
    bullet = _BULLET.match(line)
    if bullet is not None and (block is None or len(bullet.group(1)) < block.content_col):
        marker = bullet.group(2)
        # '* item' inside a '-' list is a sub-list that lost its indent (older drafts).
        if block is None or _family(marker) == _family(block.marker):
            _flush(block, state)
            new = _new_block(i, [line], frame, sig, dep)
            new.content_col = bullet.end()
            new.marker = marker
            return new
    if block is None:
        if line.strip() and frame.context.mode is Mode.PROSE:
            return _new_block(i, [line], frame, sig, dep)
        if line.strip() and ATTRIBUTION.search(line):
            state.warn(i, "note text outside a list item: kept as its own note")
            return _new_block(i, [line], frame, sig, dep)
        return None
    if not line.strip():
        block.lines.append(line)
        block.blank = True
        return block
    if not block.blank or line[0] in " \t" or bullet is not None:
        block.lines.append(line)  # continuation, lazy continuation, or a differently marked list
        block.blank = False
        return block
    if frame.context.mode is not Mode.PROSE:
        # A note is everything up to the next top-level bullet: paragraphs written at column 0
        # after a blank line, and an attribution pushed out of its list item (after a code
        # block), still belong to it.
        block.lines.append(line)
        block.blank = False
        return block
    _flush(block, state)
    return _feed(None, i, line, frame, sig, dep, state)


def _says_action_required(text: str) -> bool:
    """'ACTION REQUIRED' / 'Action required:' anywhere in the note, not 'No action required'."""
    return any(
        not _NO_ACTION.search(text, max(0, m.start() - 20), m.start())
        for m in _ACTION_REQUIRED.finditer(text)
    )


def _family(marker: str) -> str:
    return marker if marker in "-*+" else "1."


def _flush(block: _Block | None, state: _State) -> None:
    if block is None:
        return
    while block.lines and not block.lines[-1].strip():
        block.lines.pop()
    if not block.lines:
        return
    first = block.lines[0]
    if block.titled:
        _emit_prose(block, state)
        return
    bullet = _BULLET.match(first)
    head = first[bullet.end() :] if bullet else first.strip()
    markdown = "\n".join([head, *block.lines[1:]])
    if block.context.mode is Mode.PROSE and not bullet:
        text = note_text(markdown)
        # 'No Known Issues Reported', or an introduction ('...the following vulnerabilities:')
        if _EMPTY_PROSE.fullmatch(text) or text.endswith(":"):
            return
        _emit_prose(block, state)
        return
    if not markdown.strip():
        return  # a bullet with nothing after it (the 1.31 draft's ' - ' under urgent notes)
    if block.context.mode is Mode.NOTES and _is_group(block):
        _emit_group(block, state)
        return
    _emit_note(markdown, block, block.start, state, parent=None)


def _first_sub_bullet(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if i and line[:1] in (" ", "\t") and _BULLET.match(line.lstrip()):
            return i
    return None


def _is_group(block: _Block) -> bool:
    """An older-draft group ('- kube-apiserver:' over sub-bullets with their own attributions).

    Each sub-bullet is then a note of its own, child of the group entry. A note whose
    sub-bullets only detail it (one attribution, at the end) stays one note.
    """
    if len(block.lines) < 2 or attribution_count("\n".join(block.lines)) < 2:
        return False
    sub = _first_sub_bullet(block.lines)
    return sub is not None and ATTRIBUTION.search("\n".join(block.lines[sub:])) is not None


def _emit_group(block: _Block, state: _State) -> None:
    sub = _first_sub_bullet(block.lines) or len(block.lines)
    bullet = _BULLET.match(block.lines[0])
    head_lines = [block.lines[0][bullet.end() :] if bullet else block.lines[0]]
    head_lines.extend(block.lines[1:sub])
    while head_lines and not head_lines[-1].strip():
        head_lines.pop()
    head = "\n".join(head_lines)
    parent = len(state.entries)
    _emit_note(head, block, block.start, state, parent=None, group=not ATTRIBUTION.search(head))
    child_start = -1
    child: list[str] = []
    indent = -1
    for offset, line in enumerate(block.lines[sub:], start=sub):
        m = _BULLET.match(line.lstrip(" ")) if line.strip() else None
        line_indent = len(line) - len(line.lstrip(" "))
        if m is not None and (indent < 0 or line_indent <= indent):
            if child:
                _emit_child(child, block, child_start, state, parent)
            indent = line_indent
            child = [line[line_indent + m.end() :]]
            child_start = block.start + offset
        elif child:
            child.append(line[indent:] if not line[:indent].strip() else line)
    if child:
        _emit_child(child, block, child_start, state, parent)


def _emit_child(child: list[str], block: _Block, start: int, state: _State, parent: int) -> None:
    while child and not child[-1].strip():
        child.pop()
    _emit_note("\n".join(child), block, start, state, parent=parent)


def _emit_note(
    markdown: str,
    block: _Block,
    start: int,
    state: _State,
    *,
    parent: int | None,
    group: bool = False,
) -> None:
    attribution = last_attribution(markdown)
    pr: int | None = None
    author: str | None = None
    sigs: tuple[str, ...] = ()
    text_md = markdown
    if attribution is not None:
        pr, author, sigs = attribution.pr, attribution.author, attribution.sigs
        before, after = markdown[: attribution.start], markdown[attribution.end :]
        text_md = before.rstrip() + after
        found_links = tuple(dict.fromkeys([*note_links(before, after), *attribution.links]))
    else:
        found_links = note_links(markdown)
        pulls = PULL.findall(markdown) if block.context.mode is Mode.NOTES else None
        if pulls:  # an older note that links its PR in its text
            pr = int(pulls[-1])
        elif pulls is not None and not group and not block.context.listing:
            state.warn(start, "note without a PR link")
    if not sigs and block.sig:
        sigs = (block.sig,)
    text = note_text(text_md)
    kind = block.context.kind
    if block.context.mixed:
        kind = EntryKind.BUG if _FIX.match(text) else EntryKind.OTHER
    action_required = kind is EntryKind.URGENT_UPGRADE or _says_action_required(text)
    if parent is not None and state.entries[parent].action_required:
        action_required = True  # a sub-note of an 'ACTION REQUIRED for ...:' group
    facts: tuple[Fact, ...] = ()
    if kind is EntryKind.DEPENDENCY:
        facts = dependency_facts(text, block.dep_change)
    elif not group:
        # Every note is mined, whatever its heading: upstream files removals under Feature and
        # Other (Cleanup) too. The miner's cue words decide, cheaply, which notes it reads.
        facts = mine_note(text, kind, state.release, pr, action_required=action_required)
    state.entries.append(
        Entry(
            kind=kind,
            section=block.section,
            position=len(state.entries),
            markdown=markdown,
            text=text,
            line=state.section_line + start,
            links=found_links,
            parent=parent,
            facts=facts,
            pr=pr,
            author=author,
            sigs=sigs,
            heading_kind=block.context.name,
            action_required=action_required,
        )
    )


def _emit_prose(block: _Block, state: _State) -> None:
    """A security advisory or known issue: its heading (if any) and its text form one entry."""
    lines = block.lines
    title = ""
    if block.titled:
        m = _HEADING.match(lines[0])
        title = m.group(2) if m else lines[0].lstrip("#").strip()
        lines = lines[1:]
    body = "\n".join(lines).strip("\n")
    markdown = f"{title}\n\n{body}".strip("\n") if title else body
    state.entries.append(
        Entry(
            kind=block.context.kind,
            section=block.section,
            position=len(state.entries),
            markdown=markdown,
            text=note_text(markdown),
            line=state.section_line + block.start,
            links=note_links(markdown),
            facts=cve_facts(title or markdown),
            sigs=(block.sig,) if block.sig else (),
        )
    )
