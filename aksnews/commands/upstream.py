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
from aksnews.commands.options import (
    UsageProblem,
    json_option,
    known_minor,
    output_option,
    wants_json,
)
from aksnews.errors import InputError

if TYPE_CHECKING:
    from aksnews.knowledge.apis import KnowledgeRow
    from aksnews.knowledge.diff import UpgradeDiff
    from aksnews.knowledge.lifecycle import Claim, Conflict, MinorLifecycle, Resolved


def _minor_sort(minor: str | None) -> tuple[int, int]:
    from aksnews.knowledge.lifecycle import minor_key

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
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """The deprecated/removed API knowledge base: guide rows and upstream notes merged.

        One row per API version, kind and removal. Each row keeps its evidence: the guide
        section and the PRs of upstream notes that say so, so a removal announced in a new
        minor shows up before the guide lists it. Before anything is fetched, the snapshot
        shipped with aksnews answers (the origin is said on stderr).
        """
        as_json = wants_json(output, as_json)
        from aksnews.knowledge.catalogue import load_api_knowledge
        from aksnews.knowledge.lifecycle import minor_of

        state: AppState = ctx.obj
        for option, value in (("--removed-in", removed_in), ("--deprecated-in", deprecated_in)):
            if value is not None:
                known_minor(state.archive(), value, option)
        knowledge = load_api_knowledge(state.archive())
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
        from aksnews.knowledge.lifecycle import all_conflicts, load_calendar

        state: AppState = ctx.obj
        day = today_or(today)
        archive = state.archive()
        rows = load_calendar(archive, day)
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
            help="Only these sections: urgent-upgrade, removed-api, removed-feature-gate, "
            "removed-flag, deprecation, api-change, dependency (repeatable).",
        ),
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """Upstream changes between two versions: urgent notes, then the removed APIs, feature
        gates and flags, deprecations, API changes, and one line per dependency."""
        as_json = wants_json(output, as_json)
        from aksnews.knowledge.catalogue import load_api_knowledge
        from aksnews.knowledge.diff import (
            GROUPS,
            NOTE_KINDS,
            Version,
            build_diff,
            minors_between,
            range_keys,
        )

        try:
            a, b = Version.parse(start), Version.parse(end)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        if b < a:
            raise InputError(f"{end} is older than {start}")
        state: AppState = ctx.obj
        for name, value in (("start", start), ("end", end)):
            known_minor(state.archive(), value, name)
        unknown = set(kind) - {g[0] for g in GROUPS}
        if unknown:
            raise UsageProblem(f"unknown kind {sorted(unknown)[0]!r} for diff")
        archive = state.archive()
        # Streamed, with only the notes a diff shows: memory and time do not grow with the
        # bugs and features of a wide range.
        summaries = archive.list_releases(source="kubernetes", minors=minors_between(a, b))
        details = archive.release_notes(range_keys(summaries, a, b), NOTE_KINDS)
        report = build_diff(a, b, details, kind, load_api_knowledge(archive))
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
    from aksnews.report.records import entry_json

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
    from aksnews.knowledge.catalogue import row_json

    return row_json(row)


def _evidence(row: KnowledgeRow) -> list[str]:
    """'guide v1.25 CronJob', then the PRs: where a reader checks the row."""
    out = [f"guide {row.guide_section}" if row.guide_section else ""]
    out += [e for e in row.evidence if e != "deprecation-guide"]
    return [e for e in out if e]
