"""The diff report on small hand-written releases: order, collapsed dependencies, missing minors,
removals of the range from the knowledge base."""

from __future__ import annotations

from aksnews.knowledge.apis import KnowledgeRow
from aksnews.knowledge.catalogue import ApiKnowledge, FlagRemoval, GateRemoval
from aksnews.knowledge.diff import Version, build_diff, collapse_dependencies
from aksnews.model.records import ReleaseDetail, ReleaseSummary, StoredEntry, StoredFact
from aksnews.model.releases import ComponentUpdateFact

_IDS = iter(range(1, 10_000))


def _entry(
    release: str, kind: str, text: str, *facts: object, flagged: bool = False
) -> StoredEntry:
    stored = tuple(
        StoredFact(next(_IDS), release, None, f)  # type: ignore[arg-type]
        for f in facts
    )
    return StoredEntry(
        id=next(_IDS), release_key=release, kind=kind, section=kind, position=0,
        parent_position=None, markdown=text, text=text, links=(), line=1, pr=None, author=None,
        sigs=(), facts=stored, action_required=flagged,
    )  # fmt: skip


def _release(version: str, *entries: StoredEntry) -> ReleaseDetail:
    key = f"kubernetes:{version}"
    summary = ReleaseSummary(key, "kubernetes", version, version, None, None, False, "", 0, 1)
    return ReleaseDetail(summary, "", entries, ())


def _bump(module: str, old: str | None, new: str | None) -> ComponentUpdateFact:
    return ComponentUpdateFact(module, to_version=new, from_version=old)


def test_dependencies_collapse_to_first_from_and_last_to() -> None:
    entries = [
        _entry("k:v1.30.0", "dependency", "a", _bump("example.com/a", "v1.0.0", "v1.1.0")),
        _entry("k:v1.30.0", "dependency", "b", _bump("example.com/b", None, "v0.1.0")),
        _entry("k:v1.31.0", "dependency", "a", _bump("example.com/a", "v1.1.0", "v1.4.0")),
        _entry("k:v1.31.0", "dependency", "c", _bump("example.com/c", "v2.0.0", None)),
        _entry("k:v1.32.0", "dependency", "a", _bump("example.com/a", "v1.4.0", "v1.5.2")),
        # bumped and bumped back: no change over the range
        _entry("k:v1.31.0", "dependency", "d", _bump("example.com/d", "v3.0.0", "v3.1.0")),
        _entry("k:v1.32.0", "dependency", "d", _bump("example.com/d", "v3.1.0", "v3.0.0")),
    ]
    got = [(d.component, d.from_version, d.to_version, d.bumps) for d in
           collapse_dependencies(entries)]  # fmt: skip
    assert got == [
        ("example.com/a", "v1.0.0", "v1.5.2", 3),
        ("example.com/b", None, "v0.1.0", 1),
        ("example.com/c", "v2.0.0", None, 1),
    ]


def test_report_order_missing_minors_and_knowledge() -> None:
    releases = [
        _release("v1.30.0",
                 _entry("kubernetes:v1.30.0", "urgent-upgrade", "must read"),
                 _entry("kubernetes:v1.30.0", "feature", "ACTION REQUIRED: x", flagged=True),
                 _entry("kubernetes:v1.30.0", "deprecation", "old thing deprecated")),
        _release("v1.32.1", _entry("kubernetes:v1.32.1", "api-change", "new field")),
        _release("v1.32.0-rc.1", _entry("kubernetes:v1.32.0-rc.1", "api-change", "pre")),
    ]  # fmt: skip
    knowledge = ApiKnowledge(
        apis=(
            KnowledgeRow("x.k8s.io/v1beta1", ("X",), "1.31", replacement="x.k8s.io/v1"),
            KnowledgeRow("y.k8s.io/v1beta1", ("Y",), "1.29"),  # before the range
            KnowledgeRow("z.k8s.io/v1beta1", ("Z",), "1.33", planned=True),  # after it
        ),
        gates=(GateRemoval("OldGate", "1.30"), GateRemoval("OlderGate", "1.29")),
        flags=(FlagRemoval("--old", "kubelet", "1.32"),),
    )
    report = build_diff(Version.parse("1.29"), Version.parse("1.32"), releases, (), knowledge)
    assert report.releases == ("kubernetes:v1.30.0", "kubernetes:v1.32.1")
    assert report.missing_minors == ("1.31",)
    urgent, deprecation, api_change, _ = report.groups
    assert [e.text for e in urgent.entries] == ["must read", "ACTION REQUIRED: x"]
    assert [e.text for e in deprecation.entries] == ["old thing deprecated"]
    assert [e.text for e in api_change.entries] == ["new field"]
    assert [r.group_version for r in report.removed_apis] == ["x.k8s.io/v1beta1"]
    assert [g.name for g in report.removed_gates] == ["OldGate"]
    assert [f.flag for f in report.removed_flags] == ["--old"]
    only = build_diff(
        Version.parse("1.29"), Version.parse("1.32"), releases, ("removed-flag",), knowledge
    )
    assert only.groups == () and only.removed_apis == () and len(only.removed_flags) == 1
    # from an exact patch: its later patches are in the range, its minor is already running
    patch = build_diff(Version.parse("1.30.2"), Version.parse("1.32"), releases, (), knowledge)
    assert patch.missing_minors == ("1.31",) and patch.releases == ("kubernetes:v1.32.1",)
