"""Does a changelog entry concern a team? A pure function of the entry's facts and text against
the team's inventory, with the reasons kept so a digest can say why it shows an entry
("because prod-east runs Windows Server 2019").

What a team runs, per cluster it owns (a cluster team or a namespace owner): its Kubernetes minor
and support plan, the OS of each node pool (Ubuntu 22.04, Azure Linux 3.0, Windows Server 2019),
the features and add-ons named in `features` (istio:asm-1-27, cilium, keda), its region.

Typed facts decide where they exist: an entry that states a Kubernetes version, a node image or
a retirement concerns the team only when that version, image or retired thing is one of its
own, however its text reads; an -akslts patch concerns only clusters on the LTS plan. An entry
without such facts concerns the team when its text names something the team runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from aksnews.knowledge.lifecycle import minor_of
from aksnews.match.nodes import pool_os
from aksnews.model.inventory import Cluster, Inventory, SupportPlan
from aksnews.model.releases import (
    ComponentUpdateFact,
    Fact,
    KubernetesVersionFact,
    NodeImageFact,
    RetirementFact,
)
from aksnews.model.subjects import canonical, patterns
from aksnews.model.versions import try_parse_kube_version

# An OS release named in a text: when a text names releases of a family and none the team runs,
# the family word alone ("Windows") must not make it relevant.
_FAMILY_RELEASE = {
    "Windows": re.compile(r"\bWindows(?:[\s-]*Server)?[\s-]*20\d\d\b", re.IGNORECASE),
    "Ubuntu": re.compile(r"\bUbuntu[\s-]*\d\d\.?\d\d\b", re.IGNORECASE),
    "Azure Linux": re.compile(
        r"\b(?:Azure[\s-]*Linux(?:[\s-]*v?\d(?:\.\d)?)|CBL-Mariner|Mariner)\b", re.IGNORECASE
    ),
}
_FAMILIES = {"Windows Server": "Windows", "Ubuntu": "Ubuntu", "Azure Linux": "Azure Linux"}
_V = re.compile(r"\bv(\d)", re.IGNORECASE)
# `import-az` names an enabled add-on by its addonProfiles key ('addon:azurepolicy'); the
# CHANGELOG names it in words ('the Azure Policy Add-On'). The keys are the AKS API's own.
_ADDON_WORDS: dict[str, tuple[str, ...]] = {
    "azurepolicy": ("Azure Policy",),
    "azurekeyvaultsecretsprovider": (
        "Key Vault Secrets Provider",
        "Key Vault provider for Secrets Store CSI Driver",
        "Secrets Store CSI Driver",
    ),
    "omsagent": ("Container Insights", "omsagent"),
    "ingressapplicationgateway": ("Application Gateway Ingress Controller", "AGIC"),
    "httpapplicationrouting": ("HTTP Application Routing",),
    "openservicemesh": ("Open Service Mesh",),
    "aciconnectorlinux": ("virtual nodes", "ACI connector"),
    "kubedashboard": ("Kubernetes Dashboard",),
    "confcom": ("confidential computing",),
}
# Features whose name in a text makes the text about clusters that have them, whatever else it
# names: "Node Auto Provisioning default AKSNodeClass will now use Ubuntu 22.04" is news for
# clusters with NAP, not for every Ubuntu 22.04 pool. The key is the name in `features`.
_SCOPES = {
    "node-auto-provisioning": re.compile(
        r"\bNode[\s-]*Auto[\s-]*Provisioning\b|\bNAP\b", re.IGNORECASE
    ),
    "aks-automatic": re.compile(r"\bAKS\s+Automatic\b", re.IGNORECASE),
}
# Facts that decide an entry's relevance on their own (see the module docstring).
_DECIDING = (KubernetesVersionFact, NodeImageFact, RetirementFact)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an entry concerns a team: which of its clusters runs what."""

    cluster: str
    runs: str  # 'Windows Server 2019', 'Kubernetes 1.31 on the LTS plan', 'the keda add-on'

    def __str__(self) -> str:
        return f"{self.cluster} runs {self.runs}"


@dataclass(frozen=True, slots=True)
class ClusterProfile:
    """What one cluster runs, in the CHANGELOG's words."""

    name: str
    minor: str | None
    lts: bool
    region: str | None
    oses: tuple[str, ...]  # 'Ubuntu 22.04', 'Windows Server 2019', one per distinct pool OS
    features: tuple[str, ...]  # canonical names: 'Istio revision asm-1-27', 'cilium'


@dataclass(frozen=True, slots=True)
class TeamProfile:
    team: str
    clusters: tuple[ClusterProfile, ...]

    @property
    def minors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.minor for c in self.clusters if c.minor))


def owns(cluster: Cluster, team: str) -> bool:
    """A team owns a cluster when it is one of its teams or owns one of its namespaces."""
    return team in cluster.teams or any(owner == team for _, owner in cluster.namespaces)


def owned_clusters(inventory: Inventory, team: str) -> tuple[Cluster, ...]:
    return tuple(c for c in inventory.clusters if owns(c, team))


def cluster_profile(cluster: Cluster) -> ClusterProfile:
    version = try_parse_kube_version(cluster.kubernetes_version or "")
    oses = tuple(dict.fromkeys(o for p in cluster.node_pools if (o := pool_os(p, version))))
    return ClusterProfile(
        name=cluster.name,
        minor=minor_of(cluster.kubernetes_version or "") or None,
        lts=cluster.support_plan is SupportPlan.AKS_LONG_TERM_SUPPORT,
        region=cluster.region,
        oses=oses,
        features=tuple(dict.fromkeys(canonical(f) for f in cluster.features if f.strip())),
    )


def team_profile(team: str, clusters: Iterable[Cluster]) -> TeamProfile:
    return TeamProfile(team, tuple(cluster_profile(c) for c in clusters))


# --- facts --------------------------------------------------------------------------------------


def _version_reasons(fact: KubernetesVersionFact, team: TeamProfile) -> list[Reason]:
    minor = minor_of(fact.version)
    lts_patch = "akslts" in fact.version.lower()
    out = []
    for c in team.clusters:
        if c.minor is None or c.minor != minor:
            continue
        if lts_patch and not c.lts:
            continue  # an LTS patch cannot be applied to a cluster on the community plan
        out.append(Reason(c.name, f"Kubernetes {minor}" + (" on the LTS plan" if c.lts else "")))
    return out


def _same(a: str, b: str) -> bool:
    """One thing under two spellings ('Azure Linux v2' is 'Azure Linux 2.0')."""
    return canonical(_V.sub(r"\1", a)).lower() == canonical(_V.sub(r"\1", b)).lower()


def fact_reasons(fact: Fact, team: TeamProfile) -> list[Reason]:
    """Which of the team's clusters a fact touches, and why; empty when none."""
    if isinstance(fact, KubernetesVersionFact):
        return _version_reasons(fact, team)
    if isinstance(fact, NodeImageFact):
        return [
            Reason(c.name, fact.os) for c in team.clusters if any(_same(fact.os, o) for o in c.oses)
        ]
    if isinstance(fact, RetirementFact):
        subject = canonical(fact.subject_text)
        return [
            Reason(c.name, thing)
            for c in team.clusters
            for thing in (*c.oses, *c.features)
            if _same(subject, thing) or _named(thing, fact.subject_text)
        ]
    if isinstance(fact, ComponentUpdateFact):
        out = [
            Reason(c.name, f"the {_feature_name(feature)} add-on")
            for c in team.clusters
            for feature in c.features
            if _named(feature, fact.component)
        ]
        scoped = re.search(r"\d+\.\d+", fact.scope or "")  # 'AKS 1.33'
        scope = minor_of(scoped[0]) if scoped else None
        if scope:
            out += [
                Reason(c.name, f"Kubernetes {scope}") for c in team.clusters if c.minor == scope
            ]
        return out
    return []


# --- text ---------------------------------------------------------------------------------------


def _word(text: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){re.escape(text)}(?![a-z0-9])", re.IGNORECASE)


@cache
def _feature_patterns(feature: str) -> tuple[re.Pattern[str], ...]:
    if feature.lower().startswith("addon:"):
        key = feature.partition(":")[2].strip().lower()
        return tuple(_word(w) for w in _ADDON_WORDS.get(key, (key,)) if len(w) > 2)
    found = patterns(feature)
    base = feature.split(":")[0].split(" revision ")[0].strip()
    if base.lower().startswith("istio"):
        base = "Istio"
    if base and base != feature and len(base) > 2:
        found += (_word(base),)
    return found


def _feature_name(feature: str) -> str:
    """'addon:azurepolicy' -> 'Azure Policy': the add-on under the CHANGELOG's name."""
    if feature.lower().startswith("addon:"):
        key = feature.partition(":")[2].strip().lower()
        return _ADDON_WORDS.get(key, (key,))[0]
    return feature


def _named(thing: str, text: str) -> bool:
    return any(p.search(text) for p in _feature_patterns(thing))


def _minor_pattern(minor: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\d.])(?:v|Kubernetes\s+|K8s\s+)?{re.escape(minor)}(?:\.\d+)?(?![\d])")


def text_reasons(text: str, team: TeamProfile) -> list[Reason]:
    """Which of the team's clusters an entry's text names something of."""
    out: list[Reason] = []
    scopes = [name for name, pattern in _SCOPES.items() if pattern.search(text)]
    for c in team.clusters:
        if any(scope not in c.features for scope in scopes):
            continue  # about a feature the cluster does not have
        for os_name in c.oses:
            family = next((f for p, f in _FAMILIES.items() if os_name.startswith(p)), None)
            first = _FAMILY_RELEASE[family].search(text) if family else None
            if first is not None:
                # A text that names releases of the family is about the first one it names:
                # "If you use Ubuntu 18.04, upgrade to where Ubuntu 22.04 is the default".
                if _same(first[0], os_name):
                    out.append(Reason(c.name, os_name))
            elif family and re.search(rf"\b{family}\b", text, re.IGNORECASE):
                out.append(Reason(c.name, f"{family} node pools"))
        out += [
            Reason(c.name, f"the {_feature_name(f)} add-on") for f in c.features if _named(f, text)
        ]
        if c.minor and _minor_pattern(c.minor).search(text):
            out.append(Reason(c.name, f"Kubernetes {c.minor}"))
        if c.region and re.search(rf"\b{re.escape(c.region)}\b", text, re.IGNORECASE):
            out.append(Reason(c.name, f"in {c.region}"))
    return out


def entry_reasons(text: str, facts: Sequence[Fact], team: TeamProfile) -> tuple[Reason, ...]:
    """Why an entry concerns the team (empty: it does not). Facts that decide (versions, node
    images, retirements) are the only judges of entries that carry them."""
    deciding = [f for f in facts if isinstance(f, _DECIDING)]
    if deciding:
        found = [r for f in facts for r in fact_reasons(f, team)]
    else:
        found = [r for f in facts for r in fact_reasons(f, team)] + text_reasons(text, team)
    return tuple(dict.fromkeys(found))


def statement_reasons(text: str, team: TeamProfile) -> tuple[Reason, ...]:
    """Why a statement aksnews could not read (an UnreadStatement) concerns the team: by its own
    words only. It is read for want of a fact, so the entry's facts cannot judge it, and the
    rest of its entry may be about something else ('Istio 1.19 is available ... Istio 1.17 is no
    longer supported')."""
    return tuple(dict.fromkeys(text_reasons(text, team)))


def because(reasons: Sequence[Reason], limit: int = 2) -> str:
    """'because prod-east runs Windows Server 2019 and 2 more' for a digest line."""
    shown = ", ".join(map(str, reasons[:limit]))
    more = len(reasons) - limit
    return f"because {shown}" + (f" and {more} more" if more > 0 else "")
