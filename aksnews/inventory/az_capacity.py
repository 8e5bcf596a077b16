"""The az outputs beside `az aks show/list` that say whether an upgrade can finish.

- `az vm list-usage --location L -o json`: vCPU quota per VM family in a region (the file does
  not name the region: it comes from --location);
- `az vm list-skus --location L -o json`: vCPUs and family of each VM size;
- `az network vnet subnet show -o json` (or `list`): address prefix and IP configurations in use;
- `az aks maintenanceconfiguration list -o json` (or `show`): the cluster's planned windows.

`classify` tells them (and cluster JSON) apart by their shape, so `aksnews inventory import-az`
takes any mix of files. Keys are matched without regard to case and ARM's `properties`
envelope is opened, as for clusters (aksnews.inventory.az). Anything a file lacks becomes a
CollectorWarning naming the file and what cannot be checked without it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from aksnews.inventory.az import DEFAULT_MAX_BYTES, _get, _int, _text, _Unreadable
from aksnews.inventory.az import _read_json as read_json
from aksnews.model.inventory import CollectorWarning, CollectResult, Provenance
from aksnews.model.upgrade import (
    MaintenanceWindow,
    Subnet,
    UpgradeInputs,
    VmQuota,
    VmSku,
    WindowName,
    WindowRule,
)

_CLUSTER_IN_ID = re.compile(r"/managedclusters/([^/]+)/", re.IGNORECASE)
_SCHEDULES = ("weekly", "daily", "absoluteMonthly", "relativeMonthly")


class AzShape(StrEnum):
    CLUSTERS = "clusters"  # az aks show / list
    USAGE = "vm-usage"  # az vm list-usage
    SKUS = "vm-skus"  # az vm list-skus
    SUBNETS = "subnets"  # az network vnet subnet show / list
    MAINTENANCE = "maintenance"  # az aks maintenanceconfiguration list / show
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class AzOptions:
    """What a file may not say itself: the region of list-usage, the cluster of windows."""

    location: str | None = None
    cluster: str | None = None


def _entries(document: Any) -> list[Mapping[str, Any]]:
    if isinstance(document, Mapping):
        value = _get(document, "value")  # an ARM list answer: {"value": [...]}
        if isinstance(value, list) and len(document) <= 2:
            return [e for e in value if isinstance(e, Mapping)]
        return [document]
    if isinstance(document, list):
        return [e for e in document if isinstance(e, Mapping)]
    return []


def _open(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    properties = _get(entry, "properties")
    if not isinstance(properties, Mapping):
        return entry
    top = {k: v for k, v in entry.items() if not (isinstance(k, str) and k.lower() == "properties")}
    return {**properties, **top}


def classify(document: Any) -> AzShape:
    """Which az output a parsed JSON document is, from its first entry's keys and type."""
    entries = [_open(e) for e in _entries(document)]
    if not entries:
        return AzShape.CLUSTERS  # `az aks list` of no clusters, or not az output at all
    first = entries[0]
    kind = (_text(_get(first, "type")) or "").lower()
    if kind.endswith("/maintenanceconfigurations") or any(
        _get(first, k) is not None for k in ("timeInWeek", "maintenanceWindow")
    ):
        return AzShape.MAINTENANCE
    if kind.endswith("/subnets") or _get(first, "addressPrefix") is not None:
        return AzShape.SUBNETS
    if isinstance(_get(first, "name"), Mapping) and _get(first, "limit") is not None:
        return AzShape.USAGE
    if _get(first, "resourceType") is not None and _get(first, "capabilities") is not None:
        return AzShape.SKUS
    if kind.endswith("/managedclusters") or any(
        _get(first, k) is not None
        for k in ("currentKubernetesVersion", "kubernetesVersion", "agentPoolProfiles")
    ):
        return AzShape.CLUSTERS
    return AzShape.UNKNOWN


def _usage(
    entries: Sequence[Mapping[str, Any]], region: str, where: str, prov: Provenance
) -> tuple[list[VmQuota], list[str]]:
    quotas: list[VmQuota] = []
    notes: list[str] = []
    for index, entry in enumerate(entries):
        family = _text(_get(entry, "name", "value"))
        limit, used = _int(_get(entry, "limit")), _int(_get(entry, "currentValue"))
        if family is None or limit is None or used is None:
            notes.append(
                f"item {index} has no name.value, limit or currentValue, skipped; surge-quota "
                "cannot check that family"
            )
            continue
        # Only vCPU rows: 'cores' (all families) and '...Family'; VMs, disks and sets are not.
        if family.lower() == "cores" or family.lower().endswith("family"):
            quotas.append(VmQuota(region.lower(), family, limit, used, where, prov))
    return quotas, notes


def _skus(
    entries: Sequence[Mapping[str, Any]], where: str, prov: Provenance
) -> tuple[list[VmSku], list[str]]:
    skus: list[VmSku] = []
    notes: list[str] = []
    for index, entry in enumerate(entries):
        if (_text(_get(entry, "resourceType")) or "").lower() != "virtualmachines":
            continue  # disks, availability sets, hosts
        name, family = _text(_get(entry, "name")), _text(_get(entry, "family"))
        capabilities = _get(entry, "capabilities")
        vcpus = next(
            (
                _int(_get(c, "value"))
                for c in (capabilities if isinstance(capabilities, list) else [])
                if (_text(_get(c, "name")) or "").lower() == "vcpus"
            ),
            None,
        )
        if name is None or family is None or vcpus is None:
            notes.append(
                f"item {index} ({name or '?'}) has no family or vCPUs, skipped; surge-quota "
                "falls back to the built-in size table for it"
            )
            continue
        locations = _get(entry, "locations")
        region = _text(locations[0]) if isinstance(locations, list) and locations else None
        skus.append(VmSku(name, family, vcpus, region.lower() if region else None, prov))
    return skus, notes


def _subnets(
    entries: Sequence[Mapping[str, Any]], where: str, prov: Provenance
) -> tuple[list[Subnet], list[str]]:
    subnets: list[Subnet] = []
    notes: list[str] = []
    for index, raw in enumerate(entries):
        entry = _open(raw)
        subnet_id, name = _text(_get(entry, "id")), _text(_get(entry, "name")) or f"item {index}"
        prefix = _text(_get(entry, "addressPrefix"))
        if prefix is None:
            prefixes = _get(entry, "addressPrefixes")
            prefix = _text(prefixes[0]) if isinstance(prefixes, list) and prefixes else None
        configs = _get(entry, "ipConfigurations")
        missing = [k for k, v in (("id", subnet_id), ("addressPrefix", prefix)) if v is None]
        if not any(k.lower() == "ipconfigurations" for k in entry if isinstance(k, str)):
            missing.append("ipConfigurations")  # absent is unknown; null is none in use
        if missing or subnet_id is None or prefix is None:
            notes.append(f"subnet {name}: no {', '.join(missing)}; its free IPs are unknown")
            continue
        used = len(configs) if isinstance(configs, list) else 0
        subnets.append(Subnet(subnet_id, prefix, used, where, prov))
    return subnets, notes


def _rules(entry: Mapping[str, Any]) -> tuple[WindowRule, ...]:
    schedule = _get(entry, "maintenanceWindow", "schedule")
    rules: list[WindowRule] = []
    for kind in _SCHEDULES:
        body = _get(schedule, kind)
        if not isinstance(body, Mapping):
            continue
        interval = (
            _int(_get(body, "intervalWeeks"))
            or _int(_get(body, "intervalDays"))
            or _int(_get(body, "intervalMonths"))
            or 1
        )
        rules.append(
            WindowRule(
                kind=kind,
                interval=interval,
                day_of_week=_text(_get(body, "dayOfWeek")),
                day_of_month=_int(_get(body, "dayOfMonth")),
                week_index=_text(_get(body, "weekIndex")),
            )
        )
    slots = _get(entry, "timeInWeek")
    for slot in slots if isinstance(slots, list) else []:
        day = _text(_get(slot, "day"))
        hours = _get(slot, "hourSlots")
        if day:
            hour_list = hours if isinstance(hours, list) else []
            found = tuple(sorted(h for h in map(_int, hour_list) if h is not None and h < 24))
            rules.append(WindowRule(kind="timeInWeek", day_of_week=day, hours=found))
    return tuple(rules)


def _not_allowed(entry: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for key in (("maintenanceWindow", "notAllowedDates"), ("notAllowedTime",)):
        spans = _get(entry, *key)
        for span in spans if isinstance(spans, list) else []:
            start, end = _text(_get(span, "start")), _text(_get(span, "end"))
            if start and end:
                found.append((start, end))
    return tuple(found)


def _windows(
    entries: Sequence[Mapping[str, Any]], options: AzOptions, where: str, prov: Provenance
) -> tuple[list[MaintenanceWindow], list[str]]:
    windows: list[MaintenanceWindow] = []
    notes: list[str] = []
    for index, raw in enumerate(entries):
        entry = _open(raw)
        name = _text(_get(entry, "name")) or ""
        found = _CLUSTER_IN_ID.search(_text(_get(entry, "id")) or "")
        cluster = found.group(1) if found else options.cluster
        known = {w.value.lower(): w for w in WindowName}
        if name.lower() not in known:
            notes.append(f"item {index}: unknown maintenance configuration {name!r}, skipped")
            continue
        if cluster is None:
            notes.append(f"{name}: no cluster in its id; give --cluster")
            continue
        rules = _rules(entry)
        if not rules:
            notes.append(f"{cluster} {name}: no schedule or timeInWeek; its next window is unknown")
            continue
        window = _get(entry, "maintenanceWindow")
        windows.append(
            MaintenanceWindow(
                cluster=cluster,
                name=known[name.lower()],
                rules=rules,
                start_time=_text(_get(window, "startTime")) or "00:00",
                duration_hours=_int(_get(window, "durationHours")) or (1 if not window else 4),
                utc_offset=_text(_get(window, "utcOffset")) or "+00:00",
                start_date=_text(_get(window, "startDate")),
                not_allowed=_not_allowed(entry),
                source=where,
                provenance=prov,
            )
        )
    return windows, notes


def read_capacity(
    path: Path, document: Any, shape: AzShape, options: AzOptions, now: dt.datetime
) -> CollectResult:
    """The quota, sizes, subnets or windows of one parsed az file (not clusters)."""
    where = str(path)
    prov = Provenance(origin=f"az:{path}", collected_at=now)
    entries = _entries(document)
    notes: list[str] = []
    inputs = UpgradeInputs()
    if shape is AzShape.USAGE:
        region = options.location
        if region is None:
            message = (
                "az vm list-usage output does not name its region; give --location, "
                "surge-quota is not checked with it"
            )
            return CollectResult(warnings=(CollectorWarning(where, message),), skipped=1)
        quotas, notes = _usage(entries, region, where, prov)
        inputs = UpgradeInputs(quotas=tuple(quotas))
        read = len(quotas)
    elif shape is AzShape.SKUS:
        skus, notes = _skus(entries, where, prov)
        inputs = UpgradeInputs(skus=tuple(skus))
        read = len(skus)
    elif shape is AzShape.SUBNETS:
        subnets, notes = _subnets(entries, where, prov)
        inputs = UpgradeInputs(subnets=tuple(subnets))
        read = len(subnets)
    else:
        windows, notes = _windows(entries, options, where, prov)
        inputs = UpgradeInputs(windows=tuple(windows))
        read = len(windows)
    warnings = tuple(CollectorWarning(where, note) for note in notes)
    return CollectResult(
        upgrade=inputs, warnings=warnings, read=read, skipped=len(notes), extra={shape.value: read}
    )


def read_az_file(
    path: Path,
    *,
    now: dt.datetime,
    options: AzOptions = AzOptions(),
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[AzShape, CollectResult]:
    """Any supported az output: its shape and what it holds (clusters go through az.py)."""
    from aksnews.inventory.az import clusters_from_document

    try:
        document = read_json(path, max_bytes)
    except _Unreadable as exc:
        warning = CollectorWarning(str(path), exc.message, exc.line)
        return AzShape.UNKNOWN, CollectResult(warnings=(warning,), skipped=1)
    shape = classify(document)
    if shape in (AzShape.CLUSTERS, AzShape.UNKNOWN):
        # Unknown shapes get the cluster reader's messages ('not an AKS cluster object').
        return shape, clusters_from_document(path, document, now=now)
    return shape, read_capacity(path, document, shape, options, now)
