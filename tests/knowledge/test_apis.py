"""The API knowledge base: merging guide and mined facts, and how much the notes alone find."""

from __future__ import annotations

import importlib

import pytest
from removal_oracle import removals

from aksnews.knowledge.apis import (
    Confidence,
    KnowledgeRow,
    RecallReport,
    SourcedFact,
    api_facts,
    build_knowledge,
    removal_recall,
)
from aksnews.model.releases import ApiChangeFact, Entry, EntryKind, FactType, Release, Source
from aksnews.parsers.api_mining import mine_note
from aksnews.parsers.base import ParseOptions, parse_document
from aksnews.parsers.deprecation_guide import DeprecationGuideParser

from corpus import RELEASE_NOTE_MINORS, corpus_path, corpus_text
from note_texts import mined_notes

REMOVAL, DEPRECATION = FactType.API_REMOVAL, FactType.API_DEPRECATION


def _guide(gv: str, kinds: tuple[str, ...], removed: str, **kw: str | None) -> SourcedFact:
    fact = ApiChangeFact(
        type=REMOVAL,
        group_version=gv,
        kinds=kinds,
        removed_in=removed,
        evidence=("deprecation-guide",),
        **kw,
    )
    return SourcedFact(fact, f"deprecation-guide:v{removed}")


def _mined(
    type_: FactType, gv: str, kinds: tuple[str, ...], pr: int, **kw: str | None
) -> SourcedFact:
    fact = ApiChangeFact(type=type_, group_version=gv, kinds=kinds, evidence=(f"pr:{pr}",), **kw)
    return SourcedFact(fact, f"kubernetes:v1.0.0#{pr}")


GUIDE = [
    _guide("batch/v1beta1", ("CronJob",), "1.25", replacement="batch/v1", replacement_since="1.21"),
    _guide("policy/v1beta1", ("PodDisruptionBudget",), "1.25", replacement="policy/v1"),
    _guide("policy/v1beta1", ("PodSecurityPolicy",), "1.25", notes="Use Pod Security Admission."),
    _guide("apps/v1beta1", ("Deployment",), "1.16", replacement="apps/v1"),
    _guide("apps/v1beta1", ("StatefulSet",), "1.16", replacement="apps/v1"),
]


def _row(rows: tuple[KnowledgeRow, ...], gv: str, kind: str) -> KnowledgeRow:
    (row,) = [r for r in rows if r.group_version == gv and kind in r.kinds]
    return row


def test_guide_wins_and_evidence_adds_up() -> None:
    mined = [
        _mined(REMOVAL, "batch/v1beta1", ("CronJob",), 108035, removed_in="1.25",
               replacement="batch/v2"),
        _mined(DEPRECATION, "batch/v1beta1", ("CronJob",), 99423, removed_in="1.25",
               deprecated_in="1.21"),
    ]  # fmt: skip
    rows = build_knowledge(GUIDE, mined)
    cron = _row(rows, "batch/v1beta1", "CronJob")
    assert cron == KnowledgeRow(
        group_version="batch/v1beta1",
        kinds=("CronJob",),
        removed_in="1.25",
        deprecated_in="1.21",
        replacement="batch/v1",
        replacement_since="1.21",
        notes="",
        evidence=("deprecation-guide", "pr:99423", "pr:108035"),  # the notes in time order
        references=(
            "deprecation-guide:v1.25",
            "kubernetes:v1.0.0#99423",
            "kubernetes:v1.0.0#108035",
        ),
        in_guide=True,
        confidence=Confidence.GUIDE,
        guide_section="v1.25",
    )
    assert len(rows) == len(GUIDE)


def test_mined_replacement_fills_a_gap_and_plans_that_slipped_are_kept() -> None:
    mined = [
        _mined(DEPRECATION, "policy/v1beta1", ("PodSecurityPolicy",), 5, removed_in="1.22",
               deprecated_in="1.19", replacement="policy/v2"),
        _mined(REMOVAL, "policy/v1beta1", ("PodSecurityPolicy",), 6, removed_in="1.26"),
    ]  # fmt: skip
    psp = _row(build_knowledge(GUIDE, mined), "policy/v1beta1", "PodSecurityPolicy")
    assert psp.replacement == "policy/v2" and psp.notes == "Use Pod Security Admission."
    assert psp.removed_in == "1.25" and psp.deprecated_in == "1.19"
    assert psp.disagreements == ("pr:5: planned removal in 1.22", "pr:6: removed in 1.26")


def test_facts_without_kinds_join_every_row_of_their_version() -> None:
    mined = [_mined(REMOVAL, "apps/v1beta1", (), 70672, removed_in="1.16")]
    rows = build_knowledge(GUIDE, mined)
    for kind in ("Deployment", "StatefulSet"):
        assert _row(rows, "apps/v1beta1", kind).evidence == ("deprecation-guide", "pr:70672")
    assert len(rows) == len(GUIDE)


def test_rows_beyond_the_guide() -> None:
    mined = [
        _mined(DEPRECATION, "node.k8s.io/v1alpha1", ("RuntimeClass",), 1, removed_in="1.20",
               deprecated_in="1.18"),
        _mined(DEPRECATION, "node.k8s.io/v1alpha1", ("RuntimeClass",), 2, removed_in="1.24",
               deprecated_in="1.21", replacement="node.k8s.io/v1"),
        _mined(DEPRECATION, "resource.k8s.io/v1beta1", (), 3, removed_in="1.36",
               deprecated_in="1.33"),
        _mined(REMOVAL, "policy/v1beta1", ("Eviction",), 4, removed_in="1.22"),
    ]  # fmt: skip
    rows = build_knowledge(GUIDE, mined)
    extra = [r for r in rows if not r.in_guide]
    assert [(r.group_version, r.removed_in, r.planned) for r in extra] == [
        ("resource.k8s.io/v1beta1", "1.36", True),
        ("node.k8s.io/v1alpha1", "1.24", True),  # the newest announcement holds the plan
        ("policy/v1beta1", "1.22", False),  # other kinds than the guide rows of policy/v1beta1
    ]
    node = extra[1]
    assert node.deprecated_in == "1.18" and node.replacement == "node.k8s.io/v1"
    assert node.disagreements == ("pr:1: planned removal in 1.20",)
    report = removal_recall(GUIDE, mined)
    assert [r.group_version for r in report.beyond_guide] == ["policy/v1beta1"]


def test_rows_are_keyed_by_kind() -> None:
    guide = [_guide("x.k8s.io/v1beta1", ("Alpha", "Beta"), "1.30", replacement="x.k8s.io/v1")]
    mined = [_mined(REMOVAL, "x.k8s.io/v1beta1", ("Beta",), 7, removed_in="1.30")]
    rows = build_knowledge(guide, mined)
    assert [(r.kind, r.evidence) for r in rows] == [
        ("Alpha", ("deprecation-guide",)),
        ("Beta", ("deprecation-guide", "pr:7")),
    ]


def test_a_version_that_comes_back_is_a_new_row() -> None:
    """scheduling.k8s.io/v1alpha1: removed in 1.23, reintroduced later and deprecated again."""
    gv = "scheduling.k8s.io/v1alpha1"
    mined = [
        _mined(DEPRECATION, gv, ("Thing",), 1, removed_in="1.17", deprecated_in="1.14"),
        _mined(REMOVAL, gv, ("Thing",), 2, removed_in="1.23"),
        _mined(DEPRECATION, gv, ("Thing",), 3, removed_in="1.38", deprecated_in="1.36"),
    ]
    rows = build_knowledge([], mined)
    assert [(r.removed_in, r.planned, r.evidence) for r in rows] == [
        ("1.38", True, ("pr:3",)),
        ("1.23", False, ("pr:1", "pr:2")),
    ]
    assert rows[1].disagreements == ("pr:1: planned removal in 1.17",)


def test_a_fact_without_kinds_joins_the_rows_removed_in_its_release() -> None:
    guide = [
        _guide("extensions/v1beta1", ("DaemonSet",), "1.16", replacement="apps/v1"),
        _guide("extensions/v1beta1", ("Ingress",), "1.22", replacement="networking.k8s.io/v1"),
    ]
    mined = [_mined(REMOVAL, "extensions/v1beta1", (), 9, removed_in="1.16")]
    rows = build_knowledge(guide, mined)
    assert _row(rows, "extensions/v1beta1", "DaemonSet").evidence[-1] == "pr:9"
    ingress = _row(rows, "extensions/v1beta1", "Ingress")
    assert "pr:9" not in ingress.evidence and not ingress.disagreements


def test_confidence_guide_over_urgent_over_other_notes() -> None:
    plain = ApiChangeFact(REMOVAL, "a.k8s.io/v1beta1", ("A",), "1.30", evidence=("pr:1",))
    urgent = ApiChangeFact(
        REMOVAL, "b.k8s.io/v1beta1", ("B",), "1.30", evidence=("pr:2",), urgent=True
    )
    rows = build_knowledge(
        [_guide("c.k8s.io/v1beta1", ("C",), "1.30")],
        [SourcedFact(plain), SourcedFact(urgent)],
    )
    assert {r.kind: r.confidence for r in rows} == {
        "C": Confidence.GUIDE,
        "A": Confidence.NOTE,
        "B": Confidence.URGENT_NOTE,
    }
    assert Confidence.GUIDE > Confidence.URGENT_NOTE > Confidence.NOTE


def test_first_guide_fact_wins_for_a_key() -> None:
    newer = _guide("x.k8s.io/v1beta1", ("Thing",), "1.30", replacement="x.k8s.io/v1")
    older = _guide("x.k8s.io/v1beta1", ("Thing",), "1.30", replacement="x.k8s.io/v1beta1")
    (row,) = build_knowledge([newer, older], [])
    assert row.replacement == "x.k8s.io/v1"


def test_recall_buckets() -> None:
    mined = [
        _mined(REMOVAL, "apps/v1beta1", ("Deployment",), 1, removed_in="1.16"),
        _mined(DEPRECATION, "batch/v1beta1", ("CronJob",), 2, removed_in="1.25"),
        _mined(DEPRECATION, "policy/v1beta1", ("PodDisruptionBudget",), 3, removed_in="1.24"),
    ]
    report = removal_recall(GUIDE, mined)
    by_release = {r.release: r for r in report.releases}
    assert list(by_release) == ["1.16", "1.25"]
    assert [r.kinds for r in by_release["1.16"].removed] == [("Deployment",)]
    assert [r.kinds for r in by_release["1.16"].missed] == [("StatefulSet",)]
    v125 = by_release["1.25"]
    assert [r.kinds for r in v125.announced] == [("CronJob",)]
    assert [r.kinds for r in v125.mentioned] == [("PodDisruptionBudget",)]
    assert [r.kinds for r in v125.missed] == [("PodSecurityPolicy",)]
    assert (v125.found, v125.total, round(v125.recall, 2)) == (1, 3, 0.33)


def test_api_facts_reference_release_and_entry() -> None:
    fact = GUIDE[0].fact
    entry = Entry(EntryKind.API_REMOVAL, "CronJob", 3, "md", "text", 10, facts=(fact,))
    release = Release(Source.DEPRECATION_GUIDE, "v1.25", "v1.25", 1, "sha", entries=(entry,))
    assert api_facts([release]) == [SourcedFact(fact, "deprecation-guide:v1.25#3", "CronJob")]


# --- the corpus: current guide against mining the release notes alone ---------------------------


def _guide_facts() -> list[SourcedFact]:
    rel = "docs/deprecation-guide.md"
    result = parse_document(DeprecationGuideParser(), corpus_text(rel), str(corpus_path(rel)))
    return api_facts(result.releases)


def _mined_facts() -> list[SourcedFact]:
    out: list[SourcedFact] = []
    for minor in RELEASE_NOTE_MINORS:
        for note in mined_notes(corpus_text(f"kubernetes/release-notes/release-notes-{minor}.md")):
            for fact in mine_note(note.text, note.kind, f"v{minor}.0", note.pr):
                if isinstance(fact, ApiChangeFact):
                    out.append(SourcedFact(fact, f"release-notes-{minor}.md:{note.line}"))
    return out


def _print(report: RecallReport) -> None:
    print("\nrelease  rows  removed  announced  mentioned  missed  recall")
    for r in report.releases:
        print(
            f"{r.release:>7}  {r.total:>4}  {len(r.removed):>7}  {len(r.announced):>9}  "
            f"{len(r.mentioned):>9}  {len(r.missed):>6}  {r.recall:>6.0%}"
        )
        for row in r.missed:
            print(f"         missed: {row.group_version} {', '.join(row.kinds)}")
    print("mined removals beyond the guide:")
    for row in report.beyond_guide:
        print(f"  {row.removed_in}  {row.group_version} {', '.join(row.kinds)}  {row.evidence}")


def _oracle_removals() -> set[tuple[str, str]]:
    """(group/version, release) of every API removal the notes state, by the test oracle."""
    return {
        (r.name, minor)
        for minor in RELEASE_NOTE_MINORS
        for r in removals(corpus_text(f"kubernetes/release-notes/release-notes-{minor}.md"), minor)
        if r.what == "api"
    }


def _guide_keys(guide: list[SourcedFact]) -> set[tuple[str, str, str | None]]:
    return {
        (f.fact.group_version, kind, f.fact.removed_in)
        for f in guide
        for kind in f.fact.kinds or ("",)
    }


def _check(report: RecallReport, guide: list[SourcedFact]) -> None:
    stated = _oracle_removals()
    guided = {(gv, removed) for gv, _, removed in _guide_keys(guide)}
    for release in report.releases:
        for row in (*release.announced, *release.mentioned, *release.missed):
            # a guide row whose removal its release's notes state is found as removed
            assert (row.group_version, release.release) not in stated, row
    beyond = {(r.group_version, r.removed_in) for r in report.beyond_guide}
    guide_rows = [row for release in report.releases for row in (
        *release.removed, *release.announced, *release.mentioned, *release.missed)]  # fmt: skip
    for gv, removed in stated - guided:
        rows = [r for r in guide_rows if r.group_version == gv]
        if rows:
            # the guide wins for the removal release; the note's release is a disagreement
            assert any(d.endswith(f"removed in {removed}") for r in rows for d in r.disagreements)
        else:
            assert (gv, removed) in beyond  # what the notes remove beyond the guide is kept
    assert all(not r.in_guide and not r.planned for r in report.beyond_guide)


def test_recall_of_the_release_notes_against_the_guide() -> None:
    guide, mined = _guide_facts(), _mined_facts()
    report = removal_recall(guide, mined)
    _print(report)
    _check(report, guide)
    keys = _guide_keys(guide)
    assert sum(r.total for r in report.releases) == len(keys)
    rows = build_knowledge(guide, mined)
    # every guide row is there, keyed by (group/version, kind, removal), with the guide's
    # release and replacement
    in_guide = {(r.group_version, r.kind, r.removed_in): r for r in rows if r.in_guide}
    assert set(in_guide) == keys
    for sourced in guide:
        for kind in sourced.fact.kinds or ("",):
            row = in_guide[(sourced.fact.group_version, kind, sourced.fact.removed_in)]
            assert row.replacement == (sourced.fact.replacement or row.replacement)
            assert row.confidence is Confidence.GUIDE and row.guide_section
    ingress = _row(rows, "extensions/v1beta1", "Ingress")
    assert ingress.replacement == "networking.k8s.io/v1"  # the guide's, not 1.14's v1beta1
    assert ingress.evidence[0] == "deprecation-guide" and "pr:89778" in ingress.evidence
    assert "pr:74057: planned removal in 1.18" in ingress.disagreements


def test_recall_with_the_changelog_parser() -> None:
    """The same measure with the notes as the Kubernetes changelog parser splits them."""
    try:
        module = importlib.import_module("aksnews.parsers.kubernetes_changelog")
    except ImportError as exc:  # the parser is written alongside; the unit tests do not need it
        pytest.skip(f"the Kubernetes changelog parser cannot be imported: {exc}")
    parser_class = getattr(module, "KubernetesChangelogParser", None)
    if parser_class is None:
        pytest.skip("the Kubernetes changelog parser is not there yet")
    releases = []
    for minor in RELEASE_NOTE_MINORS:
        rel = f"kubernetes/release-notes/release-notes-{minor}.md"
        options = ParseOptions(release=f"v{minor}.0")
        result = parse_document(parser_class(), corpus_text(rel), rel, options)
        releases.extend(result.releases)
    guide = _guide_facts()
    report = removal_recall(guide, api_facts(releases))
    _print(report)
    _check(report, guide)
