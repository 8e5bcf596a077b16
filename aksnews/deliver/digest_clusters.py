"""The digest's "Your clusters" section: one line of state per cluster the team owns (version and
support until, node image lag per pool, channels, open findings), then what was resolved. Pure.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from aksnews.knowledge.lifecycle import MinorLifecycle, minor_of
from aksnews.model.findings import Rule, Severity
from aksnews.model.inventory import Cluster, SupportPlan, UpgradeChannel
from aksnews.model.messages import DigestItem

if TYPE_CHECKING:
    from aksnews.deliver.digest import DigestInputs
    from aksnews.model.findings import FindingChange

_BEHIND = re.compile(r"(\d+)\s+(?:[\w. ]+?\s)?images?\s+behind", re.IGNORECASE)


def _support(cluster: Cluster, row: MinorLifecycle | None) -> str:
    if cluster.support_plan is SupportPlan.AKS_LONG_TERM_SUPPORT:
        until = row.lts_end if row else None
        return f"LTS until {until}" if until else "LTS, end date unknown"
    until = row.end_of_support if row else None
    return f"supported until {until}" if until else "end of support unknown"


def _lag(cluster: Cluster, open_findings: Iterable[FindingChange]) -> list[str]:
    lags = {
        c.finding.node_pool: c.finding.title
        for c in open_findings
        if c.finding.rule is Rule.NODE_IMAGE_LAG and c.finding.node_pool
    }
    out = []
    for pool in cluster.node_pools:
        title = lags.get(pool.name)
        if title is None:
            out.append(f"pool {pool.name}: no image lag found")
            continue
        behind = _BEHIND.search(title)
        out.append(f"pool {pool.name}: {behind[1]} images behind" if behind else title)
    return out


def _state(
    cluster: Cluster, row: MinorLifecycle | None, changes: list[FindingChange]
) -> DigestItem:
    open_ = [c for c in changes if c.change != "resolved"]
    version = cluster.kubernetes_version or "version unknown"
    channel = cluster.upgrade_channel
    notes = [
        f"upgrade channel {channel.value}"
        if channel is not UpgradeChannel.NONE
        else "no auto-upgrade",
        f"node OS channel {cluster.node_os_channel.value}",
        *_lag(cluster, open_),
    ]
    by_severity = {s: sum(c.finding.severity is s for c in open_) for s in Severity}
    if open_:
        counted = ", ".join(f"{n} {s.value}" for s, n in by_severity.items() if n)
        notes.append(f"{len(open_)} open finding{'s' if len(open_) != 1 else ''} ({counted})")
    worst = next((s.value for s in Severity if by_severity[s]), "ok")
    return DigestItem(
        text=f"{cluster.name}: Kubernetes {version}, {_support(cluster, row)}",
        label=worst,
        detail="; ".join(notes),
    )


def cluster_items(inputs: DigestInputs, today: dt.date) -> tuple[DigestItem, ...]:
    from aksnews.deliver.digest import finding_item  # the one wording of a finding line

    rows = {row.minor: row for row in inputs.calendar}
    items = []
    for cluster in inputs.clusters:
        mine = [c for c in inputs.findings if c.finding.cluster == cluster.name]
        row = rows.get(minor_of(cluster.kubernetes_version or "") or "")
        items.append(_state(cluster, row, mine))
    # Critical and warning findings still open from earlier weeks: not news, but not to be lost
    # either (a team's first digest has nothing to compare with, so most of them are here).
    still = [
        c
        for c in inputs.findings
        if c.change == "open" and c.finding.severity in (Severity.CRITICAL, Severity.WARNING)
    ]
    still.sort(key=lambda c: (c.finding.deadline or dt.date.max, c.finding.severity.rank))
    items += [finding_item(c.finding, "open", today) for c in still]
    resolved = [c for c in inputs.findings if c.change == "resolved"]
    items += [
        finding_item(c.finding, "resolved", today)
        for c in sorted(resolved, key=lambda c: c.finding.title)
    ]
    return tuple(items)
