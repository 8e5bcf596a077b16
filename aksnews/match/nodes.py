"""Rules about what the nodes run and what the cluster uses: node image lag and retirements.

A pool's OS family ('Ubuntu 22.04', 'Azure Linux 3.0', 'Windows Server 2019') is read from its
node image name as AKS reports it (AKSUbuntu-2204gen2containerd-202405.03.0,
AKSAzureLinux-V3gen2-202510.03.0, AKSWindows-2019-containerd-17763.7792.250910), else from its
osSKU and, for the SKUs whose meaning changed over time (Ubuntu, AzureLinux, plain Windows), from
its Kubernetes version. Those names are what the AKS CHANGELOG's node-image facts carry, so a
pool is compared only with images of its own family. The CHANGELOG gives one version per family
for all its SKUs (gen1/gen2, containerd, arm64), so the SKU is not compared.

Retirements are matched by name: each thing the cluster uses (pool OS families, features and
add-ons) has one name and its aliases (aksnews.model.subjects: Windows2019 = Windows Server 2019,
Mariner = Azure Linux 2.0, asm-1-22 = Istio revision asm-1-22), looked for word by word in the
retirement's subject; findings use the one name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from aksnews.knowledge.view import ArchiveView
from aksnews.model.findings import (
    ClusterScope,
    Finding,
    MatchSettings,
    Rule,
    Severity,
    days_until,
    finding_key,
)
from aksnews.model.inventory import NodeOSChannel, NodePool, UpgradeChannel
from aksnews.model.records import StoredFact
from aksnews.model.releases import NodeImageFact, RetirementFact
from aksnews.model.subjects import canonical, normalise
from aksnews.model.subjects import patterns as name_patterns
from aksnews.model.versions import (
    WINDOWS_BUILDS,
    KubeVersion,
    NodeImageVersion,
    parse_node_image_version,
    try_parse_kube_version,
)

_UBUNTU_IMAGE = re.compile(r"^AKSUbuntu-(\d{2})(\d{2})", re.IGNORECASE)
_AZURE_LINUX_IMAGE = re.compile(r"^AKS(?:AzureLinux|CBLMariner)-V(\d+)", re.IGNORECASE)
_WINDOWS_IMAGE = re.compile(r"^AKSWindows-(2019|2022|2025|23H2)\b", re.IGNORECASE)
_SKUS = {
    "ubuntu2204": "Ubuntu 22.04",
    "ubuntu2404": "Ubuntu 24.04",
    "azurelinux3": "Azure Linux 3.0",
    "cblmariner": "Azure Linux 2.0",  # CBL-Mariner 2.0 was renamed Azure Linux 2.0
    "mariner": "Azure Linux 2.0",
    "windows2019": "Windows Server 2019",
    "windows2022": "Windows Server 2022",
    "windows2025": "Windows Server 2025",
}
# Where AKS changed the default image of a SKU: Ubuntu 22.04 from 1.25, Azure Linux 3.0 from
# 1.32, Windows Server 2022 from 1.25 (AKS CHANGELOG and upgrade documentation).
_DEFAULTS: dict[str, tuple[tuple[int, int], str, str]] = {
    "ubuntu": ((1, 25), "Ubuntu 18.04", "Ubuntu 22.04"),
    "azurelinux": ((1, 32), "Azure Linux 2.0", "Azure Linux 3.0"),
    "windows": ((1, 25), "Windows Server 2019", "Windows Server 2022"),
}
_WORD = re.compile(r"[a-z]+|\d+")


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def pool_os(pool: NodePool, cluster_version: KubeVersion | None) -> str | None:
    """The pool's OS family in the CHANGELOG's words, or None when nothing tells."""
    image = pool.node_image_version or ""
    if m := _UBUNTU_IMAGE.match(image):
        return f"Ubuntu {m[1]}.{m[2]}"
    if m := _AZURE_LINUX_IMAGE.match(image):
        return f"Azure Linux {int(m[1])}.0"
    if m := _WINDOWS_IMAGE.match(image):
        return f"Windows Server {m[1].upper()}"
    parsed = _parse_image(image)
    if parsed is not None and parsed.windows_build in WINDOWS_BUILDS:
        return WINDOWS_BUILDS[parsed.windows_build]
    sku = _alnum(pool.os_sku or "")
    if sku in _SKUS:
        return _SKUS[sku]
    if not sku and (pool.os_type or "").lower() == "windows":
        sku = "windows"
    if sku in _DEFAULTS:
        version = try_parse_kube_version(pool.orchestrator_version or "") or cluster_version
        if version is None:
            return None
        since, before, after = _DEFAULTS[sku]
        return after if (version.major, version.minor) >= since else before
    return None


def _parse_image(text: str) -> NodeImageVersion | None:
    try:
        return parse_node_image_version(text)
    except ValueError:
        return None


def notes_url(path: str | None) -> str | None:
    """The vhd-notes file of an image: CHANGELOG paths are relative to the Azure/AKS repo."""
    if not path:
        return None
    if path.startswith(("http://", "https://")):
        return path
    return f"https://github.com/Azure/AKS/blob/master/{path.lstrip('/')}"


# --- node image lag -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Image:
    version: NodeImageVersion
    fact: NodeImageFact
    stored: StoredFact


ImageIndex = Mapping[str, Sequence[_Image]]


def image_index(facts: Iterable[StoredFact], now: dt.date) -> dict[str, list[_Image]]:
    """Per OS family (lower case), the images announced by `now`, oldest first, each version
    once with its first announcement."""
    first: dict[tuple[str, str], tuple[dt.date, int, _Image]] = {}
    for stored in facts:
        fact = stored.fact
        if not isinstance(fact, NodeImageFact) or stored.release_date is None:
            continue
        if stored.release_date > now:
            continue
        version = _parse_image(fact.version)
        if version is None:
            continue
        key = (fact.os.lower(), version.text)
        candidate = (stored.release_date, stored.id, _Image(version, fact, stored))
        if key not in first or candidate[:2] < first[key][:2]:
            first[key] = candidate
    index: dict[str, list[_Image]] = {}
    for (family, _), (_, _, image) in first.items():
        index.setdefault(family, []).append(image)
    for images in index.values():
        images.sort(key=lambda i: i.version.key)
    return index


def _released(image: _Image) -> dt.date | None:
    return image.version.released or image.stored.release_date


def node_image_lag(
    scope: ClusterScope,
    index: ImageIndex,
    archive: ArchiveView,
    settings: MatchSettings,
) -> list[Finding]:
    out: list[Finding] = []
    for pool in scope.cluster.node_pools:
        family = pool_os(pool, scope.version)
        current = _parse_image(pool.node_image_version or "")
        if family is None or current is None:
            continue
        images = [i for i in index.get(family.lower(), ()) if current.comparable_with(i.version)]
        newer = [i for i in images if i.version.key > current.key]
        if not newer:
            continue
        newest = newer[-1]
        days = 0
        released, newest_released = current.released, _released(newest)
        if released is not None and newest_released is not None:
            days = (newest_released - released).days
        if len(newer) <= settings.node_image_max_releases and days <= settings.node_image_max_days:
            continue
        out.append(_lag_finding(scope, pool, family, current, newer, days, archive, settings))
    return out


def _lag_finding(
    scope: ClusterScope,
    pool: NodePool,
    family: str,
    current: NodeImageVersion,
    newer: Sequence[_Image],
    days: int,
    archive: ArchiveView,
    settings: MatchSettings,
) -> Finding:
    newest = newer[-1]
    channel = scope.cluster.node_os_channel
    far = days > settings.node_image_critical_days
    why = [
        f"Node pool {pool.name} of {scope.name} runs {family} image {current.text}; the newest "
        f"{family} image is {newest.version.text} (announced {newest.stored.release_date}), "
        f"{len(newer)} release{'s' if len(newer) > 1 else ''} and {days} days newer."
    ]
    if channel is NodeOSChannel.NODE_IMAGE:
        applier = "Node OS channel NodeImage"
    elif scope.cluster.upgrade_channel is UpgradeChannel.NODE_IMAGE:
        applier = "Upgrade channel node-image"
    else:
        applier = None
    if applier is not None:
        severity = Severity.WARNING if far else Severity.INFO
        why.append(f"{applier} re-creates nodes on the newest image.")
        if far:
            why.append("It has not done so for a long time.")
            action = (
                "Check the aksManagedNodeOSUpgradeSchedule maintenance window and the last "
                f"node image upgrade of {pool.name}."
            )
        else:
            action = "Nothing to do: the next node OS maintenance window applies it."
    else:
        if channel is NodeOSChannel.SECURITY_PATCH:
            # Security-only updates keep the nodes patched: old, but not unpatched.
            severity = Severity.WARNING
            why.append(
                "Node OS channel SecurityPatch applies security-only updates; the pool does not "
                "move to new node images (runtime and component updates)."
            )
        else:
            severity = Severity.CRITICAL if far else Severity.WARNING
            why.append(f"Node OS channel {channel.value}: nothing brings new images to this pool.")
        action = (
            f"Upgrade the node image of {pool.name} (az aks nodepool upgrade --node-image-only), "
            "or set the node OS upgrade channel to NodeImage."
        )
    links = [archive.url(newest.stored.release_key)]
    if url := notes_url(newest.fact.path):
        links.append(url)
    return Finding(
        key=finding_key(Rule.NODE_IMAGE_LAG, scope.name, pool.name, family),
        rule=Rule.NODE_IMAGE_LAG,
        severity=severity,
        cluster=scope.name,
        team=scope.team,
        title=f"Node pool {pool.name} on {scope.name} is {len(newer)} {family} images behind",
        why=" ".join(why),
        action=action,
        subject=family,
        node_pool=pool.name,
        object=pool.node_image_version,
        links=tuple(dict.fromkeys(links)),
    )


# --- retirements --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Used:
    label: str  # 'Windows Server 2019', 'istio asm-1-24', 'kubenet'
    how: str  # how the cluster uses it, for `why`
    node_pool: str | None
    patterns: tuple[re.Pattern[str], ...]


def _used(scope: ClusterScope) -> list[_Used]:
    out: list[_Used] = []
    for pool in scope.cluster.node_pools:
        family = pool_os(pool, scope.version)
        if family is not None:
            shown = pool.node_image_version or pool.os_sku or pool.os_type
            how = f"node pool {pool.name} runs {family} ({shown})"
            out.append(_Used(canonical(family), how, pool.name, name_patterns(family)))
    labels = {u.label.lower() for u in out}
    for feature in scope.cluster.features:
        label = canonical(feature)  # 'istio:asm-1-22' -> 'Istio revision asm-1-22'
        if label.lower() in labels:
            continue  # a pool already stands for it
        labels.add(label.lower())
        out.append(_Used(label, f"feature {feature}", None, name_patterns(label)))
    return out


def retirements(
    scope: ClusterScope,
    archive: ArchiveView,
    now: dt.date,
    settings: MatchSettings,
) -> list[Finding]:
    known = [
        s
        for s in archive.retirements
        if isinstance(s.fact, RetirementFact)
        and s.release_date is not None
        and s.release_date <= now
    ]
    out: list[Finding] = []
    for used in _used(scope):
        hits = [s for s in known if any(p.search(s.fact.subject) for p in used.patterns)]
        if hits:
            out.append(_retirement_finding(scope, used, hits, archive, now, settings))
    return out


def _release_order(stored: StoredFact) -> tuple[dt.date, int]:
    return (stored.release_date or dt.date.min, stored.id)


def _fact_date(stored: StoredFact) -> dt.date | None:
    return stored.fact.date if isinstance(stored.fact, RetirementFact) else None


def _retirement_finding(
    scope: ClusterScope,
    used: _Used,
    hits: Sequence[StoredFact],
    archive: ArchiveView,
    now: dt.date,
    settings: MatchSettings,
) -> Finding:
    # The newest announcement holds the current plan; dates move (PSP: 2020 -> 2021).
    latest = max(hits, key=_release_order)
    same_release = [h for h in hits if h.release_key == latest.release_key]
    dates = [d for h in same_release if (d := _fact_date(h)) is not None]
    deadline = min(dates) if dates else None
    name = used.label  # the thing's one name (aksnews.model.subjects), whatever the release wrote
    past = deadline is not None and deadline < now
    if deadline is None:
        said = f"{name} is retiring (no date announced yet)"
    elif past:
        said = (
            f"{name} retired on {deadline} ({days_until(deadline, now)}): "
            f"{name} is no longer supported"
        )
    else:
        said = f"{name} retires on {deadline} ({days_until(deadline, now)})"
    count = f"{len(hits)} announcement{'s' if len(hits) > 1 else ''}"
    why = [
        f"{scope.name}: {used.how}. {said} (announced as {normalise(latest.fact.subject)}, "
        f"release {latest.release_key}, {count})."
    ]
    earlier = sorted({d for h in hits if (d := _fact_date(h)) is not None and d != deadline})
    if earlier:
        why.append(f"Earlier announcements gave {', '.join(str(d) for d in earlier)}.")
    if deadline is None:
        severity = Severity.INFO
    else:
        days = (deadline - now).days
        if days <= settings.retirement_critical_days:
            severity = Severity.CRITICAL
        elif days <= settings.retirement_warning_days:
            severity = Severity.WARNING
        else:
            severity = Severity.INFO
    where = f"node pool {used.node_pool}" if used.node_pool else scope.name
    when = " now" if past else f" before {deadline}" if deadline else ""
    first = min(hits, key=_release_order)
    links = (archive.url(latest.release_key), archive.url(first.release_key))
    return Finding(
        key=finding_key(Rule.RETIREMENT, scope.name, used.node_pool, used.label),
        rule=Rule.RETIREMENT,
        severity=severity,
        cluster=scope.name,
        team=scope.team,
        title=(said if past else f"{name} retires{f' on {deadline}' if deadline else ''}")
        + f"{'; ' if past else ': '}used by {where}"
        + ("" if used.node_pool is None else f" of {scope.name}"),
        why=" ".join(why),
        action=f"Move {where} off {used.label}{when} (see the announcement for the path).",
        subject=used.label,
        node_pool=used.node_pool,
        object=used.how,
        deadline=deadline,
        links=tuple(dict.fromkeys(links)),
    )
