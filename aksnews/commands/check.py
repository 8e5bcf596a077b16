"""`aksnews check` (CI gate) and `aksnews plan` (upgrade impact report)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import typer

from aksnews.commands.context import AppState, print_table, today_or
from aksnews.commands.options import Format, UsageProblem, choose_format, json_option, output_option
from aksnews.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aksnews.model.findings import Finding, Rule, Unchecked
    from aksnews.store.handle import Archive

FORMATS = (Format.TEXT, Format.JSON, Format.SARIF, Format.MARKDOWN)
PLAN_FORMATS = (Format.MARKDOWN, Format.HTML, Format.JSON)
FAIL_ON = ("critical", "warning", "info", "never")


class CheckFailed(InputError):
    """Findings at or above --fail-on: not an error, but a non-zero exit for CI."""

    def __init__(self, code: int) -> None:
        super().__init__("")
        self.exit_code = code


def report_unchecked(
    notes: Sequence[Unchecked], rules: frozenset[Rule] | None, cluster: str | None
) -> None:
    """What the blocker rules could not check, one line each on stderr (never a pass)."""
    for note in notes:
        if (rules is None or note.rule in rules) and cluster in (None, note.cluster):
            typer.echo(f"{note.label}: {note}", err=True)


def _findings(
    archive: Archive,
    today: dt.date,
    cluster: str | None,
    target: str | None,
    rules: frozenset[Rule] | None = None,
) -> list[Finding]:
    from aksnews.inventory.merge import load_inventory
    from aksnews.knowledge.view import load_archive_view
    from aksnews.match.matcher import match_report

    inventory = load_inventory(archive)
    if not inventory.clusters:
        raise InputError("the inventory is empty: run `aksnews inventory load FILE` first")
    if cluster is not None and inventory.cluster(cluster) is None:
        known = ", ".join(c.name for c in inventory.clusters)
        raise InputError(f"no cluster {cluster!r} in the inventory (known: {known})")
    if target is not None:
        from aksnews.commands.options import known_minor

        target = known_minor(archive, target, "--target")
    report = match_report(inventory, load_archive_view(archive, today), now=today, target=target)
    report_unchecked(report.unchecked, rules, cluster)
    return [
        f
        for f in report.findings
        if (cluster is None or f.cluster == cluster) and (rules is None or f.rule in rules)
    ]


def register(app: typer.Typer) -> None:
    @app.command()
    def check(
        ctx: typer.Context,
        cluster: str | None = typer.Option(None, "--cluster", "-c", help="Only this cluster."),
        target: str | None = typer.Option(
            None, "--target", help="Upgrade target minor (default: from each upgrade channel)."
        ),
        output: str | None = output_option(FORMATS, "--format", "-f"),
        as_json: bool = json_option(),
        fail_on: str = typer.Option(
            "critical", "--fail-on", help=f"Lowest severity that fails: {', '.join(FAIL_ON)}."
        ),
        rules: str | None = typer.Option(
            None,
            "--rules",
            help="Only these rules, comma-separated (an API-only gate: "
            "removed-api,deprecated-api).",
        ),
        skip_rules: str | None = typer.Option(
            None, "--skip-rules", help="Leave these rules out, comma-separated."
        ),
        today: str | None = typer.Option(None, "--today", help="Judge as of this date."),
    ) -> None:
        """Match the inventory against the archive; exit non-zero for CI.

        Exit codes: 0 nothing at or above --fail-on; 3 a removed API is in use; 2 other
        findings at or above --fail-on; 1 an error (bad input, empty inventory).
        """
        from aksnews.report.check import exit_code, finding_json, markdown, sarif

        fmt = choose_format(output, as_json, FORMATS)
        if fail_on not in FAIL_ON:
            raise UsageProblem(f"--fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
        from aksnews.commands.freshness import warn_if_stale

        chosen = select_rules(rules, skip_rules)
        state: AppState = ctx.obj
        day = today_or(today)
        findings = _findings(state.archive(), day, cluster, target, chosen)
        warn_if_stale(state, day)
        if fmt is Format.JSON:
            from aksnews.report.records import dumps

            typer.echo(dumps([finding_json(f) for f in findings]))
        elif fmt is Format.SARIF:
            from aksnews.report.records import dumps

            typer.echo(dumps(sarif(findings)))
        elif fmt is Format.MARKDOWN:
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
        output: str | None = output_option(PLAN_FORMATS, "--format", "-f"),
        as_json: bool = json_option(),
        today: str | None = typer.Option(None, "--today", help="Judge as of this date."),
    ) -> None:
        """Upgrade impact report from the cluster's version to a target minor."""
        from aksnews.inventory.merge import load_inventory
        from aksnews.knowledge.diff import Version, build_diff, load_upstream_range
        from aksnews.knowledge.lifecycle import minor_key, minor_of
        from aksnews.knowledge.view import load_archive_view
        from aksnews.report.plan import build_plan, minors_crossed

        fmt = choose_format(output, as_json, PLAN_FORMATS)
        state: AppState = ctx.obj
        archive = state.archive()
        day = today_or(today)
        inventory = load_inventory(archive)
        found = inventory.cluster(cluster)
        if found is None:
            raise InputError(f"no cluster {cluster!r} in the inventory")
        current = minor_of(found.kubernetes_version or "")
        if current is None:
            raise InputError(f"{cluster}: the inventory has no Kubernetes version for it")
        from aksnews.commands.options import known_minor

        target = known_minor(archive, to, "--to")
        if minor_key(target) <= minor_key(current):
            raise UsageProblem(f"--to must be a minor after {current}, not {to!r}")
        view = load_archive_view(archive, day)
        from aksnews.commands.freshness import warn_if_stale
        from aksnews.match.matcher import match_report

        warn_if_stale(state, day)
        matched = match_report(inventory, view, now=day, target=target)
        findings = matched.findings
        report_unchecked(matched.unchecked, None, cluster)
        # An LTS patch (1.30.101-akslts) has no upstream patch of its number: the range starts
        # at its minor.
        try:
            start = Version.parse(found.kubernetes_version or current)
        except ValueError:
            start = Version.parse(current)
        end = Version.parse(target)
        details = load_upstream_range(archive, start, end)
        crossed = list(minors_crossed(current, target))
        report = build_plan(
            found,
            current,
            target,
            findings=findings,
            calendar=view.calendar,
            knowledge=view.knowledge,
            upstream=build_diff(start, end, details),
            aks_changes=archive.entries_about(
                source="aks",
                kinds=["behavioral-change", "component-update"],
                minors=crossed,
            ),
            unchecked=[f"{n.label}: {n}" for n in matched.unchecked if n.cluster == cluster],
        )
        if fmt is Format.JSON:
            from aksnews.commands.plan_json import plan_json
            from aksnews.report.records import dumps

            typer.echo(dumps(plan_json(report)))
            return
        from aksnews.report.plan import outline
        from aksnews.report.render import markdown_to_html, render

        web_url = state.settings().web_url or None
        text = render("plan.md.j2", plan=report, outline=outline(report, web_url))
        if fmt is Format.HTML:
            title = f"Upgrade plan: {cluster} {current} → {target}"
            text = render("page.html.j2", title=title, body=markdown_to_html(text))
        typer.echo(text, nl=False)


def select_rules(rules: str | None, skip: str | None) -> frozenset[Rule]:
    """The rules --rules and --skip-rules leave in (default: all); unknown names are refused."""
    from aksnews.model.findings import Rule

    def parse(value: str, option: str) -> set[Rule]:
        names = {n.strip() for n in value.split(",") if n.strip()}
        known = {r.value: r for r in Rule}
        unknown = sorted(names - set(known))
        if unknown:
            raise UsageProblem(f"{option}: unknown rule {unknown[0]!r} (known: {', '.join(known)})")
        return {known[n] for n in names}

    chosen = parse(rules, "--rules") if rules else set(Rule)
    if skip:
        chosen -= parse(skip, "--skip-rules")
    return frozenset(chosen)


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
