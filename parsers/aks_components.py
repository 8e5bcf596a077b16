"""Component updates in AKS CHANGELOG entries, read as segments.

A segment is `[component] [from A] to B [(scope)]`, introduced by a verb of change from a small
lexicon (update, upgrade, bump, revert, downgrade, roll back, patch, add, move). The verb comes
after the component ('Cilium has been upgraded to ...') or before it ('Updated Cilium to ...',
'Bumping the Azure CNI version from A to B'). After 'to' comes a list of targets, each a version
with its own scope ('v1.31.5 for AKS 1.31, v1.32.2 for AKS 1.32'), or a new component with its
own version ('tigera operator to v1.36.10 and calico to v3.29.4 for K8S 1.32': the trailing
scope is shared). A scope ('for Kubernetes v1.31', 'on AKS 1.32+') is never a component version.
A sentence may hold several segments ('App Routing updated to 0.2.10 with ingress-nginx bumped
to v1.13.1'); each becomes its own fact.

Pure functions of one entry's normalised plain text (parsers/aks_text.py). Every loop advances
through the text, so a sentence of 10,000 versions costs linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from aksnews.model.releases import ComponentUpdateFact
from aksnews.parsers.aks_scopes import Scope, scope_at
from aksnews.parsers.aks_text import KUBE_MINOR, REVISION, Token, spans, version_at

# --- the lexicon ---------------------------------------------------------------------------------

# Verbs of change. Matched on lower-cased text at a word start.
# No look-behind in front: a pattern that starts with plain letters lets the regex engine skip
# to candidate positions; `verb_at` checks the word start instead.
VERB = re.compile(
    r"(?:updated?|updates|updating|upgraded?|upgrades|upgrading|bumped|bumps?|bumping|"
    r"revert(?:ed|s)?|downgraded?|downgrades|rolled back|rolls back|patched|rebuilt|"
    r"(?:has |have )?added|adds)(?![\w-])"
)


def verb_at(low: str, pos: int, end: int) -> re.Match[str] | None:
    """The first verb of change in low[pos:end] that starts a word."""
    m = VERB.search(low, pos, end)
    while (
        m is not None and m.start() and (low[m.start() - 1].isalnum() or low[m.start() - 1] == "-")
    ):
        m = VERB.search(low, m.start() + 1, end)
    return m


# Words of a component name that belong to the verb phrase, stripped from its end.
_AUX = frozenset(
    [
        "has",
        "have",
        "had",
        "is",
        "are",
        "was",
        "were",
        "been",
        "being",
        "got",
        "also",
        "now",
        "successfully",
        "and",
        "image",
        "images",
        "version",
        "versions",
        "updated",
        "upgraded",
        "bumped",
        "to",
        "be",
        "will",
        "the",
        "which",
        "that",
    ]
)
# Words between 'to' and the version that describe it: 'to the latest release 07-24-2025',
# 'to patch v1.23.4', 'to use Karpenter v0.7.3'.
_DESCRIPTORS = frozenset(
    [
        "the",
        "a",
        "version",
        "versions",
        "patch",
        "patches",
        "release",
        "releases",
        "latest",
        "new",
        "revision",
        "image",
        "images",
        "tag",
        "use",
        "build",
    ]
)
# A component name never holds these: they mark a sentence about clusters or people
# ('Kindly upgrade your clusters to 1.32', 'versions prior to 1.11 must upgrade to 1.11').
_NOT_A_COMPONENT = frozenset(
    [
        "you",
        "your",
        "we",
        "our",
        "customers",
        "users",
        "must",
        "should",
        "please",
        "kindly",
        "can",
        "may",
        "will",
        "that",
        "who",
        "existing",
    ]
)
_NOT_A_TAIL = frozenset(
    [
        "cluster",
        "clusters",
        "pools",
        "nodepools",
        "workloads",
        "versions",
        "before",
        "after",
        "than",
        "since",
        "until",
        "window",
    ]
)
# An operating system moving to a new release is node image news, not a component update.
_OPERATING_SYSTEMS = frozenset({"ubuntu", "azure linux", "mariner", "windows", "windows server"})
_NOT_A_HEAD = frozenset(["from", "to", "for", "on", "in"])
# Verbs whose component always follows them: 'which upgrades ExternalDNS from A to B', 'The AKS
# team has added KEDA 2.15 on ...'.
_ACTIVE_VERBS = frozenset(
    ["updates", "upgrades", "bumps", "adds", "added", "reverts", "downgrades"]
)
_KUBERNETES_NAMES = frozenset({"kubernetes", "k8s", "aks", "aks kubernetes", "kubernetes version"})
_SEPARATOR = re.compile(r"\s*(?:,\s*(?:and\s+|&\s+)?|\s+and\s+|\s*&\s*)(?:to\s+)?")
_TO = re.compile(
    r"\s*(?:from\s+(?:[a-z][\w-]*\s+){0,2}?(?P<from>v?\.?\d\S*)\s+)?(?:to|with)\s+(?:to\s+)?"
)
_FROM_AFTER = re.compile(r" from (v?\d[\w.\-]*\d)(?![\w.])")
_VERSION_IN_NAME = re.compile(r"(?<![\w.-])v\d+\.\d+")
_DIGIT = re.compile(r"\d")
# Every component version holds one of these: 'v1.2', '1.2', '08-13-2025', 'asm-1-27', a build.
_VERSIONISH = re.compile(r"\d\.\d|\d-\d|asm-\d|\d{6}")
_TO_NAME = re.compile(r" to (?=[a-z][\w-]* v?\d)")
_RESPECTIVELY = re.compile(r"\s*,?\s*respectively")

# --- segments ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    component: str | None  # None: the segment's component
    version: Token
    origin: str | None
    scope: Scope | None


def _descriptors(text: str, low: str, pos: int) -> tuple[int, bool]:
    """Skip words that describe the version ('the latest release', 'KAITO'); returns the new
    position and whether the word 'version' or 'release' was among them."""
    named = False
    for _ in range(4):
        while pos < len(low) and low[pos] in " [(":
            pos += 1
        if version_at(text, pos, after_version_word=named) is not None:
            return pos, named
        end = pos
        while end < len(low) and (low[end].isalnum() or low[end] in "-_/"):
            end += 1
        word = low[pos:end]
        if not word:
            break
        if word in _DESCRIPTORS:
            named = named or word in ("version", "release")
        elif not (text[pos].isupper() and end + 1 < len(text)):
            break  # only a capitalised name ('Karpenter', 'KAITO') besides descriptors
        pos = end
    return pos, named


def _component_name(raw: str) -> str:
    """'For all AKS clusters on 1.20+, CoreDNS will be' -> 'CoreDNS'; 'the Azure CNI version'
    -> 'Azure CNI'."""
    name = raw.rsplit(",", 1)[-1] if raw.count(",") and "(" not in raw else raw
    words = name.strip(" -:[]()").split()
    while words and words[-1].lower().strip("[]") in _AUX:
        words.pop()
    while words and words[0].lower() in ("the", "a", "an", "with", "and", "which", "update"):
        words.pop(0)
    if len(words) > 2 and words[0].lower() in ("version", "versions") and words[1] == "of":
        del words[:2]  # 'Bumped version of Azure Workload Identity to 1.1.0'
    return " ".join(words).strip(" -:[]")


def _acceptable(name: str) -> bool:
    low = name.lower()
    if not name or len(name) > 80 or low in _KUBERNETES_NAMES or low in _OPERATING_SYSTEMS:
        return False
    words = low.replace(",", " ").split()
    if set(words) & _NOT_A_COMPONENT or words[-1] in _NOT_A_TAIL or words[0] in _NOT_A_HEAD:
        return False
    if _VERSION_IN_NAME.search(low) or "we've" in words or "we'll" in words:
        return False  # 'all the latest GA ones (v1.15.11,': a version belongs to the targets
    return not low.startswith(
        ("aks team", "aks kubernetes", "kubernetes patch", "kubernetes version", "k8s version")
    )


_ITEM_END = re.compile(r" to | from |[.;:]| (?=[v.\d])")


def _item_name(text: str, low: str, pos: int) -> tuple[str, int] | None:
    """A new component inside a list: 'calico to v3.29.4', 'policy addon 1.2.1'."""
    limit = min(len(low), pos + 80)
    verb = verb_at(low, pos, limit)
    stop = verb.start() if verb else limit
    for m in _ITEM_END.finditer(low, pos, stop):
        end = m.start()
        if low[end] in ".;:":
            if low[end] == "." and end + 1 < len(low) and low[end + 1].isdigit():
                continue  # '1.2' inside a name
            return None
        if m.group(0) in (" to ", " from ") or version_at(text, end + 1) is not None:
            return text[pos:end], end
    return None


def _targets(text: str, low: str, pos: int, origin: str | None) -> tuple[list[Target], int]:
    """The list after 'to': versions with scopes, and new components with theirs."""
    out: list[Target] = []
    component: str | None = None
    while True:
        at, named = _descriptors(text, low, pos)
        token = version_at(text, at, after_version_word=named)
        if token is None:
            return out, pos
        back = _FROM_AFTER.match(low, token.end)  # 'updated to 1.0.67 from 1.0.64'
        if back and origin is None:
            origin = back.group(1)
        scope = scope_at(low, back.end() if back else token.end)
        out.append(Target(component, token, origin, scope))
        pos = scope.end if scope else (back.end() if back else token.end)
        own = _RESPECTIVE_MINORS.match(low, pos)
        if own:  # '(for these respective kubernetes minor versions)': each its own minor
            out = [_own_minor(t) for t in out]
            pos = own.end()
        sep = _SEPARATOR.match(low, pos)
        if sep is None:
            return out, pos
        nxt = sep.end()
        at2, named2 = _descriptors(text, low, nxt)
        if version_at(text, at2, after_version_word=named2) is not None:
            pos, origin = nxt, None
            continue
        item = _item_name(text, low, nxt)
        if item is None:
            return out, pos
        name, name_end = item
        to = _TO.match(low, name_end)
        if to:
            origin = to.group("from")
            pos = to.end()
        else:
            origin, pos = None, name_end
        component = _component_name(name)
        if not _acceptable(component):
            return out, pos


_RESPECTIVE_MINORS = re.compile(
    r"\s*\(?\s*for (?:these|the) respective (?:kubernetes )?minor versions?\s*\)?"
)


def _own_minor(target: Target) -> Target:
    if target.scope is not None:
        return target
    minor = KUBE_MINOR.match(target.version.text)
    if minor is None:
        return target
    return Target(target.component, target.version, target.origin, Scope((minor.group(1),), 0))


def _spread_scope(targets: list[Target], low: str, end: int) -> list[Target]:
    """A scope after the last target belongs to all of them ('to v1.30.7, azurefile-csi-driver
    to v1.29.3 ... starting with Kubernetes v1.29'), or pairs up with them one by one ('to
    v1.32.9, v1.33.3 on AKS 1.32 and 1.33 respectively')."""
    last = targets[-1].scope
    if last is None or len(targets) < 2 or any(t.scope for t in targets[:-1]):
        return targets
    if len(last.minors) == len(targets):
        return [
            Target(t.component, t.version, t.origin, Scope((last.minors[i],), last.end))
            for i, t in enumerate(targets)
        ]
    if len(last.minors) == 1:
        return [Target(t.component, t.version, t.origin, last) for t in targets]
    return targets


def _sure_version(text: str, pos: int) -> bool:
    token = version_at(text, pos)
    return token is not None and (token.text.startswith("v") or token.text.count(".") >= 2)


def _revisions(low: str, start: int, end: int) -> list[str]:
    return [m.group(0) for m in REVISION.finditer(low, start, end)]


def _without_revisions(name: str) -> str:
    words = [w for w in name.split() if not REVISION.fullmatch(w.strip(",").lower())]
    while words and words[-1].lower().strip(",") in ("and", "revision", "revisions", ","):
        words.pop()
    return " ".join(words).strip(", ")


_REVISION_AVAILABLE = re.compile(
    r"revision (asm-\d+-\d+) (?:is|are|has been|have been) (?:now )?(?:available|released|added)"
)


def _sentence_updates(
    text: str, low: str, start: int, end: int, previous: str | None
) -> list[ComponentUpdateFact]:
    facts: list[ComponentUpdateFact] = []
    seen: set[ComponentUpdateFact] = set()
    pos = start
    base = previous
    while pos < end:
        verb = verb_at(low, pos, end)
        if verb is None:
            break
        head = text[pos : verb.start()]
        after = verb.end()
        to = _TO.match(low, after)
        passive = _component_name(head)
        after_aux = low.endswith(("been ", "is ", "are ", "was ", "were "), pos, verb.start())
        active = low[verb.start() : after] in _ACTIVE_VERBS and not after_aux
        # A head names the component only when a target follows the verb: 'Fix for CVE by
        # upgrading Azure file driver version to v1.24.11' names it after the verb.
        targeted = to is not None or version_at(text, after + 1) is not None
        if passive and _acceptable(passive) and not active and targeted:
            raw_name, origin = head, to.group("from") if to else None  # 'X has been upgraded to'
            target_at = to.end() if to else after
        else:  # 'Updated X [from A] to B', 'Updated X B for AKS 1.30', 'Update to X B'
            lead = _TO_NAME.match(low, after)
            item = _item_name(text, low, lead.end() if lead else after + 1)
            if item is None:
                pos = after
                continue
            raw_name, name_end = item
            to = None if lead else _TO.match(low, name_end)
            origin = to.group("from") if to else None
            target_at = to.end() if to else name_end
            added = "add" in low[verb.start() : after]
            if to is None and not added and not _sure_version(text, name_end + 1):
                pos = after  # 'upgrade window before 1.27': a bare minor needs a 'to'
                continue
        name = _component_name(raw_name)
        revisions = _revisions(low, pos, verb.start()) if name else []
        if name.lower().startswith(("revision", "asm-")) and base:
            name = f"{_without_revisions(base)} {name}"  # ', revision asm-1-22 has been ...'
        if not _acceptable(name):
            pos = after
            continue
        targets, stop = _targets(text, low, target_at, origin.strip(",") if origin else None)
        if not targets:
            pos = after
            continue
        targets = _spread_scope(targets, low, stop)
        # 'for asm-1-18 and asm-1-19 respectively', 'for ... revisions asm-1-25 and asm-1-26'
        tail_revisions = _revisions(low, stop, min(end, stop + 120))
        if len(tail_revisions) == len(targets) > 1 and not revisions:
            revisions = tail_revisions
            stop = end if _RESPECTIVELY.search(low, stop, end) else stop
        paired = len(revisions) == len(targets) > 1
        stem = _without_revisions(name) if paired else name
        for i, t in enumerate(targets):
            component = t.component or (f"{stem} {revisions[i]}" if paired else name)
            scope = t.scope.text() if t.scope else None
            fact = ComponentUpdateFact(component, t.version.text, t.origin, scope)
            if fact not in seen:
                seen.add(fact)
                facts.append(fact)
        base = name
        pos = max(stop, after)
    return facts


# A cheap test before the work: every verb of the lexicon holds one of these.


def has_change_verb(low: str) -> bool:
    """Whether a verb of change may be in the text (plain substring tests, cheaper than an
    alternation of literals in Python's regex engine)."""
    return (
        "updat" in low
        or "upgrad" in low
        or "bump" in low
        or "revert" in low
        or "downgrad" in low
        or "rolled back" in low
        or "rolls back" in low
        or "patched" in low
        or "rebuilt" in low
        or "added" in low
        or "adds " in low
    )


def component_updates(
    text: str, low: str, parent_component: str | None
) -> list[ComponentUpdateFact]:
    """Every component update of one entry. A child of 'X has been upgraded:' may only list
    versions ('v1.33.5 on AKS 1.33') or 'A to B'."""
    if parent_component:
        child = _child_updates(text, low, parent_component)
        if child:
            return child
    facts: dict[ComponentUpdateFact, None] = {}  # ordered, and linear to deduplicate
    previous: str | None = None
    for start, end in spans(text):
        m = _REVISION_AVAILABLE.search(low, start, end)
        if m:
            facts.setdefault(ComponentUpdateFact("Istio", m.group(1)))
        sentence = low[start:end]
        if not has_change_verb(sentence) or _VERSIONISH.search(sentence) is None:
            continue  # no verb of change, or nothing that could be a version
        for fact in _sentence_facts(text[start:end], previous):
            facts.setdefault(fact)
            previous = fact.component
    return list(facts)


def clear_memo() -> None:
    _sentence_facts.cache_clear()


@lru_cache(maxsize=4096)
def _sentence_facts(sentence: str, previous: str | None) -> tuple[ComponentUpdateFact, ...]:
    """The updates of one sentence, memoised: weekly releases repeat sentences in entries
    that differ elsewhere (the entry memo of aks_changelog misses those)."""
    return tuple(_sentence_updates(sentence, sentence.lower(), 0, len(sentence), previous))


def _child_updates(text: str, low: str, component: str) -> list[ComponentUpdateFact]:
    at, named = _descriptors(text, low, 0)
    first = version_at(text, at, after_version_word=named)
    if first is None:
        return []
    to = re.compile(r"\s+(?:to|->|=>)\s+").match(low, first.end)
    if to:
        second = version_at(text, to.end())
        if second is not None:
            scope = scope_at(low, second.end)
            return [
                ComponentUpdateFact(
                    component, second.text, first.text, scope.text() if scope else None
                )
            ]
    targets, stop = _targets(text, low, at, None)
    targets = _spread_scope(targets, low, stop)
    return [
        ComponentUpdateFact(
            t.component or component, t.version.text, None, t.scope.text() if t.scope else None
        )
        for t in targets
    ]


_PARENT = re.compile(
    r"(?:(?:has|have) been|(?:is|are|was|were)(?: being)?) (?:updated|upgraded|bumped)"
    r"(?: to)?\s*:\s*$|(?:images?|versions?)\s*:\s*$"
)
_FOR_THE = re.compile(r"for (?:the )?(.+?) component,", re.I)


def parent_component(text: str) -> str | None:
    """'Azure Disk CSI Driver has been upgraded:' -> 'Azure Disk CSI Driver'; 'For the
    cloud-provider-node-manager-windows component, the following versions have been updated:'
    -> 'cloud-provider-node-manager-windows'. Node image parents ('Windows node images') are
    not components."""
    if not text.endswith(":"):
        return None
    low = text.lower()
    m = _PARENT.search(low)
    if m is None or "node image" in low or "vhd" in low:
        return None
    named = _FOR_THE.search(text)
    if named:
        return _component_name(named.group(1))
    if not low[m.start() :].startswith(("has", "have", "is", "are", "was", "were")):
        return None
    name = _component_name(text[: m.start()])
    return name if _acceptable(name) and len(name) <= 80 else None
