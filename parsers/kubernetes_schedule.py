"""Parser for the upstream Kubernetes release schedule (kubernetes/website,
data/releases/schedule.yaml).

The file lists, per supported minor, its release date, maintenance-mode start and end of life,
the next planned patch and every previous patch with its target date:

    schedules:
    - release: 1.27
      releaseDate: 2023-04-11
      maintenanceModeStartDate: 2024-04-28
      endOfLifeDate: 2024-06-28
      next: {release: 1.27.4, cherryPickDeadline: 2023-07-14, targetDate: 2023-07-19}
      previousPatches:
        - {release: 1.27.3, cherryPickDeadline: 2023-06-09, targetDate: 2023-06-14}

Each minor becomes a Release 'kubernetes-schedule:v1.27' (its date the minor's releaseDate as
written) with one UpstreamLifecycleFact, plus an entry for the planned `next` patch; each
published patch becomes a Release 'kubernetes-schedule:v1.27.3' dated by its targetDate, with
one UpstreamReleaseFact. A patch release of its own is what lets the archive date the upstream
CHANGELOG release of the same version (they share the version 'v1.27.3').

YAML is composed (not constructed) so that every value keeps its line: a bad date or an
unknown field becomes a warning naming the field and the line, and the rest is still read.
Dates are read from the scalar text, so `2024-04-11` and `"2024-04-11"` are the same.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import ClassVar

import yaml

from aksnews.model.releases import (
    Entry,
    EntryKind,
    ParseWarning,
    Release,
    Section,
    Source,
    UpstreamLifecycleFact,
    UpstreamReleaseFact,
)
from aksnews.parsers.base import DocumentRejected, ParseOptions, reject_unless_text, section_sha256

SCHEDULE_PAGE = "https://kubernetes.io/releases/"
_MINOR = re.compile(r"^v?(\d+)\.(\d+)$")
_PATCH = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")
_BULLET = re.compile(r"[ \t]*-[ \t]+")
_MINOR_FIELDS = {
    "release",
    "releaseDate",
    "maintenanceModeStartDate",
    "endOfLifeDate",
    "next",
    "previousPatches",
    "note",
}
_PATCH_FIELDS = {"release", "cherryPickDeadline", "targetDate", "note"}
# Marks which kind of section a heading names (split and parse_section agree on it).
_MINOR_HEADING = "schedule "
_PATCH_HEADING = "patch "


@dataclass(frozen=True, slots=True)
class _Item:
    """A YAML mapping's scalar values by key, with the line of each (1-based)."""

    values: dict[str, str]
    lines: dict[str, int]
    children: dict[str, yaml.Node]
    line: int


def _compose(text: str, path: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise DocumentRejected(path, f"line {line}: not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise DocumentRejected(path, f"not valid YAML: {exc}") from None


def _item(node: yaml.MappingNode, offset: int) -> _Item:
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    children: dict[str, yaml.Node] = {}
    for key, value in node.value:
        name = str(key.value)
        lines[name] = key.start_mark.line + 1 + offset
        if isinstance(value, yaml.ScalarNode):
            values[name] = str(value.value).strip()
        else:
            children[name] = value
    return _Item(values, lines, children, node.start_mark.line + 1 + offset)


def _date(
    item: _Item, name: str, what: str, path: str, warnings: list[ParseWarning]
) -> dt.date | None:
    raw = item.values.get(name, "")
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        line = item.lines.get(name, item.line)
        warnings.append(ParseWarning(path, line, f"{what}: {name} {raw!r} is not a date"))
        return None


def _unknown_fields(
    item: _Item, known: set[str], what: str, path: str, warnings: list[ParseWarning]
) -> None:
    for name in item.lines:
        if name not in known:
            line = item.lines[name]
            warnings.append(ParseWarning(path, line, f"{what}: unknown field {name!r} (kept out)"))


def _section_text(text: str, node: yaml.Node) -> str:
    """The node's own lines of the document, exactly as written."""
    lines = text.split("\n")
    first, last = node.start_mark.line, node.end_mark.line
    if last > first and not lines[last][: node.end_mark.column].strip():
        last -= 1  # the span ends where the next item starts
    return "\n".join(lines[first : last + 1])


class KubernetesScheduleParser:
    """The upstream release schedule: per minor release, maintenance mode and end of life
    dates, and the date of every patch release."""

    name: ClassVar[str] = "kubernetes-schedule"
    source: ClassVar[Source] = Source.KUBERNETES_SCHEDULE

    def check(self, text: str, path: str) -> None:
        reject_unless_text(text, path, expect="the Kubernetes release schedule (schedule.yaml)")
        root = _compose(text, path)
        if not isinstance(root, yaml.MappingNode):
            raise DocumentRejected(path, "not a YAML mapping with a 'schedules' list")
        keys = {str(k.value): v for k, v in root.value}
        schedules = keys.get("schedules")
        if not isinstance(schedules, yaml.SequenceNode):
            raise DocumentRejected(path, "no 'schedules' list: not the release schedule")

    def split(
        self, text: str, path: str, options: ParseOptions
    ) -> tuple[list[Section], list[ParseWarning]]:
        """One section per minor and one per published patch, by the YAML node spans."""
        root = _compose(text, path)
        sections: list[Section] = []
        warnings: list[ParseWarning] = []
        seen: set[str] = set()  # one release per version: a repeated one is left out
        if not isinstance(root, yaml.MappingNode):
            return sections, warnings
        schedules = next((v for k, v in root.value if k.value == "schedules"), None)
        if not isinstance(schedules, yaml.SequenceNode):
            return sections, warnings
        for node in schedules.value:
            line = node.start_mark.line + 1
            if not isinstance(node, yaml.MappingNode):
                warnings.append(ParseWarning(path, line, "schedules: an item that is no mapping"))
                continue
            item = _item(node, 0)
            minor = item.values.get("release", "")
            if not _MINOR.match(minor):
                message = f"schedules: release {minor!r} is not a minor version like 1.27"
                warnings.append(ParseWarning(path, item.lines.get("release", line), message))
                continue
            if minor in seen:
                warnings.append(ParseWarning(path, line, f"schedules: {minor} again: ignored"))
                continue
            seen.add(minor)
            body = _section_text(text, node)
            sections.append(Section(_MINOR_HEADING + minor, line, body, section_sha256(body)))
            patches = item.children.get("previousPatches")
            if patches is not None and not isinstance(patches, yaml.SequenceNode):
                message = f"{minor}: previousPatches is not a list"
                warnings.append(ParseWarning(path, item.lines["previousPatches"], message))
                continue
            for patch in patches.value if patches is not None else ():
                patch_line = patch.start_mark.line + 1
                if not isinstance(patch, yaml.MappingNode):
                    message = f"{minor}: a previous patch that is no mapping"
                    warnings.append(ParseWarning(path, patch_line, message))
                    continue
                version = _item(patch, 0).values.get("release", "")
                if version in seen:
                    message = f"{minor}: patch {version} listed again: ignored"
                    warnings.append(ParseWarning(path, patch_line, message))
                    continue
                seen.add(version)
                body = _section_text(text, patch)
                heading = _PATCH_HEADING + version
                sections.append(Section(heading, patch_line, body, section_sha256(body)))
        return sections, warnings

    def parse_section(
        self, section: Section, path: str, options: ParseOptions
    ) -> tuple[Release | None, list[ParseWarning]]:
        node = _compose(_item_text(section.text), path)
        offset = section.line - 1
        if not isinstance(node, yaml.MappingNode):
            return None, [ParseWarning(path, section.line, "schedule item is not a mapping")]
        item = _item(node, offset)
        if section.heading.startswith(_MINOR_HEADING):
            return _minor_release(item, section, path)
        return _patch_release(item, section, path)


def _item_text(text: str) -> str:
    """A list item's lines as a mapping of its own: '  - release: 1.27' and the lines under it
    moved left by the column of 'release'."""
    lines = text.split("\n")
    bullet = _BULLET.match(lines[0])
    column = bullet.end() if bullet else len(lines[0]) - len(lines[0].lstrip(" "))
    out = [lines[0][column:]]
    for line in lines[1:]:
        out.append(line[min(column, len(line) - len(line.lstrip(" "))) :])
    return "\n".join(out)


def _minor_release(
    item: _Item, section: Section, path: str
) -> tuple[Release | None, list[ParseWarning]]:
    warnings: list[ParseWarning] = []
    minor = item.values["release"]
    what = f"schedules {minor}"
    _unknown_fields(item, _MINOR_FIELDS, what, path, warnings)
    released = _date(item, "releaseDate", what, path, warnings)
    maintenance = _date(item, "maintenanceModeStartDate", what, path, warnings)
    end = _date(item, "endOfLifeDate", what, path, warnings)
    parts = [
        f"released {released or 'no date'}",
        f"maintenance mode from {maintenance or 'no date'}",
        f"end of life {end or 'no date'}",
    ]
    entries = [
        Entry(
            kind=EntryKind.VERSION_LIFECYCLE,
            section="Release schedule",
            position=0,
            markdown=f"{minor}: " + "; ".join(parts),
            text=f"Kubernetes {minor}: " + "; ".join(parts),
            line=item.line,
            facts=(UpstreamLifecycleFact(minor, released, maintenance, end),),
        )
    ]
    upcoming = item.children.get("next")
    if isinstance(upcoming, yaml.MappingNode):
        planned = _item(upcoming, section.line - 1)
        version = planned.values.get("release", "")
        if _PATCH.match(version):
            target = _date(planned, "targetDate", f"{what} next", path, warnings)
            text = f"Kubernetes {version}: planned for {target or 'no date'}"
            entries.append(
                Entry(
                    kind=EntryKind.VERSION_LIFECYCLE,
                    section="Next patch",
                    position=1,
                    markdown=text,
                    text=text,
                    line=planned.line,
                    facts=(UpstreamReleaseFact(f"v{version}", target, planned=True),),
                )
            )
        else:
            line = planned.lines.get("release", planned.line)
            warnings.append(ParseWarning(path, line, f"{what}: next release {version!r}"))
    release = Release(
        source=Source.KUBERNETES_SCHEDULE,
        version=f"v{minor}",
        title=f"Kubernetes {minor} release schedule",
        line=section.line,
        section_sha256=section.sha256,
        date=released,
        entries=tuple(entries),
        markdown=section.text,
    )
    return release, warnings


def _patch_release(
    item: _Item, section: Section, path: str
) -> tuple[Release | None, list[ParseWarning]]:
    warnings: list[ParseWarning] = []
    version = item.values.get("release", "")
    if not _PATCH.match(version):
        line = item.lines.get("release", item.line)
        message = f"previousPatches: release {version!r} is not a patch version like 1.27.3"
        return None, [ParseWarning(path, line, message)]
    what = f"previousPatches {version}"
    _unknown_fields(item, _PATCH_FIELDS, what, path, warnings)
    target = _date(item, "targetDate", what, path, warnings)
    if target is None and "targetDate" not in item.values:
        warnings.append(ParseWarning(path, item.line, f"{what}: no targetDate"))
    text = f"Kubernetes {version} released {target or 'on no stated date'}"
    note = item.values.get("note")
    if note:
        text += f". Note: {note}"
    entry = Entry(
        kind=EntryKind.VERSION_LIFECYCLE,
        section="Patch release",
        position=0,
        markdown=text,
        text=text,
        line=item.line,
        facts=(UpstreamReleaseFact(f"v{version}", target),),
    )
    release = Release(
        source=Source.KUBERNETES_SCHEDULE,
        version=f"v{version}",
        title=f"Kubernetes {version}",
        line=section.line,
        section_sha256=section.sha256,
        date=target,
        entries=(entry,),
        markdown=section.text,
    )
    return release, warnings
