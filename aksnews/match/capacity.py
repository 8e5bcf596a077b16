"""Rules about room for a surge upgrade: surge-quota (vCPUs) and surge-ip (subnet addresses).

An upgrade (Kubernetes or node image) first adds maxSurge new nodes to a pool, then drains and
deletes old ones (DOMAIN.md). When the region's vCPU quota or the subnet cannot take the new
nodes, the upgrade fails before anything moved. Each pool is checked on its own: AKS upgrades
the pools of a cluster one after another, so a pool that does not fit alone cannot fit at all.

Pure. A rule whose inputs are missing gives no finding and a note of what was not checked; it
never passes a pool it could not judge.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from aksnews.knowledge.vm_sizes import builtin_sku
from aksnews.model.findings import ClusterScope, Finding, Rule, Severity, Unchecked, finding_key
from aksnews.model.inventory import NodePool
from aksnews.model.upgrade import Subnet, UpgradeInputs, VmQuota, VmSku

# AKS takes one surge node when upgradeSettings.maxSurge is not set (its documented default for
# pools created before it began writing 10%); the finding says it assumed so.
DEFAULT_MAX_SURGE = "1"
# Azure CNI (without overlay or dynamic pod IPs) gives each node maxPods addresses for its pods
# plus one for itself, all from the node subnet; 30 pods per node is Azure CNI's default.
DEFAULT_AZURE_CNI_MAX_PODS = 30
# Azure keeps five addresses of every subnet (network, broadcast and three for its own use).
AZURE_RESERVED_IPS = 5
QUOTA_DOCS = "https://learn.microsoft.com/azure/quotas/per-vm-quota-requests"
SURGE_DOCS = (
    "https://learn.microsoft.com/azure/aks/upgrade-aks-cluster#customize-node-surge-upgrade"
)
CNI_DOCS = "https://learn.microsoft.com/azure/aks/azure-cni-overview"


@dataclass(frozen=True, slots=True)
class Surge:
    nodes: int
    how: str  # 'maxSurge 33% of 3 nodes' or 'maxSurge not set: AKS adds 1 node'


def surge_nodes(pool: NodePool) -> Surge | None:
    """How many nodes a surge upgrade of the pool adds; None when it cannot be told."""
    text = pool.max_surge
    if text is None:
        return Surge(1, f"maxSurge not set: AKS adds {DEFAULT_MAX_SURGE} node")
    text = text.strip()
    if text.endswith("%"):
        try:
            percent = float(text[:-1])
        except ValueError:
            return None
        if pool.count is None:
            return None
        # AKS rounds a percentage up to whole nodes (and adds at least one).
        return Surge(
            max(1, math.ceil(pool.count * percent / 100)), f"maxSurge {text} of {pool.count} nodes"
        )
    return Surge(int(text), f"maxSurge {text}") if text.isdigit() else None


def _sku(size: str, skus: Sequence[VmSku], region: str | None) -> tuple[VmSku | None, bool]:
    """The size's SKU from list-skus (this region first), else the built-in table (True)."""
    found = [s for s in skus if s.size.lower() == size.lower()]
    here = [s for s in found if s.region in (None, (region or "").lower())]
    if here or found:
        return (here or found)[0], False
    built = builtin_sku(size)
    return built, built is not None


def _quota(quotas: Sequence[VmQuota], region: str, family: str) -> VmQuota | None:
    return next(
        (q for q in quotas if q.region == region.lower() and q.family.lower() == family.lower()),
        None,
    )


def surge_quota(
    scope: ClusterScope, inputs: UpgradeInputs, notes: list[Unchecked]
) -> Iterator[Finding]:
    cluster = scope.cluster

    def note(text: str, *, assumed: bool = False) -> None:
        notes.append(Unchecked(Rule.SURGE_QUOTA, cluster.name, text, assumed))

    for pool in cluster.node_pools:
        if pool.count == 0:
            continue
        if pool.vm_size is None or cluster.region is None:
            missing = "VM size" if pool.vm_size is None else "region"
            note(f"pool {pool.name}: no {missing} (import az aks show/list)")
            continue
        surge = surge_nodes(pool)
        sku, builtin = _sku(pool.vm_size, inputs.skus, cluster.region)
        if surge is None or sku is None:
            why = "maxSurge unreadable" if surge is None else f"vCPUs of {pool.vm_size} unknown"
            note(f"pool {pool.name}: {why} (import az vm list-skus)")
            continue
        if builtin:
            note(
                f"pool {pool.name}: vCPUs of {pool.vm_size} from the built-in table "
                "(import az vm list-skus for the region's own)",
                assumed=True,
            )
        need = surge.nodes * sku.vcpus
        rows = [
            q
            for q in (
                _quota(inputs.quotas, cluster.region, sku.family),
                _quota(inputs.quotas, cluster.region, "cores"),
            )
            if q is not None
        ]
        if not rows:
            note(
                f"pool {pool.name}: no vCPU quota for {cluster.region} "
                f"(import az vm list-usage --location {cluster.region})"
            )
            continue
        short = [q for q in rows if q.free < need]
        if not short:
            continue
        tight = min(short, key=lambda q: q.free)
        family = "all families (Total Regional vCPUs)" if tight.family == "cores" else tight.family
        yield Finding(
            key=finding_key(
                Rule.SURGE_QUOTA, cluster.name, pool.name, f"{tight.family} {tight.region}"
            ),
            rule=Rule.SURGE_QUOTA,
            severity=Severity.CRITICAL,
            cluster=cluster.name,
            team=scope.team,
            node_pool=pool.name,
            title=(
                f"Surge upgrade of pool {pool.name} needs {need} vCPUs of {family} in "
                f"{tight.region}; {max(tight.free, 0)} free"
            ),
            why=(
                f"{surge.how}: {surge.nodes} x {pool.vm_size} ({sku.vcpus} vCPUs each"
                f"{', built-in table' if builtin else ''}) = {need} vCPUs; the quota is "
                f"{tight.limit} with {tight.used} in use ({tight.source or 'az vm list-usage'}). "
                "The upgrade fails when Azure refuses the surge nodes."
            ),
            action=(
                f"Request at least {need - tight.free} more vCPUs of {family} in {tight.region}, "
                f"or lower maxSurge of pool {pool.name} "
                f"(az aks nodepool update --max-surge {max(tight.free // sku.vcpus, 1)})"
                " before the next upgrade."
            ),
            subject=f"{tight.family} {tight.region}",
            object=pool.vm_size,
            links=(QUOTA_DOCS, SURGE_DOCS),
        )


def _free_ips(subnet: Subnet) -> int | None:
    try:
        network = ipaddress.ip_network(subnet.address_prefix, strict=False)
    except ValueError:
        return None
    return network.num_addresses - AZURE_RESERVED_IPS - subnet.used


def surge_ip(
    scope: ClusterScope, inputs: UpgradeInputs, notes: list[Unchecked]
) -> Iterator[Finding]:
    cluster = scope.cluster
    # Overlay, kubenet and Cilium-overlay pods take no subnet addresses: the rule is about
    # Azure CNI's node-subnet pod IPs (features from az aks show: 'azure-cni').
    if "azure-cni" not in cluster.features:
        return

    def note(text: str) -> None:
        notes.append(Unchecked(Rule.SURGE_IP, cluster.name, text))

    for pool in cluster.node_pools:
        if pool.count == 0:
            continue
        if pool.subnet_id is None:
            note(f"pool {pool.name}: no vnetSubnetID (import az aks show)")
            continue
        subnet = next((s for s in inputs.subnets if s.id.lower() == pool.subnet_id.lower()), None)
        surge = surge_nodes(pool)
        if subnet is None:
            name = pool.subnet_id.rsplit("/", 1)[-1]
            note(
                f"pool {pool.name}: subnet {name} not imported "
                f"(import az network vnet subnet show --ids {pool.subnet_id})"
            )
            continue
        free = _free_ips(subnet)
        if surge is None or free is None:
            note(f"pool {pool.name}: maxSurge or the subnet prefix unreadable")
            continue
        if pool.pod_subnet_id is not None:
            per_node, how = 1, "1 node IP (pods take theirs from the pod subnet)"
        else:
            pods = pool.max_pods or DEFAULT_AZURE_CNI_MAX_PODS
            assumed = "" if pool.max_pods else ", maxPods not known: Azure CNI's default"
            per_node, how = pods + 1, f"{pods} pod IPs + 1 node IP{assumed}"
        need = surge.nodes * per_node
        if need <= free:
            continue
        name = subnet.id.rsplit("/", 1)[-1]
        yield Finding(
            key=finding_key(Rule.SURGE_IP, cluster.name, pool.name, subnet.id.lower()),
            rule=Rule.SURGE_IP,
            severity=Severity.CRITICAL,
            cluster=cluster.name,
            team=scope.team,
            node_pool=pool.name,
            title=(
                f"Surge upgrade of pool {pool.name} needs {need} IPs in subnet {name}; "
                f"{max(free, 0)} free"
            ),
            why=(
                f"{surge.how}: {surge.nodes} x ({how}) = {need} addresses; subnet {name} "
                f"({subnet.address_prefix}) has {subnet.used} in use and {AZURE_RESERVED_IPS} "
                "reserved by Azure. The surge nodes cannot start without their addresses."
            ),
            action=(
                (
                    f"Lower maxSurge of pool {pool.name} to {fits} (what the subnet takes), "
                    if (fits := max(free, 0) // per_node)
                    else f"Not one surge node of pool {pool.name} fits: "
                )
                + "free addresses in the subnet, or move the pool to a larger subnet (or to "
                "Azure CNI Overlay) before the next upgrade."
            ),
            subject=subnet.id.lower(),
            object=subnet.address_prefix,
            links=(CNI_DOCS, SURGE_DOCS),
        )
