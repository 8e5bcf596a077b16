"""The upgrade-blocker inputs to and from JSON, one stored inventory item each.

ITEM_TYPES names the item_type each value is stored under (inventory_item.item_type, at most
20 characters); `item_name` is the name shown beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from aksnews.model.inventory_codec import provenance_from, provenance_json
from aksnews.model.upgrade import (
    Container,
    DisruptionBudget,
    MaintenanceWindow,
    Selector,
    Service,
    Subnet,
    UpgradeInputs,
    VmQuota,
    VmSku,
    WindowName,
    WindowRule,
    Workload,
)

Item = Workload | DisruptionBudget | Service | VmQuota | VmSku | Subnet | MaintenanceWindow

ITEM_TYPES: dict[type[Any], str] = {
    Workload: "workload",
    DisruptionBudget: "pdb",
    Service: "service",
    VmQuota: "vm-quota",
    VmSku: "vm-sku",
    Subnet: "subnet",
    MaintenanceWindow: "maintenance-window",
}


def items_of(inputs: UpgradeInputs) -> Iterator[Item]:
    yield from inputs.workloads
    yield from inputs.budgets
    yield from inputs.services
    yield from inputs.quotas
    yield from inputs.skus
    yield from inputs.subnets
    yield from inputs.windows


def item_name(item: Item) -> str:
    if isinstance(item, Workload | DisruptionBudget | Service):
        return f"{item.cluster}/{item.namespace}/{item.name}"
    if isinstance(item, VmQuota):
        return f"{item.region}/{item.family}"
    if isinstance(item, VmSku):
        return item.size
    if isinstance(item, Subnet):
        return item.id
    return f"{item.cluster}/{item.name.value}"


def item_json(item: Item) -> dict[str, Any]:
    """Field names as in the dataclasses; tuples become lists, provenance an object."""
    provenance = provenance_json(item.provenance)
    body = asdict(item)
    body["provenance"] = provenance
    return body


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in value or ())


def _selector(value: Any) -> Selector | None:
    if value is None:
        return None
    return Selector(
        labels=_pairs(value.get("labels")),
        expressions=tuple((k, op, tuple(vs)) for k, op, vs in value.get("expressions") or ()),
    )


def item_from(item_type: str, value: dict[str, Any]) -> Item | None:
    """The stored item, or None for an item type this version does not know."""
    common = {k: v for k, v in value.items() if k != "provenance"}
    provenance = provenance_from(value.get("provenance"))
    if item_type == "workload":
        return Workload(
            cluster=common["cluster"],
            kind=common["kind"],
            namespace=common["namespace"],
            name=common["name"],
            replicas=common.get("replicas"),
            pod_labels=_pairs(common.get("pod_labels")),
            containers=tuple(
                Container(**{**c, "ports": tuple(c.get("ports") or ())})
                for c in value.get("containers") or ()
            ),
            termination_grace_seconds=common.get("termination_grace_seconds"),
            location=common.get("location", ""),
            provenance=provenance,
        )
    if item_type == "pdb":
        return DisruptionBudget(
            **{**common, "selector": _selector(common.get("selector"))}, provenance=provenance
        )
    if item_type == "service":
        return Service(
            **{**common, "selector": _pairs(common.get("selector"))}, provenance=provenance
        )
    if item_type == "vm-quota":
        return VmQuota(**common, provenance=provenance)
    if item_type == "vm-sku":
        return VmSku(**common, provenance=provenance)
    if item_type == "subnet":
        return Subnet(**common, provenance=provenance)
    if item_type == "maintenance-window":
        rules = tuple(
            WindowRule(**{**r, "hours": tuple(r.get("hours") or ())})
            for r in common.pop("rules", ())
        )
        return MaintenanceWindow(
            **{
                **common,
                "name": WindowName(common["name"]),
                "not_allowed": _pairs(common.get("not_allowed")),
            },
            rules=rules,
            provenance=provenance,
        )
    return None


def inputs_of(items: list[Item]) -> UpgradeInputs:
    def of(kind: type[Any]) -> tuple[Any, ...]:
        return tuple(i for i in items if isinstance(i, kind))

    return UpgradeInputs(
        workloads=of(Workload),
        budgets=of(DisruptionBudget),
        services=of(Service),
        quotas=of(VmQuota),
        skus=of(VmSku),
        subnets=of(Subnet),
        windows=of(MaintenanceWindow),
    )
