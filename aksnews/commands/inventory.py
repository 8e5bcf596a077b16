"""`aksnews inventory ...`: load the declarative file, run collectors, show the picture."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from aksnews.commands.context import AppState, print_json, print_table, resume_collector
from aksnews.commands.options import json_option, output_option, wants_json
from aksnews.errors import InputError

if TYPE_CHECKING:
    from aksnews.model.inventory import ApiUse, Cluster, CollectResult
    from aksnews.model.upgrade import UpgradeInputs

app = typer.Typer(
    help="What your clusters run: the inventory file plus what collectors observe.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


class NothingRead(InputError):
    """A collector could read none of its inputs (exit code 1; warnings say why)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _store(state: AppState, origin: str, result: CollectResult, now: dt.datetime) -> None:
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if result.read == 0 and (result.warnings or not (result.clusters or result.upgrade)):
        raise NothingRead(f"{origin}: nothing could be read")
    state.archive().replace_origin(
        origin,
        collected_at=now,
        clusters=result.clusters,
        api_uses=result.api_uses,
        upgrade=result.upgrade,
    )


def _summary(origin: str, result: CollectResult) -> str:
    parts = [f"{origin}: {result.read} read"]
    if result.skipped:
        parts.append(f"{result.skipped} skipped")
    if result.clusters:
        parts.append(f"{len(result.clusters)} clusters")
    if result.api_uses:
        kinds = {(u.api_version, u.kind) for u in result.api_uses}
        parts.append(f"{len(result.api_uses)} API uses ({len(kinds)} apiVersion/kind pairs)")
    up = result.upgrade
    for label, values in (
        ("workloads", up.workloads),
        ("PodDisruptionBudgets", up.budgets),
        ("services", up.services),
        ("vCPU quotas", up.quotas),
        ("VM sizes", up.skus),
        ("subnets", up.subnets),
        ("maintenance windows", up.windows),
    ):
        if values:
            parts.append(f"{len(values)} {label}")
    if result.warnings:
        parts.append(f"{len(result.warnings)} warnings")
    return ", ".join(parts)


@app.command("load")
def load(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="The declarative inventory YAML file."),
    output: str | None = output_option(),
    as_json: bool = json_option(),
) -> None:
    """Apply the inventory file; loading it again replaces what it said before."""
    as_json = wants_json(output, as_json)
    from aksnews.inventory.declarative import load_inventory_file

    state: AppState = ctx.obj
    now = _now()
    inventory = load_inventory_file(path, now=now)
    origin = f"file:{path.resolve()}"
    state.archive().replace_origin(
        origin,
        collected_at=now,
        teams=inventory.teams,
        clusters=inventory.clusters,
        api_uses=inventory.api_uses,
        default_team=inventory.default_team,
    )
    pools = sum(len(c.node_pools) for c in inventory.clusters)
    if as_json:
        print_json(
            {
                "origin": str(path),
                "teams": len(inventory.teams),
                "clusters": len(inventory.clusters),
                "node_pools": pools,
            }
        )
        return
    typer.echo(
        f"{path}: {len(inventory.teams)} teams, {len(inventory.clusters)} clusters, "
        f"{pools} node pools"
    )
    from aksnews.deliver.outbox import unset_secrets

    # Checked now so that a typo shows today, not as a failed digest next Monday.
    for team in inventory.teams:
        for variable in unset_secrets(team):
            typer.echo(f"warning: team {team.name}: {variable} is not set", err=True)


@app.command("import-az")
def import_az(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(
        ...,
        help="JSON of `az aks show/list`, `az vm list-usage`, `az vm list-skus`, "
        "`az network vnet subnet show` or `az aks maintenanceconfiguration list`.",
    ),
    location: str | None = typer.Option(
        None, "--location", "-l", help="Region of `az vm list-usage` files (they do not say it)."
    ),
    cluster: str | None = typer.Option(
        None, "--cluster", "-c", help="Cluster of maintenance configurations without an id."
    ),
    output: str | None = output_option(),
    as_json: bool = json_option(),
) -> None:
    """Import az output, recognising each file by its shape (ARM or az casing both accepted)."""
    as_json = wants_json(output, as_json)
    from aksnews.inventory.az_capacity import AzOptions, read_az_file

    state: AppState = ctx.obj
    now = _now()
    options = AzOptions(location=location, cluster=cluster)
    readable = 0
    summaries = []
    for path in paths:
        shape, result = read_az_file(path, now=now, options=options)
        summaries.append(_summary_json(f"{path} ({shape.value})", result))
        if not as_json:
            typer.echo(_summary(f"{path} ({shape.value})", result))
        try:
            _store(state, f"az:{path.resolve()}", result, now)
            readable += 1
        except NothingRead as exc:
            typer.echo(f"warning: {exc}", err=True)
    if readable == 0:
        raise NothingRead("nothing could be read from the given files")
    if as_json:
        print_json(summaries)


@app.command("scan")
def scan(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="Manifest files or directories."),
    cluster: str = typer.Option(..., "--cluster", "-c", help="Cluster they are deployed to."),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="Forget every path scanned before for this cluster (default: a path replaces "
        "only its own earlier scan; other paths stay).",
    ),
    output: str | None = output_option(),
    as_json: bool = json_option(),
) -> None:
    """Record every apiVersion/kind in manifests (YAML, JSON, helm template, kustomize).

    Evidence is kept per scanned path: scanning an application repository and then a platform
    repository for one cluster keeps both; scanning a path again replaces what it said.
    """
    as_json = wants_json(output, as_json)
    from aksnews.inventory.manifests import scan_paths

    state: AppState = ctx.obj
    now = _now()
    resume_collector()  # the work (thousands of manifests) comes before the archive opens
    result = scan_paths(paths, cluster=cluster, now=now)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)
    label = ", ".join(str(p) for p in paths)
    if result.read == 0 and result.warnings:
        raise NothingRead(f"{label}: nothing could be read")
    family = f"scan:{cluster}:"
    # Each root's uses carry the provenance 'scan:<root as given>'; stored per resolved path.
    by_origin: dict[str, list[ApiUse]] = {f"{family}{p.resolve()}": [] for p in paths}
    roots = {f"scan:{p}": f"{family}{p.resolve()}" for p in paths}
    for use in result.api_uses:
        root = use.provenance.origin if use.provenance is not None else ""
        by_origin[roots.get(root, next(iter(by_origin)))].append(use)
    # Workloads, budgets and services carry the same 'scan:<root>' provenance as the uses.
    upgrade = {origin: _defined_under(result.upgrade, root) for root, origin in roots.items()}
    if replace:
        by_origin.setdefault(f"scan:{cluster}", [])  # what scans stored before per-path origins
    stored = state.archive().replace_api_uses(
        by_origin,
        collected_at=now,
        family=family,
        replace_family=replace,
        upgrade_by_origin=upgrade,
    )
    scanned = [origin.removeprefix(family) for origin in stored]
    others = [s for s in scanned if s not in {str(p.resolve()) for p in paths}]
    mode = "replaced" if replace else "added"
    if as_json:
        print_json(
            {
                **_summary_json(label, result),
                "cluster": cluster,
                "mode": mode,
                "paths": [str(p.resolve()) for p in paths],
                "scanned_paths": scanned,
            }
        )
        return
    typer.echo(_summary(label, result))
    if replace:
        typer.echo(f"{cluster}: replaced every earlier scan; its manifest evidence is this scan")
    elif others:
        typer.echo(
            f"{cluster}: added; the evidence of {len(others)} other scanned path(s) is kept: "
            f"{', '.join(others)} (--replace forgets them)"
        )
    else:
        typer.echo(f"{cluster}: the only scanned path(s) for this cluster")


def _defined_under(inputs: UpgradeInputs, origin: str) -> UpgradeInputs:
    """The workloads, budgets and services that the manifests under one scanned root define."""
    from aksnews.model.upgrade import UpgradeInputs

    def mine(items: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(i for i in items if i.provenance is not None and i.provenance.origin == origin)

    return UpgradeInputs(
        workloads=mine(inputs.workloads),
        budgets=mine(inputs.budgets),
        services=mine(inputs.services),
    )


def _report(label: str, result: CollectResult, as_json: bool) -> None:
    if as_json:
        print_json(_summary_json(label, result))
    else:
        typer.echo(_summary(label, result))


def _summary_json(label: str, result: CollectResult) -> dict[str, Any]:
    return {
        "origin": label,
        "read": result.read,
        "skipped": result.skipped,
        "clusters": len(result.clusters),
        "api_uses": len(result.api_uses),
        "warnings": [
            {"source": w.source, "line": w.line, "message": w.message} for w in result.warnings
        ],
    }


@app.command("helm-secrets")
def helm_secrets(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., help="Output of `kubectl get secrets -A -l owner=helm -o json`."
    ),
    cluster: str = typer.Option(..., "--cluster", "-c", help="Cluster the dump comes from."),
    output: str | None = output_option(),
    as_json: bool = json_option(),
) -> None:
    """Record the APIs of deployed Helm releases (decoded from their release secrets)."""
    as_json = wants_json(output, as_json)
    from aksnews.inventory.helm import read_helm_secrets

    state: AppState = ctx.obj
    now = _now()
    result = read_helm_secrets(path, cluster=cluster, now=now)
    _store(state, f"helm:{cluster}", result, now)
    _report(str(path), result, as_json)


@app.command("cluster")
def cluster(
    ctx: typer.Context,
    context: str | None = typer.Option(None, "--context", help="kubeconfig context."),
    kubeconfig: Path | None = typer.Option(
        None, "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)."
    ),
    name: str | None = typer.Option(None, "--name", help="Cluster name in the inventory."),
    output: str | None = output_option(),
    as_json: bool = json_option(),
) -> None:
    """Observe a live cluster: version, node pools and images, deprecated API use."""
    as_json = wants_json(output, as_json)
    from aksnews.inventory.cluster import collect_cluster, load_kubeconfig

    state: AppState = ctx.obj
    now = _now()
    access = load_kubeconfig(kubeconfig, context)
    result = collect_cluster(access, cluster_name=name, now=now)
    label = name or context or "current-context"
    _store(state, f"cluster:{label}", result, now)
    _report(f"cluster {label}", result, as_json)


@app.command("show")
def show(
    ctx: typer.Context,
    output: str | None = output_option(),
    as_json: bool = json_option(),
) -> None:
    """Show the merged inventory (secrets shown as references, never values)."""
    as_json = wants_json(output, as_json)
    from aksnews.inventory.merge import load_inventory
    from aksnews.model.inventory_codec import api_use_json, cluster_json, team_json

    state: AppState = ctx.obj
    inventory = load_inventory(state.archive())
    if as_json:
        document: dict[str, Any] = {
            "teams": [team_json(t, redact=True) for t in inventory.teams],
            "clusters": [cluster_json(c) for c in inventory.clusters],
            "api_uses": [api_use_json(u) for u in inventory.api_uses],
            "default_team": inventory.default_team,
            "upgrade_inputs": _upgrade_json(inventory.upgrade),
        }
        print_json(document)
        return

    def pools(cluster: Cluster) -> str:
        return ", ".join(f"{p.name}:{p.os_sku or p.os_type or '?'}" for p in cluster.node_pools)

    uses = Counter(u.cluster for u in inventory.api_uses)
    print_table(
        ("cluster", "version", "channel", "node OS", "pools", "teams", "APIs"),
        (
            (
                c.name,
                c.kubernetes_version or "?",
                c.upgrade_channel.value,
                c.node_os_channel.value,
                pools(c),
                ", ".join(c.teams),
                str(uses[c.name]),
            )
            for c in inventory.clusters
        ),
    )
    typer.echo(
        f"{len(inventory.teams)} teams, {len(inventory.clusters)} clusters, "
        f"{len(inventory.api_uses)} API uses",
        err=True,
    )


def _upgrade_json(inputs: UpgradeInputs) -> dict[str, Any]:
    """The blocker rules' inputs, one list per kind (item_type names), for `show --json`."""
    from dataclasses import asdict

    from aksnews.model.upgrade_codec import ITEM_TYPES, item_json, items_of

    document: dict[str, Any] = {name: [] for name in ITEM_TYPES.values()}
    for item in items_of(inputs):
        document[ITEM_TYPES[type(item)]].append(item_json(item))
    document["version-seen"] = [asdict(v) for v in inputs.versions_seen]
    return document


def register(root: typer.Typer, names: Sequence[str] = ("inventory",)) -> None:
    for name in names:
        root.add_typer(app, name=name)
