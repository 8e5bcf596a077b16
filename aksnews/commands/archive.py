"""Commands over the archive: fetch, ingest, releases, show, facts, search."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from aksnews.commands.context import (
    AppState,
    Piece,
    parse_date,
    print_json,
    print_styled,
    print_table,
    progress,
)
from aksnews.commands.options import json_option, output_option, wants_json
from aksnews.errors import AksnewsError, InputError
from aksnews.sources.registry import FETCH_ORDER, SOURCES

if TYPE_CHECKING:
    from aksnews.model.records import IngestReport
    from aksnews.model.releases import Fact
    from aksnews.sources.pipeline import FetchOutcome


def _source(value: str | None) -> str | None:
    if value is not None and value not in SOURCES:
        raise InputError(f"unknown source {value!r} (known: {', '.join(SOURCES)})")
    return value


_ALL_HELP = "Include releases withdrawn from their document."
_SHRINK_HELP = (
    "Accept a document much shorter than the archived one (fewer releases or bytes, or ending "
    "mid-release); without it such a document is taken for a truncated download and refused."
)


def _summarise(report: IngestReport) -> str:
    if report.unchanged:
        return f"{report.path}: unchanged since the last ingest, nothing parsed"
    parts = [
        f"{report.path}: {report.sections} release sections, {report.parsed} parsed",
        f"{len(report.new_releases)} new",
        f"{len(report.revised_releases)} edited in place",
    ]
    if report.renamed_releases:
        parts.append(f"{len(report.renamed_releases)} renamed")
    if report.withdrawn_releases:
        parts.append(f"{len(report.withdrawn_releases)} withdrawn")
    if report.restored_releases:
        parts.append(f"{len(report.restored_releases)} restored")
    if report.dry_run:
        parts.append("dry run: nothing written")
    else:
        parts.append(f"{report.entries} entries, {report.facts} facts written")
    if report.warnings:
        parts.append(f"{len(report.warnings)} warnings")
    return ", ".join(parts)


def _also_in(count: int) -> str:
    return f"  (also in {count} release{'s' if count > 1 else ''})" if count else ""


def _report_unread(reports: list[IngestReport]) -> None:
    """'3 statements not understood; aksnews facts --unread', then the first few of them."""
    unread = [u for r in reports for u in r.unread]
    if not unread:
        return
    noun = "statement" if len(unread) == 1 else "statements"
    typer.echo(f"{len(unread)} {noun} not understood; aksnews facts --unread")
    for key, expected, text in unread[:3]:
        short = text if len(text) <= 100 else text[:99] + "…"
        typer.echo(f"  {key} ({expected}): {short}")


def _report_ingest(reports: list[IngestReport], as_json: bool) -> None:
    if as_json:
        from aksnews.report.records import ingest_json

        print_json([ingest_json(r) for r in reports])
        return
    _report_each(reports)
    _report_unread(reports)


def _report_each(reports: list[IngestReport]) -> None:
    for report in reports:
        typer.echo(_summarise(report))
        for key in report.new_releases[:20]:
            typer.echo(f"  new: {key}")
        if len(report.new_releases) > 20:
            typer.echo(f"  ... and {len(report.new_releases) - 20} more new releases")
        for key in report.revised_releases:
            typer.echo(f"  edited: {key}")
        for renamed in report.renamed_releases:
            typer.echo(
                f"  renamed: {renamed.old_key} -> {renamed.new_key} "
                f"({renamed.old_title!r} -> {renamed.new_title!r})"
            )
        for key in report.withdrawn_releases:
            typer.echo(f"  withdrawn: {key}")
        for key in report.restored_releases:
            typer.echo(f"  restored: {key}")
        for warning in report.warnings:
            typer.echo(f"warning: {warning}", err=True)


def _list_unread(state: AppState, source: str | None, since: str | None, as_json: bool) -> None:
    rows = state.archive().list_unread(source=_source(source), since=parse_date(since, "--since"))
    if as_json:
        from aksnews.report.records import unread_json

        print_json([unread_json(u) for u in rows])
        return
    print_table(
        ("release", "entry", "expected", "statement"),
        ((u.release_key, str(u.entry_id), u.expected, u.text) for u in rows),
    )
    typer.echo(f"{len(rows)} statements not understood: read them in the release", err=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def ingest(
        ctx: typer.Context,
        paths: list[Path] = typer.Argument(..., help="Files to ingest.", show_default=False),
        source: str = typer.Option(
            "aks", "--source", "-s", help=f"What the files are: {', '.join(SOURCES)}."
        ),
        release: list[str] = typer.Option(
            [],
            "--release",
            help="Release a file without release headings belongs to (a release-notes "
            "draft: v1.NN.0); give one per file, in the order of the files.",
        ),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="Show what would change (new, edited, renamed, withdrawn)."
        ),
        accept_shrink: bool = typer.Option(False, "--accept-shrink", help=_SHRINK_HELP),
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """Ingest local files (air-gapped use, mirrors, tests); only changed sections are parsed.

        Each file is one transaction: a file that fails leaves the archive as it was. The
        archive follows the file: releases it no longer has are withdrawn (kept, hidden), a
        heading changed in place is a rename of the same release.
        """
        as_json = wants_json(output, as_json)
        from aksnews.sources.pipeline import ingest_file

        state: AppState = ctx.obj
        _source(source)
        archive = state.archive()
        reports = []
        if release and len(release) != len(paths):
            raise InputError(
                f"{len(release)} --release for {len(paths)} files: give one per file, "
                "in the same order (or none)"
            )
        releases: list[str | None] = list(release) if release else [None] * len(paths)
        for path, name in progress(list(zip(paths, releases, strict=True)), "ingesting"):
            reports.append(
                ingest_file(
                    archive,
                    state.settings(),
                    path,
                    source=source,
                    release=name,
                    accept_shrink=accept_shrink,
                    dry_run=dry_run,
                )
            )
        _report_ingest(reports, as_json)

    @app.command()
    def fetch(
        ctx: typer.Context,
        source: list[str] = typer.Option(
            list(FETCH_ORDER),
            "--source",
            "-s",
            help="Sources to poll (repeatable). Default: all, in the order shown.",
        ),
        accept_shrink: bool = typer.Option(False, "--accept-shrink", help=_SHRINK_HELP),
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """Poll sources with conditional GET, ingest what changed, print what is new.

        Upstream CHANGELOG-1.NN.md files are fetched for the window set by kubernetes_minors
        (default: from the oldest minor the AKS calendar or the inventory mentions, or the
        oldest a file:// mirror holds, up to the newest published; the next minor's file is
        probed and its 404 ends the walk; a minor missing before that is reported).
        """
        as_json = wants_json(output, as_json)
        from aksnews.sources.pipeline import fetch_and_ingest, source_urls, walk_kubernetes

        state: AppState = ctx.obj
        for s in source:
            _source(s)
        settings = state.settings()
        archive = state.archive()
        outcomes: list[FetchOutcome] = []
        failed: list[str] = []
        for name in progress([s for s in FETCH_ORDER if s in source], "fetching"):
            # One unreachable source must not keep the others from being polled.
            try:
                if name == "kubernetes":
                    walk = walk_kubernetes(archive, settings, accept_shrink=accept_shrink)
                    outcomes.extend(walk.outcomes)
                    for gap in walk.missing:
                        typer.echo(f"aksnews: warning: {gap}", err=True)
                    continue
                for src, url in source_urls(settings, [name]):
                    outcomes.append(
                        fetch_and_ingest(archive, settings, src, url, accept_shrink=accept_shrink)
                    )
            except AksnewsError as exc:
                typer.echo(f"aksnews: error: {name}: {exc}", err=True)
                failed.append(name)
        if as_json:
            from aksnews.report.records import ingest_json

            print_json(
                [
                    {
                        "source": o.source,
                        "url": o.url,
                        "not_modified": o.not_modified,
                        "ingest": None if o.report is None else ingest_json(o.report),
                    }
                    for o in outcomes
                ]
            )
            if failed:
                raise typer.Exit(1)
            return
        for outcome in outcomes:
            if outcome.report is None:
                typer.echo(f"{outcome.source}: {outcome.url}: not modified since the last fetch")
            else:
                _report_each([outcome.report])
        _report_unread([o.report for o in outcomes if o.report is not None])
        if failed:
            raise typer.Exit(1)

    @app.command()
    def releases(
        ctx: typer.Context,
        source: str | None = typer.Option(None, "--source", "-s", help="Only this source."),
        since: str | None = typer.Option(None, "--since", help="Released on or after (date)."),
        limit: int | None = typer.Option(None, "--limit", "-n", min=1, help="At most N."),
        include_all: bool = typer.Option(False, "--all", help=_ALL_HELP),
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """List archived releases, newest first.

        Upstream releases are ordered by version (pre-releases before the final release) and
        dated by the release schedule; one that no source dates is listed as 'no date', also
        with --since unless a newer release of its line is older than that day.
        """
        as_json = wants_json(output, as_json)
        from aksnews.knowledge.release_order import load_listing

        state: AppState = ctx.obj
        found = load_listing(
            state.archive(),
            source=_source(source),
            since=parse_date(since, "--since"),
            limit=limit,
            include_withdrawn=include_all,
        )
        rows = found.releases
        if as_json:
            from aksnews.report.records import release_json

            print_json([release_json(r) for r in rows])
            return
        print_table(
            ("id", "date", "title", "entries"),
            (
                (
                    r.key,
                    str(r.date or "no date"),
                    r.title + (" (withdrawn)" if r.withdrawn else ""),
                    str(r.entry_count),
                )
                for r in rows
            ),
        )
        typer.echo(f"{len(rows)} releases", err=True)
        if found.undated:
            typer.echo(
                f"{len(found.undated)} of them have no date in any source (no release schedule "
                "entry): `aksnews fetch --source kubernetes-schedule` dates upstream patches",
                err=True,
            )

    @app.command()
    def show(
        ctx: typer.Context,
        release: str = typer.Argument(..., help="Release id, version, date or tag."),
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """Show one release with its entries and facts (upstream: dated by the schedule)."""
        as_json = wants_json(output, as_json)

        state: AppState = ctx.obj
        detail = state.archive().get_release(release)
        if detail.summary.source == "kubernetes" and detail.summary.date is None:
            # Only an undated upstream release needs the schedule (and the lifecycle code).
            from dataclasses import replace

            from aksnews.knowledge.lifecycle import load_upstream_dates
            from aksnews.knowledge.release_order import dated

            (summary,) = dated([detail.summary], load_upstream_dates(state.archive()))
            detail = replace(detail, summary=summary)
        if as_json:
            from aksnews.report.records import release_detail_json

            print_json(release_detail_json(detail))
            return
        s = detail.summary
        lines: list[list[Piece]] = [
            [(s.title, "bold"), (f"  ({s.key}, {s.date or 'no date'})", None)]
            + ([("  withdrawn from its document", "yellow")] if s.withdrawn else []),
            [(s.url, None)],
        ]
        for entry in detail.entries:
            indent = "    " if entry.parent_position is not None else "  "
            first, *rest = entry.text.splitlines() or [""]
            lines.append([(indent, None), (entry.kind, "cyan"), (f" {first}", None)])
            # A note's own line breaks (lists of metrics, flags) stay, indented under it.
            lines += [[(f"{indent}  {line}", None)] for line in rest]
            for f in entry.facts:
                lines.append([(f"{indent}    {f.fact.type.value}: {f.fact.subject}", "dim")])
        print_styled(lines)

    @app.command()
    def facts(
        ctx: typer.Context,
        fact_type: str | None = typer.Option(None, "--type", "-t", help="Only facts of this type."),
        source: str | None = typer.Option(None, "--source", "-s", help="Only this source."),
        since: str | None = typer.Option(None, "--since", help="From releases on or after."),
        include_all: bool = typer.Option(False, "--all", help=_ALL_HELP),
        unread: bool = typer.Option(
            False,
            "--unread",
            help="List the statements the parser could not read instead (read them yourself).",
        ),
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """List typed facts (versions, node images, components, CVEs, retirements, APIs)."""
        as_json = wants_json(output, as_json)
        from aksnews.model.releases import FactType

        if unread:
            _list_unread(ctx.obj, source, since, as_json)
            return
        if fact_type is not None and fact_type not in {t.value for t in FactType}:
            known = ", ".join(t.value for t in FactType)
            raise InputError(f"unknown fact type {fact_type!r} (known: {known})")
        state: AppState = ctx.obj
        rows = state.archive().list_facts(
            fact_type=fact_type,
            source=_source(source),
            since=parse_date(since, "--since"),
            include_withdrawn=include_all,
        )
        if as_json:
            from aksnews.report.records import fact_json

            print_json([fact_json(f) for f in rows])
            return
        from aksnews.model.releases import fact_to_json

        def details(fact: Fact) -> str:
            return ", ".join(
                f"{k}={v}" for k, v in fact_to_json(fact).items() if v not in (None, [], "")
            )

        print_table(
            ("release", "type", "subject", "details"),
            ((f.release_key, f.fact.type.value, f.fact.subject, details(f.fact)) for f in rows),
        )
        typer.echo(f"{len(rows)} facts", err=True)

    @app.command()
    def search(
        ctx: typer.Context,
        query: list[str] = typer.Argument(..., help='Words; "quoted phrase", prefix*, OR.'),
        source: str | None = typer.Option(None, "--source", "-s", help="Only this source."),
        kind: str | None = typer.Option(None, "--kind", "-k", help="Only this entry kind."),
        version: str | None = typer.Option(
            None, "--version", "-v", help="Only notes of or about this minor (1.29)."
        ),
        since: str | None = typer.Option(None, "--since", help="Released on or after (date)."),
        limit: int = typer.Option(20, "--limit", "-n", min=1, max=1000, help="At most N hits."),
        include_all: bool = typer.Option(False, "--all", help=_ALL_HELP),
        output: str | None = output_option(),
        as_json: bool = json_option(),
    ) -> None:
        """Full-text search over every archived entry, best matches first."""
        as_json = wants_json(output, as_json)
        from aksnews.store.search import SearchQuery

        state: AppState = ctx.obj
        results = state.archive().search(
            SearchQuery(
                text=" ".join(query),
                source=_source(source),
                kind=kind,
                minor=version,
                since=parse_date(since, "--since"),
                limit=limit,
                include_withdrawn=include_all,
            ),
        )
        if as_json:
            from aksnews.report.records import hit_json

            print_json([hit_json(h) for h in results.hits])
            return
        from aksnews.model.records import HIGHLIGHT_END, HIGHLIGHT_START

        lines: list[list[Piece]] = []
        for hit in results.hits:
            lines.append(
                [
                    (hit.release_key, "cyan"),
                    (" ", None),
                    (hit.kind, "dim"),
                    (f" #{hit.entry_id}", None),
                    (_also_in(hit.also_in), "dim"),
                ]
            )
            # The snippet on one line, the matched words highlighted (markers from the store).
            snippet: list[Piece] = [("  ", None)]
            for i, part in enumerate(" ".join(hit.snippet.split()).split(HIGHLIGHT_START)):
                match, _, after = part.partition(HIGHLIGHT_END) if i else ("", "", part)
                snippet += [(match, "bold yellow"), (after, None)]
            lines.append(snippet)
        print_styled(lines)
        typer.echo(
            f"{len(results.hits)} of {results.total}{'+' if results.total_capped else ''} hits",
            err=True,
        )
