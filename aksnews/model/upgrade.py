"""What the upgrade-blocker rules read beside clusters and API uses.

Workloads, PodDisruptionBudgets and Services come from manifests, Helm releases and the live
cluster; VM quotas, VM sizes, subnets and maintenance windows from az output. Every value says
where it came from (Provenance), like the rest of the inventory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aksnews.model.inventory import Provenance


class WindowName(StrEnum):
    """The maintenance configurations AKS knows (az aks maintenanceconfiguration)."""

    DEFAULT = "default"  # weekly AKS releases; auto-upgrade falls back to it
    AUTO_UPGRADE = "aksManagedAutoUpgradeSchedule"  # the Kubernetes upgrade channel
    NODE_OS = "aksManagedNodeOSUpgradeSchedule"  # the node OS channel (node images)


@dataclass(frozen=True, slots=True)
class Selector:
    """A label selector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist)."""

    labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (key, operator, values)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether pods with `labels` are selected; an empty selector selects every pod."""
        if any(labels.get(k) != v for k, v in self.labels):
            return False
        for key, operator, values in self.expressions:
            present = key in labels
            ok = {
                "In": present and labels.get(key) in values,
                "NotIn": not present or labels.get(key) not in values,
                "Exists": present,
                "DoesNotExist": not present,
            }.get(operator, False)  # an unknown operator matches nothing, as the API server
            if not ok:
                return False
        return True


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    image: str | None
    ports: tuple[int, ...] = ()  # containerPort values
    readiness_probe: bool = False
    pre_stop: bool = False


@dataclass(frozen=True, slots=True)
class Workload:
    """A Deployment or StatefulSet as its pod template describes it."""

    cluster: str
    kind: str  # Deployment | StatefulSet
    namespace: str
    name: str
    replicas: int | None  # None: not stated (an HPA may own it) or unreadable
    pod_labels: tuple[tuple[str, str], ...] = ()
    containers: tuple[Container, ...] = ()
    termination_grace_seconds: int | None = None  # None: the default (30 s)
    location: str = ""  # 'k8s/app.yaml:3', 'helm:ns/release rev 2', 'deployments ns/name'
    provenance: Provenance | None = None

    @property
    def label(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True, slots=True)
class DisruptionBudget:
    cluster: str
    namespace: str
    name: str
    selector: Selector | None  # None: no selector (selects nothing in policy/v1)
    min_available: str | None = None  # '2' or '50%', as written
    max_unavailable: str | None = None
    location: str = ""
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class Service:
    cluster: str
    namespace: str
    name: str
    selector: tuple[tuple[str, str], ...] = ()  # empty: no selector (endpoints by hand)
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class VmQuota:
    """One row of `az vm list-usage`: vCPUs of a family (or 'cores', all) in a region."""

    region: str
    family: str  # 'standardDSv3Family', 'cores' for the regional total
    limit: int
    used: int
    source: str = ""  # the file it came from
    provenance: Provenance | None = None

    @property
    def free(self) -> int:
        return self.limit - self.used


@dataclass(frozen=True, slots=True)
class VmSku:
    """A VM size from `az vm list-skus` (or the built-in table): its family and vCPUs."""

    size: str  # 'Standard_D4s_v3'
    family: str  # 'standardDSv3Family'
    vcpus: int
    region: str | None = None
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class Subnet:
    """`az network vnet subnet show`: the subnet's address range and the IPs already taken."""

    id: str  # ARM id, compared without regard to case
    address_prefix: str  # '10.240.0.0/22'
    used: int  # ipConfigurations in use
    source: str = ""
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class WindowRule:
    """One recurrence of a maintenance window, as `maintenanceWindow.schedule` states it.

    kind: weekly | daily | absoluteMonthly | relativeMonthly | timeInWeek (the `default`
    configuration's list of days and hour slots, in UTC).
    """

    kind: str
    interval: int = 1  # weeks, days or months between windows
    day_of_week: str | None = None  # 'Sunday'
    day_of_month: int | None = None
    week_index: str | None = None  # First, Second, Third, Fourth, Last
    hours: tuple[int, ...] = ()  # timeInWeek hour slots


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    cluster: str
    name: WindowName
    rules: tuple[WindowRule, ...]
    start_time: str = "00:00"  # HH:MM in utc_offset
    duration_hours: int = 4
    utc_offset: str = "+00:00"
    start_date: str | None = None  # YYYY-MM-DD: no window before it
    not_allowed: tuple[tuple[str, str], ...] = ()  # (start, end) ISO dates or datetimes
    source: str = ""
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class VersionSeen:
    """When aksnews first and last saw a cluster run a Kubernetes version (stage-order)."""

    cluster: str
    version: str
    first_seen: str  # ISO datetime
    last_seen: str


@dataclass(frozen=True, slots=True)
class UpgradeInputs:
    workloads: tuple[Workload, ...] = ()
    budgets: tuple[DisruptionBudget, ...] = ()
    services: tuple[Service, ...] = ()
    quotas: tuple[VmQuota, ...] = ()
    skus: tuple[VmSku, ...] = ()
    subnets: tuple[Subnet, ...] = ()
    windows: tuple[MaintenanceWindow, ...] = ()
    versions_seen: tuple[VersionSeen, ...] = ()

    def __bool__(self) -> bool:
        return any(
            (self.workloads, self.budgets, self.services, self.quotas, self.skus, self.subnets)
        ) or bool(self.windows)
