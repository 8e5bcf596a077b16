"""Kubernetes versions that an AKS CHANGELOG entry announces: preview, GA, deprecated, out of
support, LTS-only, new patches ('1.33', '1.33.2', '1.30.101-akslts').

The changelog names versions in many ways ('AKS Kubernetes version `1.31` standard support will
be deprecated by November 1, 2025', 'GA of Kubernetes 1.24', '1.27 community supported has
ended', 'Removed 1.24.9, added 1.24.15') and also mentions them as mere scopes ('on AKS 1.33',
'for Kubernetes 1.25+', 'upgrade to 1.32'). A version is news only when it is the subject: named
after 'Kubernetes'/'AKS'/'K8s' or before 'Kubernetes'/'LTS'/'community', or opening a sentence,
and not governed by a scope word; what happened to it is the event phrase joined to it by filler
words only. Everything runs on lower-cased text.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aksnews.model.releases import KubernetesVersionFact, VersionEvent
from aksnews.parsers.aks_lexicon import (
    KV_PHRASES,
    SUBJECT_PREDICATE,
    coordinated,
    event_for,
    is_patch_list,
    modified,
    plan_of,
    restricts,
)
from aksnews.parsers.aks_prose import date_near, find_dates, lower_same_length, sentences

_KV = r"v?1\.\d{1,2}(?:\.\d{1,3})?(?:-akslts)?"
_KV_TOKEN = re.compile(r"v?(1\.\d{1,2})(?:\.(\d{1,3}))?(?:-akslts)?(?![\w\-]|\.\d)")
# 'Kubernetes patch versions 1.29.11, 1.30.7 and 1.31.3', 'AKS LTS version 1.27.101', 'K8s 1.25'
_KV_LIST = re.compile(
    r"(?:kubernetes|k8s|aks)\b"
    r"(?:[\s:,`]+(?:\(lts\)|(?:lts|long[- ]term support|kubernetes|k8s|aks|community|standard|"
    r"official|first|new|the|minor|patch|version|versions|release|releases)\b))*"
    rf"[\s:,`]+(?P<list>{_KV}(?:`?\s*(?:,|and|&|or)\s*(?:and\s+)?`?{_KV})*)"
)
# '1.30 Kubernetes version is ...', '1.27 LTS version and 1.30 community version are ...'
_KV_POSTFIX = re.compile(
    r"(?P<list>1\.\d{1,2}(?:\.\d{1,3})?(?:-akslts)?)\s+(?:kubernetes|k8s|lts|community)\b"
)
# 'AKS is retiring v1.22.x': the verb names the event and the version follows it directly.
_KV_AFTER_VERB = re.compile(
    r"(?:retir(?:e|ing)|deprecat(?:e|ing)|remov(?:e|ing)|no longer be able to create)\s+"
    r"(?:(?:aks|kubernetes|k8s)\s+)*"
    rf"(?:versions?\s+)?`?(?P<list>{_KV})"
)
# A sentence that starts with versions: '(1.15 is being retired ...)', '1.27.9, 1.28.5, and
# 1.29.2 patch versions are deprecated'.
_KV_LEADING = re.compile(
    rf"\W{{0,2}}(?:(?:patch )?versions? )?"
    rf"(?P<list>{_KV}(?:\s*(?:,|and|&|or)\s*(?:and\s+)?{_KV})*)\b"
)
_KV_TRIGGER = re.compile(r"kubernetes|k8s|(?<![a-z])aks(?![a-z])")
# A quick test for text that may name a Kubernetes version the way the patterns above do: most
# entries only carry component versions ('v1.14.2') or scopes ('on AKS 1.33') and stop here.
# It starts from each '1.N' (a literal, which the regex engine finds fast) and looks back.
_VERSION_START = re.compile(r"1\.\d")
_TRIGGER_BEFORE = re.compile(
    r"(?:kubernetes|k8s|aks|lts\)?|retiring)(?:[\s:,`]+[a-z()\-]+){0,4}[\s:,`]+v?$"
)
_SENTENCE_BEFORE = re.compile(r"[.;(]\s*v?$")
# A version right after these words is a scope ('in Kubernetes 1.24', 'upgrade to 1.32'), not
# news about the version itself.
_SCOPE_WORDS = frozenset(
    {
        "in",
        "on",
        "with",
        "from",
        "to",
        "for",
        "since",
        "after",
        "before",
        "than",
        "until",
        "starting",
        "above",
        "below",
        "under",
        "over",
        "between",
        "beyond",
        "via",
        "through",
        "upgrading",
        "upgrade",
        "if",
        "whether",
    }
)
# Words between a scope word and the version it scopes: 'for Kubernetes versions 1.9 and 1.10'.
_SCOPE_FILLER = frozenset(
    {
        "kubernetes",
        "k8s",
        "aks",
        "version",
        "versions",
        "the",
        "lts",
        "patch",
        "minor",
        "community",
        "standard",
        "and",
        "or",
        "&",
        ",",
    }
)
# An event phrase after these words is not news: 'in upcoming GA of', 'After GA of'.
_NOT_NEWS_BEFORE = frozenset(
    {"upcoming", "after", "before", "until", "advance", "future", "planned"}
)
# Words that may stand between a version and the phrase that says what happened to it.
_GAP = re.compile(
    rf"(?:[\s,:;`'\"()\[\]&-]|{_KV}|\b(?:of|and|or|the|kubernetes|k8s|aks|lts|version|versions|"
    r"patch|patches|minor|is|are|was|were|has|have|been|be|being|will|now|officially|also|"
    r"currently|still|community|standard|support|going|goes|for|to be|scheduled|release|"
    r"releases|in|a|an|public|only|reaches|reach|reached|hits|enters|enter|becomes|become)\b)*$"
)
_LIST_FILLER = re.compile(rf"{_KV}|\b(?:and|or)\b|&")
_LIST_JOIN = re.compile(r",|&|\(|\band\b|\bor\b")


@dataclass(frozen=True, slots=True)
class FactContext:
    """What a nested bullet inherits from its parent item.

    'AKS LTS patch versions are now available:' introduces children that only say
    'Kubernetes 1.28.102-akslts - Changelog'; 'Azure Disk CSI Driver has been upgraded:'
    introduces children that only say 'v1.33.5 on AKS 1.33'.
    """

    kube_event: VersionEvent | None = None
    kube_list: bool = False
    component: str | None = None


NO_CONTEXT = FactContext()


def _kv_events(clause: str) -> list[tuple[int, int, str]]:
    """(start, end, group) of every event phrase in a lower-cased clause, in order."""
    hits: dict[int, tuple[int, str]] = {}
    for phrase, group in KV_PHRASES:
        at = clause.find(phrase)
        while at >= 0:
            end = at + len(phrase)
            if group == "deprecated":
                while end < len(clause) and clause[end].isalpha():
                    end += 1
            if (at == 0 or not clause[at - 1].isalnum()) and (
                end == len(clause) or not clause[end].isalnum()
            ):
                words = clause[max(0, at - 20) : at].split()
                if words and words[-1] == "the":
                    words.pop()
                if words and words[-1] in ("of", "for") and len(words) > 1:
                    words.pop()  # 'in advance of the GA'
                if not words or words[-1] not in _NOT_NEWS_BEFORE:
                    hits.setdefault(at, (end, group))
            at = clause.find(phrase, end)
    events: list[tuple[int, int, str]] = []
    for start in sorted(hits):
        end, group = hits[start]
        if events and start < events[-1][1]:
            continue  # inside a longer phrase ('available' in 'generally available')
        events.append((start, end, group))
    return events


def _normalize_kv(minor: str, patch: str | None) -> str:
    if patch is None:
        return minor
    number = int(patch)
    return f"{minor}.{number}-akslts" if number >= 100 else f"{minor}.{number}"


def _gap_strength(gap: str, following: bool) -> int:
    """How well a phrase `gap` away from a version belongs to it. 2: only filler words between;
    1: filler, but a comma outside the version list; 0: real words, or another version that is
    not listed with this one ('1.12.4 Kubernetes 1.8 support has been removed' is about 1.8)."""
    if not _GAP.match(gap):
        return 0
    others = list(_KV_TOKEN.finditer(gap))
    if others:
        # The other version must be listed with this one: joined on the side facing it.
        between = gap[: others[0].start()] if following else gap[others[-1].end() :]
        if not _LIST_JOIN.search(between):
            return 0
    return 1 if "," in _LIST_FILLER.sub("", gap) else 2


def _is_scope(text: str, sentence_start: int, start: int) -> bool:
    """Whether the version at `start` only scopes the sentence ('in Kubernetes 1.24+')."""
    before = text[max(sentence_start, start - 60) : start].rstrip(" `[(")
    if not before:
        return False
    if before[-1] in "<>=+":
        return True
    words = before.replace(",", " , ").split()
    while words and (
        words[-1] in _SCOPE_FILLER or words[-1][:1].isdigit() or words[-1].startswith("v1.")
    ):
        words.pop()  # back over 'Kubernetes versions 1.9 and' to the word that governs them
    if not words:
        return False
    if words[-1] == "for" and len(words) > 1 and words[-2] == "support":
        return False  # 'support for Kubernetes 1.13' is about 1.13
    return words[-1] in _SCOPE_WORDS


def _tokens(text: str, start: int, end: int) -> Iterable[re.Match[str]]:
    for t in _KV_TOKEN.finditer(text, start, end):
        at = t.start()
        if at and (text[at - 1].isalnum() or text[at - 1] in "_.-/"):
            continue  # part of a bigger token: 'v21.1.2', 'cni-1.2'
        if text[t.end() : t.end() + 1] == "+":
            continue  # '1.25+' is a range of versions, a scope
        yield t


def _kube_mentions(
    low: str, starts: Sequence[int], every_token: Sequence[bool]
) -> list[tuple[int, int, str, str | None]]:
    """(start, end, minor, patch) of the versions the text is about. `starts` are the sentence
    offsets. In a sentence flagged in `every_token`, or one that lists Kubernetes patches
    ('Kubernetes 1.20.15, 1.21.9 released, 1.20.9 and 1.21.2 removed'), every version counts
    unless a scope word precedes it."""
    mentions: dict[int, tuple[int, int, str, str | None]] = {}
    every = list(every_token)

    def add(m: re.Match[str] | None, index: int) -> None:
        if m is None:
            return
        if _is_scope(low, starts[index], m.start()) and not SUBJECT_PREDICATE.match(low, m.end()):
            return
        for t in _tokens(low, m.start("list"), m.end("list")):
            mentions[t.start()] = (t.start(), t.end(), t.group(1), t.group(2))
            if t.group(2) and m.re is _KV_LIST:
                every[index] = True

    patterns = [_KV_LIST]
    if "kubernetes" in low or "k8s" in low or "lts" in low or "community" in low:
        patterns.append(_KV_POSTFIX)
    if "retir" in low or "deprecat" in low or "remov" in low or "no longer be able" in low:
        patterns.append(_KV_AFTER_VERB)
    for pattern in patterns:
        for m in pattern.finditer(low):
            if m.start() == 0 or not low[m.start() - 1].isalnum():
                add(m, bisect_right(starts, m.start()) - 1)
    for i, start in enumerate(starts):
        add(_KV_LEADING.match(low, start), i)
        if every[i]:
            end = starts[i + 1] if i + 1 < len(starts) else len(low)
            for t in _tokens(low, start, end):
                if t.start() not in mentions and not _is_scope(low, start, t.start()):
                    mentions[t.start()] = (t.start(), t.end(), t.group(1), t.group(2))
    return sorted(mentions.values())


def _choose_event(
    clause: str, events: Sequence[tuple[int, int, str]], pos: int, end: int
) -> tuple[int, str] | None:
    """The phrase that says what happened to the version at clause[pos:end]: one joined to it
    by filler words only, before it ('GA of Kubernetes 1.24') or after it ('1.28 is GA')."""
    chosen: tuple[int, str] | None = None
    best = 0
    for kw_start, kw_end, group in events:
        if kw_end <= pos:
            strength = _gap_strength(clause[kw_end:pos], following=False)
            if strength > best:
                best, chosen = strength, (kw_start, group)
        elif kw_start >= end:
            if _gap_strength(clause[end:kw_start], following=True) > best:
                chosen = (kw_start, group)
            break
    return chosen


def _names_a_version(low: str) -> bool:
    """Whether the text may name a Kubernetes version as news rather than as a scope: most
    entries only say 'on AKS 1.33' or carry component versions and stop here."""
    for version in _VERSION_START.finditer(low):
        at = version.start()
        if at and (low[at - 1].isdigit() or low[at - 1] == "."):
            continue  # '11.2', '0.1.2'
        trigger = _TRIGGER_BEFORE.search(low, max(0, at - 70), at)
        if trigger:
            start = trigger.start()
        elif _KV_POSTFIX.match(low, at) or at == 0 or _SENTENCE_BEFORE.search(low, at - 4, at):
            start = at - 1 if at and low[at - 1] == "v" else at
        else:
            continue
        if not _is_scope(low, 0, start):
            return True
    return False


def kubernetes_version_facts(
    text: str, ctx: FactContext = NO_CONTEXT, default_event: VersionEvent | None = None
) -> list[KubernetesVersionFact]:
    """Versions the text announces as preview, GA, deprecated, out of support, LTS-only or as
    new patches. `default_event` applies to bare versions (an item under 'Preview features' that
    only says 'Kubernetes 1.21.1')."""
    low = lower_same_length(text)
    if "1." not in low:
        return []
    if not (
        ctx.kube_list
        or ("patch" in low and _KV_TRIGGER.search(low))
        or low.startswith(("1.", "v1."))
        or _names_a_version(low)
        or _KV_AFTER_VERB.search(low)
    ):
        return []
    parts = sentences(low)
    starts = [offset for offset, _ in parts]
    every = [
        ctx.kube_list or ("patch" in sentence and bool(_KV_TRIGGER.search(sentence)))
        for _, sentence in parts
    ]
    facts: dict[KubernetesVersionFact, None] = {}  # ordered, and linear to deduplicate
    events_of: dict[int, list[tuple[int, int, str]]] = {}
    clause_facts: dict[int, tuple[list[tuple[int, dt.date]], bool]] = {}
    mentions = _kube_mentions(low, starts, every)
    runs = _list_runs(low, mentions)
    run_choice: dict[tuple[int, int], tuple[tuple[int, str] | None, bool]] = {}
    for (pos, token_end, minor, patch), (run_start, run_end, run_size) in zip(
        mentions, runs, strict=True
    ):
        index = bisect_right(starts, pos) - 1
        offset, clause = parts[index]
        if index not in events_of:
            events_of[index] = _kv_events(clause)
            clause_facts[index] = (find_dates(clause), restricts(clause))
        dates, restricted = clause_facts[index]
        at, end = pos - offset, token_end - offset
        if run_size >= _LONG_RUN:
            # A long list: its items share the event next to the list (and whether 'patch
            # versions' opens it), found once, so that 10,000 versions cost linear time.
            key = (run_start, run_end)
            if key not in run_choice:
                first, last = run_start - offset, run_end - offset
                run_choice[key] = (
                    _choose_event(clause, events_of[index], first, last),
                    is_patch_list(clause, first),
                )
            chosen, patch_list = run_choice[key]
        else:
            chosen = _choose_event(clause, events_of[index], at, end)
            patch_list = chosen is None and patch is not None and is_patch_list(clause, at)
        found: list[tuple[VersionEvent | None, dt.date | None]] = []
        if chosen is None:
            # A bare version ('Kubernetes 1.21.1' under 'Preview features', 'Kubernetes
            # 1.28.102-akslts - Changelog' under 'LTS patch versions are now available:'), or
            # an item of a list of new patches ('patch versions 1.33.2, 1.32.6 include ...').
            short = len(clause.split()) <= 6 if len(clause) < 200 else False
            event = (ctx.kube_event or default_event) if short else None
            if event is None and patch is not None and patch_list:
                event = VersionEvent.PATCH_AVAILABLE
            found.append((modified(event, clause, end, restricted), None))
        else:
            for kw_start, group in [chosen, *coordinated(clause, events_of[index], chosen[0])]:
                event = modified(event_for(group, patch is not None), clause, end, restricted)
                found.append((event, date_near(dates, kw_start) if event else None))
        version = _normalize_kv(minor, patch)
        plan = plan_of(clause, at, end, version)
        for event, when in found:
            if event is None or (patch is None and event is VersionEvent.PATCH_AVAILABLE):
                continue
            facts.setdefault(KubernetesVersionFact(version, event, when, plan))
    return list(facts)


# Lists at least this long share one event; shorter ones keep the per-version reading.
_LONG_RUN = 8
_RUN_JOIN = re.compile(r"[\s,`'\[\]]*(?:(?:and|or|&)[\s`'\[\]]*)?")


def _list_runs(
    low: str, mentions: Sequence[tuple[int, int, str, str | None]]
) -> list[tuple[int, int, int]]:
    """(first start, last end, size) of the list each mention belongs to: mentions joined only
    by commas, 'and', 'or' or '&'."""
    groups: list[list[int]] = []
    previous_end = -1
    for i, (start, end, _, _) in enumerate(mentions):
        gap = start - previous_end
        if groups and 0 <= gap <= 12 and _RUN_JOIN.fullmatch(low, previous_end, start):
            groups[-1].append(i)
        else:
            groups.append([i])
        previous_end = end
    out: list[tuple[int, int, int]] = [(0, 0, 0)] * len(mentions)
    for group in groups:
        first, last = mentions[group[0]][0], mentions[group[-1]][1]
        for i in group:
            out[i] = (first, last, len(group))
    return out


def kube_context(text: str) -> tuple[VersionEvent | None, bool]:
    """For a parent item: the event it announces for versions its children list, and whether
    its children are lists of Kubernetes versions ('New K8s patch versions' + '* Added 1.24.9')."""
    low = lower_same_length(text)
    if "version" not in low or not _KV_TRIGGER.search(low):
        return None, False
    if any(True for _ in _tokens(low, 0, len(low))):
        # 'New k8s patch versions for 1.23:' lists versions itself; children still add/remove.
        return None, "patch" in low
    events = _kv_events(low)
    return (event_for(events[0][2], is_patch=True) if events else None), True
