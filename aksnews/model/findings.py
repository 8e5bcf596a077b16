"""What the matcher produces: findings, rules, severities, settings, and how a finding moved
since a team's last digest (what it reads is aksnews.knowledge.view.ArchiveView).

A finding's key is a hash of what it is about (rule, cluster, node pool, subject), never of its
text or dates, so the same finding is recognised run after run while its wording, severity or
deadline change. Digests and alerts use the key to tell new findings from known ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from aksnews.model.inventory import Cluster
from aksnews.model.versions import KubeVersion


class Rule(StrEnum):
    """The closed vocabulary of finding rules (README's rule table says what each checks)."""

    REMOVED_API = "removed-api"
    DEPRECATED_API = "deprecated-api"
    END_OF_SUPPORT = "end-of-support"
    NODE_IMAGE_LAG = "node-image-lag"
    RETIREMENT = "retirement"
    UPDATE_AVAILABLE = "update-available"
    # Upgrade blockers beyond APIs: what makes an in-place upgrade fail or hurt (DOMAIN.md,
    # "What breaks upgrades"). BLOCKER_RULES lists them; `aksnews plan` shows them first.
    SURGE_QUOTA = "surge-quota"
    SURGE_IP = "surge-ip"
    PDB_BLOCKS_DRAIN = "pdb-blocks-drain"
    UNSAFE_ROLLOUT = "unsafe-rollout"
    CGROUP_V2_RUNTIME = "cgroup-v2-runtime"
    UPGRADE_WINDOW = "upgrade-window"
    STAGE_ORDER = "stage-order"


BLOCKER_RULES = frozenset(
    {
        Rule.SURGE_QUOTA,
        Rule.SURGE_IP,
        Rule.PDB_BLOCKS_DRAIN,
        Rule.UNSAFE_ROLLOUT,
        Rule.CGROUP_V2_RUNTIME,
        Rule.UPGRADE_WINDOW,
        Rule.STAGE_ORDER,
    }
)


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical: sorts the most urgent first and compares with a --fail-on level."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
RULE_ORDER = {rule: n for n, rule in enumerate(Rule)}


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Thresholds of the rules. Defaults follow the AKS cadence described in DOMAIN.md."""

    # End of support: warning this many days ahead (issue 4's N), critical from this many days
    # ahead and once past, because an upgrade needs planning, a staging run and a window.
    end_of_support_days: int = 60
    end_of_support_critical_days: int = 30
    # Node images: Linux images ship about weekly, Windows monthly, so a pool more than a month
    # (or more than three releases) behind the newest image of its family has missed at least
    # one cycle. Critical only past a quarter, when nothing will bring it forward by itself.
    node_image_max_releases: int = 3
    node_image_max_days: int = 30
    node_image_critical_days: int = 90
    # Retirements: critical within a month of the date (or past it), warning within a quarter.
    retirement_critical_days: int = 30
    retirement_warning_days: int = 90


@dataclass(frozen=True, slots=True)
class Finding:
    key: str  # finding_key(rule, cluster, node_pool, subject): stable across runs
    rule: Rule
    severity: Severity
    cluster: str
    team: str | None  # who should act: namespace owner, else the cluster's first team, else default
    title: str
    why: str  # the facts and the evidence
    action: str  # what to do
    subject: str  # what the finding is about: 'policy/v1beta1 PodSecurityPolicy', 'Ubuntu 18.04'
    node_pool: str | None = None
    object: str | None = None  # the API object kind/version, or the pool's image
    locations: tuple[str, ...] = ()  # where an API is used: 'k8s/psp.yaml:1 (manifest)'
    deadline: dt.date | None = None
    links: tuple[str, ...] = ()  # source entries: AKS release anchors, upstream notes, PRs, guide


@dataclass(frozen=True, slots=True)
class Unchecked:
    """What a rule could not check on a cluster for lack of input (never counted as a pass)."""

    rule: Rule
    cluster: str
    what: str  # 'pool user: no vCPU quota for eastus (import az vm list-usage ...)'
    assumed: bool = False  # checked, but on an assumption the user should know (built-in table)

    def __str__(self) -> str:
        return f"{self.rule.value}: {self.cluster}: {self.what}"

    @property
    def label(self) -> str:
        """How a run reports it: 'not checked' or, when checked on an assumption, 'assumed'."""
        return "assumed" if self.assumed else "not checked"


def finding_key(rule: Rule, cluster: str, node_pool: str | None, subject: str) -> str:
    """16 hex digits of sha1 over what the finding is about (no text, no dates)."""
    raw = "\x1f".join((rule.value, cluster, node_pool or "", subject))
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def sort_key(finding: Finding) -> tuple[int, str, int, str, str, str]:
    return (
        finding.severity.rank,
        finding.cluster,
        RULE_ORDER[finding.rule],
        finding.node_pool or "",
        finding.subject,
        finding.key,
    )


def days_until(deadline: dt.date, now: dt.date) -> str:
    days = (deadline - now).days
    if days > 0:
        return f"in {days} day{'s' if days != 1 else ''}"
    if days == 0:
        return "today"
    return f"{-days} day{'s' if days != -1 else ''} ago"


@dataclass(frozen=True, slots=True)
class ClusterScope:
    """A cluster as the rules see it: its parsed version and who owns what on it."""

    cluster: Cluster
    version: KubeVersion | None  # None when currentKubernetesVersion is missing or unreadable
    team: str | None  # the cluster's first team, else the inventory's default team
    namespace_teams: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.cluster.name

    def team_for(self, namespace: str | None) -> str | None:
        if namespace is not None and namespace in self.namespace_teams:
            return self.namespace_teams[namespace]
        return self.team


# How a finding moved since the team's last digest (aksnews.match.changes decides it).
Change = Literal["new", "escalated", "open", "resolved"]


@dataclass(frozen=True, slots=True)
class FindingChange:
    """A finding of the team and how it moved since the last digest."""

    finding: Finding
    change: Change  # new: first seen; escalated: severity up or deadline closer; resolved: gone
