"""How well the upstream parser reads the release-notes drafts, against the release team's labels.

For each minor 1.20 to 1.34 the draft release-notes-1.NN.md is parsed as release v1.NN.0 and its
notes are matched by PR number with release-notes-1.NN.json (relnotes.k8s.io data, labelled by
the release team):

- coverage: share of the labelled PRs that the draft links to and that the parse emits as a
  note's PR. Labelled notes the draft never links (notes left out of the draft, 'NONE' texts)
  are not counted: nothing could be parsed for them.
- kinds: share of matched notes whose parsed kind is one of the labelled kinds (bug and
  regression -> bug; cleanup and flake -> other; no kind at all -> other, as the draft lists
  those under 'Uncategorized'). Notes under 'Urgent Upgrade Notes' are left out of this share:
  the labels have no such kind, and their action_required flag is incomplete (1.20 has 13
  urgent notes, 10 flagged), so they can be neither confirmed nor refused. The same PR is
  usually listed again under 'Changes by Kind', and that note is checked. The table shows how
  many urgent notes there are, how many carry action_required and how many are listed only
  there (so never kind-checked).
- sigs: among matched notes (urgent ones included) that list '[SIG ...]', share whose parsed
  SIG set equals the label's.
- action required: over the linked PRs, share where the parse's action_required flag (an urgent
  note, 'ACTION REQUIRED' in the text, or a sub-note of such a group) equals the label's
  action_required. The labels flag some notes the draft files under another kind with no word
  of it in their text (1.22: 12 such notes); those count as disagreements, since nothing in the
  document could tell.

Run: python bench/relnotes_accuracy.py [-v] [--perf [ROUNDS]]
(corpus from AKSNEWS_CORPUS or ../shared/corpus). -v lists every miss; --perf times the parse of
both CHANGELOG files and all 21 drafts against a bare MarkdownIt().parse of the same texts, the
two measured alternately in-process, and once more with the API fact mining switched off to show
what the line scan alone costs.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from aksnews.model.releases import Entry, EntryKind
from aksnews.parsers import kubernetes_changelog
from aksnews.parsers.base import ParseOptions, parse_document
from aksnews.parsers.kubernetes_changelog import KubernetesChangelogParser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from corpus import LABELLED_MINORS, RELEASE_NOTE_MINORS, corpus_text  # noqa: E402

_PULL_LINK = re.compile(r"github\.com/kubernetes/kubernetes/pull/(\d+)")
_KINDS = {
    "bug": EntryKind.BUG,
    "regression": EntryKind.BUG,
    "cleanup": EntryKind.OTHER,
    "flake": EntryKind.OTHER,
    "api-change": EntryKind.API_CHANGE,
    "deprecation": EntryKind.DEPRECATION,
    "feature": EntryKind.FEATURE,
    "documentation": EntryKind.DOCUMENTATION,
    "failing-test": EntryKind.FAILING_TEST,
}


@dataclass(frozen=True)
class Row:
    minor: str
    labelled: int  # notes in the JSON
    linked: int  # of which the draft links the PR (the coverage denominator)
    covered: int  # of which the parse emits a note with that PR
    matched: int  # emitted non-urgent notes whose PR is labelled (a PR may be under two kinds)
    kind_ok: int
    urgent: int  # urgent-upgrade notes with a labelled PR
    urgent_flagged: int  # of which the label carries action_required
    urgent_only: int  # of which the PR is listed nowhere else
    with_sigs: int
    sigs_ok: int
    ar_labelled: int = 0  # linked PRs the label marks action_required
    ar_parsed: int = 0  # linked PRs the parse marks action_required
    ar_agree: int = 0  # linked PRs where the two agree
    ar_both: int = 0  # linked PRs both mark
    ar_misses: tuple[tuple[int, bool, bool], ...] = ()  # (PR, label, parse) that disagree
    missing: tuple[int, ...] = ()
    kind_misses: tuple[tuple[int, str, tuple[str, ...]], ...] = ()
    sig_misses: tuple[tuple[int, tuple[str, ...], tuple[str, ...]], ...] = ()
    extra: tuple[int, ...] = field(default=())  # emitted PRs the JSON does not label

    @property
    def coverage(self) -> float:
        return self.covered / self.linked if self.linked else 1.0

    @property
    def kinds(self) -> float:
        return self.kind_ok / self.matched if self.matched else 1.0

    @property
    def sigs(self) -> float:
        return self.sigs_ok / self.with_sigs if self.with_sigs else 1.0

    @property
    def action_required(self) -> float:
        return self.ar_agree / self.linked if self.linked else 1.0


def expected_kinds(label: dict[str, Any]) -> set[EntryKind]:
    kinds = {_KINDS[k] for k in label.get("kinds") or () if k in _KINDS}
    return kinds or {EntryKind.OTHER}


def kind_agrees(entry: Entry, label: dict[str, Any]) -> bool:
    # kind_name: a note under a heading aksnews does not know keeps that heading's name
    return entry.kind_name in {k.value for k in expected_kinds(label)}


def accuracy(minor: str, markdown: str, labels: dict[str, dict[str, Any]]) -> Row:
    """Compare the parse of one draft with its labels (the JSON's records, keyed by PR)."""
    by_pr = {int(label["pr_number"]): label for label in labels.values()}
    result = parse_document(
        KubernetesChangelogParser(),
        markdown,
        f"release-notes-{minor}.md",
        ParseOptions(release=f"v{minor}.0"),
    )
    entries = [e for r in result.releases for e in r.entries if e.pr is not None]
    emitted = {e.pr for e in entries}
    linked = {int(n) for n in _PULL_LINK.findall(markdown)} & by_pr.keys()
    urgent = [e for e in entries if e.pr in by_pr and e.kind is EntryKind.URGENT_UPGRADE]
    matched = [e for e in entries if e.pr in by_pr and e.kind is not EntryKind.URGENT_UPGRADE]
    elsewhere = {e.pr for e in matched}
    kind_misses = []
    sig_misses = []
    with_sigs = 0
    for e in matched:
        assert e.pr is not None
        label = by_pr[e.pr]
        if not kind_agrees(e, label):
            kind_misses.append((e.pr, e.kind.value, tuple(label.get("kinds") or ())))
    for e in [*urgent, *matched]:
        assert e.pr is not None
        label = by_pr[e.pr]
        if e.sigs:
            with_sigs += 1
            if set(e.sigs) != set(label.get("sigs") or ()):
                sig_misses.append((e.pr, e.sigs, tuple(label.get("sigs") or ())))
    flagged = {e.pr for e in entries if e.action_required}
    labelled_ar = {pr for pr in linked if by_pr[pr].get("action_required")}
    return Row(
        minor=minor,
        ar_labelled=len(labelled_ar),
        ar_parsed=len(flagged & linked),
        ar_agree=sum(1 for pr in linked if (pr in flagged) == (pr in labelled_ar)),
        ar_both=len(labelled_ar & flagged),
        ar_misses=tuple(
            (pr, pr in labelled_ar, pr in flagged)
            for pr in sorted(linked)
            if (pr in flagged) != (pr in labelled_ar)
        ),
        labelled=len(by_pr),
        linked=len(linked),
        covered=len(linked & emitted),
        matched=len(matched),
        kind_ok=len(matched) - len(kind_misses),
        urgent=len(urgent),
        urgent_flagged=sum(1 for e in urgent if by_pr[e.pr or 0].get("action_required")),
        urgent_only=sum(1 for e in urgent if e.pr not in elsewhere),
        with_sigs=with_sigs,
        sigs_ok=with_sigs - len(sig_misses),
        missing=tuple(sorted(linked - emitted)),
        kind_misses=tuple(kind_misses),
        sig_misses=tuple(sig_misses),
        extra=tuple(sorted(p for p in emitted if p is not None and p not in by_pr)),
    )


def corpus_rows(minors: list[str] | None = None) -> list[Row]:
    rows = []
    for minor in minors or LABELLED_MINORS:
        base = f"kubernetes/release-notes/release-notes-{minor}"
        labels = json.loads(corpus_text(f"{base}.json"))
        rows.append(accuracy(minor, corpus_text(f"{base}.md"), labels))
    return rows


def _perf_documents() -> list[tuple[str, str | None]]:
    docs: list[tuple[str, str | None]] = [
        (corpus_text(f"kubernetes/changelog/CHANGELOG-{m}.md"), None) for m in ("1.22", "1.32")
    ]
    for minor in RELEASE_NOTE_MINORS:
        text = corpus_text(f"kubernetes/release-notes/release-notes-{minor}.md")
        docs.append((text, f"v{minor}.0"))
    return docs


def _timer(work: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        work()
        return time.perf_counter() - start

    return run


def perf(rounds: int) -> None:
    from common import alternate, report
    from markdown_it import MarkdownIt

    docs = _perf_documents()
    parser = KubernetesChangelogParser()
    md = MarkdownIt()

    def ours() -> None:
        for text, release in docs:
            parse_document(parser, text, "bench.md", ParseOptions(release=release))

    def bare() -> None:
        for text, _ in docs:
            md.parse(text)

    chars = sum(len(text) for text, _ in docs)
    print(f"{len(docs)} documents, {chars:,} characters, {rounds} alternating rounds")
    report(
        "parse (line scan + API fact mining)",
        *alternate(_timer(ours), _timer(bare), rounds),
        target="<= 0.3",
    )
    with mock.patch.object(kubernetes_changelog, "mine_note", lambda *_, **__: ()):
        report(
            "parse without API fact mining",
            *alternate(_timer(ours), _timer(bare), rounds),
            target="<= 0.3",
        )


def main() -> None:
    if "--perf" in sys.argv:
        rest = sys.argv[sys.argv.index("--perf") + 1 :]
        perf(int(rest[0]) if rest and rest[0].isdigit() else 7)
        return
    header = (
        f"{'minor':<6} {'labelled':>8} {'linked':>6} {'covered':>7} {'coverage':>8} "
        f"{'matched':>7} {'kinds':>7} {'w/ SIGs':>7} {'SIGs':>7} {'urgent (flagged, only)':>22}"
    )
    print(header)
    rows = corpus_rows()
    for row in rows:
        print(
            f"{row.minor:<6} {row.labelled:>8} {row.linked:>6} {row.covered:>7} "
            f"{row.coverage:>8.1%} {row.matched:>7} {row.kinds:>7.1%} {row.with_sigs:>7} "
            f"{row.sigs:>7.1%} {row.urgent:>10} ({row.urgent_flagged}, {row.urgent_only})"
        )
        if "-v" in sys.argv:
            ar_misses = sorted((pr, by_label, by_parse) for pr, by_label, by_parse in row.ar_misses)
            if ar_misses:
                print(f"    action required (pr, label, parse): {ar_misses}")
            for what, items in (
                ("missing", row.missing),
                ("kind", row.kind_misses),
                ("sigs", row.sig_misses),
                ("extra", row.extra),
            ):
                if items:
                    print(f"    {what}: {list(items)}")

    print()
    print(
        f"{'minor':<6} {'linked':>6} {'label AR':>8} {'parsed AR':>9} {'both':>5} {'agreement':>9}"
    )
    for row in rows:
        print(
            f"{row.minor:<6} {row.linked:>6} {row.ar_labelled:>8} {row.ar_parsed:>9} "
            f"{row.ar_both:>5} {row.action_required:>9.1%}"
        )


if __name__ == "__main__":
    main()
