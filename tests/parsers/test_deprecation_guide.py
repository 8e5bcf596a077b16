"""The deprecated API migration guide parser, on the real pages and on small hand-written cases."""

from __future__ import annotations

import re

import pytest

from aksnews.model.releases import ApiChangeFact, EntryKind, FactType, Source
from aksnews.parsers.base import DocumentRejected, ParseOptions, get_parser, parse_document
from aksnews.parsers.deprecation_guide import DeprecationGuideParser

from corpus import corpus_path, corpus_text

CURRENT = "docs/deprecation-guide.md"
OLD = "docs/deprecation-guide-2021.md"


def _parse(rel: str):
    return parse_document(DeprecationGuideParser(), corpus_text(rel), str(corpus_path(rel)))


def _facts(result) -> list[ApiChangeFact]:
    return [f for r in result.releases for e in r.entries for f in e.facts]


def _fact(result, group_version: str, kind: str) -> ApiChangeFact:
    found = [f for f in _facts(result) if f.group_version == group_version and kind in f.kinds]
    assert len(found) == 1, found
    return found[0]


def _expected_rows(text: str) -> tuple[int, int, int]:
    """(release sections, resource subsections, bold API versions in removal sentences), read
    from the page itself: the removal sentence is the paragraph that says 'served'."""
    body = text.split("## Removed APIs by release", 1)[1].split("\n## ", 1)[0]
    releases = len(re.findall(r"(?m)^### v1\.\d+\s*$", body))
    subsections = re.split(r"(?m)^#### .*$", body)[1:]
    rows = 0
    for sub in subsections:
        paragraphs = [p for p in re.split(r"\n\s*\n", sub) if not p.lstrip().startswith("*")]
        removal = next(p for p in paragraphs if "served" in p)
        rows += len(set(re.findall(r"\*\*([a-z0-9.-]+/v\w+)\*\*", removal)))
    return releases, len(subsections), rows


@pytest.mark.parametrize("rel", [CURRENT, OLD])
def test_row_counts_match_the_page(rel: str) -> None:
    result = _parse(rel)
    releases, subsections, rows = _expected_rows(corpus_text(rel))
    assert len(result.releases) == releases
    assert sum(len(r.entries) for r in result.releases) == subsections
    assert len(_facts(result)) == rows


def _page_versions(text: str) -> list[str]:
    """The level-three headings of the page's 'Removed APIs by release' part, in page order, by a
    plain walk over the lines (no pattern of the parser's): from that heading to the next '## '."""
    lines = text.split("\n")
    start = lines.index("## Removed APIs by release")
    versions = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("### "):
            versions.append(line[4:].strip())
    assert versions and all(v.startswith("v1.") for v in versions), versions
    return versions


def test_current_guide_sections() -> None:
    result = _parse(CURRENT)
    versions = _page_versions(corpus_text(CURRENT))
    assert len(versions) >= 7 and versions[-1] == "v1.16"
    assert [r.version for r in result.releases] == versions
    v125 = next(r for r in result.releases if r.version == "v1.25")
    assert v125.key == "deprecation-guide:v1.25"
    assert v125.source is Source.DEPRECATION_GUIDE
    assert v125.title == "v1.25" and v125.date is None and v125.anchor == "v125"
    assert corpus_text(CURRENT).split("\n")[v125.line - 1] == "### v1.25"
    assert all(e.kind is EntryKind.API_REMOVAL for r in result.releases for e in r.entries)
    # Hugo's '{#cronjob-v125}' ids are not part of the section name
    assert [e.section for e in v125.entries][:2] == ["CronJob", "EndpointSlice"]
    assert result.warnings == ()


def test_current_guide_examples() -> None:
    result = _parse(CURRENT)
    cronjob = _fact(result, "batch/v1beta1", "CronJob")
    assert cronjob == ApiChangeFact(
        type=FactType.API_REMOVAL,
        group_version="batch/v1beta1",
        kinds=("CronJob",),
        removed_in="1.25",
        replacement="batch/v1",
        replacement_since="1.21",
        notes="",
        evidence=("deprecation-guide",),
    )
    flow = _fact(result, "flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema")
    assert flow.removed_in == "1.29"
    assert flow.kinds == ("FlowSchema", "PriorityLevelConfiguration")
    # two replacements; either can be used from 1.26 on
    flow_v1, flow_v1beta3 = (
        "flowcontrol.apiserver.k8s.io/v1",
        "flowcontrol.apiserver.k8s.io/v1beta3",
    )
    assert flow.replacement == f"{flow_v1}, {flow_v1beta3}"
    assert flow.replacement_since == "1.26"
    psp = _fact(result, "policy/v1beta1", "PodSecurityPolicy")
    assert psp.removed_in == "1.25" and psp.replacement is None and psp.replacement_since is None
    assert "Pod Security Admission" in psp.notes
    # no 'available since' in the text
    flow_v1beta1 = _fact(result, "flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema")
    assert flow_v1beta1.replacement == "flowcontrol.apiserver.k8s.io/v1beta2"
    assert flow_v1beta1.replacement_since is None
    # per-kind availability: all four kinds are served by storage.k8s.io/v1 from 1.19
    storage = _fact(result, "storage.k8s.io/v1beta1", "CSINode")
    assert storage.kinds == ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")
    assert storage.replacement_since == "1.19"
    assert "CSINode is available in storage.k8s.io/v1 since v1.17" in storage.notes
    # two removed versions in one subsection: one fact each
    ingress = [f for f in _facts(result) if f.kinds == ("Ingress",)]
    assert {f.group_version for f in ingress} == {"extensions/v1beta1", "networking.k8s.io/v1beta1"}
    webhooks = _fact(result, "admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration")
    assert webhooks.kinds == ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
    assert "webhooks[*].failurePolicy default changed from Ignore to Fail for v1" in webhooks.notes


def test_2021_page_and_its_mistakes() -> None:
    old = _parse(OLD)
    versions = _page_versions(corpus_text(OLD))
    assert len(versions) >= 3 and versions[-1] == "v1.16"
    assert [r.version for r in old.releases] == versions
    # The 2021 page named the removed version as the CRD replacement (and networking.k8s.io/v1
    # for RBAC); the current page says apiextensions.k8s.io/v1. The facts keep what each page
    # says, and the parser warns about the impossible ones.
    crd_2021 = _fact(old, "apiextensions.k8s.io/v1beta1", "CustomResourceDefinition")
    crd_now = _fact(_parse(CURRENT), "apiextensions.k8s.io/v1beta1", "CustomResourceDefinition")
    assert crd_2021.replacement == "apiextensions.k8s.io/v1beta1"
    assert crd_now.replacement == "apiextensions.k8s.io/v1"
    rbac = _fact(old, "rbac.authorization.k8s.io/v1beta1", "Role")
    assert rbac.replacement == "networking.k8s.io/v1"
    warned = {(w.line, w.message.split(":")[0]) for w in old.warnings}
    text = corpus_text(OLD).split("\n")
    assert {text[line - 1] for line, _ in warned} == {"#### CustomResourceDefinitions", "#### RBAC"}
    assert all(w.path.endswith("deprecation-guide-2021.md") for w in old.warnings)
    # the 2021 page lists three of the four SubjectAccessReview kinds
    sar = _fact(old, "authorization.k8s.io/v1beta1", "SubjectAccessReview")
    assert "SelfSubjectRulesReview" not in sar.kinds


def test_registry_and_rejection() -> None:
    assert isinstance(get_parser("deprecation-guide"), DeprecationGuideParser)
    with pytest.raises(DocumentRejected):
        DeprecationGuideParser().check("<!DOCTYPE html><html></html>", "x.md")
    with pytest.raises(DocumentRejected):
        DeprecationGuideParser().check("# Some other page\n\ntext\n", "x.md")


def test_split_stops_at_the_next_level_two_heading() -> None:
    text = corpus_text(CURRENT)
    sections, _ = DeprecationGuideParser().split(text, CURRENT, ParseOptions())
    assert "## What to do" not in sections[-1].text
    assert sections[-1].text.rstrip().endswith("will be removed in v1.25.")


# --- small hand-written layouts ----------------------------------------------------------------
# Paraphrased sentences with made-up releases, in the guide's shapes.

_HEAD = "## Removed APIs by release\n\n### v1.40\n\nThe **v1.40** release stops serving:\n\n"

CASES = [
    pytest.param(
        "#### Widget {#widget-v140}\n\n"
        "The **example.k8s.io/v1beta1** API version of Widget is no longer served as of v1.40.\n\n"
        "* Migrate manifests and API clients to use the **example.k8s.io/v1** API version, "
        "available since v1.38, or the **example.k8s.io/v1beta2** API version, available since "
        "v1.36.\n* No notable changes\n",
        [
            (
                "example.k8s.io/v1beta1",
                ("Widget",),
                "example.k8s.io/v1, example.k8s.io/v1beta2",
                "1.36",
                "",
            )
        ],
        0,
        id="two-replacements",
    ),
    pytest.param(
        "#### Gadget\n\nThe **example.k8s.io/v1alpha3** API version of Gadget is no longer "
        "served as of v1.40.\n\n* Migrate manifests and API clients to use the "
        "**example.k8s.io/v1beta1** API version.\n* Notable changes:\n  * `spec.size` is "
        "now required\n",
        [
            (
                "example.k8s.io/v1alpha3",
                ("Gadget",),
                "example.k8s.io/v1beta1",
                None,
                "spec.size is now required",
            )
        ],
        0,
        id="no-since",
    ),
    pytest.param(
        "#### Parts\n\nThe **parts.k8s.io/v1beta1** API version of Bolt and Nut\nis no longer "
        "served as of v1.40.\n\n* Migrate manifests and API clients to use the "
        "**parts.k8s.io/v1** API version\n  * Bolt is available in **parts.k8s.io/v1** since "
        "v1.31.\n  * Nut is available in **parts.k8s.io/v1** v1.35\n",
        [
            (
                "parts.k8s.io/v1beta1",
                ("Bolt", "Nut"),
                "parts.k8s.io/v1",
                "1.35",
                "Bolt is available in parts.k8s.io/v1 since v1.31.\n"
                "Nut is available in parts.k8s.io/v1 v1.35",
            )
        ],
        0,
        id="per-kind-sub-bullets",
    ),
    pytest.param(
        "#### Gizmo\n\nGizmo in the **old.k8s.io/v1beta1** API version is no longer served as "
        "of v1.40.\n\nMove to [the new admission](/docs/new/) instead.\n",
        [("old.k8s.io/v1beta1", ("Gizmo",), None, None, "Move to the new admission instead.")],
        0,
        id="no-replacement",
    ),
    pytest.param(
        "#### Doohickey\n\nThe **extensions/v1beta1** and **example.k8s.io/v1beta1** API "
        "versions of Doohickey are no longer served as of v1.40.\n\n* Migrate manifests and "
        "API clients to use the **example.k8s.io/v1** API version, available since v1.30.\n",
        [
            ("extensions/v1beta1", ("Doohickey",), "example.k8s.io/v1", "1.30", ""),
            ("example.k8s.io/v1beta1", ("Doohickey",), "example.k8s.io/v1", "1.30", ""),
        ],
        0,
        id="two-removed-versions",
    ),
    pytest.param(
        "#### Vague\n\nThe beta Vague API is no longer served as of v1.40.\n\n"
        "#### Widget\n\nThe **example.k8s.io/v1beta1** API version of Widget is no longer "
        "served as of v1.40.\n",
        [("example.k8s.io/v1beta1", ("Widget",), None, None, "")],
        1,
        id="no-bold-version-warns-and-goes-on",
    ),
    pytest.param(
        "#### Loop\n\nThe **loop.k8s.io/v1beta1** API version of Loop is no longer served as "
        "of v1.40.\n\n* Migrate manifests and API clients to use the **loop.k8s.io/v1beta1** "
        "API version, available since v1.20.\n",
        [("loop.k8s.io/v1beta1", ("Loop",), "loop.k8s.io/v1beta1", "1.20", "")],
        1,
        id="own-replacement-warns",
    ),
]


@pytest.mark.parametrize(("body", "expected", "warning_count"), CASES)
def test_layouts(body: str, expected: list[tuple], warning_count: int) -> None:
    result = parse_document(DeprecationGuideParser(), _HEAD + body, "case.md")
    facts = _facts(result)
    got = [(f.group_version, f.kinds, f.replacement, f.replacement_since, f.notes) for f in facts]
    assert got == expected
    assert all(f.removed_in == "1.40" and f.type is FactType.API_REMOVAL for f in facts)
    assert len(result.warnings) == warning_count
    for warning in result.warnings:
        line = (_HEAD + body).split("\n")[warning.line - 1]
        assert warning.path == "case.md" and line.startswith("#### ")
