"""Findings as JSON, SARIF 2.1.0 and Markdown: pure formatters for `aksnews check`; the JSON is
also how the archive keeps a team's last reported findings (last_reported, record_reported)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aksnews import __version__
from aksnews.model.findings import Finding, Rule, Severity

if TYPE_CHECKING:
    from aksnews.store.handle import Archive, ArchiveWrite

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {Severity.CRITICAL: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_FILE_LINE = re.compile(r"^(?P<path>[^\s:][^:]*?):(?P<line>\d+)(?:\s|$)")

RULE_HELP = {
    Rule.REMOVED_API: "An apiVersion in use is no longer served by the upgrade target.",
    Rule.DEPRECATED_API: "An apiVersion in use is deprecated and will be removed.",
    Rule.END_OF_SUPPORT: "The cluster's Kubernetes minor is out of, or near the end of, support.",
    Rule.NODE_IMAGE_LAG: "A node pool runs a node image behind the newest of its OS family.",
    Rule.RETIREMENT: "Something the cluster uses is being retired by AKS.",
    Rule.UPDATE_AVAILABLE: "A newer Kubernetes patch or minor is available.",
    Rule.SURGE_QUOTA: "The nodes a surge upgrade adds need more vCPUs than the quota has free.",
    Rule.SURGE_IP: "The nodes a surge upgrade adds need more IPs than the subnet has free.",
    Rule.PDB_BLOCKS_DRAIN: "A PodDisruptionBudget allows no eviction, so node drains never end.",
    Rule.UNSAFE_ROLLOUT: "A workload lacks a readiness probe or a graceful shutdown.",
    Rule.CGROUP_V2_RUNTIME: "A runtime that misreads cgroup v2 limits runs on cgroup v2 nodes.",
    Rule.UPGRADE_WINDOW: "An automatic upgrade will act before a blocking finding is fixed.",
    Rule.STAGE_ORDER: "Production runs a version no staging cluster has run for the soak time.",
}


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "key": finding.key,
        "rule": finding.rule.value,
        "severity": finding.severity.value,
        "cluster": finding.cluster,
        "node_pool": finding.node_pool,
        "team": finding.team,
        "title": finding.title,
        "why": finding.why,
        "action": finding.action,
        "subject": finding.subject,
        "object": finding.object,
        "locations": list(finding.locations),
        "deadline": None if finding.deadline is None else finding.deadline.isoformat(),
        "links": list(finding.links),
    }


def _sarif_locations(finding: Finding) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for location in finding.locations:
        match = _FILE_LINE.match(location)
        if match:
            out.append(
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": match["path"]},
                        "region": {"startLine": int(match["line"])},
                    }
                }
            )
        else:
            out.append({"logicalLocations": [{"fullyQualifiedName": location}]})
    if not out:
        name = finding.cluster + (f"/{finding.node_pool}" if finding.node_pool else "")
        out.append({"logicalLocations": [{"fullyQualifiedName": name, "kind": "resource"}]})
    return out


def sarif(findings: Sequence[Finding]) -> dict[str, Any]:
    """A SARIF log that code-scanning tools (GitHub, Azure DevOps) accept."""
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aksnews",
                        "version": __version__,
                        "rules": [
                            {
                                "id": rule.value,
                                "shortDescription": {"text": RULE_HELP[rule]},
                            }
                            for rule in Rule
                        ],
                    }
                },
                "results": [
                    {
                        "ruleId": f.rule.value,
                        "level": _SARIF_LEVEL[f.severity],
                        "message": {"text": f"{f.title}. {f.why} {f.action}".strip()},
                        "locations": _sarif_locations(f),
                        "partialFingerprints": {"aksnews/v1": f.key},
                        "properties": {
                            "cluster": f.cluster,
                            "team": f.team,
                            "deadline": None if f.deadline is None else f.deadline.isoformat(),
                        },
                    }
                    for f in findings
                ],
            }
        ],
    }


def _md(text: str) -> str:
    """Text from changelogs and inventories, inert in Markdown (no HTML, no stray emphasis, no
    entity: '&amp;' stays as written). A line break would end a table row or a heading, so the
    text is made one line."""
    one_line = re.sub(r"\s*[\r\n]+\s*", " ", text)
    return re.sub(r"([\\`*_{}\[\]<>#|&])", r"\\\1", one_line)


def markdown(findings: Sequence[Finding]) -> str:
    if not findings:
        return "No findings.\n"
    lines = ["| severity | cluster | rule | finding | deadline |", "|---|---|---|---|---|"]
    for f in findings:
        where = f.cluster + (f"/{f.node_pool}" if f.node_pool else "")
        lines.append(
            f"| {f.severity.value} | {_md(where)} | {f.rule.value} | {_md(f.title)} | "
            f"{f.deadline.isoformat() if f.deadline else ''} |"
        )
    lines.append("")
    for f in findings:
        lines.append(f"### {_md(f.title)}")
        lines.append("")
        lines.append(f"- **{f.severity.value}** on {_md(f.cluster)} (team: {_md(f.team or '-')})")
        lines.append(f"- Why: {_md(f.why)}")
        lines.append(f"- Do: {_md(f.action)}")
        for location in f.locations:
            lines.append(f"- Used at: `{location.replace('`', '')}`")
        for link in f.links:
            lines.append(f"- <{link}>")
        lines.append("")
    return "\n".join(lines)


# Exit codes of `aksnews check`, close to Pluto's so CI users feel at home.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_FINDINGS = 2
EXIT_REMOVED_API = 3


def exit_code(findings: Sequence[Finding], fail_on: str) -> int:
    """0 when nothing reaches the threshold, 3 when a removed API is in use, else 2."""
    if fail_on == "never":
        return EXIT_OK
    threshold = Severity(fail_on).rank
    due = [f for f in findings if f.severity.rank <= threshold]
    if not due:
        return EXIT_OK
    if any(f.rule is Rule.REMOVED_API for f in due):
        return EXIT_REMOVED_API
    return EXIT_FINDINGS


def finding_from_json(value: dict[str, Any]) -> Finding:
    """Inverse of finding_json (for findings a digest reported earlier)."""
    import datetime as dt

    return Finding(
        key=value["key"],
        rule=Rule(value["rule"]),
        severity=Severity(value["severity"]),
        cluster=value["cluster"],
        team=value.get("team"),
        title=value["title"],
        why=value.get("why", ""),
        action=value.get("action", ""),
        subject=value.get("subject", ""),
        node_pool=value.get("node_pool"),
        object=value.get("object"),
        locations=tuple(value.get("locations", ())),
        deadline=dt.date.fromisoformat(value["deadline"]) if value.get("deadline") else None,
        links=tuple(value.get("links", ())),
    )


def last_reported(archive: Archive, team: str) -> dict[str, Finding] | None:
    """The team's findings at its last digest; None when it never had one."""
    stored = archive.last_reported(team)
    if stored is None:
        return None
    return {key: finding_from_json(value) for key, value in stored.items()}


def record_reported(
    write: ArchiveWrite,
    team: str,
    findings: Sequence[Finding],
    period_end: dt.date,
    now: dt.datetime,
) -> None:
    """Replace the team's snapshot, inside the transaction that queues its digest."""
    payloads = [(f.key, json.dumps(finding_json(f))) for f in findings]
    write.record_reported(team, payloads, period_end, now)
