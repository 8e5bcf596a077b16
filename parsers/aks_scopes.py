"""Kubernetes scopes of AKS CHANGELOG statements: 'on AKS 1.33', 'for Kubernetes v1.28.0+',
'(AKS 1.31)', 'for AKS clusters on 1.32+ version', 'for clusters with AKS Kubernetes version
greater than or equal to 1.27'. A scope says which minors a statement applies to; it is never
a component version. Pure functions of lower-cased text, linear in its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aksnews.parsers.aks_text import KUBE_MINOR, version_at

# 'on AKS 1.33', 'for Kubernetes v1.28.0+', 'for AKS clusters on 1.32+ version', 'in K8s v1.28+',
# 'for clusters with AKS Kubernetes version greater than or equal to 1.27', 'for >=1.29.0 version'
_SCOPE_LEAD = re.compile(
    r"\s*,?\s*(?:\(\s*(?:(?:on|for|in|with)\s+)?(?=aks|kubernetes|k8s|v?1\.)"
    r"|(?:\(\s*)?(?:on|for|in|with|starting with|starting from)\s+)"
)
_CLOSE = re.compile(r"\s*\)")
_SCOPE_WORDS = frozenset(
    [
        "aks",
        "kubernetes",
        "k8s",
        "the",
        "clusters",
        "cluster",
        "versions",
        "version",
        "minor",
        "running",
        "on",
        "with",
        "all",
        "and",
        "supported",
    ]
)
_AT_LEAST = re.compile(
    r"(?:>=\s*|\+\s*|greater than or equal to\s+|above\s+|and above\s+|or later\s+)"
)
_OPEN_END = re.compile(
    r"\+|\s+(?:and|or)\s+(?:above|later|higher|newer|greater)|\s+onwards|\s+version\s*\+"
)
_VERSION_WORD = re.compile(r"\s+versions?\b")
_MORE_MINOR = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s*&\s*)(?:aks\s+|kubernetes\s+)?")


@dataclass(frozen=True, slots=True)
class Scope:
    minors: tuple[str, ...]
    end: int

    def text(self, index: int | None = None) -> str:
        minors = self.minors if index is None else (self.minors[index],)
        return "AKS " + ", ".join(minors)


def scope_at(low: str, pos: int) -> Scope | None:
    """The Kubernetes scope that starts at `pos` ('on AKS 1.32 and 1.33', 'for 1.24+')."""
    lead = _SCOPE_LEAD.match(low, pos)
    if lead is None:
        return None
    at = lead.end()
    for _ in range(8):  # a few filler words: 'for AKS clusters on', 'with K8s versions'
        if low.startswith(("<", ">")) and not low.startswith(">=", at):
            return None
        m = _AT_LEAST.match(low, at)
        if m:
            at = m.end()
            minor = KUBE_MINOR.match(low, at)
            if minor is None:
                return None
            return _scope_list(low, minor, plus=True)
        minor = KUBE_MINOR.match(low, at)
        if minor:
            return _scope_list(low, minor, plus=False)
        word_end = low.find(" ", at)
        if word_end < 0 or low[at:word_end].strip("(),") not in _SCOPE_WORDS:
            return None
        at = word_end + 1
    return None


def _scope_list(low: str, first: re.Match[str], *, plus: bool) -> Scope:
    minors: list[str] = []
    m: re.Match[str] | None = first
    end = first.end()
    while m is not None:
        end = m.end()
        open_end = _OPEN_END.match(low, end)
        if open_end:
            end = open_end.end()
        word = _VERSION_WORD.match(low, end)  # 'for AKS clusters on 1.32+ version'
        if word:
            end = word.end()
        close = _CLOSE.match(low, end)  # '(AKS 1.31)'
        if close and "(" in low[max(0, first.start() - 24) : first.start()]:
            end = close.end()
        minors.append(m.group(1) + ("+" if plus or open_end else ""))
        more = _MORE_MINOR.match(low, end)
        m = KUBE_MINOR.match(low, more.end()) if more else None
        if m is not None and version_at(low, m.start()) is not None:
            # '1.32 and v1.33.5 on AKS 1.33': a component version, not another minor.
            tail = low[m.end() : m.end() + 1]
            if m.group(0).startswith("v") and tail != "+":
                break
    return Scope(tuple(minors), end)
