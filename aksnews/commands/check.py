"""`aksnews check` (CI gate) and `aksnews plan` (upgrade impact report)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import typer

from aksnews.commands.context import AppState, print_table, today_or
from aksnews.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from aksnews.findings import Finding

FORMATS = ("table", "json", "sarif", "markdown")
FAIL_ON = ("critical", "warning", "info", "never")


class CheckFailed(InputError):
    """Findings at or above --fail-on: not an error, but a non-zero exit for CI."""

    def __init__(self, code: int) -> None:
        super().__init__("")
        self.exit_code = code


def _findings(
    engine: Engine, today: dt.date, cluster: str | None, target: str | None
) -> list[Finding]:
    from aksnews.lifecycle import minor_of
    from aksnews.match import match
    from aksnews.store.inventory import load_inventory
    from aksnews.store.knowledge import load_archive_view

    inventory = load_inventory(engine)
    if not inventory.clusters:
        raise InputError("the inventory is empty: run `aksnews inventory load FILE` first")
    if cluster is not None and inventory.cluster(cluster) is None:
        known = ", ".join(c.name for c in inventory.clusters)
        raise InputError(f"no cluster {cluster!r} in the inventory (known: {known})")
    if target is not None and minor_of(target) is None:
        raise InputError(f"--target wants a minor version such as 1.30, not {target!r}")
    findings = match(inventory, load_archive_view(engine, today), now=today, target=target)
    return [f for f in findings if cluster is None or f.cluster == cluster]


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        ctx: typer.Context,
        cluster: str | None = typer.Option(None, "--cluster", "-c", help="Only this cluster."),
        target: str | None = typer.Option(
            None, "--target", help="Upgrade target minor (default: from each upgrade channel)."
        ),
        output: str = typer.Option("table", "--format", "-f", help=f"{', '.join(FORMATS)}."),
        fail_on: str = typer.Option(
            "critical", "--fail-on", help=f"Lowest severity that fails: {', '.join(FAIL_ON)}."
        ),
        today: str | None = typer.Option(None, "--today", help="Judge as of this date."),
    ) -> None:
        """Match the inventory against the archive; exit non-zero for CI.

        Exit codes: 0 nothing at or above --fail-on; 3 a removed API is in use; 2 other
        findings at or above --fail-on; 1 an error (bad input, empty inventory).
        """
        from aksnews.report import exit_code, finding_json, markdown, sarif

        if output not in FORMATS:
            raise InputError(f"--format must be one of {', '.join(FORMATS)}, not {output!r}")
        if fail_on not in FAIL_ON:
            raise InputError(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        from aksnews.commands.freshness import warn_if_stale

        state: AppState = ctx.obj
        day = today_or(today)
        findings = _findings(state.engine(), day, cluster, target)
        warn_if_stale(state, day)
        if output == "json":
            from aksnews.output import dumps

            typer.echo(dumps([finding_json(f) for f in findings]))
        elif output == "sarif":
            from aksnews.output import dumps

            typer.echo(dumps(sarif(findings)))
        elif output == "markdown":
            typer.echo(markdown(findings), nl=False)
        else:
            _table(findings)
        code = exit_code(findings, fail_on)
        if code:
            raise typer.Exit(code)

    @app.command()
    def plan(
        ctx: typer.Context,
        cluster: str = typer.Option(..., "--cluster", "-c", help="Cluster to plan for."),
        to: str = typer.Option(..., "--to", help="Target minor, e.g. 1.30."),
        output: str = typer.Option("markdown", "--format", "-f", help="markdown, html or json."),
        today: str | None = typer.Option(None, "--today", help="Judge as of this date."),
    ) -> None:
        """Upgrade impact report from the cluster's version to a target minor."""
        from aksnews.diff import Version, build_diff
        from aksnews.lifecycle import minor_key, minor_of
        from aksnews.plan import build_plan, minors_crossed
        from aksnews.store.inventory import load_inventory
        from aksnews.store.knowledge import load_archive_view
        from aksnews.store.queries import entries_about, load_upstream_range

        if output not in ("markdown", "html", "json"):
            raise InputError(f"--format must be markdown, html or json, not {output!r}")
        state: AppState = ctx.obj
        engine = state.engine()
        day = today_or(today)
        inventory = load_inventory(engine)
        found = inventory.cluster(cluster)
        if found is None:
            raise InputError(f"no cluster {cluster!r} in the inventory")
        current = minor_of(found.kubernetes_version or "")
        target = minor_of(to)
        if current is None:
            raise InputError(f"{cluster}: the inventory has no Kubernetes version for it")
        if target is None or minor_key(target) <= minor_key(current):
            raise InputError(f"--to must be a minor after {current}, not {to!r}")
        view = load_archive_view(engine, day)
        from aksnews.commands.freshness import warn_if_stale
        from aksnews.match import match

        warn_if_stale(state, day)
        findings = match(inventory, view, now=day, target=target)
        start, end = Version.parse(found.kubernetes_version or current), Version.parse(target)
        details = load_upstream_range(engine, start, end)
        crossed = list(minors_crossed(current, target))
        report = build_plan(
            found,
            current,
            target,
            findings=findings,
            calendar=view.calendar,
            knowledge=view.knowledge,
            upstream=build_diff(start, end, details),
            aks_changes=entries_about(
                engine,
                source="aks",
                kinds=["behavioral-change", "component-update"],
                minors=crossed,
            ),
        )
        if output == "json":
            from aksnews.commands.plan_json import plan_json
            from aksnews.output import dumps

            typer.echo(dumps(plan_json(report)))
            return
        from aksnews.render import markdown_to_html, render

        text = render("plan.md.j2", plan=report)
        if output == "html":
            title = f"Upgrade plan: {cluster} {current} → {target}"
            text = render("page.html.j2", title=title, body=markdown_to_html(text))
        typer.echo(text, nl=False)


def _table(findings: list[Finding]) -> None:
    colour = {"critical": "red", "warning": "yellow", "info": "blue"}
    print_table(
        ("severity", "cluster", "rule", "finding", "deadline"),
        (
            (
                (f.severity.value, colour[f.severity.value]),
                f.cluster + (f"/{f.node_pool}" if f.node_pool else ""),
                f.rule.value,
                f.title,
                str(f.deadline or ""),
            )
            for f in findings
        ),
    )
    typer.echo(f"{len(findings)} findings", err=True)
