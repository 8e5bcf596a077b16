"""Mining recall and precision on every removal the corpus notes state, per release.

The expected removals (feature gates, flags, API versions) are counted from each release-notes
draft by tests/removal_oracle.py, which shares no code with the parser or the miner. The
measured side is the whole pipeline: the changelog parser splits the draft into notes and mines
every one of them, whatever its heading. Run with -s to see the table and every disagreement.
"""

from __future__ import annotations

from functools import cache

import pytest
from removal_oracle import Removal, removals

from aksnews.model.releases import ApiChangeFact, FactType, FeatureGateRemovalFact, FlagRemovalFact
from aksnews.parsers.base import ParseOptions, parse_document
from aksnews.parsers.kubernetes_changelog import KubernetesChangelogParser

from corpus import RELEASE_NOTE_MINORS, corpus_text

WHATS = ("gate", "flag", "api")


def _mined(markdown: str, minor: str) -> set[Removal]:
    result = parse_document(
        KubernetesChangelogParser(), markdown, "notes.md", ParseOptions(release=f"v{minor}.0")
    )
    found: set[Removal] = set()
    for release in result.releases:
        for entry in release.entries:
            for fact in entry.facts:
                if isinstance(fact, FeatureGateRemovalFact):
                    found.add(Removal("gate", fact.name, minor))
                elif isinstance(fact, FlagRemovalFact):
                    found.add(Removal("flag", fact.flag, minor))
                elif (
                    isinstance(fact, ApiChangeFact)
                    and fact.type is FactType.API_REMOVAL
                    and fact.removed_in == minor
                ):
                    found.add(Removal("api", fact.group_version, minor))
    return found


@cache
def _table() -> dict[str, tuple[set[Removal], set[Removal]]]:
    out = {}
    for minor in RELEASE_NOTE_MINORS:
        text = corpus_text(f"kubernetes/release-notes/release-notes-{minor}.md")
        out[minor] = (removals(text, minor), _mined(text, minor))
    return out


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def test_recall_and_precision_per_release() -> None:
    table = _table()
    print(f"\n{'minor':<6}" + "".join(f" {w + ' exp/found/both':>22}" for w in WHATS))
    totals = {w: [0, 0, 0] for w in WHATS}
    for minor, (expected, mined) in table.items():
        cells = []
        for what in WHATS:
            e = {r for r in expected if r.what == what}
            m = {r for r in mined if r.what == what}
            counts = (len(e), len(m), len(e & m))
            totals[what] = [t + c for t, c in zip(totals[what], counts, strict=True)]
            cells.append(f"{counts[0]:>10}/{counts[1]:>4}/{counts[2]:>4}")
        print(f"{minor:<6}" + "".join(f" {c:>22}" for c in cells))
        for r in sorted(expected - mined):
            print(f"    not mined: {r.what} {r.name}")
        for r in sorted(mined - expected):
            print(f"    not in the oracle: {r.what} {r.name}")
    for what, (expected, mined, both) in totals.items():
        recall, precision = _ratio(both, expected), _ratio(both, mined)
        print(f"{what}: recall {recall:.1%} ({both}/{expected}), "
              f"precision {precision:.1%} ({both}/{mined})")  # fmt: skip
        assert expected > 0
        assert recall >= 0.95, what
        assert precision >= 0.95, what


@pytest.mark.parametrize("minor", RELEASE_NOTE_MINORS)
def test_no_release_falls_far_behind(minor: str) -> None:
    """Per release: at most one removal missed and one extra (the totals carry the 95%)."""
    expected, mined = _table()[minor]
    assert len(expected - mined) <= 1, sorted(expected - mined)
    assert len(mined - expected) <= 1, sorted(mined - expected)
