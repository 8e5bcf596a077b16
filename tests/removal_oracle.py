"""An independent count of the removals upstream notes state: feature gates, flags, API versions.

The mining tests compare aksnews (parser + miner) with this oracle, so it shares no code with
either: its own note splitter (every top-level bullet outside the dependency, download and
narrative sections, up to the next one), its own sentence cut and a few plain rules per fact:

- a sentence states a removal when it has a removal word (removed, remove, drop(ped), no longer
  served/accepted/supported/recognised) and no word of a plan (will, would, to be, planned,
  future, should, deprecated ... in favour) before it;
- a list item under a lead line ending in ':' is read together with that lead;
- gates: CamelCase names in a removal sentence that speaks of feature gates;
- flags: '--name' in a removal sentence, unless it sets a value ('--x=y'), is the gate flag or
  the sentence is about a manifest or default values;
- API versions: 'group/version' in a removal sentence, and bare 'v1beta1' when the note names one
  group only, unless the version is named after 'to', 'use' or 'in favour of' (a replacement).

What it yields is a set of (what, name, minor) per release. It is deliberately simple: where it
and the miner disagree, a person reads the note (tests/parsers/test_removal_recall.py prints them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TOP_BULLET = re.compile(r"^ ?[-*] (?=\S)")
_SKIPPED_SECTIONS = re.compile(
    r"dependenc|downloads|what.s new|major themes|known issues|notable announcements|"
    r"table of contents",
    re.I,
)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ATTRIBUTION = re.compile(r"\(\s*\[#\d+\].*$|\(#\d+, @[^)]*\).*$")
_REMOVAL = re.compile(
    r"\b(?:remov(?:e|ed|es|ing)|drop(?:ped|s)?|no longer (?:be )?"
    r"(?:served|accepted|supported|recogni[sz]ed|available))\b",
    re.I,
)
# 'Removed ...', 'kubelet: remove ...', '1. removed ...', 'ACTION REQUIRED. Removed ...'
_OPENING = re.compile(r"(?:[\w .'/-]{0,40}[:.]\s*)?(?:\d+\.\s*)?(?:also\s+|and\s+)?", re.I)
# '... is removed', 'have now been removed', 'and drop ...', 'is no longer served'
_PASSIVE = re.compile(
    r"\b(?:is|are|was|were|be|been|being|get|got|gets|now|also|and|fully|completely|entirely"
    r"|finally|then|can)\s+(?:\w+\s+){0,1}$",
    re.I,
)
_PLAN = re.compile(
    r"\b(?:will|would|to be|planned|scheduled|should|targeted|can be|may be|could)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:remov|drop|no longer)|\bin a future release\b|\bin the future\b",
    re.I,
)
_GATE_WORD = re.compile(r"feature[- ]?gates?|featuregates?", re.I)
_CAMEL = re.compile(
    r"(?<![\w.=/-])([A-Z][a-z0-9]+(?:[A-Z0-9][A-Za-z0-9]*)+|[A-Z]{2,}[a-z][A-Za-z0-9]*)(?![\w=/-])"
)
_FLAG = re.compile(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*[a-z0-9])(=?)")
_GROUPS = (
    r"(?:apps|batch|extensions|policy|autoscaling"
    r"|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:k8s|kubernetes)\.io)"
)
_GV = re.compile(rf"(?<![\w./-])({_GROUPS})/(v\d+(?:(?:alpha|beta)\d+)?)\b(?![=/])", re.I)
_BARE = re.compile(r"(?<![\w./-])(v\d+(?:alpha|beta)\d+)\b")
_GROUP_NAME = re.compile(rf"(?<![\w./-])({_GROUPS})(?![\w-])", re.I)
_NOT_GROUPS = {"sigs.k8s.io", "registry.k8s.io", "k8s.io", "dl.k8s.io", "docs.k8s.io"}
_REPLACEMENT_BEFORE = re.compile(
    r"\b(?:to|use|using|favou?r of|replaced by|instead|promoted|graduated|introduc\w*|"
    r"add(?:s|ed|ing)?|new|accepts?|remov\w* from|in)\W+(?:the\s+)?(?:\S+\s+){0,2}$",
    re.I,
)
# Where the oracle finds the group of a bare version that a note names only by kind ('Removed
# support for v1alpha1 version of ValidatingAdmissionPolicy'): the API reference's groups of the
# kinds that have had alpha or beta versions, written here on their own.
_REFERENCE_GROUPS = {
    "PriorityClass": "scheduling.k8s.io", "RuntimeClass": "node.k8s.io",
    "ValidatingAdmissionPolicy": "admissionregistration.k8s.io",
    "ValidatingAdmissionPolicyBinding": "admissionregistration.k8s.io",
    "MutatingAdmissionPolicy": "admissionregistration.k8s.io",
    "MutatingAdmissionPolicyBinding": "admissionregistration.k8s.io",
    "MutatingWebhookConfiguration": "admissionregistration.k8s.io",
    "ValidatingWebhookConfiguration": "admissionregistration.k8s.io",
    "FlowSchema": "flowcontrol.apiserver.k8s.io",
    "PriorityLevelConfiguration": "flowcontrol.apiserver.k8s.io",
    "EndpointSlice": "discovery.k8s.io", "CSIStorageCapacity": "storage.k8s.io",
    "VolumeAttributesClass": "storage.k8s.io", "ClusterTrustBundle": "certificates.k8s.io",
    "ResourceClaim": "resource.k8s.io", "DeviceClass": "resource.k8s.io",
    "ResourceSlice": "resource.k8s.io", "ServiceCIDR": "networking.k8s.io",
    "IPAddress": "networking.k8s.io", "StorageVersionMigration": "storagemigration.k8s.io",
    "SelfSubjectReview": "authentication.k8s.io", "LeaseCandidate": "coordination.k8s.io",
}  # fmt: skip
_ONLY = re.compile(rf"({_GROUPS})/(v\w+) now only contains\b", re.I)
# Words that look like CamelCase names but are not gate names.
_NOT_GATES = re.compile(r"^(?:[A-Z]+(?:s|ed)|IPv\d)$")  # PIDs, PVCs, GAed


@dataclass(frozen=True, order=True)
class Removal:
    what: str  # 'gate', 'flag' or 'api'
    name: str
    minor: str


def notes(markdown: str) -> list[str]:
    """Plain-ish text of every top-level note outside the skipped sections."""
    out: list[str] = []
    current: list[str] | None = None
    skipping = False
    skip_level = 0
    for line in markdown.split("\n"):
        heading = _HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            if skipping and level <= skip_level:
                skipping = False
            if not skipping and _SKIPPED_SECTIONS.search(heading.group(2)):
                skipping, skip_level = True, level
            if current is not None:
                out.append("\n".join(current))
                current = None
            continue
        if skipping:
            continue
        if _TOP_BULLET.match(line):
            if current is not None:
                out.append("\n".join(current))
            current = [line[2:].strip()]
        elif current is not None:
            current.append(line)
    if current is not None:
        out.append("\n".join(current))
    return out


def _clean(text: str) -> str:
    text = _MD_LINK.sub(r"\1", text)
    return text.replace("`", "").replace("*", "").replace('"', "").replace("'", "")


def _sentences(note: str) -> list[str]:
    """Sentences; list items carry their lead ('Removed the following feature gates:')."""
    out: list[str] = []
    lead, lead_indent = "", -1
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            text = " ".join(paragraph)
            out.extend(s for s in re.split(r"(?<=[.;!?])\s+(?=[A-Z])", text) if s.strip())
            paragraph.clear()

    for raw in note.split("\n"):
        indent = len(raw) - len(raw.lstrip())
        line = _clean(_ATTRIBUTION.sub("", raw)).strip()
        item = re.match(r"^(?:[-*+]|\d+[.)])\s+", line)
        if item:
            flush()
            if indent <= lead_indent:
                lead, lead_indent = "", -1
            body = line[item.end() :]
            for part in re.split(r"(?<=[.;!?])\s+(?=[A-Z])", body):
                out.append(f"{lead} {part}".strip())
            if body.endswith(":"):
                lead, lead_indent = body, indent
            continue
        if not line:
            flush()
            continue
        if paragraph and line[:1].isupper() and not paragraph[-1].endswith((",", ":")):
            flush()  # a new line that starts a new statement ('Deprecate ...' under 'Remove ...')
        paragraph.append(line)
        lead, lead_indent = "", -1  # prose between lists ends the lead of the list before
        if line.endswith(":"):
            flush()
            lead, lead_indent = (out[-1] if out else line), indent
    flush()
    return out


def _clauses(sentence: str) -> list[str]:
    """'remove --a, and make --b do more': the removal ends where the next clause starts."""
    return [c for c in re.split(r",\s+and\s+(?=[a-z])|;\s+", sentence) if c.strip()]


def _states_removal(sentence: str) -> bool:
    """A removal word opening the sentence (imperative, past) or in the passive, not planned."""
    removal = _REMOVAL.search(sentence)
    if removal is None:
        return False
    before = sentence[: removal.start()]
    if not (_OPENING.fullmatch(before) or _PASSIVE.search(before)):
        return False
    plan = _PLAN.search(sentence)
    return plan is None or plan.start() > removal.start()


def removals(markdown: str, minor: str) -> set[Removal]:
    found: set[Removal] = set()
    for note in notes(markdown):
        clean = _clean(note)
        groups = {m.group(1).lower() for m in _GROUP_NAME.finditer(clean) if "." in m.group(1)}
        groups |= {m.group(1).lower() for m in _GV.finditer(clean)}
        groups -= _NOT_GROUPS
        sentences = _sentences(note)
        for n, sentence in enumerate(sentences):
            only = _ONLY.search(sentence)
            following = sentences[n + 1] if n + 1 < len(sentences) else ""
            if (
                only
                and re.match(r"All other (?:types|kinds)\b", following)
                and _states_removal(following)
            ):
                found.add(Removal("api", f"{only.group(1)}/{only.group(2)}".lower(), minor))
            for clause in _clauses(sentence):
                if not _states_removal(clause):
                    continue
                found |= _gates(clause, minor)
                found |= _flags(clause, minor)
                found |= _apis(clause, minor, groups)
    return found


def _gates(sentence: str, minor: str) -> set[Removal]:
    if not _GATE_WORD.search(sentence):
        return set()
    names = {m.group(1) for m in _CAMEL.finditer(sentence)}
    return {Removal("gate", n, minor) for n in names if not _NOT_GATES.match(n)}


def _flags(sentence: str, minor: str) -> set[Removal]:
    skip = r"\bmanifests?\b|\bdefault values?\b|\bvalues? of\b|\bfrom the \S+ file\b|\babilit"
    if re.search(skip, sentence, re.I):
        return set()
    out: set[Removal] = set()
    for m in _FLAG.finditer(sentence):
        if m.group(2) or m.group(1) in ("--feature-gates", "--runtime-config"):
            continue
        if _REPLACEMENT_BEFORE.search(sentence[: m.start()]):
            continue
        out.add(Removal("flag", m.group(1), minor))
    return out


def _apis(sentence: str, minor: str, groups: set[str]) -> set[Removal]:
    out: set[Removal] = set()
    removal = _REMOVAL.search(sentence)
    if removal and re.search(r"\b(?:fields?|defaults?|values?|annotations?|plugins?)\b",
                             sentence[: removal.start()], re.I):  # fmt: skip
        return out  # a part of an API is removed, not the API
    for m in _GV.finditer(sentence):
        if not _REPLACEMENT_BEFORE.search(sentence[: m.start()]):
            out.add(Removal("api", f"{m.group(1)}/{m.group(2)}".lower(), minor))
    if not groups:
        groups = {g for kind, g in _REFERENCE_GROUPS.items() if re.search(rf"\b{kind}\b", sentence)}
    if not out and len(groups) == 1:
        (group,) = groups
        for m in _BARE.finditer(sentence):
            if not _REPLACEMENT_BEFORE.search(sentence[: m.start()]):
                out.add(Removal("api", f"{group}/{m.group(1)}", minor))
    return out
