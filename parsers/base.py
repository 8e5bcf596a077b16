"""The parser interface, the explicit registry of parsers, and the driver that runs one.

A parser works in two steps so that a changed document costs only its changed parts:
`split` finds release sections with a cheap line scan (no markdown parsing), and
`parse_section` turns one section into a Release. The store compares each section's sha256 with
what it holds and calls `parse_section` only for new or edited sections.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from aksnews.errors import AksnewsError
from aksnews.model.releases import ParseResult, ParseWarning, Release, Section, Source


class DocumentRejected(AksnewsError):
    """The text is not a document of the expected kind (an HTML error page, empty, binary...)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ParseOptions:
    # A release-notes draft has no '# v1.NN.0' heading: the caller names the release.
    release: str | None = None


class Parser(Protocol):
    name: ClassVar[str]  # registry name, the --source value
    source: ClassVar[Source]

    def check(self, text: str, path: str) -> None:
        """Raise DocumentRejected unless `text` looks like this parser's kind of document."""

    def split(
        self, text: str, path: str, options: ParseOptions
    ) -> tuple[list[Section], list[ParseWarning]]:
        """Cut the document into release sections by a line scan; never parse markdown here."""

    def parse_section(
        self, section: Section, path: str, options: ParseOptions
    ) -> tuple[Release | None, list[ParseWarning]]:
        """Parse one section; None (with a warning) when the section is not a usable release."""


# Explicit registry: name -> "module:Class". Modules are imported on first use so that the CLI
# starts without importing every parser.
PARSERS: dict[str, str] = {
    "aks": "aksnews.parsers.aks_changelog:AksChangelogParser",
    "kubernetes": "aksnews.parsers.kubernetes_changelog:KubernetesChangelogParser",
    "deprecation-guide": "aksnews.parsers.deprecation_guide:DeprecationGuideParser",
    "aks-calendar": "aksnews.parsers.aks_calendar:AksCalendarParser",
    "kubernetes-schedule": "aksnews.parsers.kubernetes_schedule:KubernetesScheduleParser",
}


def get_parser(name: str) -> Parser:
    try:
        target = PARSERS[name]
    except KeyError:
        known = ", ".join(sorted(PARSERS))
        raise KeyError(f"unknown source {name!r} (known: {known})") from None
    module_name, _, class_name = target.partition(":")
    parser: Parser = getattr(importlib.import_module(module_name), class_name)()
    return parser


def section_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_on_headings(
    text: str, is_heading: HeadingTest, *, skip_fenced: bool = True
) -> list[Section]:
    """Cut `text` at every line for which `is_heading(line)` is true.

    Text before the first heading (the document's preamble) belongs to no section. Fenced code
    blocks are skipped so a '# comment' in a shell example is never taken for a heading.
    """
    lines = text.split("\n")
    starts: list[int] = []
    in_fence = False
    for i, line in enumerate(lines):
        if skip_fenced and line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if not in_fence and line.startswith("#") and is_heading(line):
            starts.append(i)
    sections: list[Section] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        body = "\n".join(lines[start:end]).rstrip("\n")
        sections.append(
            Section(
                heading=lines[start].lstrip("#").strip(),
                line=start + 1,
                text=body,
                sha256=section_sha256(body),
            )
        )
    return sections


class HeadingTest(Protocol):
    def __call__(self, line: str) -> bool: ...


def parse_document(
    parser: Parser, text: str, path: str, options: ParseOptions | None = None
) -> ParseResult:
    """Check, split and parse a whole document (the store's incremental path calls the steps)."""
    options = options or ParseOptions()
    parser.check(text, path)
    sections, warnings = parser.split(text, path, options)
    releases: list[Release] = []
    for section in sections:
        release, section_warnings = parser.parse_section(section, path, options)
        warnings.extend(section_warnings)
        if release is not None:
            releases.append(release)
    return ParseResult(releases=tuple(releases), warnings=tuple(warnings))


def reject_unless_text(text: str, path: str, *, expect: str) -> None:
    """Shared sanity checks: empty bodies and HTML pages are never parsed into an empty archive."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise DocumentRejected(path, f"empty document (expected {expect})")
    head = stripped[:512].lower()
    if head.startswith(("<!doctype html", "<html")) or "<head>" in head or "<body" in head:
        raise DocumentRejected(path, f"got an HTML page, not {expect}")
    if "\x00" in text[:65536]:
        raise DocumentRejected(path, f"binary data, not {expect}")


def first_line_matching(lines: Iterable[str], prefix: str) -> int | None:
    for i, line in enumerate(lines, start=1):
        if line.startswith(prefix):
            return i
    return None
