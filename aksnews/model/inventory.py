"""Inventory values shared by the loader, the collectors, the store and the matcher.

Every item says where it came from (Provenance): the declarative file that named it or the
collector that observed it, and when. Secrets are SecretRef values: a literal or an env:NAME
reference resolved only at the edge that sends.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from aksnews.model.upgrade import UpgradeInputs


class UpgradeChannel(StrEnum):
    NONE = "none"
    PATCH = "patch"
    STABLE = "stable"
    RAPID = "rapid"
    NODE_IMAGE = "node-image"


class NodeOSChannel(StrEnum):
    NONE = "None"
    UNMANAGED = "Unmanaged"
    SECURITY_PATCH = "SecurityPatch"
    NODE_IMAGE = "NodeImage"


class SupportPlan(StrEnum):
    KUBERNETES_OFFICIAL = "KubernetesOfficial"
    AKS_LONG_TERM_SUPPORT = "AKSLongTermSupport"


class Evidence(StrEnum):
    """How sure we are that an apiVersion is really used (strongest first)."""

    MANIFEST = "manifest"  # a file in the repo: certain
    HELM_RELEASE = "helm-release"  # the deployed Helm release manifest: certain
    LAST_APPLIED = "last-applied"  # kubectl's last-applied annotation: likely
    MANAGED_FIELDS = "managed-fields"  # managedFields apiVersion: likely
    APISERVER_METRIC = (
        "apiserver-metric"  # apiserver_requested_deprecated_apis: used, caller unknown
    )


@dataclass(frozen=True, slots=True)
class Provenance:
    origin: str  # 'file:inventory.yaml', 'az:clusters.json', 'scan:k8s/', 'cluster:prod-ctx'
    collected_at: dt.datetime


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A secret given inline or as env:NAME; never logged, resolved only when sending."""

    literal: str | None = None
    env: str | None = None

    @classmethod
    def parse(cls, value: str) -> SecretRef:
        if value.startswith("env:"):
            return cls(env=value[4:])
        return cls(literal=value)

    def resolve(self, environ: Mapping[str, str] | None = None) -> str | None:
        if self.env is not None:
            return (os.environ if environ is None else environ).get(self.env)
        return self.literal

    def __str__(self) -> str:
        return f"env:{self.env}" if self.env else "<inline secret>"


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    slack_webhook: SecretRef | None = None
    slack_token: SecretRef | None = None
    slack_channel: str | None = None
    teams_webhook: SecretRef | None = None
    timezone: str = "UTC"
    digest_day: str = "mon"  # mon..sun
    digest_time: str = "09:00"  # HH:MM in the team's timezone
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class NodePool:
    name: str
    mode: str | None = None  # System | User
    os_type: str | None = None  # Linux | Windows
    os_sku: str | None = None  # Ubuntu, AzureLinux, Windows2019, Windows2022, Ubuntu2404...
    orchestrator_version: str | None = None  # currentOrchestratorVersion
    node_image_version: str | None = None  # 'AKSUbuntu-2204gen2containerd-202405.03.0'
    provenance: Provenance | None = None
    # What a surge upgrade needs (az aks show/list; None when the origin did not say).
    vm_size: str | None = None  # 'Standard_D4s_v3'
    count: int | None = None
    max_surge: str | None = None  # '1', '33%' as upgradeSettings.maxSurge gives it
    drain_timeout_minutes: int | None = None
    node_soak_minutes: int | None = None
    max_pods: int | None = None
    subnet_id: str | None = None  # vnetSubnetID: where node (and, on Azure CNI, pod) IPs come from
    pod_subnet_id: str | None = None  # podSubnetID: Azure CNI with dynamic pod IP allocation


@dataclass(frozen=True, slots=True)
class Cluster:
    name: str
    teams: tuple[str, ...] = ()
    region: str | None = None
    kubernetes_version: str | None = None  # currentKubernetesVersion
    support_plan: SupportPlan = SupportPlan.KUBERNETES_OFFICIAL
    upgrade_channel: UpgradeChannel = UpgradeChannel.NONE
    node_os_channel: NodeOSChannel = NodeOSChannel.NODE_IMAGE
    node_pools: tuple[NodePool, ...] = ()
    features: tuple[str, ...] = ()  # 'istio:asm-1-27', 'cilium', 'kubenet', 'keda'...
    namespaces: tuple[tuple[str, str], ...] = ()  # (namespace, team)
    provenance: Provenance | None = None
    # The settings with a default (support_plan, upgrade_channel, node_os_channel) that this
    # origin stated rather than left at the default: merging needs to tell an observed 'none'
    # from one nobody said. Not part of equality: it says where a value came from, not what it is.
    stated: frozenset[str] = field(default=frozenset(), compare=False)
    # The release stage this cluster belongs to (inventory file): 'dev', 'staging', 'production'.
    stage: str | None = None
    soak_days: int | None = None  # how long this stage runs a version before the next follows


@dataclass(frozen=True, slots=True)
class ApiUse:
    """An apiVersion/kind seen in use on a cluster, and how we know."""

    cluster: str
    api_version: str  # 'policy/v1beta1' ('v1' for the core group)
    kind: str
    evidence: Evidence
    location: str  # 'k8s/psp.yaml:12', 'helm:payments/checkout rev 7', 'metric'
    namespace: str | None = None
    name: str | None = None
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class CollectorWarning:
    """A problem with one item (a file, a secret, a cluster) that did not stop the others."""

    source: str  # file path, 'secret ns/name', 'cluster ctx'
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Inventory:
    teams: tuple[Team, ...] = ()
    clusters: tuple[Cluster, ...] = ()
    api_uses: tuple[ApiUse, ...] = ()
    default_team: str | None = None
    upgrade: UpgradeInputs = field(default_factory=UpgradeInputs)

    def cluster(self, name: str) -> Cluster | None:
        return next((c for c in self.clusters if c.name == name), None)

    def team(self, name: str) -> Team | None:
        return next((t for t in self.teams if t.name == name), None)


@dataclass(frozen=True, slots=True)
class CollectResult:
    """What a collector observed, plus per-item warnings; `read` counts items it could read."""

    clusters: tuple[Cluster, ...] = ()
    api_uses: tuple[ApiUse, ...] = ()
    warnings: tuple[CollectorWarning, ...] = ()
    read: int = 0
    skipped: int = 0
    extra: Mapping[str, int] = field(default_factory=dict)
    upgrade: UpgradeInputs = field(default_factory=UpgradeInputs)
