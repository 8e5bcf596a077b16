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
from aksnews.errors import AksnewsError, InputError
from aksnews.sources import FETCH_ORDER, SOURCES

if TYPE_CHECKING:
    from aksnews.model import Fact
    from aksnews.store.records import IngestReport


def _source(value: str | None) -> str | None:
    if value is not None and value not in SOURCES:
        raise InputError(f"unknown source {value!r} (known: {', '.join(SOURCES)})")
    return value


def _summarise(report: IngestReport) -> str:
    if report.unchanged:
        return f"{report.path}: unchanged since the last ingest, nothing parsed"
    parts = [
        f"{report.path}: {report.sections} release sections, {report.parsed} parsed",
        f"{len(report.new_releases)} new",
        f"{len(report.revised_releases)} edited in place",
        f"{report.entries} entries, {report.facts} facts written",
    ]
    if report.warnings:
        parts.append(f"{len(report.warnings)} warnings")
    return ", ".join(parts)


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
        from aksnews.output import ingest_json

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
        for warning in report.warnings:
            typer.echo(f"warning: {warning}", err=True)


def _list_unread(state: AppState, source: str | None, since: str | None, as_json: bool) -> None:
    from aksnews.store.queries import list_unread

    rows = list_unread(state.engine(), source=_source(source), since=parse_date(since, "--since"))
    if as_json:
        from aksnews.output import unread_json

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
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Ingest local files (air-gapped use, mirrors, tests); only changed sections are parsed.

        Each file is one transaction: a file that fails leaves the archive as it was.
        """
        from aksnews.pipeline import ingest_file

        state: AppState = ctx.obj
        _source(source)
        engine = state.engine()
        reports = []
        if release and len(release) != len(paths):
            raise InputError(
                f"{len(release)} --release for {len(paths)} files: give one per file, "
                "in the same order (or none)"
            )
        releases: list[str | None] = list(release) if release else [None] * len(paths)
        for path, name in progress(list(zip(paths, releases, strict=True)), "ingesting"):
            reports.append(ingest_file(engine, state.settings(), path, source=source, release=name))
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
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Poll sources with conditional GET, ingest what changed, print what is new.

        Upstream CHANGELOG-1.NN.md files are fetched for the window set by kubernetes_minors
        (default: from the oldest minor the AKS calendar or the inventory mentions up to the
        newest published; the next minor's file is probed and a 404 simply ends the walk).
        """
        from aksnews.pipeline import fetch_and_ingest, fetch_kubernetes, source_urls

        state: AppState = ctx.obj
        for s in source:
            _source(s)
        settings = state.settings()
        engine = state.engine()
        outcomes = []
        failed: list[str] = []
        for name in progress([s for s in FETCH_ORDER if s in source], "fetching"):
            # One unreachable source must not keep the others from being polled.
            try:
                if name == "kubernetes":
                    outcomes.extend(fetch_kubernetes(engine, settings))
                    continue
                for src, url in source_urls(settings, [name]):
                    outcomes.append(fetch_and_ingest(engine, settings, src, url))
            except AksnewsError as exc:
                typer.echo(f"aksnews: error: {name}: {exc}", err=True)
                failed.append(name)
        if as_json:
            from aksnews.output import ingest_json

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
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """List archived releases, newest first."""
        from aksnews.store.queries import list_releases

        state: AppState = ctx.obj
        rows = list_releases(
            state.engine(), source=_source(source), since=parse_date(since, "--since"), limit=limit
        )
        if as_json:
            from aksnews.output import release_json

            print_json([release_json(r) for r in rows])
            return
        print_table(
            ("id", "date", "title", "entries"),
            ((r.key, str(r.date or ""), r.title, str(r.entry_count)) for r in rows),
        )
        typer.echo(f"{len(rows)} releases", err=True)

    @app.command()
    def show(
        ctx: typer.Context,
        release: str = typer.Argument(..., help="Release id, version, date or tag."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Show one release with its entries and facts."""
        from aksnews.store.queries import get_release

        state: AppState = ctx.obj
        detail = get_release(state.engine(), release)
        if as_json:
            from aksnews.output import release_detail_json

            print_json(release_detail_json(detail))
            return
        s = detail.summary
        lines: list[list[Piece]] = [
            [(s.title, "bold"), (f"  ({s.key}, {s.date or 'no date'})", None)],
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
        unread: bool = typer.Option(
            False,
            "--unread",
            help="List the statements the parser could not read instead (read them yourself).",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """List typed facts (versions, node images, components, CVEs, retirements, APIs)."""
        from aksnews.model import FactType
        from aksnews.store.queries import list_facts

        if unread:
            _list_unread(ctx.obj, source, since, as_json)
            return
        if fact_type is not None and fact_type not in {t.value for t in FactType}:
            known = ", ".join(t.value for t in FactType)
            raise InputError(f"unknown fact type {fact_type!r} (known: {known})")
        state: AppState = ctx.obj
        rows = list_facts(
            state.engine(),
            fact_type=fact_type,
            source=_source(source),
            since=parse_date(since, "--since"),
        )
        if as_json:
            from aksnews.output import fact_json

            print_json([fact_json(f) for f in rows])
            return
        from aksnews.model import fact_to_json

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
        as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
    ) -> None:
        """Full-text search over every archived entry, best matches first."""
        from aksnews.store.search import SearchQuery
        from aksnews.store.search import search as run_search

        state: AppState = ctx.obj
        results = run_search(
            state.engine(),
            SearchQuery(
                text=" ".join(query),
                source=_source(source),
                kind=kind,
                minor=version,
                since=parse_date(since, "--since"),
                limit=limit,
            ),
        )
        if as_json:
            from aksnews.output import hit_json

            print_json([hit_json(h) for h in results.hits])
            return
        from aksnews.store.records import HIGHLIGHT_END, HIGHLIGHT_START

        lines: list[list[Piece]] = []
        for hit in results.hits:
            lines.append(
                [
                    (hit.release_key, "cyan"),
                    (" ", None),
                    (hit.kind, "dim"),
                    (f" #{hit.entry_id}", None),
                ]
            )
            # The snippet on one line, the matched words highlighted (markers from the store).
            snippet: list[Piece] = [("  ", None)]
            for i, part in enumerate(" ".join(hit.snippet.split()).split(HIGHLIGHT_START)):
                match, _, after = part.partition(HIGHLIGHT_END) if i else ("", "", part)
                snippet += [(match, "bold yellow"), (after, None)]
            lines.append(snippet)
        print_styled(lines)
        typer.echo(f"{len(results.hits)} of {results.total} matches", err=True)
