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
    from aksnews.lifecycle import Claim, Conflict, MinorLifecycle, Resolved


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
        conflicts: bool = typer.Option(
            False, "--conflicts", help="List where the sources disagree, and what was chosen."
        ),
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """Kubernetes minors on AKS: one lifecycle per minor reconciled from the AKS calendar,
        the AKS CHANGELOG and the upstream schedule; GA, end of support, LTS end, support today.

        Dates marked '~' are inferred by a rule (N-2, a patch after the last preview); '*' marks
        a minor whose sources disagree (see --conflicts).
        """
        as_json = wants_json(output, as_json)
        from aksnews.commands.freshness import warn_if_stale
        from aksnews.lifecycle import all_conflicts
        from aksnews.store.knowledge import load_calendar

        state: AppState = ctx.obj
        day = today_or(today)
        engine = state.engine()
        rows = load_calendar(engine, day)
        warn_if_stale(state, day)
        if conflicts:
            found = all_conflicts(rows)
            if as_json:
                print_json([conflict_json(c) for c in found])
                return
            for conflict in found:
                typer.echo(conflict.describe())
            typer.echo(f"{len(found)} conflicts", err=True)
            return
        if as_json:
            print_json([lifecycle_json(r) for r in rows])
            return
        print_table(
            ("minor", "upstream", "AKS preview", "AKS GA", "end of support", "LTS end", "today"),
            (
                (
                    r.minor + ("*" if r.conflicts else ""),
                    _shown(r, "upstream-release"),
                    _shown(r, "aks-preview"),
                    _shown(r, "aks-ga"),
                    _shown(r, "end-of-support"),
                    _shown(r, "lts-end"),
                    r.support.value,
                )
                for r in rows
            ),
        )
        if not rows:
            typer.echo(
                "no calendar data: run `aksnews fetch` or ingest --source aks-calendar", err=True
            )
        elif any(r.conflicts for r in rows):
            count = sum(len(r.conflicts) for r in rows)
            typer.echo(f"{count} conflicts between sources: aksnews calendar --conflicts", err=True)

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


def _shown(row: MinorLifecycle, milestone: str) -> str:
    resolved = next((d for d in row.dates if d.milestone.value == milestone), None)
    if resolved is None:
        return ""
    # A month-only calendar cell that nothing refined is shown as the month it names.
    month = resolved.claim.month_only and resolved.refines is None
    text = resolved.date.strftime("%Y-%m") if month else resolved.date.isoformat()
    return ("~" if resolved.basis.value == "inferred" else "") + text


def claim_json(claim: Claim) -> dict[str, Any]:
    return {
        "date": claim.date.isoformat(),
        "basis": claim.basis.value,
        "source": claim.source,
        "stated_on": _iso(claim.stated_on),
        "month_only": claim.month_only,
        "detail": claim.detail,
    }


def resolved_json(resolved: Resolved) -> dict[str, Any]:
    return {
        "milestone": resolved.milestone.value,
        "date": resolved.date.isoformat(),
        "basis": resolved.basis.value,
        "source": resolved.claim.source,
        "detail": resolved.claim.detail,
        "refines": None if resolved.refines is None else claim_json(resolved.refines),
    }


def conflict_json(conflict: Conflict) -> dict[str, Any]:
    return {
        "minor": conflict.minor,
        "milestone": conflict.milestone.value,
        "chosen": resolved_json(conflict.chosen),
        "others": [claim_json(c) for c in conflict.others],
        "text": conflict.describe(),
    }


def lifecycle_json(r: MinorLifecycle) -> dict[str, Any]:
    return {
        "minor": r.minor,
        "upstream_release": _iso(r.upstream_release),
        "upstream_maintenance": _iso(r.upstream_maintenance),
        "upstream_end_of_life": _iso(r.upstream_end_of_life),
        "aks_preview": _iso(r.aks_preview),
        "aks_ga": _iso(r.aks_ga),
        "end_of_support": _iso(r.end_of_support),
        "platform_support_end": _iso(r.platform_support_end),
        "lts_end": _iso(r.lts_end),
        "lts": r.lts,
        "support": r.support.value,
        "supported": r.supported,
        "sources": list(r.sources),
        "dates": [resolved_json(d) for d in r.dates],
        "conflicts": [conflict_json(c) for c in r.conflicts],
    }
