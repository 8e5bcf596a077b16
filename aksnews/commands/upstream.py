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
from aksnews.commands.options import json_option, known_minor, output_option, wants_json
from aksnews.errors import InputError

if TYPE_CHECKING:
    from aksnews.apis import KnowledgeRow


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
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """The deprecated/removed API knowledge base: guide rows and changelog notes merged.

        Each row keeps its evidence: 'deprecation-guide' and the PRs of upstream notes that
        say so, so a removal announced in a new minor shows up before the guide lists it.
        """
        as_json = wants_json(output, as_json)
        from aksnews.lifecycle import minor_of
        from aksnews.store.knowledge import load_knowledge

        state: AppState = ctx.obj
        rows = list(load_knowledge(state.engine()))
        for option, value in (("--removed-in", removed_in), ("--deprecated-in", deprecated_in)):
            if value is not None:
                known_minor(state.engine(), value, option)
        if removed_in:
            rows = [r for r in rows if r.removed_in == minor_of(removed_in)]
        if deprecated_in:
            rows = [r for r in rows if r.deprecated_in == minor_of(deprecated_in)]
        rows.sort(key=lambda r: (_minor_sort(r.removed_in), r.group_version, r.kinds))
        if as_json:
            print_json([knowledge_json(r) for r in rows])
            return
        print_table(
            ("API", "kinds", "removed in", "replacement", "evidence"),
            (
                (
                    r.group_version,
                    ", ".join(r.kinds),
                    (r.removed_in or "") + (" (planned)" if r.planned else ""),
                    r.replacement or "none",
                    ", ".join(r.evidence),
                )
                for r in rows
            ),
        )
        typer.echo(f"{len(rows)} APIs", err=True)

    @app.command()
    def calendar(
        ctx: typer.Context,
        today: str | None = typer.Option(None, "--today", help="Judge support as of this date."),
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """Kubernetes minors on AKS: GA, end of standard support, LTS end, supported today."""
        as_json = wants_json(output, as_json)
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
            help="Only these kinds: urgent-upgrade, deprecation, "
            "api-change, dependency (repeatable).",
        ),
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """Upstream changes between two versions: urgent notes, deprecations, API changes..."""
        as_json = wants_json(output, as_json)
        from aksnews.diff import GROUPS, Version, build_diff
        from aksnews.store.queries import load_upstream_range

        try:
            a, b = Version.parse(start), Version.parse(end)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        if b < a:
            raise InputError(f"{end} is older than {start}")
        state: AppState = ctx.obj
        for name, value in (("start", start), ("end", end)):
            known_minor(state.engine(), value, name)
        unknown = set(kind) - {g[0] for g in GROUPS}
        if unknown:
            raise InputError(f"unknown kind {sorted(unknown)[0]!r} for diff")
        engine = state.engine()
        details = load_upstream_range(engine, a, b)
        report = build_diff(a, b, details, kind)
        if as_json:
            from aksnews.output import entry_json, fact_json

            document: dict[str, Any] = {
                "from": report.start,
                "to": report.end,
                "releases": list(report.releases),
                "groups": [
                    {
                        "kind": g.kind,
                        "title": g.title,
                        "entries": [entry_json(e) for e in g.entries],
                    }
                    for g in report.groups
                ],
                "removed_apis": [fact_json(f) for f in report.removed_apis],
            }
            print_json(document)
            return
        lines: list[list[Piece]] = [
            [
                (f"{report.start} → {report.end}", "bold"),
                (f": {len(report.releases)} upstream releases", None),
            ]
        ]
        for group in report.groups:
            lines += [[], [(group.title, "bold"), (f" ({len(group.entries)})", None)]]
            for e in group.entries:
                pr = f" (#{e.pr})" if e.pr else ""
                text = " ".join(e.text.split())  # one line per note: grep finds the whole note
                lines.append([("  • ", None), (e.release_key, "dim"), (f" {text}{pr}", None)])
        if report.removed_apis:
            lines += [[], [("Removed APIs", "bold"), (f" ({len(report.removed_apis)})", None)]]
            for f in report.removed_apis:
                lines.append([(f"  • {f.fact.subject} ", None), (f.release_key, "dim")])
        print_styled(lines)
        if not report.releases:
            typer.echo(
                "no upstream releases archived in that range: "
                "`aksnews fetch --source kubernetes` first",
                err=True,
            )


def knowledge_json(row: KnowledgeRow) -> dict[str, Any]:
    return {
        "group_version": row.group_version,
        "kinds": list(row.kinds),
        "removed_in": row.removed_in,
        "deprecated_in": row.deprecated_in,
        "replacement": row.replacement,
        "replacement_since": row.replacement_since,
        "notes": row.notes,
        "evidence": list(row.evidence),
        "references": list(row.references),
        "in_guide": row.in_guide,
        "planned": row.planned,
        "disagreements": list(row.disagreements),
    }
