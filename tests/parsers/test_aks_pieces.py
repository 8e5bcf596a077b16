"""The named pieces of the AKS CHANGELOG fact extraction, each from a table of hand-written cases
(tests/data/aks/phrasings.yaml): normalisation, version tokens, scopes, component segments,
parents passing their component to children, retirements, Kubernetes-version events, the
breaking flag and unread statements. One parametrised test runs them all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from aksnews.model.releases import (
    ComponentUpdateFact,
    KubernetesVersionFact,
    RetirementFact,
    VersionEvent,
)
from aksnews.parsers import aks_scopes, aks_text, aks_unread
from aksnews.parsers.aks_facts import (
    child_context,
    component_update_facts,
    extract_facts,
    retirement_facts,
)
from aksnews.parsers.aks_kube_versions import kubernetes_version_facts

TABLE = yaml.safe_load(
    (Path(__file__).parent.parent / "data" / "aks" / "phrasings.yaml").read_text(encoding="utf-8")
)
CASES = [
    pytest.param(piece, case, id=f"{piece}-{i}")
    for piece, cases in TABLE.items()
    for i, case in enumerate(cases)
]


def _day(value: object) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def _component(row: list[Any]) -> ComponentUpdateFact:
    return ComponentUpdateFact(row[0], str(row[1]), None if row[2] is None else str(row[2]), row[3])


def _run(piece: str, case: dict[str, Any]) -> tuple[object, object]:
    text = case["text"]
    want = case["want"]
    if piece == "normalize":
        return aks_text.normalize(text), want
    if piece == "version":
        token = aks_text.version_at(text, 0)
        return (token.text if token else None), (None if want is None else str(want))
    if piece == "scope":
        scope = aks_scopes.scope_at(text.lower(), 0)
        return (list(scope.minors) if scope else None), want
    if piece == "components":
        return component_update_facts(text), [_component(r) for r in want]
    if piece == "child-components":
        ctx = child_context(case["parent"])
        return component_update_facts(text, ctx) if ctx.component else [], [
            _component(r) for r in want
        ]
    if piece == "retirements":
        expected = [RetirementFact(r[0], _day(r[1]), _day(r[2])) for r in want]
        return retirement_facts(text, ""), expected
    if piece == "kubernetes":
        expected = [
            KubernetesVersionFact(str(r[0]), VersionEvent(r[1]), _day(r[2]), *r[3:]) for r in want
        ]
        return kubernetes_version_facts(aks_text.normalize(text)), expected
    if piece == "breaking":
        return aks_unread.is_breaking(aks_text.normalize(text).lower()), want
    assert piece == "unread", piece
    normal = aks_text.normalize(text)
    facts = extract_facts(normal, (), normal)
    return [u.expected.value for u in aks_unread.unread_statements(normal, facts)], want


@pytest.mark.parametrize(("piece", "case"), CASES)
def test_piece(piece: str, case: dict[str, Any]) -> None:
    got, want = _run(piece, case)
    assert got == want, case["text"]


def test_hostile_release_parses_into_entries_and_all_its_facts() -> None:
    """10,000 versions in one sentence, lists 300 levels deep, mixed scripts, odd dashes: every
    version is read and nothing fails (bench/aks_pathological.py shows the cost stays linear)."""
    from aksnews.model.releases import NodeImageFact
    from aksnews.parsers.aks_changelog import AksChangelogParser
    from aksnews.parsers.base import parse_document

    targets = ", ".join(f"v1.{i // 100}.{i % 100}" for i in range(10_000))
    patches = ", ".join(f"1.{20 + i // 1000}.{i % 1000}" for i in range(10_000))
    nested = "\n".join(
        " " * (2 * d) + f"* level {d} Кубернетес 日本語 \u200fعربي\u200f 🚀" for d in range(300)
    )
    text = "\n".join(
        [
            "## Release 2099-01-01",
            "",
            "### Component Updates",
            "",
            f"* Example Operator has been upgraded to {targets} on AKS 1.33.",
            f"* AKS Kubernetes patch versions {patches} are now available.",
            nested,
            "* " + "‑–—―− " * 5_000,
        ]
    )
    (release,) = parse_document(AksChangelogParser(), text, "hostile.md").releases
    facts = [f for e in release.entries for f in e.facts]
    components = [f for f in facts if isinstance(f, ComponentUpdateFact)]
    versions = [f for f in facts if isinstance(f, KubernetesVersionFact)]
    assert len(components) == 10_000 and {f.scope for f in components} == {"AKS 1.33"}
    assert len(versions) == 10_000
    assert {f.event for f in versions} == {VersionEvent.PATCH_AVAILABLE}
    assert not [f for f in facts if isinstance(f, NodeImageFact)]
    assert len(release.entries) == 2 + 300 + 1
