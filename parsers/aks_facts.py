"""Typed facts found in the text of one AKS CHANGELOG entry: node images, Kubernetes versions
(parsers/aks_kube_versions.py), component updates, retirements, CVE and GHSA ids.

The changelog is prose written by many hands over seven years, so the extractors are
deliberately conservative: each looks for the few phrasings the corpus actually uses and prefers
missing a fact to inventing one. Every extractor is a pure function of one entry's flattened
plain text (plus what a nested bullet inherits from its parent, see `FactContext`). Substring
tests decide which extractor can find anything before any regex runs: the whole changelog has
to parse in tens of milliseconds.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from aksnews.model import (
    ComponentUpdateFact,
    CveFact,
    Fact,
    NodeImageFact,
    RetirementFact,
    VersionEvent,
)
from aksnews.parsers.aks_kube_versions import (
    NO_CONTEXT,
    FactContext,
    kube_context,
    kubernetes_version_facts,
)
from aksnews.parsers.aks_components import VERB, component_updates, parent_component
from aksnews.parsers.aks_prose import date_near, find_dates, lower_same_length, sentences
from aksnews.parsers.aks_text import normalize
from aksnews.versions import WINDOWS_BUILDS

_DIGIT = re.compile(r"\d")


# --- CVE and GHSA ids ---------------------------------------------------------------------------

_CVE = re.compile(r"cve-\d{4}-\d{4,7}(?!\d)|ghsa(?:-[0-9a-z]{4}){3}(?![0-9a-z])")


def cve_facts(markdown: str) -> list[CveFact]:
    """Every CVE and GHSA id in the item, link targets included (some are only linked)."""
    lower = lower_same_length(markdown)
    ids: list[str] = []
    for m in _CVE.finditer(lower):
        if m.start() and lower[m.start() - 1].isalnum():
            continue
        raw = m.group(0)
        ident = raw.upper() if raw.startswith("cve") else "GHSA" + raw[4:]
        if ident not in ids:
            ids.append(ident)
    return [CveFact(id=i) for i in ids]


# --- node images --------------------------------------------------------------------------------

# vhd-notes/ in the Azure/AKS repository; the older aks-engine and AgentBaker release-note trees.
_IMAGE_NOTES = ("vhd-notes/", "vhd/release-notes/", "vhdbuilder/release-notes/")
_IMAGE_VERSION = re.compile(r"\d{6}\.\d{2}\.\d+|\d{4}\.\d{2}\.\d{2}|\d{5}\.\d+\.\d{6}")
_UBUNTU_IN_PATH = re.compile(r"ubuntu[-/](?:gen\d/)?(1[68]|2[0246])(04|10)(?!\d)")
_UBUNTU_IN_TEXT = re.compile(r"ubuntu[ -]?(1[68]|2[0246])\.?(04|10)(?!\d)")
_WINDOWS_DIR = re.compile(r"windows/(2019|2022|2025|23h2)/")
_GEN = re.compile(r"gen ?([12])(?:\s*/\s*gen ?([12]))?(?!\w)")


def _image_os(path: str, version: str, text: str) -> str:
    """OS family and release from the notes path, which is more regular than the prose."""
    if "windows" in path:
        build = int(version.split(".")[0]) if version.count(".") == 2 else 0
        if build in WINDOWS_BUILDS:
            return WINDOWS_BUILDS[build]
        m = _WINDOWS_DIR.search(path)
        return f"Windows Server {m.group(1).upper()}" if m else "Windows Server"
    if "azurelinuxv3" in path:
        return "Azure Linux 3.0"
    if "azurelinux" in path:
        return "Azure Linux 2.0"  # the AzureLinux/ folder has always held 2.0 images
    if "mariner" in path:
        return "Mariner"
    if "ubuntu" in path:
        m = _UBUNTU_IN_PATH.search(path) or _UBUNTU_IN_TEXT.search(text)
        return f"Ubuntu {m.group(1)}.{m.group(2)}" if m else "Ubuntu"
    return "unknown"


def node_image_facts(text: str, links: Iterable[str]) -> list[NodeImageFact]:
    """One fact per linked node image notes file (the image-list.json twins are skipped)."""
    targets = [t for t in links if any(n in t.lower() for n in _IMAGE_NOTES)]
    targets = [t for t in targets if not t.endswith(".json")]
    lower = lower_same_length(text)
    facts: list[NodeImageFact] = []
    for target in targets:
        versions = _IMAGE_VERSION.findall(target.rsplit("/", 1)[-1])
        if not versions:
            continue
        path = target.lower()
        # 'Server 2022 Gen1/Gen2 - [..](..)': the text speaks for its only link.
        gen = _GEN.search(path) or (_GEN.search(lower) if len(targets) == 1 else None)
        sku = None
        if gen:
            sku = f"gen{gen.group(1)}" + (f"/gen{gen.group(2)}" if gen.group(2) else "")
        fact = NodeImageFact(_image_os(path, versions[-1], lower), versions[-1], target, sku)
        if fact not in facts:
            facts.append(fact)
    return facts


# --- component updates --------------------------------------------------------------------------


def component_update_facts(text: str, ctx: FactContext = NO_CONTEXT) -> list[ComponentUpdateFact]:
    """Component updates of one entry's plain text (parsers/aks_components.py)."""
    text = normalize(text)
    return component_updates(text, lower_same_length(text), ctx.component)


def component_context(text: str) -> str | None:
    """'Azure Disk CSI Driver has been upgraded:' -> 'Azure Disk CSI Driver'."""
    return parent_component(normalize(text))


# --- retirements --------------------------------------------------------------------------------

# The name comes before 'retired', 'no longer (be) supported', 'will reach end of life' and
# after 'no longer support(s) [for]', 'no longer create new node images for',
# 'remove all existing'.
_RETIREMENT = re.compile(
    r"(?P<before>retired\b|no longer (?:be )?supported\b|will reach end[- ]of[- ]life\b)"
    r"|(?P<after>no longer supports?(?: or provide security updates)?\s+(?:for\s+)?(?:the\s+)?"
    r"|no longer create new node images for\s+|remove all existing\s+)"
)
_RETIRE_AUX = {
    "will",
    "be",
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "been",
    "being",
    "going",
    "to",
    "scheduled",
}
_ACTIVE_SUBJECTS = {"we", "aks", "microsoft", "azure"}  # 'we have retired support for ...'
_SCOPE_TAIL = re.compile(r"\s+(?:on|in|for|with)\s+(?:AKS|Azure Kubernetes Service)\s*$", re.I)
_NOUN_TAIL = {
    "add-on",
    "addon",
    "add-ons",
    "addons",
    "node",
    "nodes",
    "pool",
    "pools",
    "nodepool",
    "nodepools",
    "image",
    "images",
    "runtime",
    "container",
    "feature",
    "tag",
    "vhds",
    "revision",
}
_CONNECTORS = {"to", "of", "for", "and"}
_STOP = {"the", "a", "an", "this", "these", "that", "on", "starting", "as", "after", "kindly"}
_KUBE_SUBJECT = re.compile(r"(?:(?:aks|kubernetes|k8s)\s+)*(?:version\s+)?v?1\.\d+", re.I)
_KUBE_IN_SUBJECT = re.compile(r"(?<![\d.])1\.\d{1,2}\b")
_USING = re.compile(r"\s*using (?:the )?(.{3,60}?) to ", re.I)


def _is_name_word(word: str) -> bool:
    bare = word.strip(",.:;")
    if not bare or bare.lower() in _STOP:
        return False
    return (
        bare[0].isupper()
        or bare[0].isdigit()
        or bare[0] == "("
        or bare.startswith("--")
        or bare.lower() in _NOUN_TAIL
    )


def _trailing_name(span: str) -> str:
    """The name at the end of `span`: 'On 30 September 2025, the Basic Load Balancer' ->
    'Basic Load Balancer'."""
    using = _USING.match(span)
    if using:  # 'Using the GPU VHD image (preview) to provision ...'
        return using.group(1)
    words = _SCOPE_TAIL.sub("", span).split()
    while words and words[-1].lower() in _RETIRE_AUX:
        words.pop()  # 'X will be' -> 'X'
    if not words or words[-1].lower() in _ACTIVE_SUBJECTS:
        return ""
    picked: list[str] = []
    for word in reversed(words):
        name_word = _is_name_word(word) and not word.endswith(",")
        # 'Bridge to Kubernetes': a connector joins two name words.
        connector = word.lower() in _CONNECTORS and picked and picked[-1][:1].isupper()
        if not (name_word or connector):
            break
        picked.append(word)
    while picked and picked[-1].lower() in _CONNECTORS | _NOUN_TAIL:
        picked.pop()  # a name starts with a name word, not 'and' or 'node'
    if any(w[:1].isupper() for w in picked):
        return " ".join(reversed(picked)).strip(",.:; ")
    # No capitalised name ('the pod security policy feature'): keep the clause itself.
    clause = " ".join(words).rsplit(",", 1)[-1].split()
    if clause and clause[0].lower() in ("the", "a", "an"):
        clause.pop(0)
    return " ".join(clause)


def _leading_name(span: str) -> str:
    """The name at the start of `span`: 'Azure Linux 2.0. Migrate ...' -> 'Azure Linux 2.0'."""
    picked: list[str] = []
    for word in span.split():
        if _is_name_word(word):
            picked.append(word)
            if word.endswith((",", ";", ":")) or (word.endswith(".") and not word[-2:-1].isdigit()):
                break
        elif word.lower() in _CONNECTORS and picked:
            picked.append(word)
        else:
            break
    while picked and picked[-1].strip(",.:;").lower() in _CONNECTORS | _NOUN_TAIL:
        picked.pop()
    return " ".join(picked).strip(",.:; ")


def retirement_facts(text: str) -> list[RetirementFact]:
    """Retirements and ends of support that state a deadline ('Starting on 30 November 2025, AKS
    will no longer support ... Azure Linux 2.0'). Kubernetes versions themselves are
    kubernetes-version facts, not retirements."""
    low = lower_same_length(text)
    facts: list[RetirementFact] = []
    parts = sentences(text)
    starts = [offset for offset, _ in parts]
    for m in _RETIREMENT.finditer(low):
        offset, sentence = parts[bisect_right(starts, m.start()) - 1]
        dates = find_dates(sentence)
        if not dates:
            continue  # a retirement without a deadline is not something to plan for
        start, end = m.start() - offset, m.end() - offset
        if m.group("after"):
            subject, pos = _leading_name(sentence[end:]), start
        else:
            subject, pos = _trailing_name(sentence[:start]), end
        if (
            not subject
            or len(subject) > 80
            or _KUBE_SUBJECT.match(subject)
            or _KUBE_IN_SUBJECT.search(subject)
        ):
            continue  # Kubernetes versions are kubernetes-version facts
        fact = RetirementFact(subject_text=subject, date=date_near(dates, pos))
        if fact not in facts:
            facts.append(fact)
    return facts


# --- all together -------------------------------------------------------------------------------


def extract_facts(
    text: str,
    links: Sequence[str],
    markdown: str,
    ctx: FactContext = NO_CONTEXT,
    default_event: VersionEvent | None = None,
) -> tuple[Fact, ...]:
    """Every fact of one entry (`text` is its flattened plain text), in a stable order: node
    images, Kubernetes versions, component updates, retirements, CVEs."""
    if not _DIGIT.search(markdown):
        return ()  # every fact holds a number: a version, a date or an id
    text = normalize(text)
    low = lower_same_length(text)
    facts: list[Fact] = []
    if "notes/" in markdown:  # node image notes are always linked
        facts.extend(node_image_facts(text, links))
    if "1." in text and (
        ctx.kube_list
        or "kubernetes" in low
        or "k8s" in low
        or "aks" in low
        or "lts" in low
        or "community" in low
    ):
        facts.extend(kubernetes_version_facts(text, ctx, default_event))
    if (not facts or not isinstance(facts[0], NodeImageFact)) and (
        ctx.component or VERB.search(low) or "revision" in low
    ):
        # An image line says 'updated to 202510.03.0': that is the image fact, not a component.
        facts.extend(component_update_facts(text, ctx))
    if (
        "retired" in low
        or "no longer" in low
        or "end of life" in low
        or "end-of-life" in low
        or "remove all existing" in low
    ):
        facts.extend(retirement_facts(text))
    if "CVE-" in markdown or "GHSA-" in markdown or "cve-" in markdown or "ghsa-" in markdown:
        facts.extend(cve_facts(markdown))
    return tuple(facts)


def child_context(text: str) -> FactContext:
    """What the children of an item with this (flattened plain) text inherit."""
    event, listing = kube_context(text)
    component = component_context(text)
    if event is None and not listing and component is None:
        return NO_CONTEXT
    return FactContext(kube_event=event, kube_list=listing, component=component)
