"""Deployments, StatefulSets, PodDisruptionBudgets and Services from Kubernetes objects.

Pure: one object as a plain mapping in (from a manifest, where every scalar is a string, or
from the API server's JSON, where numbers are numbers), a value out. The same reader serves
manifests, Helm release manifests and the live cluster, so the three agree on what they see.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aksnews.model.inventory import Provenance
from aksnews.model.upgrade import (
    Container,
    DisruptionBudget,
    Selector,
    Service,
    UpgradeInputs,
    Workload,
)

WORKLOAD_KINDS = frozenset({"Deployment", "StatefulSet"})
# The kinds whose bodies the readers keep: everything else is only an apiVersion and a kind.
BODY_KINDS = WORKLOAD_KINDS | {"PodDisruptionBudget", "Service"}


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str):
        return str(value).strip() or None
    return None


def _int(value: object) -> int | None:
    text = _text(value)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _labels(value: object) -> tuple[tuple[str, str], ...]:
    pairs = ((str(k), _text(v)) for k, v in _map(value).items())
    return tuple(sorted((k, v) for k, v in pairs if v is not None))


def selector_of(value: object) -> Selector | None:
    """A LabelSelector mapping; None when there is none."""
    if not isinstance(value, dict):
        return None
    expressions = []
    for item in _list(value.get("matchExpressions")):
        key, operator = _text(_map(item).get("key")), _text(_map(item).get("operator"))
        if key and operator:
            values = tuple(v for v in map(_text, _list(_map(item).get("values"))) if v)
            expressions.append((key, operator, values))
    return Selector(labels=_labels(value.get("matchLabels")), expressions=tuple(expressions))


def _container(value: Mapping[str, Any]) -> Container:
    ports = tuple(
        p for p in (_int(_map(x).get("containerPort")) for x in _list(value.get("ports"))) if p
    )
    return Container(
        name=_text(value.get("name")) or "?",
        image=_text(value.get("image")),
        ports=ports,
        readiness_probe=isinstance(value.get("readinessProbe"), dict),
        pre_stop=isinstance(_map(value.get("lifecycle")).get("preStop"), dict),
    )


def read_objects(
    objects: Iterable[tuple[Mapping[str, Any], str]],
    *,
    cluster: str,
    default_namespace: str = "default",
    provenance: Provenance | None,
) -> UpgradeInputs:
    """Workloads, budgets and services among (object, location) pairs; other kinds are skipped."""
    workloads: list[Workload] = []
    budgets: list[DisruptionBudget] = []
    services: list[Service] = []
    for obj, location in objects:
        kind = _text(obj.get("kind"))
        meta = _map(obj.get("metadata"))
        name = _text(meta.get("name"))
        if kind not in BODY_KINDS or name is None:
            continue
        namespace = _text(meta.get("namespace")) or default_namespace
        spec = _map(obj.get("spec"))
        if kind in WORKLOAD_KINDS:
            pod = _map(_map(spec.get("template")).get("spec"))
            # A Deployment without replicas runs one pod, unless an autoscaler owns the count;
            # manifests for HPA-owned workloads leave it out, so unknown it stays.
            workloads.append(
                Workload(
                    cluster=cluster,
                    kind=kind,
                    namespace=namespace,
                    name=name,
                    replicas=_int(spec.get("replicas")),
                    pod_labels=_labels(
                        _map(_map(spec.get("template")).get("metadata")).get("labels")
                    ),
                    containers=tuple(_container(_map(c)) for c in _list(pod.get("containers"))),
                    termination_grace_seconds=_int(pod.get("terminationGracePeriodSeconds")),
                    location=location,
                    provenance=provenance,
                )
            )
        elif kind == "PodDisruptionBudget":
            budgets.append(
                DisruptionBudget(
                    cluster=cluster,
                    namespace=namespace,
                    name=name,
                    selector=selector_of(spec.get("selector")),
                    min_available=_text(spec.get("minAvailable")),
                    max_unavailable=_text(spec.get("maxUnavailable")),
                    location=location,
                    provenance=provenance,
                )
            )
        else:
            services.append(
                Service(
                    cluster=cluster,
                    namespace=namespace,
                    name=name,
                    selector=_labels(spec.get("selector")),
                    provenance=provenance,
                )
            )
    return UpgradeInputs(
        workloads=tuple(workloads), budgets=tuple(budgets), services=tuple(services)
    )


def combine(parts: Iterable[UpgradeInputs]) -> UpgradeInputs:
    """Several origins' inputs side by side (no de-duplication: see merge_upgrade_inputs)."""
    items = list(parts)
    return UpgradeInputs(
        workloads=tuple(w for p in items for w in p.workloads),
        budgets=tuple(b for p in items for b in p.budgets),
        services=tuple(s for p in items for s in p.services),
        quotas=tuple(q for p in items for q in p.quotas),
        skus=tuple(s for p in items for s in p.skus),
        subnets=tuple(s for p in items for s in p.subnets),
        windows=tuple(w for p in items for w in p.windows),
        versions_seen=tuple(v for p in items for v in p.versions_seen),
    )
