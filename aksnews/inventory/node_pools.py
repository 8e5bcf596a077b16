"""Node pools as the nodes of a live cluster show them (AKS node labels and kubelet versions).

A pool mid-upgrade runs two images or kubelet versions at once; the pool reports the OLDEST of
each, because the node-image-lag and version rules must see what still runs, not what some nodes
already have. Pure: node objects in, NodePool values and notes out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from aksnews.model.inventory import NodePool, Provenance
from aksnews.model.versions import parse_kube_version, parse_node_image_version

# Node labels AKS sets on every node.
_POOL_LABELS = ("kubernetes.azure.com/agentpool", "agentpool")
_IMAGE_LABEL = "kubernetes.azure.com/node-image-version"
_OS_SKU_LABEL = "kubernetes.azure.com/os-sku"
_MODE_LABEL = "kubernetes.azure.com/mode"
_OS_LABEL = "kubernetes.io/os"
NO_POOL = "(no pool label)"


def node_pools(
    nodes: Sequence[Mapping[str, Any]], provenance: Provenance | None
) -> tuple[tuple[NodePool, ...], tuple[str, ...]]:
    """Node pools from node objects, with a note for each pool whose nodes disagree."""
    by_pool: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for node in nodes:
        labels = _labels(node)
        pool = next((labels[k] for k in _POOL_LABELS if labels.get(k)), NO_POOL)
        by_pool[pool].append(node)
    pools: list[NodePool] = []
    notes: list[str] = []
    for name in sorted(by_pool):
        members = by_pool[name]
        pool_labels = [_labels(n) for n in members]
        images = Counter(x for x in (lb.get(_IMAGE_LABEL) for lb in pool_labels) if x)
        kubelets = Counter(v.removeprefix("v") for v in map(_kubelet, members) if v)
        for what, seen in (("node images", images), ("kubelet versions", kubelets)):
            if len(seen) > 1:
                mix = ", ".join(f"{v} ({n})" for v, n in sorted(seen.items()))
                notes.append(f"node pool {name} runs mixed {what}: {mix}; reporting the oldest")
        pools.append(
            NodePool(
                name=name,
                mode=_first(lb.get(_MODE_LABEL, "").capitalize() for lb in pool_labels),
                os_type=_first(lb.get(_OS_LABEL, "").capitalize() for lb in pool_labels),
                os_sku=_first(lb.get(_OS_SKU_LABEL, "") for lb in pool_labels),
                orchestrator_version=_oldest(kubelets, _kube_key),
                node_image_version=_oldest(images, _image_key),
                provenance=provenance,
            )
        )
    return tuple(pools), tuple(notes)


def _labels(node: Mapping[str, Any]) -> Mapping[str, str]:
    labels = _mapping(_mapping(node.get("metadata")).get("labels"))
    return {k: v for k, v in labels.items() if isinstance(v, str)}


def _kubelet(node: Mapping[str, Any]) -> str | None:
    info = _mapping(_mapping(node.get("status")).get("nodeInfo"))
    return _text(info.get("kubeletVersion"))


def _first(values: Iterator[str]) -> str | None:
    return next((v for v in values if v), None)


def _kube_key(text: str) -> tuple[int, ...] | None:
    try:
        return parse_kube_version(text).triple
    except ValueError:
        return None


def _image_key(text: str) -> tuple[int, ...] | None:
    try:
        return parse_node_image_version(text).key
    except ValueError:
        return None


def _oldest(seen: Counter[str], key: Callable[[str], tuple[int, ...] | None]) -> str | None:
    """The oldest value when all parse in one scheme, else the most common (then the first)."""
    if not seen:
        return None
    keys = {v: k for v in seen if (k := key(v)) is not None}
    if len(keys) == len(seen) and len({len(k) for k in keys.values()}) == 1:
        return min(keys, key=keys.__getitem__)
    return min(seen, key=lambda v: (-seen[v], v))


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
