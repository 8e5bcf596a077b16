"""`aksnews scan PATH...`: deprecated and removed apiVersions in manifests (Pluto's detect-files).

Exit codes as Pluto's: 0 nothing found, 2 a deprecated apiVersion, 3 a removed one (3 wins),
1 an error. --ignore-deprecations and --ignore-removals drop the 2 and the 3.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer

from aksnews.commands.context import AppState, print_json, print_table
from aksnews.commands.options import (
    Format,
    UsageProblem,
    choose_format,
    json_option,
    output_option,
)

FORMATS = (
    Format.TEXT,
    Format.WIDE,
    Format.JSON,
    Format.YAML,
    Format.MARKDOWN,
    Format.CSV,
    Format.SARIF,
)
COMPONENTS = ("k8s",)

if TYPE_CHECKING:
    from aksnews.knowledge.apis import KnowledgeRow
    from aksnews.match.scan import ScanRow
    from aksnews.store.handle import Archive


def target_minor(target_versions: list[str], target: str | None) -> str | None:
    """The minor asked for by Pluto's --target-versions k8s=vX.Y.Z or by --target X.Y."""
    from aksnews.knowledge.lifecycle import minor_of

    chosen: list[tuple[str, str]] = []
    for value in target_versions:
        for part in filter(None, (p.strip() for p in value.split(","))):
            component, eq, version = part.partition("=")
            if not eq:
                raise UsageProblem(f"--target-versions wants COMPONENT=VERSION, not {part!r}")
            if component not in COMPONENTS:
                raise UsageProblem(
                    f"--target-versions: unknown component {component!r} (known: k8s)"
                )
            chosen.append(("--target-versions", version))
    if target is not None:
        chosen.append(("--target", target))
    minors = set()
    for option, version in chosen:
        minor = minor_of(version.strip())
        if minor is None:
            raise UsageProblem(f"{option} wants a version such as 1.25 or v1.25.0, not {version!r}")
        minors.add(minor)
    if len(minors) > 1:
        raise UsageProblem(f"two targets given ({', '.join(sorted(minors))}); give one")
    return next(iter(minors), None)


def register(app: typer.Typer) -> None:
    @app.command()
    def scan(
        ctx: typer.Context,
        paths: list[str] = typer.Argument(
            ..., help="Manifest files, folders (recursively) or - for stdin.", show_default=False
        ),
        target_versions: list[str] = typer.Option(
            [],
            "--target-versions",
            "-t",
            help="Pluto's spelling of the target: k8s=v1.25.0.",
            show_default=False,
        ),
        target: str | None = typer.Option(
            None, "--target", help="Target minor, e.g. 1.25 (default: the newest known)."
        ),
        output: str | None = output_option(FORMATS),
        as_json: bool = json_option(),
        only_show_removed: bool = typer.Option(
            False, "--only-show-removed", "-r", help="Only apiVersions removed at the target."
        ),
        ignore_deprecations: bool = typer.Option(
            False, "--ignore-deprecations", help="Do not exit 2 for deprecated apiVersions."
        ),
        ignore_removals: bool = typer.Option(
            False, "--ignore-removals", help="Do not exit 3 for removed apiVersions."
        ),
        components: list[str] = typer.Option(
            ["k8s"], "--components", help="Components to check: k8s (the only one known)."
        ),
    ) -> None:
        """Find deprecated and removed apiVersions in manifests, judged at a target minor.

        Reads YAML (several documents), JSON, List kinds, `helm template` and `kustomize
        build` output, and `kubectl get secrets -l owner=helm -o json` dumps; `-` reads stdin
        (`helm template . | aksnews scan -`). Exit codes: 0 nothing found, 2 deprecated, 3
        removed, 1 an error.
        """
        from aksnews.inventory.scan_input import read_inputs
        from aksnews.knowledge.scan_source import api_knowledge
        from aksnews.match.scan import ScanOptions, exit_code, judge

        fmt = choose_format(output, as_json, FORMATS)
        for component in components:
            for name in filter(None, (c.strip() for c in component.split(","))):
                if name not in COMPONENTS:
                    raise UsageProblem(f"--components: unknown component {name!r} (known: k8s)")
        minor = target_minor(target_versions, target)
        state: AppState = ctx.obj
        archive = state.archive()
        knowledge = api_knowledge(archive)
        if minor is None:
            minor = _newest_minor(archive, knowledge.rows)
        scanned = read_inputs(paths, sys.stdin.buffer, dt.datetime.now(dt.UTC))
        for warning in scanned.warnings:
            typer.echo(f"warning: {warning}", err=True)
        options = ScanOptions(
            target=minor,
            only_show_removed=only_show_removed,
            ignore_deprecations=ignore_deprecations,
            ignore_removals=ignore_removals,
        )
        rows = judge(scanned.uses, knowledge.rows, options)
        _print(fmt, rows, minor, knowledge.description)
        if fmt in (Format.TEXT, Format.WIDE):
            typer.echo(
                f"{len(rows)} deprecated or removed of {len(scanned.uses)} objects in "
                f"{scanned.read} inputs at Kubernetes {minor}; knowledge: {knowledge.description}",
                err=True,
            )
        code = exit_code(rows, options)
        if code:
            raise typer.Exit(code)


def _newest_minor(archive: Archive, rows: Sequence[KnowledgeRow]) -> str:
    """The newest minor the archive knows, else the newest removal release in the knowledge."""
    from aksnews.knowledge.lifecycle import minor_key, minor_of

    known = set(archive.archived_minors())
    known.update(m for row in rows if (m := minor_of(row.removed_in or "")))
    return max(known, key=minor_key)


def _print(fmt: Format, rows: list[ScanRow], minor: str, knowledge: str) -> None:
    from aksnews.report import scan as scan_report

    if fmt is Format.JSON:
        print_json(scan_report.document(rows, minor, knowledge))
    elif fmt is Format.YAML:
        import yaml

        typer.echo(
            yaml.safe_dump(scan_report.document(rows, minor, knowledge), sort_keys=False),
            nl=False,
        )
    elif fmt is Format.CSV:
        typer.echo(scan_report.to_csv(rows), nl=False)
    elif fmt is Format.MARKDOWN:
        typer.echo(scan_report.to_markdown(rows, minor, knowledge), nl=False)
    elif fmt is Format.SARIF:
        print_json(scan_report.sarif(rows, minor, knowledge))
    else:
        wide = fmt is Format.WIDE
        print_table(scan_report.text_columns(wide=wide), scan_report.table_rows(rows, wide=wide))
