"""Parser for the AKS release calendar (learn.microsoft.com, supported-kubernetes-versions.md).

The page holds two calendar tables with the same first columns:

    | K8s version | Upstream release | AKS preview | AKS GA | End of life | Platform support |
    | 1.28        | Aug 2023         | Sep 2023    | Nov 2023 | Jan 2025  | Until 1.32 GA    |

the regular calendar under '## AKS Kubernetes release calendar' and, a few lines below, the LTS
table (last column 'LTS End of life') captioned by the plain line 'LTS Versions'. Each table
becomes one Release; each row an Entry with one VersionLifecycleFact.

Release versions are fixed slugs chosen by the table's columns, not by its caption, so that a
reworded caption does not create a second calendar in the archive:
'aks-kubernetes-release-calendar' for the regular table and 'long-term-support-calendar' for the
table with an LTS column. The title is the caption as written; the anchor is the caption's
GitHub anchor when the caption is a heading, empty when it is a plain line (it has no anchor).

A minor appears in both tables when it has LTS (1.30): the regular row has no lts_end, the LTS
row has one; readers merge by minor. Month-only cells ('Jan 2025') become the 1st of the month
(endoflife.date uses the last day: the calendar is read as the earliest the event can happen);
the fact names those fields in `month_only`, so that the lifecycle may refine them with an exact
date of the same month from the CHANGELOG.
'Until 1.33 GA' cells are not dates: the field is None and the text stays in the entry.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import ClassVar

from aksnews.model.releases import (
    Entry,
    EntryKind,
    ParseWarning,
    Release,
    Section,
    Source,
    VersionLifecycleFact,
)
from aksnews.parsers.base import DocumentRejected, ParseOptions, reject_unless_text, section_sha256
from aksnews.parsers.inline import github_anchor, plain_text

CALENDAR = "aks-kubernetes-release-calendar"
LTS_CALENDAR = "long-term-support-calendar"

_HEADING = re.compile(r"(#{1,6})[ \t]+(.*?)[ \t#]*$")
_TABLE_ROW = re.compile(r"[ \t]*\|")
_SEPARATOR = re.compile(r"[ \t]*\|?(?:[ \t]*:?-{2,}:?[ \t]*\|)+[ \t]*:?-*:?[ \t]*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_MINOR = re.compile(r"\b(1\.\d+)\b")
_FOOTNOTE = re.compile(r"<sup>.*?</sup>|\[\^?\d+\]|[*†‡¹²³⁴⁵⁶⁷⁸⁹⁰]+")
_UNTIL = re.compile(r"^until\b", re.IGNORECASE)
_EMPTY = {"", "-", "–", "—", "n/a", "na", "tbd", "tba", "none"}
_MONTHS = {
    name.lower(): n
    for n in range(1, 13)
    for name in (calendar.month_name[n], calendar.month_abbr[n])
}
_MONTHS["sept"] = 9
_MONTH_YEAR = re.compile(r"([A-Za-z]+)\.?,?\s+(\d{4})")
_MONTH_DAY_YEAR = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")

# Normalised header text -> VersionLifecycleFact field.
_COLUMNS = {
    "k8s version": "minor",
    "kubernetes version": "minor",
    "upstream release": "upstream_release",
    "aks preview": "aks_preview",
    "aks ga": "aks_ga",
    "end of life": "end_of_life",
    "platform support": "platform_support_end",
    "lts end of life": "lts_end",
}
_DATE_FIELDS = (
    "upstream_release",
    "aks_preview",
    "aks_ga",
    "end_of_life",
    "platform_support_end",
    "lts_end",
)


class AksCalendarParser:
    """The AKS Kubernetes release calendar: preview, GA, end-of-life dates per minor version."""

    name: ClassVar[str] = "aks-calendar"
    source: ClassVar[Source] = Source.AKS_CALENDAR

    def check(self, text: str, path: str) -> None:
        reject_unless_text(text, path, expect="the AKS supported-versions page")
        if not any(_is_calendar_header(line) for line in text.split("\n")):
            raise DocumentRejected(path, "no 'K8s version | ... | AKS GA' calendar table")

    def split(
        self, text: str, path: str, options: ParseOptions
    ) -> tuple[list[Section], list[ParseWarning]]:
        """One section per calendar table, from its caption to its last row."""
        lines = text.split("\n")
        sections: list[Section] = []
        warnings: list[ParseWarning] = []
        seen: set[str] = set()
        heading_at = -1
        in_fence = False
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
            elif not in_fence and _HEADING.match(line):
                heading_at = i
            elif not in_fence and _is_calendar_header(line):
                end = i + 1
                while end < len(lines) and _TABLE_ROW.match(lines[end]):
                    end += 1
                caption_at = _caption_line(lines, i, heading_at)
                first = caption_at if caption_at >= 0 else i
                caption = _caption_text(lines[caption_at]) if caption_at >= 0 else ""
                body = "\n".join(lines[first:end])
                version = LTS_CALENDAR if "lts" in line.lower() else CALENDAR
                if version in seen:
                    warnings.append(ParseWarning(path, i + 1, f"a second {version} table: ignored"))
                else:
                    seen.add(version)
                    sections.append(
                        Section(
                            heading=caption or version,
                            line=first + 1,
                            text=body,
                            sha256=section_sha256(body),
                        )
                    )
                i = end
                continue
            i += 1
        return sections, warnings

    def parse_section(
        self, section: Section, path: str, options: ParseOptions
    ) -> tuple[Release | None, list[ParseWarning]]:
        lines = section.text.split("\n")
        header_at = next((n for n, line in enumerate(lines) if _is_calendar_header(line)), None)
        if header_at is None:
            return None, [ParseWarning(path, section.line, "no calendar table in the section")]
        header = _cells(lines[header_at])
        fields = [_COLUMNS.get(_normalise(name)) for name in header]
        warnings = [
            ParseWarning(path, section.line + header_at, f"unknown calendar column {name!r}")
            for name, field_name in zip(header, fields, strict=True)
            if field_name is None
        ]
        entries: list[Entry] = []
        for n in range(header_at + 1, len(lines)):
            raw = lines[n]
            if not _TABLE_ROW.match(raw) or _SEPARATOR.match(raw):
                continue
            entry, row_warnings = _row(
                raw, header, fields, section.heading, len(entries), section.line + n, path
            )
            warnings.extend(row_warnings)
            if entry is not None:
                entries.append(entry)
        version = LTS_CALENDAR if "lts_end" in fields else CALENDAR
        first = lines[0]
        release = Release(
            source=Source.AKS_CALENDAR,
            version=version,
            title=section.heading,
            line=section.line,
            section_sha256=section.sha256,
            anchor=github_anchor(section.heading) if _HEADING.match(first) else "",
            entries=tuple(entries),
            markdown=section.text,
        )
        return release, warnings


def _is_calendar_header(line: str) -> bool:
    if not _TABLE_ROW.match(line):
        return False
    cells = [_normalise(c) for c in _cells(line)]
    return bool(cells) and cells[0] in ("k8s version", "kubernetes version") and "aks ga" in cells


def _cells(line: str) -> list[str]:
    parts = _CELL_SPLIT.split(line.strip())
    if parts and not parts[0].strip():
        parts = parts[1:]
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    return [p.strip() for p in parts]


def _normalise(cell: str) -> str:
    return " ".join(_clean(cell).lower().split())


def _clean(cell: str) -> str:
    """Cell text without links, emphasis or footnote markers."""
    return " ".join(plain_text(_FOOTNOTE.sub("", cell.replace("\\|", "|"))).split())


def _caption_line(lines: list[str], table_at: int, heading_at: int) -> int:
    """The table's caption: a short plain line just above it (notes skipped), else the heading."""
    n = table_at - 1
    while n > heading_at and (not lines[n].strip() or lines[n].lstrip().startswith(">")):
        n -= 1
    if n > heading_at:
        text = lines[n].strip()
        if len(text) <= 60 and not text.endswith((".", ":", "|")) and not _TABLE_ROW.match(text):
            return n
    return heading_at


def _caption_text(line: str) -> str:
    m = _HEADING.match(line)
    return plain_text(m.group(2) if m else line.strip())


def _row(
    raw: str,
    header: list[str],
    fields: list[str | None],
    caption: str,
    position: int,
    line_no: int,
    path: str,
) -> tuple[Entry | None, list[ParseWarning]]:
    cells = _cells(raw)
    if len(cells) != len(header):
        message = f"calendar row has {len(cells)} cells, the header {len(header)}"
        return None, [ParseWarning(path, line_no, message)]
    values = {f: _clean(c) for f, c in zip(fields, cells, strict=True) if f is not None}
    minor = _MINOR.search(values.get("minor", ""))
    if minor is None:
        return None, [ParseWarning(path, line_no, f"no Kubernetes minor in row: {raw.strip()}")]
    warnings: list[ParseWarning] = []
    dates: dict[str, dt.date | None] = {}
    month_only: list[str] = []
    for name in _DATE_FIELDS:
        if name not in values:
            continue
        date, ok = parse_calendar_date(values[name])
        if not ok:
            message = f"{minor.group(1)}: {name.replace('_', ' ')} {values[name]!r} is not a date"
            warnings.append(ParseWarning(path, line_no, message))
        dates[name] = date
        if date is not None and is_month_only(values[name]):
            month_only.append(name)
    text = f"{minor.group(1)}: " + "; ".join(
        f"{name} {_clean(cell)}"
        for name, cell, f in zip(header, cells, fields, strict=True)
        if f != "minor" and _clean(cell)
    )
    fact = VersionLifecycleFact(minor=minor.group(1), **dates, month_only=tuple(month_only))
    entry = Entry(
        kind=EntryKind.VERSION_LIFECYCLE,
        section=caption,
        position=position,
        markdown=raw,
        text=text,
        line=line_no,
        facts=(fact,),
    )
    return entry, warnings


def is_month_only(text: str) -> bool:
    """Whether a date cell names a month, not a day ('Jan 2025', '2025-01')."""
    value = " ".join(text.split())
    iso = _ISO.fullmatch(value)
    return bool(_MONTH_YEAR.fullmatch(value) or (iso and iso.group(3) is None))


def parse_calendar_date(text: str) -> tuple[dt.date | None, bool]:
    """(date, understood). Month-only dates give the 1st; 'Until 1.33 GA' and 'N/A' give None.

    `understood` is False only for text that should have been a date and is not.
    """
    value = " ".join(text.split())
    if value.lower() in _EMPTY or _UNTIL.match(value):
        return None, True
    try:
        if m := _ISO.fullmatch(value):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)), True
        if (m := _MONTH_DAY_YEAR.fullmatch(value)) and m.group(1).lower() in _MONTHS:
            return dt.date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2))), True
        if (m := _DAY_MONTH_YEAR.fullmatch(value)) and m.group(2).lower() in _MONTHS:
            return dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))), True
        if (m := _MONTH_YEAR.fullmatch(value)) and m.group(1).lower() in _MONTHS:
            return dt.date(int(m.group(2)), _MONTHS[m.group(1).lower()], 1), True
    except ValueError:  # 'Feb 30, 2025': the shape of a date, not a real one
        return None, False
    return None, False
