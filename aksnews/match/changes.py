"""How a team's findings moved since its last digest: new, escalated, still open, resolved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aksnews.model.findings import Finding, FindingChange, sort_key


def _escalated(now: Finding, before: Finding) -> bool:
    if now.severity.rank < before.severity.rank:
        return True
    return now.deadline is not None and (before.deadline is None or now.deadline < before.deadline)


def classify(
    current: Sequence[Finding], previous: Mapping[str, Finding]
) -> tuple[FindingChange, ...]:
    """Compare the team's findings now with those its last digest reported (pure)."""
    changes: list[FindingChange] = []
    for finding in sorted(current, key=sort_key):
        before = previous.get(finding.key)
        if before is None:
            changes.append(FindingChange(finding, "new"))
        elif _escalated(finding, before):
            changes.append(FindingChange(finding, "escalated"))
        else:
            changes.append(FindingChange(finding, "open"))
    keys = {f.key for f in current}
    for key in sorted(previous):
        if key not in keys:
            changes.append(FindingChange(previous[key], "resolved"))
    return tuple(changes)
