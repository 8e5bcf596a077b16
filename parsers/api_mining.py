"""Typed facts mined from the prose of upstream Kubernetes notes.

The Kubernetes changelog parser calls `mine_note` for every note of a mined kind (deprecation,
api-change, urgent-upgrade). Three things are looked for:

- API versions that are deprecated or stop being served -> ApiChangeFact. These matter most
  (a removed API blocks an upgrade), so the patterns are broad: 'X is no longer served',
  'X is deprecated and will no longer be served in v1.25', 'Remove X', 'X is deprecated in
  favor of Y', lists under 'The following APIs are no longer served by default:', and bare
  versions ('The v1beta1 version of this API ...') when the note names exactly one API group.
- feature gates that are removed -> FeatureGateRemovalFact;
- command-line flags that are removed -> FlagRemovalFact.
  For gates and flags precision matters more than recall: only removals that happened (past or
  present tense) count, never 'will be removed', and only names in the usual positions.

Dates of removal: a removal fact's removed_in is the release the note belongs to, or the release
named right after the verb ('is removed in v1.28'). A note that names a later release
('will no longer be served in v1.25') is an announcement: API_DEPRECATION with removed_in set to
that release. deprecated_in is the release named after 'deprecated in/since', else (for a
deprecation) the note's own release.

Everything works sentence by sentence on the note's plain text, with regexes compiled here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aksnews.model.releases import (
    ApiChangeFact,
    EntryKind,
    Fact,
    FactType,
    FeatureGateRemovalFact,
    FlagRemovalFact,
)
from aksnews.parsers.api_kinds import GROUP_KINDS, KIND_GROUP, KNOWN_KINDS

# Every kind of note is mined (removals are filed under Feature and Other (Cleanup) too) except
# dependency bumps, which have facts of their own.
MINED_KINDS = frozenset(k for k in EntryKind if k is not EntryKind.DEPENDENCY)

CHANGELOG_EVIDENCE = "kubernetes-changelog"

# --- API versions ---------------------------------------------------------------------------
# Legacy groups have no dot; every other built-in or config group ends in k8s.io/kubernetes.io.
# The look-behind keeps Go module paths ('sigs.k8s.io/foo/v4') and URL paths out.
_GROUP = (
    r"(?:apps|batch|extensions|policy|autoscaling"
    r"|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:k8s|kubernetes)\.io)"
)
_GV = re.compile(rf"(?<![\w./-])({_GROUP})/(v\d+(?:(?:alpha|beta)\d+)?)(?![\w-]|\.\w)", re.I)
_KIND_DOT_GROUP = re.compile(rf"\b([A-Z][A-Za-z0-9]+)\.({_GROUP})\b")
_GROUP_ALONE = re.compile(rf"(?<![\w./-])({_GROUP})(?![\w/-]|\.\w)")
_BARE_VERSION = re.compile(r"(?<![\w./-])(v\d+(?:alpha|beta)\d+)(?![\w-]|\.\w)")
_STABLE_VERSION = re.compile(r"(?<![\w./-])(v\d+(?:(?:alpha|beta)\d+)?)(?![\w-]|\.\w)")

_FUTURE = re.compile(
    r"\b(?:will|would|to)\s+(?:(?:no\s+longer|not)\s+be\s+(?:served|supported|accepted|available)"
    r"|stop\s+(?:being\s+)?served?|stop\s+serving|be\s+(?:[\w-]+\s+){0,3}?(?:removed|dropped))"
    r"|\b(?:targeted|scheduled|planned|slated)\s+for\s+removal"
    r"|\bremoval\s+(?:is\s+)?(?:planned|scheduled|targeted)"
    r"|\bin\s+a\s+future\s+release\b",
    re.I,
)
# What stopped being served or was removed: 'is no longer served / accepted / supported /
# available', 'has now been removed', 'are also removed', 'Removed ...', '... and drop X'.
_NO_LONGER = r"no\s+longer\s+(?:be\s+)?(?:served|accepted|supported|available|recogni[sz]ed)\b"
_CURRENT = re.compile(
    rf"(?<!will )(?<!would )(?<!to )\b{_NO_LONGER}"
    rf"|\b(?:can|could)\s+{_NO_LONGER}"
    r"|\b(?:stopped|stops)\s+serving\b"
    r"|\b(?:is|are|was|were|has|have|had|got|gets|now|been)\s+"
    r"(?:(?:now|also|fully|completely|entirely|finally|been)\s+){0,2}(?:removed|dropped)\b"
    r"|\band\s+(?:also\s+)?removed\b"
    r"|(?<![\w-])(?:drop|dropped|drops)\s+(?=[\w`'\"-])"
    r"|^(?:[\w./ '-]{1,40}[:.]\s*)?(?:\d+\.\s*)?(?:remove[ds]?|drop(?:ped|s)?)\b",
    re.I,
)
_API_VERSION = re.compile(r"(?<![\w.-])v\d+(?:(?:alpha|beta)\d+)?(?![\w-]|\.\d)")
_DEPRECATED = re.compile(r"\bdeprecate[ds]?\b", re.I)
# Every fact needs one of these words (served, removed, dropped, deprecated, no longer): most have
# none, and one cheap search spares them the sentence splitting and the patterns below.
_ANY_CUE = re.compile(r"\bserv(?:e[ds]?|ing)\b|remov|\bdrop|deprecat|no longer", re.I)
_DEPRECATED_IN = re.compile(r"\bdeprecated\s+(?:in|since|as\s+of|starting\s+in)\s+v?(1\.\d+)", re.I)
# The release right behind the verb: '... served in v1.25', '... served by default in v1.17',
# '... served from <versions> in v1.16' (versions cut out first); not 'removed after their
# deprecation in 1.13'.
_VERSION_AFTER = re.compile(
    r"^(?:\s|,|or|and|from|by|default|fully|completely|entirely|now|also)*"
    r"\b(?:in|as\s+of|starting(?:\s+in|\s+with)?|from|by|with)\s+"
    r"(?:kubernetes\s+)?v?(1\.\d+)\b\+?",
    re.I,
)
# Words that may stand between an opening 'Remove(d)' and the API version it removes.
_FILLER = re.compile(
    r"^(?:\s|,|the|deprecated|alpha|beta|legacy|unused|api|apis|versions?|support|for|and|or|of"
    r"|from|under|within)*$",
    re.I,
)
# A sub-part of an API (a field, an annotation...) in front of the version: not the API itself.
_PARTS = (
    r"fields?|annotations?|labels?|options?|parameters?|conditions?|columns?|values?|fixtures?"
    r"|metrics?|endpoints?"
)
_PART_OF = re.compile(rf"\b(?:{_PARTS})\b", re.I)
# ... or behind it: 'the kubescheduler.config.k8s.io/v1beta2 NodeResourcesFit plugin is removed'
_PART_AFTER = re.compile(rf"\b(?:{_PARTS}|plugins?|flags?)\b", re.I)
# Hosts under k8s.io that are not API groups.
_NOT_GROUPS = frozenset(
    {"registry.k8s.io", "sigs.k8s.io", "docs.k8s.io", "dl.k8s.io", "relnotes.k8s.io"}
)
_REPLACEMENT_CUE = re.compile(
    r"(?<![\w-])(?:in\s+favou?r\s+of|use|using|migrated?\s+(?:[\w-]+\s+){0,4}?to"
    r"|replaced\s+(?:by|with)|promoted\s+to|graduated\s+to|moved\s+to|switch\s+to|start\s+using"
    r"|available\s+(?:via|in|from)|accessed\s+via|retrieved\s+via"
    r"|transition\s+(?:[\w-]+\s+){0,4}?to)(?![\w-])",
    re.I,
)
_SINCE = re.compile(r"^[^.;]{0,40}?\bavailable\s+since\s+v?(1\.\d+)", re.I)
_SENTENCE_END = re.compile(
    r"(?<=[;!?])\s+(?=[A-Z`'\"(\[])|(?<=\.)(?<!\be\.g\.)(?<!\bi\.e\.)\s+(?=[A-Za-z`'\"(\[])"
)
_ATTRIBUTION = re.compile(r"\s*\((?:#\d+[^)]*)\)\s*(?:\[SIG [^\]]*\])?\s*$")
_LIST_ITEM = re.compile(r"^[-*+]\s+")
_ONLY_CONTAINS = re.compile(
    rf"(?<![\w./-])({_GROUP})/(v\d+(?:(?:alpha|beta)\d+)?)\s+(?:now\s+)?(?:only\s+)"
    r"(?:contains|serves|keeps|has|includes)\b",
    re.I,
)
_OTHERS_REMOVED = re.compile(
    r"\ball\s+other\s+(?:types|kinds|resources|apis)\s+(?:\w+\s+){0,2}?"
    r"(?:removed|dropped|no\s+longer\s+served)\b",
    re.I,
)
_ALL_RESOURCES = re.compile(r"\ball\s+(?:\w+\s+)?(?:resources|types|kinds|apis)\b", re.I)


def _plural(kind: str) -> str:
    if kind.endswith("y") and not kind.endswith(("ay", "ey", "oy")):
        return kind[:-1] + "ies"
    if kind.endswith(("s", "x", "ch", "sh")):
        return kind if kind == "Endpoints" else kind + "es"
    return kind + "s"


# 'EndpointSlices' and 'daemonsets' (resource names) both name a kind.
_KIND_WORDS: dict[str, str] = {}
for _kind in KNOWN_KINDS:
    _KIND_WORDS[_kind] = _kind
    _KIND_WORDS[_plural(_kind)] = _kind
    # 'daemonsets': lower-case resource names only where they cannot be an ordinary word
    if sum(c.isupper() for c in _kind) > 1 or _kind in ("Deployment", "Ingress"):
        _KIND_WORDS[_plural(_kind).lower()] = _kind
_WORD = re.compile(r"(?<![\w./-])([A-Za-z][A-Za-z0-9]*)(?![\w-]|\.[a-z])")
_ATTACHED_KIND = re.compile(r"^/([A-Z][A-Za-z0-9]+)\b")

# --- feature gates and flags ------------------------------------------------------------------
_GATE_WORD = r"(?:feature[- ]?gates?|featuregates?|gates?)"
_NAME = r"[\"']?(?<![A-Za-z0-9])[A-Z][A-Za-z0-9]*[\"']?"  # CamelCase is checked in code
_NAME_LIST = rf"{_NAME}(?:\s*,\s*(?:and\s+)?{_NAME}|\s+and\s+{_NAME})*"
_GATE_NAMES = (
    re.compile(rf"({_NAME_LIST})\s+{_GATE_WORD}\b"),
    re.compile(rf"\b{_GATE_WORD}\s+(?:for\s+|named\s+|about\s+|of\s+)?({_NAME_LIST})"),
    re.compile(rf"\b{_GATE_WORD}\b[^:]*:\s*({_NAME_LIST})"),
    # 'The X feature, GA since 1.24, ... and the feature gate option has been removed'
    re.compile(rf"^(?:The\s+)?({_NAME})\s+feature\b(?![- ]?gate)"),
)
_GATE_NAME = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9]*")
# Capitalised words that are not gate names: 'GAed', 'PIDs'
_NOT_GATE = re.compile(r"[A-Z]+(?:s|ed)")
_LIST_ITEM_NAMES = re.compile(rf"{_NAME_LIST}")
_GATE_CONTEXT = re.compile(r"\bfeature[- ]?gates?\b|\bfeaturegates?\b", re.I)
_FLAG = re.compile(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*[a-z0-9])(?:=\S*)?")
_NEVER_REMOVED_FLAGS = frozenset({"--feature-gates", "--runtime-config"})
# '... from the kubeadm-flags.env file', '... in the static Pod manifests': the flag stays
_MANIFEST = re.compile(r"\bmanifests?\b|\bfrom\s+the\s+\S+\s+file\b", re.I)
_COMPONENTS = (
    "kube-apiserver",
    "kube-controller-manager",
    "cloud-controller-manager",
    "kube-scheduler",
    "kube-proxy",
    "kubelet",
    "kubectl",
    "kubeadm",
    "hyperkube",
    "kube-log-runner",
)
_COMPONENT = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(c) for c in _COMPONENTS) + r"|api\s?server)(?![\w-])",
    re.I,
)
_NOTE_PREFIX = re.compile(r"^(?:[-*+]\s+)?([\w .'-]{2,40}?)(?:'s)?:\s")
# A flag that stays, with some of its values gone: 'removed the empty default of --x',
# 'removed --x empty default value'
_FLAG_VALUE_WORDS = r"\b(?:values?|defaults?)\b"
_FLAG_VALUES_BEFORE = re.compile(_FLAG_VALUE_WORDS, re.I)
_FLAG_VALUES_AFTER = re.compile(rf"^\s+(?:[\w-]+\s+){{0,2}}{_FLAG_VALUE_WORDS}", re.I)
# 'removed the ability to set ... labels via --node-labels': the flag stays
_ABILITY = re.compile(r"\babilit(?:y|ies)\b", re.I)
# '... remove --cleanup-ipvs, and make --cleanup flush IPVS': the removal ends at ', and'
# ... but not '..., and the --c and --d flags of kubelet': a list that goes on
_CLAUSE_END = re.compile(r",\s+and\b(?!\s+(?:the\s+)?(?:--|`|deprecated\b))|;")


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    lead: str | None  # the 'The following APIs are no longer served:' line the item is under


def mine_note(
    text: str,
    kind: EntryKind,
    release_version: str,
    pr: int | None,
    *,
    action_required: bool = False,
) -> tuple[Fact, ...]:
    """Facts stated by one upstream note (plain text) of `kind` in release `release_version`.

    API facts of an urgent note (or one marked ACTION REQUIRED) say so (ApiChangeFact.urgent):
    the knowledge base trusts them more than other notes.
    """
    if kind not in MINED_KINDS or not _ANY_CUE.search(text):
        return ()
    minor = release_minor(release_version)
    evidence = (f"pr:{pr}",) if pr is not None else (CHANGELOG_EVIDENCE,)
    urgent = action_required or kind is EntryKind.URGENT_UPGRADE
    # Each kind of fact needs its own word in the note; checking for it first spares most of
    # the notes that pass the cue (every note is mined, ~1,400 of them pass) the patterns.
    has_version, has_gate, has_flag = (
        _API_VERSION.search(text),
        _GATE_CONTEXT.search(text),
        ("--" in text),
    )
    if not (has_version or has_gate or has_flag):
        return ()
    sentences = _sentences(text)
    facts: list[Fact] = []
    if has_version:
        facts.extend(_api_facts(sentences, minor, evidence, urgent))
        facts.extend(_kept_only(sentences, minor, evidence, urgent))
    if has_gate:
        facts.extend(_gate_facts(sentences, minor))
    if has_flag:
        facts.extend(_flag_facts(sentences, minor, text))
    return tuple(dict.fromkeys(facts))


def release_minor(version: str) -> str | None:
    """'v1.22.0-rc.1' -> '1.22'."""
    m = re.search(r"(\d+)\.(\d+)", version)
    return f"{int(m.group(1))}.{int(m.group(2))}" if m else None


def _minor_key(minor: str) -> tuple[int, int]:
    major, _, rest = minor.partition(".")
    return int(major), int(rest)


def _sentences(text: str) -> list[_Sentence]:
    """Sentences of the note; list items under a 'following ... :' line carry that line."""
    out: list[_Sentence] = []
    lead: str | None = None
    for body, item in _blocks(text):
        if not item:
            lead = None
        for part in _SENTENCE_END.split(body):
            if part.strip():
                out.append(_Sentence(part.strip(), lead if item else None))
        if body.endswith(":") and (_CURRENT.search(body) or _FUTURE.search(body)):
            lead = body
    return out


def _blocks(text: str) -> list[tuple[str, bool]]:
    """(text, is a list item) per list item or paragraph, wrapped lines joined again.

    Plain text has lost the indentation, so a line continues the previous one when that one
    does not end a sentence and the new one starts in lower case ('... config.k8s.io/v1beta2'
    + 'is removed in v1.28.').
    """
    blocks: list[tuple[str, bool]] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        item = _LIST_ITEM.match(line)
        if item is not None:
            blocks.append((_ATTRIBUTION.sub("", line[item.end() :]), True))
        elif (
            blocks
            and not blocks[-1][0].endswith((".", ":", "!", "?"))
            and (line[0].islower() or blocks[-1][0].endswith((",", " and", " or")))
        ):
            prev, was_item = blocks[-1]
            blocks[-1] = (_ATTRIBUTION.sub("", f"{prev} {line}"), was_item)
        else:
            blocks.append((_ATTRIBUTION.sub("", line), False))
    return blocks


# --- API versions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cue:
    type: FactType
    removed_in: str | None
    start: int  # where the cue starts in the sentence (-1: inherited from a list lead)
    end: int


def _cue(sentence: str, minor: str | None) -> _Cue | None:
    """What the sentence says happens to the API versions it is about, if anything."""
    future = _FUTURE.search(sentence)
    current = _CURRENT.search(sentence)
    if current is not None:
        named = _VERSION_AFTER.match(_GV.sub("", sentence[current.end() :]))
        removed = named.group(1) if named else minor
        if removed and minor and _minor_key(removed) > _minor_key(minor):
            return _Cue(FactType.API_DEPRECATION, removed, current.start(), current.end())
        return _Cue(FactType.API_REMOVAL, removed, current.start(), current.end())
    if future is not None:
        named = _VERSION_AFTER.match(_GV.sub("", sentence[future.end() :]))
        planned = named.group(1) if named else None
        return _Cue(FactType.API_DEPRECATION, planned, future.start(), future.end())
    deprecated = _DEPRECATED.search(sentence)
    if deprecated is not None:
        return _Cue(FactType.API_DEPRECATION, None, deprecated.start(), deprecated.end())
    return None


def _api_facts(
    sentences: list[_Sentence], minor: str | None, evidence: tuple[str, ...], urgent: bool
) -> list[ApiChangeFact]:
    note = " ".join(s.text for s in sentences)
    group = _only_group(note)
    named = {_gv(m).split("/")[0] for m in _GV.finditer(note)}
    facts: list[ApiChangeFact] = []
    for sentence in sentences:
        text = sentence.text
        cue = _cue(text, minor)
        if cue is None and sentence.lead is not None:
            lead_cue = _cue(sentence.lead, minor)
            if lead_cue is not None:
                cue = _Cue(lead_cue.type, lead_cue.removed_in, -1, -1)
        if cue is None:
            continue
        cut = _REPLACEMENT_CUE.search(text)
        subject_end = cut.start() if cut else len(text)
        subjects = _subjects(text, cue, subject_end, group)
        if not subjects:
            continue
        kinds_here = _kinds(text[:subject_end])
        deprecated = _DEPRECATED_IN.search(text)
        for gv, attached in subjects:
            kinds = attached or kinds_here
            if not kinds and not _ALL_RESOURCES.search(text[:subject_end]):
                kinds = _note_kinds(sentences, gv)
            if not kinds and group is not None and group not in named and gv.startswith(group):
                # the group came from the kinds the note names: those are the kinds
                kinds = tuple(k for k in _kinds(note) if KIND_GROUP.get(k) == group)
            replacement, since = _replacement(text, subject_end, gv, kinds, sentences)
            deprecated_in = deprecated.group(1) if deprecated else None
            if cue.type is FactType.API_DEPRECATION and deprecated_in is None:
                deprecated_in = minor
            facts.append(
                ApiChangeFact(
                    type=cue.type,
                    group_version=gv,
                    kinds=kinds,
                    removed_in=cue.removed_in,
                    deprecated_in=deprecated_in,
                    replacement=replacement,
                    replacement_since=since,
                    notes=text if sentence.lead is None else f"{sentence.lead} {text}",
                    evidence=evidence,
                    urgent=urgent,
                )
            )
    return facts


def _only_group(note: str) -> str | None:
    """The API group a note is about when it names exactly one (for bare 'v1beta1' mentions)."""
    groups = {m.group(1).lower() for m in _GV.finditer(note)}
    groups |= {m.group(2).lower() for m in _KIND_DOT_GROUP.finditer(note)}
    groups |= {m.group(1).lower() for m in _GROUP_ALONE.finditer(note) if "." in m.group(1)}
    groups -= _NOT_GROUPS
    if not groups and _BARE_VERSION.search(note):
        # 'PriorityClass ... The v1alpha1 version is removed': the group of the kinds named
        groups = {KIND_GROUP[k] for k in _kinds(note)} - {""}
    return groups.pop() if len(groups) == 1 else None


def _kept_only(
    sentences: list[_Sentence], minor: str | None, evidence: tuple[str, ...], urgent: bool
) -> list[ApiChangeFact]:
    """'X/v1alpha3 now only contains DeviceTaintRule. All other types got removed ...': the
    other kinds of the group stop being served from that version."""
    facts: list[ApiChangeFact] = []
    for n, sentence in enumerate(sentences):
        kept = _ONLY_CONTAINS.search(sentence.text)
        if kept is None:
            continue
        rest = " ".join(s.text for s in sentences[n : n + 2])
        others = _OTHERS_REMOVED.search(rest)
        if others is None or _FUTURE.search(rest):
            continue
        gv = _gv(kept)
        keeps = set(_kinds(sentence.text[kept.end() :]))
        kinds = tuple(k for k in GROUP_KINDS.get(gv.split("/")[0], ()) if k not in keeps)
        if not keeps or not kinds:
            continue
        facts.append(
            ApiChangeFact(
                type=FactType.API_REMOVAL,
                group_version=gv,
                kinds=kinds,
                removed_in=minor,
                notes=rest,
                evidence=evidence,
                urgent=urgent,
            )
        )
    return facts


def _subjects(
    text: str, cue: _Cue, subject_end: int, group: str | None
) -> list[tuple[str, tuple[str, ...]]]:
    """(group/version, kinds written onto it) for each API version the cue is about."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for m in _GV.finditer(text, 0, subject_end):
        if not _is_subject(text, cue, m.start(), m.end()):
            continue
        gv = _gv(m)
        attached = _ATTACHED_KIND.match(text[m.end() :])
        found.append((gv, (attached.group(1),) if attached else ()))
    if found or group is None:
        return list(dict.fromkeys(found))
    # 'The v1beta1 version of this API is deprecated' in a note about one group only.
    for m in _BARE_VERSION.finditer(text, 0, subject_end):
        if _is_subject(text, cue, m.start(), m.end()):
            found.append((f"{group}/{m.group(1)}", ()))
    return list(dict.fromkeys(found))


def _is_subject(text: str, cue: _Cue, start: int, end: int) -> bool:
    if _PART_OF.search(text[:start]):
        return False  # 'the series.state field in the events.k8s.io/v1beta1 Event API'
    if cue.start < 0:
        return True  # inherited from a 'The following APIs ...:' lead
    if start < cue.start:
        return not _PART_AFTER.search(text[end : cue.start])
    # After the verb only right behind it: 'Remove(d) [the deprecated] X' opening the sentence,
    # or '... will no longer be served from X, Y, or Z'.
    between = _GV.sub("", text[cue.end : start])
    if not _FILLER.match(between):
        return False
    return cue.start <= 40 or re.search(r"\b(?:from|under|within)\b", between) is not None


def _kinds(text: str) -> tuple[str, ...]:
    found = (_KIND_WORDS.get(m.group(1)) for m in _WORD.finditer(text))
    kinds = [k for k in found if k is not None]
    kinds += [m.group(1) for m in _KIND_DOT_GROUP.finditer(text) if m.group(1) in KNOWN_KINDS]
    return tuple(dict.fromkeys(kinds))


def _note_kinds(sentences: list[_Sentence], gv: str) -> tuple[str, ...]:
    """Kinds from another sentence of the note about the same group ('PriorityClass resources
    have been promoted to scheduling.k8s.io/v1. The scheduling.k8s.io/v1beta1 ... deprecated')."""
    group = gv.split("/")[0]
    for sentence in sentences:
        if sentence.lead is not None or _cue(sentence.text, None) is not None:
            continue  # a statement of its own, about its own kinds
        groups = {_gv(m).split("/")[0] for m in _GV.finditer(sentence.text)}
        groups |= {m.group(2).lower() for m in _KIND_DOT_GROUP.finditer(sentence.text)}
        if group in groups:
            kinds = _kinds(sentence.text)
            if kinds:
                return kinds
    return ()


def _replacement(
    text: str, subject_end: int, gv: str, kinds: tuple[str, ...], sentences: list[_Sentence]
) -> tuple[str | None, str | None]:
    """The API version to move to, from this sentence or else another one of the same note."""
    group = gv.split("/")[0]
    tails = [(text[subject_end:], True)]
    for sentence in sentences:
        cut = _REPLACEMENT_CUE.search(sentence.text)
        if cut is not None and sentence.text != text:
            # Only the old 'extensions' group moved its kinds to other groups; another sentence
            # names their replacement unless it is about other kinds.
            other = set(_kinds(sentence.text))
            moved = group == "extensions" and (not other or bool(other & set(kinds)))
            tails.append((sentence.text[cut.start() :], moved))
    for tail, other_groups in tails:
        candidates = [m for m in _GV.finditer(tail) if _gv(m) != gv]
        same = [m for m in candidates if m.group(1).lower() == group or other_groups]
        if same:
            since = _SINCE.match(tail[same[0].end() :])
            return _gv(same[0]), since.group(1) if since else None
    # 'in favor of v1 levels', 'Use v1beta2 instead': the same group at that version
    for tail, _ in tails:
        bare = _STABLE_VERSION.search(tail)
        if bare is not None and not _GV.search(tail) and f"{group}/{bare.group(1)}" != gv:
            since = _SINCE.match(tail[bare.end() :])
            return f"{group}/{bare.group(1)}", since.group(1) if since else None
    return None, None


def _gv(m: re.Match[str]) -> str:
    return f"{m.group(1)}/{m.group(2)}".lower()


# --- feature gates and flags ------------------------------------------------------------------


def _removed_now(sentence: str) -> bool:
    """A removal that happened ('has been removed', 'Removed ...'), not one announced."""
    return _CURRENT.search(sentence) is not None and _FUTURE.search(sentence) is None


def _gate_name(name: str) -> bool:
    camel = any(c.islower() for c in name) and any(c.isupper() or c.isdigit() for c in name[1:])
    return camel and not _NOT_GATE.fullmatch(name)


def _gate_facts(sentences: list[_Sentence], minor: str | None) -> list[FeatureGateRemovalFact]:
    facts: list[FeatureGateRemovalFact] = []
    for sentence in sentences:
        text = sentence.text
        lead = sentence.lead or ""
        if _GATE_CONTEXT.search(lead) and _removed_now(lead):
            # '- InTreePluginAWSUnregister' under 'Removed the following feature gates:'
            item = _LIST_ITEM_NAMES.fullmatch(text.strip(" .`'\""))
            if item is not None:
                facts.extend(
                    FeatureGateRemovalFact(name=n, version=minor)
                    for n in _GATE_NAME.findall(item.group(0))
                    if _gate_name(n)
                )
            continue
        if not _GATE_CONTEXT.search(text) or not _removed_now(text):
            continue
        for pattern in _GATE_NAMES:
            for m in pattern.finditer(text):
                for name in _GATE_NAME.findall(m.group(1)):
                    if _gate_name(name):
                        facts.append(FeatureGateRemovalFact(name=name, version=minor))
    return list(dict.fromkeys(facts))


def _flag_facts(sentences: list[_Sentence], minor: str | None, note: str) -> list[FlagRemovalFact]:
    facts: list[FlagRemovalFact] = []
    prefix = _NOTE_PREFIX.match(note)  # 'Kubeadm: remove the deprecated flag ...'
    note_component = _COMPONENT.fullmatch(prefix.group(1)) if prefix else None
    for sentence in sentences:
        text = sentence.text
        if "--" not in text or not _removed_now(text):
            continue
        if _MANIFEST.search(text) or _ABILITY.search(text):
            continue
        ends = [m.start() for m in (_REPLACEMENT_CUE.search(text), _CLAUSE_END.search(text)) if m]
        removed_part = text[: min(ends)] if ends else text
        verb = _CURRENT.search(removed_part)
        found = _COMPONENT.search(text) or note_component
        component = None
        if found is not None:
            name = found.group(1).lower()
            component = "kube-apiserver" if name.startswith("api") else name
        for m in _FLAG.finditer(removed_part):
            flag = m.group(1)
            if flag in _NEVER_REMOVED_FLAGS or _FLAG_VALUES_AFTER.match(removed_part[m.end() :]):
                continue
            if m.group(0) != flag:
                continue  # '--container-runtime=remote': a value stops being used, not the flag
            if verb is not None and _FLAG_VALUES_BEFORE.search(removed_part, verb.end(), m.start()):
                continue
            facts.append(FlagRemovalFact(flag=flag, component=component, version=minor))
    return list(dict.fromkeys(facts))
