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
from collections.abc import Iterable, Sequence

from aksnews.model.releases import (
    ComponentUpdateFact,
    CveFact,
    Fact,
    NodeImageFact,
    RetirementFact,
    VersionEvent,
)
from aksnews.model.versions import WINDOWS_BUILDS
from aksnews.parsers.aks_components import component_updates, has_change_verb, parent_component
from aksnews.parsers.aks_kube_versions import (
    NO_CONTEXT,
    FactContext,
    kube_context,
    kubernetes_version_facts,
)
from aksnews.parsers.aks_prose import lower_same_length
from aksnews.parsers.aks_retirements import has_trigger_word
from aksnews.parsers.aks_retirements import retirement_facts as retirements
from aksnews.parsers.aks_text import normalize

_DIGIT = re.compile(r"\d")


# --- CVE and GHSA ids ---------------------------------------------------------------------------

_CVE = re.compile(r"cve-\d{4}-\d{4,7}(?!\d)|ghsa(?:-[0-9a-z]{4}){3}(?![0-9a-z])")


def cve_facts(markdown: str) -> list[CveFact]:
    """Every CVE and GHSA id in the item, link targets included (some are only linked)."""
    lower = lower_same_length(markdown)
    ids: dict[str, None] = {}  # ordered, and linear to deduplicate
    for m in _CVE.finditer(lower):
        if m.start() and lower[m.start() - 1].isalnum():
            continue
        raw = m.group(0)
        ids.setdefault(raw.upper() if raw.startswith("cve") else "GHSA" + raw[4:])
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
    facts: dict[NodeImageFact, None] = {}  # ordered, and linear to deduplicate
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
        facts.setdefault(
            NodeImageFact(_image_os(path, versions[-1], lower), versions[-1], target, sku)
        )
    return list(facts)


# --- component updates --------------------------------------------------------------------------


def component_update_facts(text: str, ctx: FactContext = NO_CONTEXT) -> list[ComponentUpdateFact]:
    """Component updates of one entry's plain text (parsers/aks_components.py)."""
    text = normalize(text)
    return component_updates(text, lower_same_length(text), ctx.component)


def component_context(text: str) -> str | None:
    """'Azure Disk CSI Driver has been upgraded:' -> 'Azure Disk CSI Driver'."""
    return parent_component(normalize(text))


# --- retirements (parsers/aks_retirements.py) ---------------------------------------------------

_LINK_TEXT = re.compile(r"\[([^\[\]]{3,60})\]\(")


def retirement_facts(text: str, markdown: str = "") -> list[RetirementFact]:
    """Retirements of one entry; linked names in `markdown` are recognised as subjects."""
    texts = [normalize(t) for t in _LINK_TEXT.findall(markdown)] if "](" in markdown else []
    return retirements(normalize(text), texts)


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
        # Every fact but a retirement holds a number (a version, a date or an id); a retirement
        # may be undated ('The AJP protocol is no longer supported.').
        low = lower_same_length(text)
        if not has_trigger_word(low):
            return ()
        return tuple(retirement_facts(text, markdown))
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
        ctx.component or has_change_verb(low) or ("revision" in low and "available" in low)
    ):
        # An image line says 'updated to 202510.03.0': that is the image fact, not a component.
        facts.extend(component_update_facts(text, ctx))
    if has_trigger_word(low):
        facts.extend(retirement_facts(text, markdown))
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
