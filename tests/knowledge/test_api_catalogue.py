"""The API catalogue: the shipped snapshot, the archive superseding it, and advice that is never
wrong over every (apiVersion, kind) of the knowledge base and every target minor 1.16 to 1.34."""

from __future__ import annotations

import dataclasses
import json
import sys
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine

from aksnews.config import Settings
from aksnews.knowledge.advice import advise, version_rank
from aksnews.knowledge.apis import KnowledgeRow, minor_key
from aksnews.knowledge.catalogue import (
    ApiKnowledge,
    dumps,
    from_json,
    load_api_knowledge,
    load_snapshot,
    to_json,
)
from aksnews.sources.pipeline import ingest_file
from aksnews.store.handle import Archive

from corpus import corpus_path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "scripts"))
import build_api_snapshot  # noqa: E402

TARGETS = [f"1.{n}" for n in range(16, 35)]


@cache
def _fresh() -> ApiKnowledge:
    shipped = load_snapshot()
    corpus = corpus_path(build_api_snapshot.GUIDE).parents[1]
    return build_api_snapshot.build(corpus, shipped.generated or "")


def test_the_shipped_snapshot_is_what_the_corpus_gives() -> None:
    shipped = load_snapshot()
    assert shipped.origin == "snapshot" and shipped.generated
    assert len(shipped.sources) == len(build_api_snapshot.inputs())
    assert all(" sha256:" in s for s in shipped.sources)
    assert to_json(_fresh()) == to_json(shipped)
    # the file is exactly what the script writes (regenerating it is a no-op)
    text = (Path(build_api_snapshot.SNAPSHOT)).read_text(encoding="utf-8")
    assert dumps(_fresh()) == text


def test_snapshot_round_trip_and_bad_input() -> None:
    shipped = load_snapshot()
    assert from_json(json.loads(dumps(shipped))) == shipped
    with pytest.raises(ValueError, match="format"):
        from_json({"format": 99})
    with pytest.raises(ValueError, match="apis"):
        from_json({"format": 1})


def test_snapshot_has_the_guide_and_the_notes() -> None:
    shipped = load_snapshot()
    keys = {(r.group_version, r.kind, r.removed_in) for r in shipped.apis}
    assert ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.32") in keys
    assert ("resource.k8s.io/v1alpha3", "ResourceClaim", "1.34") in keys
    assert ("scheduling.k8s.io/v1alpha1", "PriorityClass", "1.23") in keys
    assert {g.name for g in shipped.gates} >= {"HPAContainerMetrics", "InTreePluginAWSUnregister"}
    assert any(f.flag == "--insecure-port" for f in shipped.flags)
    assert all(r.notes == "" for r in shipped.apis)  # facts only, no copied prose


def test_the_archive_supersedes_the_snapshot(engine: Engine) -> None:
    before = load_api_knowledge(Archive(engine))
    assert before.origin == "snapshot" and before.apis
    assert load_api_knowledge(None).origin == "snapshot"
    guide = corpus_path("docs/deprecation-guide.md")
    ingest_file(Archive(engine), Settings(), guide, source="deprecation-guide")
    after = load_api_knowledge(Archive(engine))
    assert after.origin == "archive" and after.generated is None
    assert {r.group_version for r in after.apis} <= {r.group_version for r in before.apis}


# --- advice ------------------------------------------------------------------------------------


def _not_served(rows: tuple[KnowledgeRow, ...], gv: str, kind: str, target: str) -> list[str]:
    """What in the knowledge base says gv does not serve kind at target."""
    reasons = []
    for row in rows:
        same_kind = not row.kinds or row.kind == kind
        at = minor_key(target)
        removed, since = row.removed_in, row.replacement_since
        if row.group_version == gv and same_kind and removed and minor_key(removed) <= at:
            reasons.append(f"{gv} {row.kind} removed in {removed}")
        if same_kind and row.replacement == gv and since and minor_key(since) > at:
            reasons.append(f"{gv} served only since {since}")
    return reasons


@pytest.mark.parametrize("source", ["snapshot", "fresh"])
def test_no_advice_names_a_version_the_target_does_not_serve(source: str) -> None:
    rows = load_snapshot().apis if source == "snapshot" else _fresh().apis
    pairs = {(r.group_version, r.kind) for r in rows}
    checked = named = 0
    for row in rows:
        for target in TARGETS:
            advice = advise(row, row.kind, target, rows)
            checked += 1
            if advice.replacement is None:
                assert "served" in advice.note
                continue
            named += 1
            assert "," not in advice.replacement  # one version, not the guide's alternatives
            assert not _not_served(rows, advice.replacement, row.kind, target), (row, target)
    assert checked == len(rows) * len(TARGETS) and len(pairs) >= 60
    assert named > checked / 3


FLOW = "flowcontrol.apiserver.k8s.io"


@pytest.mark.parametrize(
    ("used", "target", "expected"),
    [
        ("v1beta1", "1.25", f"{FLOW}/v1beta2"),  # v1beta3 is served only from 1.26, v1 from 1.29
        ("v1beta1", "1.26", f"{FLOW}/v1beta2"),
        ("v1beta2", "1.25", None),  # nothing newer is served yet: stay
        ("v1beta2", "1.27", f"{FLOW}/v1beta3"),
        ("v1beta2", "1.29", f"{FLOW}/v1"),
        ("v1beta2", "1.32", f"{FLOW}/v1"),  # not v1beta3: removed in 1.32
        ("v1beta3", "1.32", f"{FLOW}/v1"),
    ],
)
def test_flowschema_advice(used: str, target: str, expected: str | None) -> None:
    rows = load_snapshot().apis
    (row,) = [r for r in rows if r.group_version == f"{FLOW}/{used}" and r.kind == "FlowSchema"]
    if used == "v1beta2":
        assert row.replacement == f"{FLOW}/v1, {FLOW}/v1beta3"  # the guide names both
    assert advise(row, "FlowSchema", target, rows).replacement == expected


def test_no_replacement_served_says_so() -> None:
    rows = load_snapshot().apis
    (psp,) = [
        r for r in rows if r.group_version == "extensions/v1beta1" and r.kind == "PodSecurityPolicy"
    ]
    assert psp.replacement == "policy/v1beta1"
    advice = advise(psp, "PodSecurityPolicy", "1.25", rows)  # policy/v1beta1 is gone too
    assert advice.replacement is None
    assert advice.note.startswith("No replacement of extensions/v1beta1 PodSecurityPolicy")


def test_version_rank() -> None:
    order = ["x/v1alpha1", "x/v1beta1", "x/v1beta3", "x/v1", "x/v2"]
    shuffled = ["x/v1", "x/v1beta1", "x/v2", "x/v1alpha1", "x/v1beta3"]
    assert sorted(shuffled, key=version_rank) == order


def test_a_row_without_replacement() -> None:
    row = KnowledgeRow("a.k8s.io/v1beta1", ("A",), "1.30")
    advice = advise(row, "A", "1.30", (row,))
    assert advice.replacement is None and "names no replacement" in advice.note
    newer = dataclasses.replace(row, group_version="a.k8s.io/v1", removed_in=None)
    assert advise(row, "A", "1.30", (row, newer)).replacement is None  # nothing proves it
