"""Where each archived release lives on the web, so every item can link back to its source."""

from __future__ import annotations

import re
from collections.abc import Mapping

_UPSTREAM_MINOR = re.compile(r"^v?(\d+\.\d+)")

AKS_CHANGELOG_PAGE = "https://github.com/Azure/AKS/blob/master/CHANGELOG.md"
UPSTREAM_CHANGELOG_PAGE = (
    "https://github.com/kubernetes/kubernetes/blob/master/CHANGELOG/CHANGELOG-{minor}.md"
)
DEPRECATION_GUIDE_PAGE = "https://kubernetes.io/docs/reference/using-api/deprecation-guide/"
AKS_CALENDAR_PAGE = "https://learn.microsoft.com/azure/aks/supported-kubernetes-versions"
KUBERNETES_SCHEDULE_PAGE = "https://kubernetes.io/releases/"


def release_url(source: str, version: str, anchor: str) -> str:
    """The public page of a release section, with its heading anchor."""
    fragment = f"#{anchor}" if anchor else ""
    if source == "aks":
        return AKS_CHANGELOG_PAGE + fragment
    if source == "kubernetes":
        match = _UPSTREAM_MINOR.match(version)
        minor = match.group(1) if match else version
        return UPSTREAM_CHANGELOG_PAGE.format(minor=minor) + fragment
    if source == "deprecation-guide":
        return DEPRECATION_GUIDE_PAGE + fragment
    if source == "kubernetes-schedule":
        return KUBERNETES_SCHEDULE_PAGE
    return AKS_CALENDAR_PAGE + fragment


def pr_url(pr: int) -> str:
    return f"https://github.com/kubernetes/kubernetes/pull/{pr}"


def release_key_url(known: Mapping[str, str], release_key: str) -> str:
    """The stored URL of a release ('aks:2025-10-12'); without one, its document's page."""
    stored = known.get(release_key)
    if stored:
        return stored
    source, _, version = release_key.partition(":")
    return release_url(source, version, "")
