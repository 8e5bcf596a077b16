"""Rules about the workloads an upgrade moves: pdb-blocks-drain and unsafe-rollout.

An upgrade drains every node: it evicts each pod, which the API server refuses while the pod's
PodDisruptionBudget allows no disruption; AKS retries until drainTimeoutInMinutes (30 by
default) and then fails the upgrade (DOMAIN.md, "What breaks upgrades"). Pods that stop without
waiting (no preStop, the default grace period) or start taking traffic before they are ready (no
readiness probe) turn the same drain into failed requests.

Pure. Rounding follows the disruption controller: a percentage of pods is rounded up, both for
minAvailable and maxUnavailable (k8s.io/apimachinery GetScaledValueFromIntOrPercent with
roundUp=true in pkg/controller/disruption).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from aksnews.model.findings import ClusterScope, Finding, Rule, Severity, Unchecked, finding_key
from aksnews.model.upgrade import DisruptionBudget, UpgradeInputs, Workload

DEFAULT_GRACE_SECONDS = 30  # terminationGracePeriodSeconds when a pod spec does not set it
# Namespaces AKS manages itself: their PDBs and probes are AKS's, not the team's, to change.
MANAGED_NAMESPACES = frozenset({"kube-system", "gatekeeper-system", "calico-system"})
PDB_DOCS = "https://kubernetes.io/docs/tasks/run-application/configure-pdb/"
DRAIN_DOCS = (
    "https://learn.microsoft.com/azure/aks/upgrade-aks-cluster#set-node-drain-timeout-value"
)
PROBE_DOCS = "https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/"
SHUTDOWN_DOCS = "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/"


@dataclass(frozen=True, slots=True)
class Scaled:
    value: int | None  # pods, None when a percentage meets an unknown pod count
    percent: float | None


def _scaled(text: str, pods: int | None) -> Scaled | None:
    """'2' -> 2 pods; '50%' of `pods`, rounded up; None when unreadable."""
    text = text.strip()
    if text.endswith("%"):
        try:
            percent = float(text[:-1])
        except ValueError:
            return None
        value = None if pods is None else math.ceil(pods * percent / 100)
        return Scaled(value, percent)
    return Scaled(int(text), None) if text.isdigit() else None


def selected(budget: DisruptionBudget, workloads: Sequence[Workload]) -> list[Workload]:
    """The workloads whose pods the budget selects (same cluster and namespace)."""
    if budget.selector is None:
        return []  # policy/v1: a budget without a selector selects no pods
    return [
        w
        for w in workloads
        if w.cluster == budget.cluster
        and w.namespace == budget.namespace
        and budget.selector.matches(dict(w.pod_labels))
    ]


def blocking_reason(budget: DisruptionBudget, pods: int | None) -> str | None:
    """Why the budget allows no eviction of `pods` selected pods; None when it allows one or
    it cannot be told (an unknown pod count with a rule that depends on it)."""
    if budget.max_unavailable is not None:
        scaled = _scaled(budget.max_unavailable, pods)
        if scaled is None:
            return None
        if scaled.value == 0 or scaled.percent == 0:
            return f"maxUnavailable {budget.max_unavailable}: no pod may be unavailable"
        return None
    if budget.min_available is not None:
        scaled = _scaled(budget.min_available, pods)
        if scaled is None:
            return None
        if scaled.percent is not None and scaled.percent >= 100:
            return f"minAvailable {budget.min_available}: every pod must stay up"
        if scaled.value is not None and pods is not None and scaled.value >= pods:
            rounded = f" (rounded up to {scaled.value})" if scaled.percent is not None else ""
            return (
                f"minAvailable {budget.min_available}{rounded} with {pods} "
                f"{'pod' if pods == 1 else 'pods'} selected: none may be evicted"
            )
    return None


def pdb_blocks_drain(
    scope: ClusterScope, inputs: UpgradeInputs, notes: list[Unchecked]
) -> Iterator[Finding]:
    name = scope.name
    workloads = [w for w in inputs.workloads if w.cluster == name]
    for budget in inputs.budgets:
        if budget.cluster != name or budget.namespace in MANAGED_NAMESPACES:
            continue
        chosen = selected(budget, workloads)
        label = f"PodDisruptionBudget {budget.namespace}/{budget.name}"
        if not chosen:
            notes.append(
                Unchecked(
                    Rule.PDB_BLOCKS_DRAIN,
                    name,
                    f"{label} selects no Deployment or StatefulSet aksnews knows "
                    "(scan the manifests or collect the cluster)",
                )
            )
            continue
        counts = [w.replicas for w in chosen]
        pods = None if any(c is None for c in counts) else sum(c or 0 for c in counts)
        reason = blocking_reason(budget, pods)
        if reason is None:
            if pods is None and budget.max_unavailable is None:
                notes.append(
                    Unchecked(
                        Rule.PDB_BLOCKS_DRAIN, name, f"{label}: replicas unknown (autoscaled?)"
                    )
                )
            continue
        single = [w for w in chosen if w.replicas == 1]
        targets = ", ".join(f"{w.label} ({_replicas(w.replicas)})" for w in chosen)
        fix = (
            "set maxUnavailable: 1 (or a minAvailable below the replicas)"
            if budget.max_unavailable is None or not single
            else "set maxUnavailable: 1"
        )
        if single:
            fix += f", and run {', '.join(w.label for w in single)} with at least 2 replicas"
        yield Finding(
            key=finding_key(Rule.PDB_BLOCKS_DRAIN, name, None, label),
            rule=Rule.PDB_BLOCKS_DRAIN,
            severity=Severity.CRITICAL,
            cluster=name,
            team=scope.team_for(budget.namespace),
            title=f"{label} allows no eviction: node drains of an upgrade cannot finish",
            why=(
                f"{reason}; it selects {targets}. Every upgrade drains each node, the eviction "
                "is refused, and AKS fails the upgrade after drainTimeoutInMinutes (30 by default)."
            ),
            action=f"In {budget.namespace}/{budget.name}: {fix}.",
            subject=label,
            locations=tuple(x for x in (budget.location, *(w.location for w in chosen)) if x),
            links=(PDB_DOCS, DRAIN_DOCS),
        )


def _replicas(count: int | None) -> str:
    if count is None:
        return "replicas unknown"
    return f"{count} replica{'' if count == 1 else 's'}"


def _behind_service(workload: Workload, inputs: UpgradeInputs) -> str | None:
    labels = dict(workload.pod_labels)
    for service in inputs.services:
        if (
            service.cluster == workload.cluster
            and service.namespace == workload.namespace
            and service.selector
            and all(labels.get(k) == v for k, v in service.selector)
        ):
            return service.name
    return None


def unsafe_rollout(
    scope: ClusterScope, inputs: UpgradeInputs, notes: list[Unchecked]
) -> Iterator[Finding]:
    for workload in inputs.workloads:
        if workload.cluster != scope.name or workload.namespace in MANAGED_NAMESPACES:
            continue
        service = _behind_service(workload, inputs)
        ports = sorted({p for c in workload.containers for p in c.ports})
        if service is None and not ports:
            continue  # takes no traffic that aksnews can see: nothing to cut or misroute
        problems: list[str] = []
        no_probe = [c.name for c in workload.containers if not c.readiness_probe]
        if no_probe:
            problems.append(f"no readiness probe on {', '.join(no_probe)}")
        grace = workload.termination_grace_seconds
        if not any(c.pre_stop for c in workload.containers) and grace in (
            None,
            DEFAULT_GRACE_SECONDS,
        ):
            problems.append(
                "no preStop hook and the default terminationGracePeriodSeconds "
                f"({DEFAULT_GRACE_SECONDS} s)"
            )
        if not problems:
            continue
        traffic = (
            f"behind Service {service}" if service else f"listening on {', '.join(map(str, ports))}"
        )
        yield Finding(
            key=finding_key(Rule.UNSAFE_ROLLOUT, scope.name, None, workload.label),
            rule=Rule.UNSAFE_ROLLOUT,
            severity=Severity.WARNING if service else Severity.INFO,
            cluster=scope.name,
            team=scope.team_for(workload.namespace),
            title=f"{workload.label} may drop requests when an upgrade moves its pods",
            why=(
                f"{'; '.join(problems)} ({traffic}). During a drain, traffic reaches pods "
                "that are stopping or not yet ready, because endpoints are updated "
                "asynchronously."
            ),
            action=(
                "Add a readinessProbe on a health endpoint, and a preStop wait (e.g. sleep 5-10 s) "
                "with signal handling so in-flight requests finish."
            ),
            subject=workload.label,
            locations=(workload.location,) if workload.location else (),
            links=(PROBE_DOCS, SHUTDOWN_DOCS),
        )
