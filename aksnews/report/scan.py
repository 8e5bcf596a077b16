"""`aksnews scan` output: pure functions from scan rows to text, JSON, YAML, CSV, Markdown, SARIF.

The JSON document follows Pluto's `-o json` shape (items with an `api` object, deprecated and
removed flags, target-versions) so scripts written for Pluto need few changes; aksnews adds the
line, the evidence and which knowledge it used.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from aksnews import __version__
from aksnews.match.scan import ScanRow, Status

COLUMNS = ("NAME", "NAMESPACE", "KIND", "VERSION", "REPLACEMENT", "DEPRECATED IN", "REMOVED IN")
WIDE = (*COLUMNS, "REPL AVAIL", "STATUS", "FILE:LINE", "SOURCES")
_FILE_LINE = re.compile(r"^(?P<path>[^\s:][^:]*?):(?P<line>\d+)(?:\s|$)")
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _deprecated(row: ScanRow) -> str:
    if row.deprecated_in is None:
        return ""
    return f"by {row.deprecated_in}" if row.deprecated_in_inferred else row.deprecated_in


def _replacement(row: ScanRow) -> str:
    if not row.replacement:
        return "none"
    if row.replacement_served is False:
        return f"{row.replacement} (from {row.replacement_since})"
    return row.replacement


def table_rows(rows: Sequence[ScanRow], *, wide: bool) -> list[tuple[str, ...]]:
    out = []
    for r in rows:
        cells: tuple[str, ...] = (
            r.name or "",
            r.namespace or "",
            r.kind,
            r.api_version,
            _replacement(r),
            _deprecated(r),
            r.removed_in or "",
        )
        if wide:
            served = {True: "yes", False: "no", None: "-"}[r.replacement_served]
            cells += (served, r.status.value, r.location, ", ".join(r.evidence))
        else:
            cells += (r.location,)
        out.append(cells)
    return out


def text_columns(*, wide: bool) -> tuple[str, ...]:
    return WIDE if wide else (*COLUMNS, "FILE:LINE")


def item_json(row: ScanRow) -> dict[str, Any]:
    match = _FILE_LINE.match(row.location)
    return {
        "name": row.name,
        "namespace": row.namespace,
        "filePath": match["path"] if match else row.location,
        "line": int(match["line"]) if match else None,
        "location": row.location,
        "api": {
            "version": row.api_version,
            "kind": row.kind,
            "deprecated-in": row.deprecated_in,
            "deprecated-in-inferred": row.deprecated_in_inferred,
            "removed-in": row.removed_in,
            "replacement-api": row.replacement,
            "replacement-available-in": row.replacement_since,
            "component": "k8s",
        },
        "deprecated": True,  # every row is deprecated at the target; removed ones too
        "removed": row.status is Status.REMOVED,
        "replacementAvailable": bool(row.replacement_served),
        "evidence": list(row.evidence),
    }


def document(rows: Sequence[ScanRow], target: str, knowledge: str) -> dict[str, Any]:
    return {
        "items": [item_json(r) for r in rows],
        "target-versions": {"k8s": f"v{target}.0"},
        "knowledge": knowledge,
    }


def to_csv(rows: Sequence[ScanRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.lower().replace(" ", "_").replace(":", "_") for c in WIDE])
    writer.writerows(table_rows(rows, wide=True))
    return buffer.getvalue()


def _md(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", text)


def to_markdown(rows: Sequence[ScanRow], target: str, knowledge: str) -> str:
    head = f"Deprecated and removed apiVersions at Kubernetes {target} ({_md(knowledge)})\n\n"
    if not rows:
        return head + "None found.\n"
    columns = text_columns(wide=False)
    lines = [
        "| " + " | ".join(c.lower() for c in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    lines += [
        "| " + " | ".join(_md(c) for c in cells) + " |" for cells in table_rows(rows, wide=False)
    ]
    return head + "\n".join(lines) + "\n"


def sarif(rows: Sequence[ScanRow], target: str, knowledge: str) -> dict[str, Any]:
    """A SARIF log for code scanning: removed apiVersions are errors, deprecated ones warnings."""
    rules = {
        Status.REMOVED: ("removed-api", "An apiVersion is no longer served at the target."),
        Status.DEPRECATED: ("deprecated-api", "An apiVersion is deprecated at the target."),
    }
    results = []
    for r in rows:
        rule, _ = rules[r.status]
        subject = f"{r.api_version} {r.kind}" + (f" {r.name}" if r.name else "")
        verb = f"is removed in {r.removed_in}" if r.status is Status.REMOVED else "is deprecated"
        move = f"; use {r.replacement}" if r.replacement else ""
        match = _FILE_LINE.match(r.location)
        location: dict[str, Any] = (
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": match["path"]},
                    "region": {"startLine": int(match["line"])},
                }
            }
            if match
            else {"logicalLocations": [{"fullyQualifiedName": r.location}]}
        )
        results.append(
            {
                "ruleId": rule,
                "level": "error" if r.status is Status.REMOVED else "warning",
                "message": {"text": f"{subject} {verb} (target {target}){move}."},
                "locations": [location],
            }
        )
    return {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aksnews",
                        "version": __version__,
                        "rules": [
                            {"id": rule, "shortDescription": {"text": text}}
                            for rule, text in rules.values()
                        ],
                    }
                },
                "properties": {"target": target, "knowledge": knowledge},
                "results": results,
            }
        ],
    }
