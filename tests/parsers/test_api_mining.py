"""Mining API, feature-gate and flag removals from upstream notes.

Hand-written notes (paraphrased, made-up names where the shape matters more than the API) pin
each sentence shape; the release notes 1.14 to 1.34 and two CHANGELOG files check the mining on
real text, split by the small splitter in tests/note_texts.py.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache

import pytest
from removal_oracle import removals

from aksnews.model.releases import (
    ApiChangeFact,
    EntryKind,
    Fact,
    FactType,
    FeatureGateRemovalFact,
    FlagRemovalFact,
)
from aksnews.parsers.api_kinds import GROUP_KINDS
from aksnews.parsers.api_mining import MINED_KINDS, mine_note, release_minor

from corpus import RELEASE_NOTE_MINORS, corpus_text
from note_texts import Note, mined_notes

REMOVAL, DEPRECATION = FactType.API_REMOVAL, FactType.API_DEPRECATION
API, CHANGE = EntryKind.API_CHANGE, EntryKind.DEPRECATION


def _api(type_: FactType, gv: str, kinds: tuple[str, ...] = (), **kw: object) -> ApiChangeFact:
    fields: dict[str, object] = {"evidence": ("pr:1",), **kw}
    return ApiChangeFact(type=type_, group_version=gv, kinds=kinds, **fields)


CASES = [
    pytest.param(
        "kube-apiserver: the node.k8s.io/v1alpha1 RuntimeClass API has been removed; switch to "
        "node.k8s.io/v1, available since v1.20.",
        "v1.24.0",
        [_api(REMOVAL, "node.k8s.io/v1alpha1", ("RuntimeClass",), removed_in="1.24",
              replacement="node.k8s.io/v1", replacement_since="1.20")],
        id="removed-now",
    ),
    pytest.param(
        "PodDisruptionBudget objects in policy/v1beta1 are deprecated and will no longer be "
        "served in v1.25, use policy/v1 instead.",
        "v1.21.0",
        [_api(DEPRECATION, "policy/v1beta1", ("PodDisruptionBudget",), removed_in="1.25",
              deprecated_in="1.21", replacement="policy/v1")],
        id="announced",
    ),
    pytest.param(
        "Remove the deprecated kubescheduler.config.k8s.io/v1beta9 API",
        "v1.40.0-alpha.2",
        [_api(REMOVAL, "kubescheduler.config.k8s.io/v1beta9", removed_in="1.40")],
        id="remove-at-start",
    ),
    pytest.param(
        "The scheduler config kubescheduler.config.k8s.io/v1beta7 (KubeSchedulerConfiguration)"
        "\nis removed in v1.42. Migrate configuration files to kubescheduler.config.k8s.io/v1.",
        "v1.40.0",
        [_api(DEPRECATION, "kubescheduler.config.k8s.io/v1beta7", ("KubeSchedulerConfiguration",),
              removed_in="1.42", deprecated_in="1.40",
              replacement="kubescheduler.config.k8s.io/v1")],
        id="wrapped-line-later-release-is-a-plan",
    ),
    pytest.param(
        "These API versions are no longer served by default:\n"
        "- All resources under apps/v1beta1 - use apps/v1 instead\n"
        "- cronjobs resources under batch/v1beta1 - use batch/v1 instead\n"
        "Serving them can be turned back on with --runtime-config:\n"
        "- apps/v1beta1=true",
        "v1.40.0",
        [_api(REMOVAL, "apps/v1beta1", removed_in="1.40", replacement="apps/v1"),
         _api(REMOVAL, "batch/v1beta1", ("CronJob",), removed_in="1.40", replacement="batch/v1")],
        id="list-under-a-lead",
    ),
    pytest.param(
        "StatefulSet and ReplicaSet objects will no longer be served from extensions/v1beta1 or "
        "apps/v1beta2 in v1.40. Please switch to apps/v1, available since v1.30.",
        "v1.38.0",
        [_api(DEPRECATION, gv, ("StatefulSet", "ReplicaSet"), removed_in="1.40",
              deprecated_in="1.38", replacement="apps/v1", replacement_since="1.30")
         for gv in ("extensions/v1beta1", "apps/v1beta2")],
        id="served-from-several",
    ),
    pytest.param(
        "EndpointSlice.discovery.k8s.io: v1beta1 is now deprecated (use v1) and is planned for "
        "removal in v1.40.",
        "v1.38.0",
        [_api(DEPRECATION, "discovery.k8s.io/v1beta1", ("EndpointSlice",), removed_in="1.40",
              deprecated_in="1.38", replacement="discovery.k8s.io/v1")],
        id="bare-version-one-group",
    ),
    pytest.param(
        "Authentication.k8s.io/v1beta1 and authorization.k8s.io/v1beta1: deprecated since 1.19 "
        "in favour of v1, to be removed in 1.22",
        "v1.19.0",
        [_api(DEPRECATION, f"{g}.k8s.io/v1beta1", removed_in="1.22", deprecated_in="1.19",
              replacement=f"{g}.k8s.io/v1") for g in ("authentication", "authorization")],
        id="capitalised-groups-bare-replacement",
    ),
    pytest.param(
        "Lease graduated to coordination.k8s.io/v1. Its coordination.k8s.io/v1beta1 version is "
        "deprecated and will stop being served by default in v1.40.",
        "v1.38.0",
        [_api(DEPRECATION, "coordination.k8s.io/v1beta1", ("Lease",), removed_in="1.40",
              deprecated_in="1.38", replacement="coordination.k8s.io/v1")],
        id="kinds-and-replacement-from-another-sentence",
    ),
    pytest.param(
        "Both v1alpha1 and v1beta1 of the audit event API were removed after their deprecation "
        "in 1.13. Use audit.k8s.io/v1.",
        "v1.24.0",
        [_api(REMOVAL, f"audit.k8s.io/{v}", removed_in="1.24", replacement="audit.k8s.io/v1")
         for v in ("v1alpha1", "v1beta1")],
        id="bare-versions-removed",
    ),
    pytest.param("The spec.foo field of the events.k8s.io/v1beta1 Event API is deprecated.",
                 "v1.30.0", [], id="a-field-is-not-the-api"),
    pytest.param("The unused spec.bar field is removed from the events.k8s.io/v1 Event type.",
                 "v1.30.0", [], id="removed-from-an-api"),
    pytest.param("The kubescheduler.config.k8s.io/v1beta3 NodeFooBar plugin is deprecated.",
                 "v1.30.0", [], id="a-plugin-is-not-the-api"),
    pytest.param("The v1beta5 scheduler configuration is deprecated.", "v1.30.0", [],
                 id="bare-version-no-group"),
    pytest.param("Updated sigs.k8s.io/structured-merge-diff/v4 and removed an old copy.",
                 "v1.30.0", [], id="go-module-path"),
    pytest.param("A metrics image update drops its use of the deprecated "
                 "authorization.k8s.io/v1beta1 API.", "v1.22.0", [], id="mentioned-in-passing"),
    # feature gates
    pytest.param("Removed the feature gates FooBarBaz and QuxQuux, GA since v1.30.", "v1.33.0",
                 [FeatureGateRemovalFact("FooBarBaz", "1.33"),
                  FeatureGateRemovalFact("QuxQuux", "1.33")], id="gates-after-word"),
    pytest.param('The feature gate "LockedThing" has been removed.', "v1.32.0",
                 [FeatureGateRemovalFact("LockedThing", "1.32")], id="quoted-gate"),
    pytest.param("The following feature gates are removed, as they are always on: AlphaOne, "
                 "BetaTwo and GammaThree", "v1.18.0",
                 [FeatureGateRemovalFact(n, "1.18") for n in ("AlphaOne", "BetaTwo", "GammaThree")],
                 id="gates-after-colon"),
    pytest.param("Alpha feature gates InTreeXUnregister, and InTreeYUnregister were removed.",
                 "v1.31.0", [FeatureGateRemovalFact(n, "1.31")
                             for n in ("InTreeXUnregister", "InTreeYUnregister")],
                 id="gates-before-verb"),
    pytest.param("The ZetaV9 and ZetaV9KDF feature gates were removed after graduation.", "v1.32.0",
                 [FeatureGateRemovalFact(n, "1.32") for n in ("ZetaV9", "ZetaV9KDF")],
                 id="gates-with-digits"),
    pytest.param("The FooBar feature gate is locked to true and will be removed in v1.35.",
                 "v1.33.0", [], id="gate-removal-announced"),
    pytest.param("The FooBar feature gate is deprecated.", "v1.33.0", [], id="gate-deprecated"),
    # flags
    pytest.param("kubelet: removed the deprecated --foo-bar flag.", "v1.34.0",
                 [FlagRemovalFact("--foo-bar", "kubelet", "1.34")], id="flag-with-prefix"),
    pytest.param("The deprecated flags --alpha-one and --alpha-two have been removed from "
                 "kube-scheduler. Use --beta-three instead.", "v1.28.0",
                 [FlagRemovalFact(f, "kube-scheduler", "1.28")
                  for f in ("--alpha-one", "--alpha-two")],
                 id="flags-and-their-replacement"),
    pytest.param("The deprecated --old-audience flag of the API server was removed; --audiences "
                 "replaces it.", "v1.25.0",
                 [FlagRemovalFact("--old-audience", "kube-apiserver", "1.25")],
                 id="api-server-alias"),
    pytest.param("kube-proxy: removed the old --purge-rules flag, and made --purge flag cover it",
                 "v1.21.0", [FlagRemovalFact("--purge-rules", "kube-proxy", "1.21")],
                 id="flag-removal-clause"),
    pytest.param("The --old-flag flag is deprecated and will be removed in v1.40.", "v1.38.0", [],
                 id="flag-removal-announced"),
    pytest.param("kubeadm no longer writes the deprecated --some-thing into the static Pod "
                 "manifests it generates; it was removed there.", "v1.22.0", [],
                 id="flag-dropped-from-a-manifest"),
    pytest.param("Removed kubectl --output blank default value.", "v1.23.0", [],
                 id="flag-values-removed"),
    pytest.param("kubectl: removed the empty default of --output.", "v1.23.0", [],
                 id="flag-default-removed"),
    pytest.param("Kubelet: removed the ability to pass reserved prefixes through --node-taints.",
                 "v1.16.0", [], id="flag-ability-removed"),
    # phrasings that generalise: the verb, where the group is named, lists
    pytest.param("Widget resources are served by example.k8s.io. Its v1beta1 version was dropped; "
                 "use v1.", "v1.40.0",
                 [_api(REMOVAL, "example.k8s.io/v1beta1", removed_in="1.40",
                       replacement="example.k8s.io/v1")], id="group-named-earlier"),
    pytest.param("PriorityClass changes: the v1alpha1 version is no longer served.", "v1.40.0",
                 [_api(REMOVAL, "scheduling.k8s.io/v1alpha1", ("PriorityClass",),
                       removed_in="1.40")], id="kind-named-earlier"),
    pytest.param("The flowcontrol.apiserver.k8s.io/v1beta9 API is no longer supported.", "v1.40.0",
                 [_api(REMOVAL, "flowcontrol.apiserver.k8s.io/v1beta9", removed_in="1.40")],
                 id="no-longer-supported"),
    pytest.param("resource.k8s.io/v1alpha9 now only contains DeviceTaintRule. All other types got "
                 "removed.", "v1.40.0",
                 [_api(REMOVAL, "resource.k8s.io/v1alpha9",
                       ("ResourceClaim", "ResourceClaimTemplate", "DeviceClass", "ResourceSlice"),
                       removed_in="1.40")], id="keeps-one-type-removes-the-others"),
    pytest.param("resource.k8s.io/v1alpha9 now only contains DeviceTaintRule. All other types will "
                 "be removed in v1.42.", "v1.40.0", [], id="keeps-one-type-others-planned"),
    pytest.param("ACTION REQUIRED. Removed the following feature gates:\n- AlphaOneUnregister\n"
                 "- BetaTwoUnregister", "v1.31.0",
                 [FeatureGateRemovalFact(n, "1.31") for n in ("AlphaOneUnregister",
                                                              "BetaTwoUnregister")],
                 id="gates-as-list-items"),
    pytest.param("Removed GA feature gates: FooOne, FooTwo,\nFooThree, and FooFour.", "v1.28.0",
                 [FeatureGateRemovalFact(n, "1.28") for n in ("FooOne", "FooTwo", "FooThree",
                                                              "FooFour")],
                 id="gate-list-across-lines"),
    pytest.param("Removed GAed feature gate about QuuxQuux in 1.30.", "v1.30.0",
                 [FeatureGateRemovalFact("QuuxQuux", "1.30")], id="gate-about-and-gaed"),
    pytest.param("The feature gate 'QuotedOne' has now been removed.", "v1.31.0",
                 [FeatureGateRemovalFact("QuotedOne", "1.31")], id="single-quoted-has-now-been"),
    pytest.param("The deprecated runAsThing feature-gate has been removed.", "v1.22.0", [],
                 id="lower-camel-is-not-cut"),
    pytest.param("The FooBar feature, GA since 1.24, is now always on and the feature gate option "
                 "has been removed.", "v1.27.0", [FeatureGateRemovalFact("FooBar", "1.27")],
                 id="gate-named-as-the-feature"),
    pytest.param("Removed the feature gates AlphaOne and BetaTwo, and the --old-one and --old-two "
                 "flags of kubelet.", "v1.34.0",
                 [FeatureGateRemovalFact("AlphaOne", "1.34"),
                  FeatureGateRemovalFact("BetaTwo", "1.34"),
                  FlagRemovalFact("--old-one", "kubelet", "1.34"),
                  FlagRemovalFact("--old-two", "kubelet", "1.34")],
                 id="gates-and-flags-one-sentence"),
    pytest.param("The following flags are no longer accepted by kube-proxy: --a-one, --b-two",
                 "v1.34.0",
                 [FlagRemovalFact(f, "kube-proxy", "1.34") for f in ("--a-one", "--b-two")],
                 id="flags-after-colon-no-longer-accepted"),
    pytest.param("The --old-mode option will be deprecated and removed in a future release.",
                 "v1.30.0", [], id="deprecated-and-removed-later"),
    pytest.param("kubeadm: removed the usage of the --runtime=remote flag for the kubelet.",
                 "v1.26.0", [], id="a-flag-value-is-not-the-flag"),
    pytest.param("kubeadm: remove the --x-endpoint flag from the /var/lib/kubelet/flags.env file.",
                 "v1.33.0", [], id="removed-from-a-file"),
    pytest.param("Since these features are always on, their --feature-gates flags have been "
                 "removed: AlphaGate, BetaGate", "v1.18.0",
                 [FeatureGateRemovalFact("AlphaGate", "1.18"),
                  FeatureGateRemovalFact("BetaGate", "1.18")], id="gates-not-the-flag"),
]  # fmt: skip


def _without_notes(facts: tuple[Fact, ...]) -> list[Fact]:
    return [dataclasses.replace(f, notes="") if isinstance(f, ApiChangeFact) else f for f in facts]


@pytest.mark.parametrize(("text", "release", "expected"), CASES)
def test_sentence_shapes(text: str, release: str, expected: list[Fact]) -> None:
    assert _without_notes(mine_note(text, API, release, 1)) == expected


def test_evidence_notes_and_kinds() -> None:
    text = "RuntimeClass objects of node.k8s.io/v1alpha1 are no longer served."
    (with_pr,) = mine_note(text, EntryKind.URGENT_UPGRADE, "v1.24.0", 103061)
    (without,) = mine_note(text, CHANGE, "v1.24.0", None)
    assert isinstance(with_pr, ApiChangeFact) and isinstance(without, ApiChangeFact)
    assert with_pr.evidence == ("pr:103061",)
    assert without.evidence == ("kubernetes-changelog",)
    assert with_pr.notes == text
    assert with_pr.urgent and not without.urgent  # urgent notes weigh more in the knowledge base
    (flagged,) = mine_note(text, CHANGE, "v1.24.0", None, action_required=True)
    assert isinstance(flagged, ApiChangeFact) and flagged.urgent
    # every kind of note is mined (removals are filed under Feature and Other too), except
    # dependency bumps
    assert frozenset(EntryKind) - {EntryKind.DEPENDENCY} == MINED_KINDS
    (bug,) = mine_note(text, EntryKind.BUG, "v1.24.0", 1)
    assert isinstance(bug, ApiChangeFact) and bug.group_version == "node.k8s.io/v1alpha1"
    assert mine_note(text, EntryKind.DEPENDENCY, "v1.24.0", 1) == ()


@pytest.mark.parametrize(
    ("version", "minor"),
    [("v1.22.0", "1.22"), ("v1.22.0-alpha.1", "1.22"), ("1.9", "1.9"), ("next", None)],
)
def test_release_minor(version: str, minor: str | None) -> None:
    assert release_minor(version) == minor


# --- the real release notes -----------------------------------------------------------------


@cache
def _corpus() -> tuple[tuple[str, Note, tuple[Fact, ...]], ...]:
    out = []
    for minor in RELEASE_NOTE_MINORS:
        for note in mined_notes(corpus_text(f"kubernetes/release-notes/release-notes-{minor}.md")):
            out.append((minor, note, mine_note(note.text, note.kind, f"v{minor}.0", note.pr)))
    return tuple(out)


def _all(cls: type) -> list[tuple[str, Note, Fact]]:
    return [(m, n, f) for m, n, facts in _corpus() for f in facts if isinstance(f, cls)]


def _minor_key(minor: str) -> tuple[int, int]:
    major, _, rest = minor.partition(".")
    return int(major), int(rest)


def test_known_api_facts_of_the_release_notes() -> None:
    facts = [f for _, _, f in _all(ApiChangeFact)]
    flow = [f for f in facts if f.group_version == "flowcontrol.apiserver.k8s.io/v1beta2"]
    assert _without_notes(tuple(flow)) == [
        ApiChangeFact(
            type=REMOVAL,
            group_version="flowcontrol.apiserver.k8s.io/v1beta2",
            kinds=("FlowSchema", "PriorityLevelConfiguration"),
            removed_in="1.29",
            replacement="flowcontrol.apiserver.k8s.io/v1beta3",
            replacement_since="1.26",
            evidence=("pr:119495",),
        )
    ]
    by_key = {(f.type, f.group_version, f.kinds, f.removed_in): f for f in facts}
    assert (REMOVAL, "extensions/v1beta1", ("NetworkPolicy",), "1.16") in by_key
    pdb = by_key[(DEPRECATION, "policy/v1beta1", ("PodDisruptionBudget",), "1.25")]
    assert pdb.evidence == ("pr:99290",) and pdb.replacement == "policy/v1"
    ingress = by_key[
        (DEPRECATION, "networking.k8s.io/v1beta1", ("Ingress", "IngressClass"), "1.22")
    ]
    assert ingress.deprecated_in == "1.19" and ingress.replacement == "networking.k8s.io/v1"


def test_api_facts_are_about_what_the_note_names() -> None:
    facts = _all(ApiChangeFact)
    assert len(facts) >= 60
    for minor, note, fact in facts:
        assert isinstance(fact, ApiChangeFact)
        group, _, version = fact.group_version.partition("/")
        # the group is named, or a kind of it ('... is now a v1beta4 ClusterConfiguration')
        named = group in note.text.lower() or any(k in note.text for k in GROUP_KINDS[group])
        assert named and version in note.text
        if fact.type is REMOVAL:
            assert fact.removed_in is not None
            assert _minor_key(fact.removed_in) <= _minor_key(minor)
        elif fact.removed_in is not None:
            assert _minor_key(fact.removed_in) > _minor_key(minor)


def test_every_mined_api_removal() -> None:
    """The API removals mined from the notes are the ones the independent oracle reads there."""
    mined: set[tuple[str, str]] = set()
    for minor, _, fact in _all(ApiChangeFact):
        assert isinstance(fact, ApiChangeFact)
        if fact.type is REMOVAL and fact.removed_in == minor:
            mined.add((fact.group_version, minor))
    expected = {
        (r.name, minor)
        for minor in RELEASE_NOTE_MINORS
        for r in removals(corpus_text(f"kubernetes/release-notes/release-notes-{minor}.md"), minor)
        if r.what == "api"
    }
    assert len(expected) >= 20
    assert mined == expected


def test_feature_gate_removals() -> None:
    gates = _all(FeatureGateRemovalFact)
    found = {(f.name, f.version) for _, _, f in gates}
    assert {("HPAContainerMetrics", "1.32"), ("PDBUnhealthyPodEvictionPolicy", "1.33"),
            ("TokenRequestProjection", "1.21"), ("DynamicAuditing", "1.19")} <= found  # fmt: skip
    for minor, note, fact in gates:
        assert isinstance(fact, FeatureGateRemovalFact)
        assert fact.version == minor
        assert re.search(rf"\b{fact.name}\b", note.text)
        assert re.search(r"feature[- ]?gate", note.text, re.I)
        assert re.search(r"\bremove[ds]?\b|\bdrop(?:ped)?\b|no longer", note.text, re.I)


def test_flag_removals() -> None:
    flags = _all(FlagRemovalFact)
    found = {(f.flag, f.component) for _, _, f in flags}
    assert ("--keep-terminated-pod-volumes", "kubelet") in found
    assert ("--horizontal-pod-autoscaler-use-rest-clients", "kube-controller-manager") in found
    assert ("--service-account-api-audiences", "kube-apiserver") in found
    # 1.24 removed it from kube-apiserver; 1.22 only dropped it from kubeadm's manifest
    assert ("--insecure-port", "kube-apiserver") in found
    assert ("--insecure-port", "kubeadm") not in found
    # sentences that remove something else than the flag
    names = {flag for flag, _ in found}
    assert not names & {"--feature-gates", "--runtime-config", "--node-labels", "--dry-run",
                        "--cleanup"}  # fmt: skip
    for _, note, fact in flags:
        assert isinstance(fact, FlagRemovalFact)
        assert fact.flag in note.text


@pytest.mark.parametrize("name", ["CHANGELOG-1.22.md", "CHANGELOG-1.32.md"])
def test_changelog_files(name: str) -> None:
    text = corpus_text(f"kubernetes/changelog/{name}")
    parts = re.split(r"(?m)^# (v1\.\d+\.\d+\S*)\s*$", text)
    facts: list[Fact] = []
    for version, body in zip(parts[1::2], parts[2::2], strict=True):
        for note in mined_notes(body):
            mined = mine_note(note.text, note.kind, version, note.pr)
            for fact in mined:
                group = fact.subject.split("/")[0].lower()
                # the group is named, or a kind of it ('Ingress v1beta1 has been deprecated')
                kinds = GROUP_KINDS.get(group, ())
                assert group in note.text.lower() or any(k in note.text for k in kinds)
            facts.extend(mined)
    expected = "ServiceAppProtocol" if "1.22" in name else "HPAContainerMetrics"
    assert expected in {f.name for f in facts if isinstance(f, FeatureGateRemovalFact)}
