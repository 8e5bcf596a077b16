"""Inventory values to and from JSON, for the store and for `inventory show --json`.

Secrets are stored as their reference ('env:NAME') or, when given inline, as the literal: the
database is the user's own, like the inventory file it came from. They are never printed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aksnews.model.inventory import (
    ApiUse,
    Cluster,
    Evidence,
    NodeOSChannel,
    NodePool,
    Provenance,
    SecretRef,
    SupportPlan,
    Team,
    UpgradeChannel,
)


def _secret(ref: SecretRef | None) -> str | None:
    if ref is None:
        return None
    return f"env:{ref.env}" if ref.env is not None else ref.literal


def _secret_from(value: Any) -> SecretRef | None:
    return None if value is None else SecretRef.parse(str(value))


def provenance_json(p: Provenance | None) -> dict[str, str] | None:
    if p is None:
        return None
    return {"origin": p.origin, "collected_at": p.collected_at.isoformat()}


def provenance_from(value: Any) -> Provenance | None:
    if not value:
        return None
    return Provenance(
        origin=value["origin"], collected_at=dt.datetime.fromisoformat(value["collected_at"])
    )


def team_json(team: Team, *, redact: bool = False) -> dict[str, Any]:
    def secret(ref: SecretRef | None) -> str | None:
        if ref is None:
            return None
        return str(ref) if redact else _secret(ref)

    return {
        "name": team.name,
        "slack_webhook": secret(team.slack_webhook),
        "slack_token": secret(team.slack_token),
        "slack_channel": team.slack_channel,
        "teams_webhook": secret(team.teams_webhook),
        "timezone": team.timezone,
        "digest_day": team.digest_day,
        "digest_time": team.digest_time,
        "provenance": provenance_json(team.provenance),
    }


def team_from(value: dict[str, Any]) -> Team:
    return Team(
        name=value["name"],
        slack_webhook=_secret_from(value.get("slack_webhook")),
        slack_token=_secret_from(value.get("slack_token")),
        slack_channel=value.get("slack_channel"),
        teams_webhook=_secret_from(value.get("teams_webhook")),
        timezone=value.get("timezone", "UTC"),
        digest_day=value.get("digest_day", "mon"),
        digest_time=value.get("digest_time", "09:00"),
        provenance=provenance_from(value.get("provenance")),
    )


def pool_json(pool: NodePool) -> dict[str, Any]:
    return {
        "name": pool.name,
        "mode": pool.mode,
        "osType": pool.os_type,
        "osSKU": pool.os_sku,
        "currentOrchestratorVersion": pool.orchestrator_version,
        "nodeImageVersion": pool.node_image_version,
        "provenance": provenance_json(pool.provenance),
        "vmSize": pool.vm_size,
        "count": pool.count,
        "upgradeSettings": {
            "maxSurge": pool.max_surge,
            "drainTimeoutInMinutes": pool.drain_timeout_minutes,
            "nodeSoakDurationInMinutes": pool.node_soak_minutes,
        },
        "maxPods": pool.max_pods,
        "vnetSubnetID": pool.subnet_id,
        "podSubnetID": pool.pod_subnet_id,
    }


def pool_from(value: dict[str, Any]) -> NodePool:
    return NodePool(
        name=value["name"],
        mode=value.get("mode"),
        os_type=value.get("osType"),
        os_sku=value.get("osSKU"),
        orchestrator_version=value.get("currentOrchestratorVersion"),
        node_image_version=value.get("nodeImageVersion"),
        provenance=provenance_from(value.get("provenance")),
        vm_size=value.get("vmSize"),
        count=value.get("count"),
        max_surge=(value.get("upgradeSettings") or {}).get("maxSurge"),
        drain_timeout_minutes=(value.get("upgradeSettings") or {}).get("drainTimeoutInMinutes"),
        node_soak_minutes=(value.get("upgradeSettings") or {}).get("nodeSoakDurationInMinutes"),
        max_pods=value.get("maxPods"),
        subnet_id=value.get("vnetSubnetID"),
        pod_subnet_id=value.get("podSubnetID"),
    )


def cluster_json(cluster: Cluster) -> dict[str, Any]:
    return {
        "name": cluster.name,
        "teams": list(cluster.teams),
        "region": cluster.region,
        "currentKubernetesVersion": cluster.kubernetes_version,
        "supportPlan": cluster.support_plan.value,
        "upgradeChannel": cluster.upgrade_channel.value,
        "nodeOSUpgradeChannel": cluster.node_os_channel.value,
        "nodePools": [pool_json(p) for p in cluster.node_pools],
        "features": list(cluster.features),
        "namespaces": dict(cluster.namespaces),
        "provenance": provenance_json(cluster.provenance),
        "stated": sorted(cluster.stated),
        "stage": cluster.stage,
        "soakDays": cluster.soak_days,
    }


def cluster_from(value: dict[str, Any]) -> Cluster:
    return Cluster(
        name=value["name"],
        teams=tuple(value.get("teams", ())),
        region=value.get("region"),
        kubernetes_version=value.get("currentKubernetesVersion"),
        support_plan=SupportPlan(value.get("supportPlan", SupportPlan.KUBERNETES_OFFICIAL)),
        upgrade_channel=UpgradeChannel(value.get("upgradeChannel", UpgradeChannel.NONE)),
        node_os_channel=NodeOSChannel(value.get("nodeOSUpgradeChannel", NodeOSChannel.NODE_IMAGE)),
        node_pools=tuple(pool_from(p) for p in value.get("nodePools", ())),
        features=tuple(value.get("features", ())),
        namespaces=tuple(sorted(value.get("namespaces", {}).items())),
        provenance=provenance_from(value.get("provenance")),
        stated=frozenset(value.get("stated", ())),
        stage=value.get("stage"),
        soak_days=value.get("soakDays"),
    )


def api_use_json(use: ApiUse) -> dict[str, Any]:
    return {
        "cluster": use.cluster,
        "apiVersion": use.api_version,
        "kind": use.kind,
        "evidence": use.evidence.value,
        "location": use.location,
        "namespace": use.namespace,
        "name": use.name,
        "provenance": provenance_json(use.provenance),
    }


def api_use_from(value: dict[str, Any]) -> ApiUse:
    return ApiUse(
        cluster=value["cluster"],
        api_version=value["apiVersion"],
        kind=value["kind"],
        evidence=Evidence(value["evidence"]),
        location=value["location"],
        namespace=value.get("namespace"),
        name=value.get("name"),
        provenance=provenance_from(value.get("provenance")),
    )
