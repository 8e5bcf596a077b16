"""Commands over upstream knowledge: calendar, diff, apis."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import typer

from aksnews.commands.context import (
    AppState,
    Piece,
    print_json,
    print_styled,
    print_table,
    today_or,
)
from aksnews.errors import InputError

if TYPE_CHECKING:
    from aksnews.apis import KnowledgeRow
    from aksnews.diff import UpgradeDiff


def _minor_sort(minor: str | None) -> tuple[int, int]:
    from aksnews.lifecycle import minor_key

    return minor_key(minor) if minor else (999, 0)


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def register(app: typer.Typer) -> None:
    @app.command()
    def apis(
        ctx: typer.Context,
        removed_in: str | None = typer.Option(None, "--removed-in", help="Only removed in 1.NN."),
        deprecated_in: str | None = typer.Option(
            None, "--deprecated-in", help="Only deprecated in 1.NN."
        ),
        kind: str | None = typer.Option(
            None, "--kind", "-k", help="Only this kind (CronJob); case does not matter."
        ),
        group: str | None = typer.Option(
            None, "--group", "-g", help="Only this API group (batch, policy, storage.k8s.io)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """The deprecated/removed API knowledge base: guide rows and upstream notes merged.

        One row per API version, kind and removal. Each row keeps its evidence: the guide
        section and the PRs of upstream notes that say so, so a removal announced in a new
        minor shows up before the guide lists it. Before anything is fetched, the snapshot
        shipped with aksnews answers (the origin is said on stderr).
        """
        from aksnews.lifecycle import minor_of
        from aksnews.store.knowledge import load_api_knowledge

        state: AppState = ctx.obj
        for option, value in (("--removed-in", removed_in), ("--deprecated-in", deprecated_in)):
            if value is not None and minor_of(value) is None:
                raise InputError(f"{option} wants a minor version such as 1.25, not {value!r}")
        knowledge = load_api_knowledge(state.engine())
        rows = list(knowledge.apis)
        if removed_in:
            rows = [r for r in rows if r.removed_in == minor_of(removed_in)]
        if deprecated_in:
            rows = [r for r in rows if r.deprecated_in == minor_of(deprecated_in)]
        if kind:
            rows = [r for r in rows if r.kind.lower() == kind.lower()]
        if group:
            wanted = "" if group.lower() in ("core", '""') else group.lower()
            rows = [r for r in rows if r.group_version.rpartition("/")[0].lower() == wanted]
        rows.sort(key=lambda r: (_minor_sort(r.removed_in), r.group_version, r.kinds))
        if as_json:
            print_json([knowledge_json(r) for r in rows])
        else:
            print_table(
                (
                    "API",
                    "kind",
                    "deprecated in",
                    "removed in",
                    "replacement",
                    "confidence",
                    "evidence",
                ),
                (
                    (
                        r.group_version,
                        r.kind,
                        r.deprecated_in or "",
                        (r.removed_in or "") + (" (planned)" if r.planned else ""),
                        r.replacement or "none",
                        r.confidence.label + (" (disputed)" if r.disagreements else ""),
                        ", ".join(_evidence(r)),
                    )
                    for r in rows
                ),
            )
        where = (
            "archive"
            if knowledge.origin == "archive"
            else (
                f"snapshot shipped with aksnews, made {knowledge.generated}; "
                "`aksnews fetch` replaces it"
            )
        )
        typer.echo(f"{len(rows)} APIs (from the {where})", err=True)

    @app.command()
    def calendar(
        ctx: typer.Context,
        today: str | None = typer.Option(None, "--today", help="Judge support as of this date."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Kubernetes minors on AKS: GA, end of standard support, LTS end, supported today."""
        from aksnews.store.knowledge import load_calendar

        state: AppState = ctx.obj
        day = today_or(today)
        rows = load_calendar(state.engine(), day)
        if as_json:
            print_json(
                [
                    {
                        "minor": r.minor,
                        "upstream_release": _iso(r.upstream_release),
                        "aks_preview": _iso(r.aks_preview),
                        "aks_ga": _iso(r.aks_ga),
                        "end_of_support": _iso(r.end_of_support),
                        "platform_support_end": _iso(r.platform_support_end),
                        "lts_end": _iso(r.lts_end),
                        "support": r.support.value,
                        "supported": r.supported,
                        "sources": list(r.sources),
                    }
                    for r in rows
                ]
            )
            return
        print_table(
            ("minor", "AKS GA", "end of support", "LTS end", "today"),
            (
                (
                    r.minor,
                    str(r.aks_ga or ""),
                    str(r.end_of_support or ""),
                    str(r.lts_end or ""),
                    r.support.value,
                )
                for r in rows
            ),
        )
        if not rows:
            typer.echo(
                "no calendar data: run `aksnews fetch` or ingest --source aks-calendar", err=True
            )

    @app.command()
    def diff(
        ctx: typer.Context,
        start: str = typer.Argument(..., help="From version: 1.NN (after that line) or 1.NN.P."),
        end: str = typer.Argument(..., help="To version: 1.MM (its newest patch) or 1.MM.Q."),
        kind: list[str] = typer.Option(
            [],
            "--kind",
            "-k",
            help="Only these sections: urgent-upgrade, removed-api, removed-feature-gate, "
            "removed-flag, deprecation, api-change, dependency (repeatable).",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Upstream changes between two versions: urgent notes, then the removed APIs, feature
        gates and flags, deprecations, API changes, and one line per dependency."""
        from aksnews.diff import GROUPS, Version, build_diff
        from aksnews.store.knowledge import load_api_knowledge
        from aksnews.store.queries import load_upstream_range

        try:
            a, b = Version.parse(start), Version.parse(end)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        if b < a:
            raise InputError(f"{end} is older than {start}")
        unknown = set(kind) - {g[0] for g in GROUPS}
        if unknown:
            raise InputError(f"unknown kind {sorted(unknown)[0]!r} for diff")
        state: AppState = ctx.obj
        engine = state.engine()
        details = load_upstream_range(engine, a, b)
        report = build_diff(a, b, details, kind, load_api_knowledge(engine))
        if report.missing_minors:
            typer.echo(
                f"warning: no upstream notes archived for {', '.join(report.missing_minors)}: "
                "this diff misses their changes (`aksnews fetch --source kubernetes`)",
                err=True,
            )
        if as_json:
            print_json(_diff_json(report))
        else:
            print_styled(_diff_lines(report), page=True)
        if not report.releases:
            typer.echo(
                "no upstream releases archived in that range: "
                "`aksnews fetch --source kubernetes` first",
                err=True,
            )


def _diff_json(report: UpgradeDiff) -> dict[str, Any]:
    from aksnews.output import entry_json

    return {
        "from": report.start,
        "to": report.end,
        "releases": list(report.releases),
        "missing_minors": list(report.missing_minors),
        "knowledge": report.knowledge_origin,
        "groups": [
            {"kind": g.kind, "title": g.title, "entries": [entry_json(e) for e in g.entries]}
            for g in report.groups
        ],
        "removed_apis": [knowledge_json(r) for r in report.removed_apis],
        "removed_feature_gates": [
            {"name": g.name, "removed_in": g.removed_in, "evidence": list(g.evidence)}
            for g in report.removed_gates
        ],
        "removed_flags": [
            {
                "flag": f.flag,
                "component": f.component,
                "removed_in": f.removed_in,
                "evidence": list(f.evidence),
            }
            for f in report.removed_flags
        ],
        "dependencies": [
            {"component": d.component, "from": d.from_version, "to": d.to_version, "bumps": d.bumps}
            for d in report.dependencies
        ],
    }


def _heading(title: str, count: int) -> list[list[Piece]]:
    return [[], [(title, "bold"), (f" ({count})", None)]]


def _diff_lines(report: UpgradeDiff) -> list[list[Piece]]:
    lines: list[list[Piece]] = [
        [
            (f"{report.start} → {report.end}", "bold"),
            (f": {len(report.releases)} upstream releases", None),
        ]
    ]
    if report.missing_minors:
        lines.append([(f"missing from the archive: {', '.join(report.missing_minors)}", "red")])

    def notes(kind: str) -> None:
        for group in report.groups:
            if group.kind != kind:
                continue
            lines.extend(_heading(group.title, len(group.entries)))
            for e in group.entries:
                pr = f" (#{e.pr})" if e.pr else ""
                text = " ".join(e.text.split())  # one line per note: grep finds the whole note
                tag = "" if e.kind == "urgent-upgrade" else f" [{e.kind}]"
                lines.append([("  • ", None), (e.release_key, "dim"), (f"{tag} {text}{pr}", None)])

    notes("urgent-upgrade")
    if report.removed_apis:
        lines.extend(_heading("Removed APIs", len(report.removed_apis)))
        for r in report.removed_apis:
            planned = " (planned)" if r.planned else ""
            instead = f" → {r.replacement}" if r.replacement else ""
            lines.append(
                [
                    (f"  • {r.removed_in}{planned} ", "dim"),
                    (f"{r.group_version} {r.kind}".rstrip() + instead, None),
                    (f"  {', '.join(_evidence(r))}", "dim"),
                ]
            )
    if report.removed_gates:
        lines.extend(_heading("Removed feature gates", len(report.removed_gates)))
        for g in report.removed_gates:
            lines.append([(f"  • {g.removed_in} ", "dim"), (g.name, None)])
    if report.removed_flags:
        lines.extend(_heading("Removed flags", len(report.removed_flags)))
        for f in report.removed_flags:
            where = f" ({f.component})" if f.component else ""
            lines.append([(f"  • {f.removed_in} ", "dim"), (f"{f.flag}{where}", None)])
    notes("deprecation")
    notes("api-change")
    if any(g.kind == "dependency" for g in report.groups):
        lines.extend(_heading("Dependency changes", len(report.dependencies)))
        for d in report.dependencies:
            change = f"{d.from_version or '(added)'} → {d.to_version or '(removed)'}"
            lines.append([(f"  • {d.component} ", None), (change, "dim")])
    return lines


def knowledge_json(row: KnowledgeRow) -> dict[str, Any]:
    from aksnews.api_catalogue import row_json

    return row_json(row)


def _evidence(row: KnowledgeRow) -> list[str]:
    """'guide v1.25 CronJob', then the PRs: where a reader checks the row."""
    out = [f"guide {row.guide_section}" if row.guide_section else ""]
    out += [e for e in row.evidence if e != "deprecation-guide"]
    return [e for e in out if e]
