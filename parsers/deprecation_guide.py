"""Parser for the Kubernetes deprecated API migration guide (kubernetes.io, deprecation-guide.md).

The guide has one '### v1.NN' section per release that stops serving API versions, and inside it
one '#### <Resource>' subsection per resource (or family of resources). A subsection opens with a
removal sentence naming the old API versions in bold:

    The **batch/v1beta1** API version of CronJob is no longer served as of v1.25.

followed by a 'Migrate manifests and API clients to use the **batch/v1** API version, available
since v1.21.' bullet and the notable changes. Each '### v1.NN' section becomes a Release, each
'####' subsection an Entry, and each bold API version of the removal sentence one ApiChangeFact.

The sentences are not uniform, so the parser is lenient about them:
- two replacements ('... **flowcontrol.apiserver.k8s.io/v1** ..., available since v1.29, or the
  **flowcontrol.apiserver.k8s.io/v1beta3** ..., available since v1.26'): joined with ', ';
- per-kind availability in sub-bullets ('CSINode is available in **storage.k8s.io/v1** since
  v1.17'): kept in the notes;
- no 'available since' at all: replacement_since is None;
- no replacement at all (policy/v1beta1 PodSecurityPolicy): replacement is None and the prose
  that follows becomes the notes.

replacement_since is the first minor from which every kind of the fact can be migrated: with
alternative replacements the earliest of them (either one will do), with per-kind availability
the latest of them (all kinds must be available).

The guide has had mistakes (the 2021 page named apiextensions.k8s.io/v1beta1 as the replacement
of itself, and networking.k8s.io/v1 as the replacement of rbac.authorization.k8s.io/v1beta1).
The facts say what the page says; such lines get a ParseWarning so that somebody looks.
"""

from __future__ import annotations

import re
from typing import ClassVar

from aksnews.model.releases import (
    ApiChangeFact,
    Entry,
    EntryKind,
    FactType,
    ParseWarning,
    Release,
    Section,
    Source,
)
from aksnews.parsers.base import (
    DocumentRejected,
    ParseOptions,
    reject_unless_text,
    split_on_headings,
)
from aksnews.parsers.inline import github_anchor, links, plain_text

EVIDENCE = "deprecation-guide"

_RELEASE_HEADING = re.compile(r"###[ \t]+v(1\.\d+)[ \t]*$")
_SECTION_LEVEL = re.compile(r"#{2,3}[ \t]")
_RESOURCE_HEADING = re.compile(r"####[ \t]+(.*?)[ \t]*$")
_HUGO_ID = re.compile(r"\s*\{#[^}]*\}\s*$")
_BOLD_GV = re.compile(r"\*\*([a-z0-9][a-z0-9.-]*/v\d+(?:(?:alpha|beta)\d+)?)\*\*")
_BOLD_GV_SINCE = re.compile(
    r"\*\*([a-z0-9][a-z0-9.-]*/v\d+(?:(?:alpha|beta)\d+)?)\*\*(?:[^*]*?available since v(1\.\d+))?"
)
_SERVED = re.compile(r"\bno longer (?:be )?served\b|\bstop(?:s|ped)? serving\b", re.IGNORECASE)
_REMOVED_AS_OF = re.compile(r"served (?:as of|in) v(1\.\d+)", re.IGNORECASE)
_BULLET = re.compile(r"([ \t]*)[-*+][ \t]+(.*)$")
_MIGRATE = re.compile(r"migrate manifests and api clients?\b", re.IGNORECASE)
_SINCE = re.compile(r"\bv(1\.\d+)\b")
# Kinds named by the removal sentence: '... API version(s) of A, B, and C is/are/will ...' or
# 'A in the **gv** API version ...'.
_KINDS_OF = re.compile(r"API versions? of\s+(.+?)\s+(?:is|are|will)\b", re.DOTALL)
_KIND_IN = re.compile(r"^([A-Z]\w+) in the \*\*")
_KIND_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_KIND_NAME = re.compile(r"[A-Z][A-Za-z0-9]+")
# Boilerplate lines that say nothing about the particular API.
_BOILERPLATE = re.compile(
    r"^(?:all existing persisted objects are accessible via the new apis?|no notable changes"
    r"|notable changes:?)\.?$",
    re.IGNORECASE,
)


class DeprecationGuideParser:
    """The deprecated API migration guide: removed API versions and their replacements."""

    name: ClassVar[str] = "deprecation-guide"
    source: ClassVar[Source] = Source.DEPRECATION_GUIDE

    def check(self, text: str, path: str) -> None:
        reject_unless_text(text, path, expect="the deprecated API migration guide")
        if not any(_RELEASE_HEADING.match(line) for line in text.split("\n")):
            raise DocumentRejected(path, "no '### v1.NN' removal section: not the migration guide")

    def split(
        self, text: str, path: str, options: ParseOptions
    ) -> tuple[list[Section], list[ParseWarning]]:
        # Cut at every level-2 and level-3 heading so that the last removal section ends at
        # '## What to do' instead of running to the end of the page; keep only 'v1.NN' ones.
        sections = split_on_headings(text, lambda line: bool(_SECTION_LEVEL.match(line)))
        kept = [s for s in sections if _RELEASE_HEADING.match(s.text.split("\n", 1)[0])]
        return kept, []

    def parse_section(
        self, section: Section, path: str, options: ParseOptions
    ) -> tuple[Release | None, list[ParseWarning]]:
        head = _RELEASE_HEADING.match(section.text.split("\n", 1)[0])
        if head is None:
            return None, [ParseWarning(path, section.line, "not a '### v1.NN' section")]
        minor = head.group(1)
        warnings: list[ParseWarning] = []
        entries: list[Entry] = []
        for start, lines in _subsections(section.text):
            line_no = section.line + start
            entry, entry_warnings = _parse_resource(lines, minor, len(entries), line_no, path)
            entries.append(entry)
            warnings.extend(entry_warnings)
        if not entries:
            warnings.append(ParseWarning(path, section.line, f"v{minor}: no '####' subsections"))
        release = Release(
            source=Source.DEPRECATION_GUIDE,
            version=f"v{minor}",
            title=section.heading,
            line=section.line,
            section_sha256=section.sha256,
            anchor=github_anchor(section.heading),
            entries=tuple(entries),
            markdown=section.text,
        )
        return release, warnings


def _subsections(text: str) -> list[tuple[int, list[str]]]:
    """(offset of the '####' line within the section, lines) for each resource subsection."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _RESOURCE_HEADING.match(line)]
    out: list[tuple[int, list[str]]] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = lines[start:end]
        while body and not body[-1].strip():
            body.pop()
        out.append((start, body))
    return out


def _paragraphs(lines: list[str]) -> list[tuple[int, str]]:
    """Non-bullet paragraphs as (offset of first line, text joined with newlines)."""
    out: list[tuple[int, str]] = []
    current: list[str] = []
    first = 0
    for i, line in enumerate(lines):
        if not line.strip() or _BULLET.match(line):
            if current:
                out.append((first, "\n".join(current)))
                current = []
            continue
        if not current:
            first = i
        current.append(line.strip())
    if current:
        out.append((first, "\n".join(current)))
    return out


def _bullets(lines: list[str]) -> list[tuple[int, str]]:
    """Bullets as (indent, text with continuation lines joined by a space)."""
    out: list[tuple[int, str]] = []
    for line in lines:
        m = _BULLET.match(line)
        if m:
            out.append((len(m.group(1).expandtabs(4)), m.group(2).strip()))
        elif out and line.strip() and line[:1] in " \t":
            indent, text = out[-1]
            out[-1] = (indent, f"{text} {line.strip()}")
    return out


def _kinds(sentence: str, heading: str) -> tuple[str, ...]:
    m = _KINDS_OF.search(sentence) or _KIND_IN.search(sentence)
    if m is not None:
        names = [n.strip() for n in _KIND_SPLIT.split(" ".join(m.group(1).split()))]
        found = tuple(n for n in names if _KIND_NAME.fullmatch(n))
        if found:
            return found
    # 'RuntimeClass in the ...' is handled above; otherwise fall back on a one-word heading.
    return (heading,) if _KIND_NAME.fullmatch(heading) else ()


def _replacement(bullets: list[tuple[int, str]]) -> tuple[str | None, str | None]:
    """Replacement API versions and the minor from which they are usable (module docstring)."""
    for n, (indent, text) in enumerate(bullets):
        if not _MIGRATE.match(text):
            continue
        found = _BOLD_GV_SINCE.findall(text)
        if not found:
            return None, None
        replacement = ", ".join(dict.fromkeys(gv for gv, _ in found))
        sinces = [since for _, since in found if since]
        kind_sinces: list[str] = []
        for sub_indent, sub in bullets[n + 1 :]:
            if sub_indent <= indent:
                break
            m = _SINCE.search(sub)
            if m is not None:
                kind_sinces.append(m.group(1))
        since: str | None = None
        if kind_sinces:
            since = max(kind_sinces, key=_minor_key)
        elif sinces:
            since = min(sinces, key=_minor_key)
        return replacement, since
    return None, None


def _minor_key(minor: str) -> tuple[int, ...]:
    return tuple(int(p) for p in minor.split("."))


def _notes(body: list[str]) -> str:
    """Plain text of what follows the removal sentence, minus the migrate bullet and boilerplate.

    One line per bullet or paragraph: the notable changes, the per-kind availability sub-bullets
    and, where the guide names no replacement, its advice (Pod Security Admission for PSP).
    """
    out: list[str] = []
    paragraph: list[str] = []
    for item in [*_items(body), None]:
        if (item is None or item[0]) and paragraph:
            out.append(" ".join(paragraph))
            paragraph = []
        if item is None:
            continue
        is_bullet, text = item
        if not is_bullet:
            paragraph.append(text)
        elif not _MIGRATE.match(text):
            out.append(text)
    kept = (plain_text(t) for t in out)
    return "\n".join(t for t in kept if t and not _BOILERPLATE.match(t))


def _items(lines: list[str]) -> list[tuple[bool, str] | None]:
    """Bullets (continuations joined) and paragraph lines; None marks a blank line."""
    out: list[tuple[bool, str] | None] = []
    for line in lines:
        if not line.strip():
            out.append(None)
            continue
        m = _BULLET.match(line)
        if m:
            out.append((True, m.group(2).strip()))
        elif out and out[-1] is not None and out[-1][0] and line[:1] in " \t":
            prev = out[-1]
            out[-1] = (True, f"{prev[1]} {line.strip()}")
        else:
            out.append((False, line.strip()))
    return out


def _parse_resource(
    lines: list[str], minor: str, position: int, line_no: int, path: str
) -> tuple[Entry, list[ParseWarning]]:
    heading_match = _RESOURCE_HEADING.match(lines[0])
    heading = _HUGO_ID.sub("", heading_match.group(1) if heading_match else lines[0]).strip()
    body = lines[1:]
    warnings: list[ParseWarning] = []
    removal = next(((off, text) for off, text in _paragraphs(body) if _SERVED.search(text)), None)
    gvs: list[str] = []
    if removal is not None:
        gvs = list(dict.fromkeys(_BOLD_GV.findall(removal[1])))
    facts: list[ApiChangeFact] = []
    if removal is None or not gvs:
        warnings.append(
            ParseWarning(path, line_no, f"{heading!r}: no bold API version in a removal sentence")
        )
    else:
        offset, sentence = removal
        said = _REMOVED_AS_OF.search(sentence)
        if said is not None and said.group(1) != minor:
            warnings.append(
                ParseWarning(
                    path,
                    line_no + 1 + offset,
                    f"{heading!r}: sentence says v{said.group(1)} in the v{minor} section",
                )
            )
        rest = body[offset + sentence.count("\n") + 1 :]
        replacement, since = _replacement(_bullets(rest))
        notes = _notes(rest)
        kinds = _kinds(sentence, heading)
        for gv in gvs:
            warnings.extend(_check_replacement(gv, replacement, heading, line_no, path))
            facts.append(
                ApiChangeFact(
                    type=FactType.API_REMOVAL,
                    group_version=gv,
                    kinds=kinds,
                    removed_in=minor,
                    replacement=replacement,
                    replacement_since=since,
                    notes=notes,
                    evidence=(EVIDENCE,),
                )
            )
    markdown = "\n".join(lines)
    entry = Entry(
        kind=EntryKind.API_REMOVAL,
        section=heading,
        position=position,
        markdown=markdown,
        text=plain_text("\n".join(body)),
        line=line_no,
        links=links(markdown),
        facts=tuple(facts),
    )
    return entry, warnings


def _check_replacement(
    gv: str, replacement: str | None, heading: str, line_no: int, path: str
) -> list[ParseWarning]:
    """Flag replacements that cannot be right; the fact still says what the page says."""
    if replacement is None:
        return []
    group = gv.split("/")[0]
    out: list[ParseWarning] = []
    for new in replacement.split(", "):
        if new == gv:
            out.append(
                ParseWarning(path, line_no, f"{heading!r}: {gv} is named as its own replacement")
            )
        # Only the old catch-all 'extensions' group moved its kinds to other groups.
        elif group != "extensions" and new.split("/")[0] != group:
            out.append(
                ParseWarning(
                    path, line_no, f"{heading!r}: replacement {new} is in another group than {gv}"
                )
            )
    return out
