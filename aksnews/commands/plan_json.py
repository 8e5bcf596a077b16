"""The upgrade plan as one JSON document."""

from __future__ import annotations

from typing import Any

from aksnews.model.inventory_codec import cluster_json
from aksnews.report.check import finding_json
from aksnews.report.plan import UpgradePlan
from aksnews.report.records import entry_json


def plan_json(plan: UpgradePlan) -> dict[str, Any]:
    return {
        "cluster": cluster_json(plan.cluster),
        "from": plan.current,
        "to": plan.target,
        "minors": list(plan.minors),
        "lifecycle": [
            {
                "minor": m.minor,
                "aks_ga": m.aks_ga and m.aks_ga.isoformat(),
                "end_of_support": m.end_of_support and m.end_of_support.isoformat(),
                "lts_end": m.lts_end and m.lts_end.isoformat(),
                "support": m.support.value,
            }
            for m in plan.lifecycle
        ],
        "findings": [finding_json(f) for f in plan.findings],
        "removed_apis": [
            {
                "group_version": r.row.group_version,
                "kinds": list(r.row.kinds),
                "removed_in": r.row.removed_in,
                "replacement": r.row.replacement,
                "replacement_since": r.row.replacement_since,
                "evidence": list(r.row.evidence),
                "in_use": list(r.in_use),
            }
            for r in plan.removed_apis
        ],
        "upstream": {
            "releases": list(plan.upstream.releases),
            "groups": [
                {"kind": g.kind, "title": g.title, "entries": [entry_json(e) for e in g.entries]}
                for g in plan.upstream.groups
            ],
        },
        "aks_changes": [entry_json(e) for e in plan.aks_changes],
        "unchecked": list(plan.unchecked),
    }
