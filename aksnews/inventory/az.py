"""Import clusters from the JSON of `az aks show -o json` (one object) or `az aks list -o json`.

Two spellings of the same fields reach us: the ARM REST shape (a `properties` envelope, osSKU,
nodeOSUpgradeChannel) from `az rest` / `az resource show` or an ARM export, and the az CLI shape
(properties flattened, osSku, nodeOsUpgradeChannel) that az derives from the Python SDK's
attribute names. Keys are therefore looked up without regard to case and the envelope is opened
when present. currentKubernetesVersion is preferred over kubernetesVersion: the latter is only
the requested version (it can be a bare minor like '1.29' on auto-upgraded clusters).

A file that cannot be read (binary, not JSON, not a cluster) becomes a CollectorWarning and the
other files and items are still imported.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from aksnews.model.inventory import (
    Cluster,
    CollectorWarning,
    CollectResult,
    NodeOSChannel,
    NodePool,
    Provenance,
    SupportPlan,
    UpgradeChannel,
)
from aksnews.model.versions import WINDOWS_BUILDS, parse_node_image_version, try_parse_kube_version

DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # `az aks list` for hundreds of clusters is a few MB
CLUSTER_TYPE = "microsoft.containerservice/managedclusters"
TEAM_TAGS = ("team", "teams", "owner")  # first present tag names the owning team(s)

_SPLIT_TAG = re.compile(r"[,;\s]+")
_E = TypeVar("_E", bound=StrEnum)


class _Unreadable(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True, slots=True)
class _Item:
    """One cluster as found, plus where it sits in its file for messages."""

    fields: Mapping[str, Any]
    where: str  # 'clusters.json' or 'clusters.json[2]'


def _get(obj: object, *keys: str) -> Any:
    """obj[k1][k2]... matching keys without regard to case; None when any step is missing."""
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        wanted = key.lower()
        obj = next((v for k, v in obj.items() if isinstance(k, str) and k.lower() == wanted), None)
    return obj


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _lower(value: object) -> str:
    return (_text(value) or "").lower()


def _decode(data: bytes) -> str:
    # Windows PowerShell 5 writes `az ... > file.json` as UTF-16 with a byte order mark.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _Unreadable("binary data (NUL byte), not JSON", data.count(b"\n", 0, nul) + 1)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _Unreadable(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line) from None


def _read_json(path: Path, max_bytes: int) -> Any:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _Unreadable(f"file is {size} bytes, over the limit of {max_bytes}")
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # a device or a growing file is still cut off
    except OSError as exc:
        raise _Unreadable(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise _Unreadable(f"file is over the limit of {max_bytes} bytes")
    text = _decode(data)
    if not text.strip():
        raise _Unreadable("empty file, expected the JSON of az aks show or az aks list")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except (ValueError, RecursionError) as exc:  # over-long integers, absurd nesting
        raise _Unreadable(f"invalid JSON: {exc}") from None


def _items(path: Path, document: Any) -> Iterator[_Item | str]:
    """Clusters in a document, or a message for each entry that is not one."""
    if isinstance(document, Mapping):
        entries, listed = [document], False
    elif isinstance(document, list):
        entries, listed = document, True
    else:
        kind = (
            "null" if document is None else "a string" if isinstance(document, str) else "a number"
        )
        if isinstance(document, bool):
            kind = "a boolean"
        yield f"expected a cluster object or a list of them (az aks show/list -o json), got {kind}"
        return
    for index, entry in enumerate(entries):
        where = f"{path}[{index}]" if listed else str(path)
        fields = _flatten(entry) if isinstance(entry, Mapping) else None
        if fields is None or not _is_cluster(fields):
            arm_type = _text(_get(fields, "type"))
            what = f"not an AKS cluster object{f' (type {arm_type})' if arm_type else ''}"
            yield f"item {index} is {what}" if listed else f"{what}; expected az aks show/list JSON"
            continue
        yield _Item(fields, where)


def _flatten(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """Open the ARM `properties` envelope; top-level name, location, tags and type win."""
    properties = _get(entry, "properties")
    if not isinstance(properties, Mapping):
        return entry
    top = {k: v for k, v in entry.items() if not (isinstance(k, str) and k.lower() == "properties")}
    return {**properties, **top}


def _is_cluster(fields: Mapping[str, Any]) -> bool:
    if not _text(_get(fields, "name")):
        return False
    kind = _lower(_get(fields, "type"))
    if kind:
        return kind == CLUSTER_TYPE
    keys = ("currentKubernetesVersion", "kubernetesVersion", "agentPoolProfiles")
    return any(_get(fields, k) is not None for k in keys)


def _version(value: object) -> str | None:
    text = _text(value)
    parsed = try_parse_kube_version(text) if text else None
    return str(parsed) if parsed else None


def _enum(enum: type[_E], value: object, label: str, notes: list[str]) -> _E | None:
    text = _text(value)
    if text is None:
        return None
    for member in enum:
        if member.value.lower() == text.lower():
            return member
    notes.append(f"unknown {label} {text!r}, using the default")
    return None


def _windows_feature(pool: NodePool) -> str | None:
    """'windows2019' from osSku, or from the image build when older clusters omit osSku."""
    if _lower(pool.os_type) != "windows":
        return None
    sku = _lower(pool.os_sku)
    if sku.startswith("windows"):
        return sku
    try:
        build = parse_node_image_version(pool.node_image_version or "").windows_build
    except ValueError:
        return None
    name = WINDOWS_BUILDS.get(build) if build else None  # 'Windows Server 2019'
    return "windows" + name.rsplit(" ", 1)[-1].lower() if name else None


def _features(fields: Mapping[str, Any], pools: Sequence[NodePool]) -> tuple[str, ...]:
    found: set[str] = set()
    network = _get(fields, "networkProfile")
    plugin = _lower(_get(network, "networkPlugin"))
    if plugin == "kubenet":
        found.add("kubenet")
    elif plugin == "azure":
        overlay = _lower(_get(network, "networkPluginMode")) == "overlay"
        found.add("azure-cni-overlay" if overlay else "azure-cni")
    elif plugin == "none":
        found.add("byo-cni")
    if _lower(_get(network, "networkDataplane")) == "cilium":
        found.add("cilium")
    policy = _lower(_get(network, "networkPolicy"))
    if policy in ("calico", "azure"):
        found.add("calico" if policy == "calico" else "azure-npm")
    if _lower(_get(network, "loadBalancerSku")) == "basic":
        found.add("basic-load-balancer")
    revisions = _get(fields, "serviceMeshProfile", "istio", "revisions")
    if _lower(_get(fields, "serviceMeshProfile", "mode")) == "istio" and isinstance(
        revisions, list
    ):
        found.update(f"istio:{r.strip()}" for r in revisions if _text(r))
    if _get(fields, "workloadAutoScalerProfile", "keda", "enabled") is True:
        found.add("keda")
    if _lower(_get(fields, "nodeProvisioningProfile", "mode")) == "auto":
        found.add("node-auto-provisioning")
    addons = _get(fields, "addonProfiles")
    if isinstance(addons, Mapping):
        found.update(
            f"addon:{name.lower()}"
            for name, profile in addons.items()
            if isinstance(name, str) and _get(profile, "enabled") is True
        )
    found.update(f for f in map(_windows_feature, pools) if f)
    return tuple(sorted(found))


def _teams(fields: Mapping[str, Any]) -> tuple[str, ...]:
    for tag in TEAM_TAGS:
        value = _text(_get(fields, "tags", tag))
        if value:
            return tuple(t for t in _SPLIT_TAG.split(value) if t)
    return ()


def _pools(fields: Mapping[str, Any], provenance: Provenance, notes: list[str]) -> list[NodePool]:
    profiles = _get(fields, "agentPoolProfiles")
    pools: list[NodePool] = []
    for index, profile in enumerate(profiles if isinstance(profiles, list) else []):
        name = _text(_get(profile, "name"))
        if name is None:
            notes.append(f"agentPoolProfiles[{index}] has no name, skipped")
            continue
        version = _get(profile, "currentOrchestratorVersion") or _get(
            profile, "orchestratorVersion"
        )
        pools.append(
            NodePool(
                name=name,
                mode=_text(_get(profile, "mode")),
                os_type=_text(_get(profile, "osType")),
                os_sku=_text(_get(profile, "osSku")),  # also matches ARM's osSKU
                orchestrator_version=_version(version),
                node_image_version=_text(_get(profile, "nodeImageVersion")),
                provenance=provenance,
                vm_size=_text(_get(profile, "vmSize")),
                count=_int(_get(profile, "count")),
                max_surge=_text(_get(profile, "upgradeSettings", "maxSurge")),
                drain_timeout_minutes=_int(
                    _get(profile, "upgradeSettings", "drainTimeoutInMinutes")
                ),
                node_soak_minutes=_int(
                    _get(profile, "upgradeSettings", "nodeSoakDurationInMinutes")
                ),
                max_pods=_int(_get(profile, "maxPods")),
                subnet_id=_text(_get(profile, "vnetSubnetId")),  # ARM: vnetSubnetID
                pod_subnet_id=_text(_get(profile, "podSubnetId")),
            )
        )
    return pools


def _int(value: object) -> int | None:
    """A whole number given as a number or as text; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = _text(value)
    return int(text) if text is not None and text.isdigit() else None


def _cluster(fields: Mapping[str, Any], provenance: Provenance, notes: list[str]) -> Cluster:
    name = _text(_get(fields, "name")) or ""
    raw_version = _get(fields, "currentKubernetesVersion") or _get(fields, "kubernetesVersion")
    version = _version(raw_version)
    if raw_version is not None and version is None:
        notes.append(f"unrecognised Kubernetes version {raw_version!r}")
    upgrade_raw = _get(fields, "autoUpgradeProfile", "upgradeChannel")
    upgrade = _enum(UpgradeChannel, upgrade_raw, "upgradeChannel", notes)
    # ARM writes an upgradeChannel of null for a cluster without one: that is an observed
    # 'none', unlike an export without any autoUpgradeProfile.
    profile = isinstance(_get(fields, "autoUpgradeProfile"), Mapping)
    if upgrade is None and upgrade_raw is None and profile:
        upgrade = UpgradeChannel.NONE
    node_os_raw = _get(fields, "autoUpgradeProfile", "nodeOSUpgradeChannel") or _get(
        fields, "nodeOSUpgradeChannel"
    )
    node_os = _enum(NodeOSChannel, node_os_raw, "nodeOSUpgradeChannel", notes)
    plan = _enum(SupportPlan, _get(fields, "supportPlan"), "supportPlan", notes)
    pools = _pools(fields, provenance, notes)
    defaults = Cluster(name=name)
    given = {"support_plan": plan, "upgrade_channel": upgrade, "node_os_channel": node_os}
    return Cluster(
        name=name,
        teams=_teams(fields),
        region=_text(_get(fields, "location")),
        kubernetes_version=version,
        support_plan=plan or defaults.support_plan,
        upgrade_channel=upgrade or defaults.upgrade_channel,
        node_os_channel=node_os or defaults.node_os_channel,
        node_pools=tuple(pools),
        features=_features(fields, pools),
        provenance=provenance,
        stated=frozenset(name for name, value in given.items() if value is not None),
    )


def clusters_from_document(path: Path, document: Any, *, now: dt.datetime) -> CollectResult:
    """Clusters in one parsed az aks show/list document; entries that are not become warnings."""
    clusters: list[Cluster] = []
    warnings: list[CollectorWarning] = []
    skipped = 0
    provenance = Provenance(origin=f"az:{path}", collected_at=now)
    for item in _items(path, document):
        if isinstance(item, str):
            warnings.append(CollectorWarning(str(path), item))
            skipped += 1
            continue
        notes: list[str] = []
        cluster = _cluster(item.fields, provenance, notes)
        clusters.append(cluster)
        warnings.extend(
            CollectorWarning(item.where, f"cluster {cluster.name}: {note}") for note in notes
        )
    return CollectResult(
        clusters=tuple(clusters), warnings=tuple(warnings), read=len(clusters), skipped=skipped
    )


def import_az(
    paths: Sequence[Path], *, now: dt.datetime, max_bytes: int = DEFAULT_MAX_BYTES
) -> CollectResult:
    """Clusters from az JSON files; unreadable files and entries become warnings."""
    clusters: list[Cluster] = []
    warnings: list[CollectorWarning] = []
    skipped = files = 0
    for path in paths:
        try:
            document = _read_json(path, max_bytes)
        except _Unreadable as exc:
            warnings.append(CollectorWarning(str(path), exc.message, exc.line))
            skipped += 1
            continue
        files += 1
        one = clusters_from_document(path, document, now=now)
        clusters.extend(one.clusters)
        warnings.extend(one.warnings)
        skipped += one.skipped
    return CollectResult(
        clusters=tuple(clusters),
        warnings=tuple(warnings),
        read=len(clusters),
        skipped=skipped,
        extra={"files": files},
    )
