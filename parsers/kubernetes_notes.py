"""One upstream release note: its attribution, SIGs, plain text, links and dependency facts.

kubernetes_changelog finds the notes (a line scan over headings and bullets); this module reads
a note once found. Upstream notes end with an attribution written by the release tooling,
'([#123](.../pull/123), [@user](https://github.com/user)) [SIG API Machinery and Node]', but
hand-edited notes vary it, and the variants below all occur in the corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aksnews.model.releases import ComponentUpdateFact, CveFact, Fact
from aksnews.parsers.inline import links, plain_text

# Variants: several PRs; no author; '[liggitt](...)' without the '@'; '[SIG ...]' inside the
# parentheses; and, in a few CHANGELOG sections, no links at all: '(#106223, @cpanato)'.
ATTRIBUTION = re.compile(
    r"\(\s*(?:\[#(?P<pr>\d+)\]\((?P<url>[^)\s]*)\)(?:\s*,\s*\[#\d+\]\([^)\s]*\))*"
    r"(?:\s*,\s*\[@?(?P<who>[^\]\s]+)\]\(https?://github\.com/(?P<login>[\w-]+)/?\))?"
    r"(?:\s*,\s*\[SIG (?P<sigs>[^\]\n]*)\])?"
    r"|#(?P<plain_pr>\d+)(?:\s*,\s*#\d+)*\s*,\s*@(?P<plain_who>[\w-]+))\s*\)"
)
PULL = re.compile(r"github\.com/kubernetes/kubernetes/pull/(\d+)")
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
_SIG_TAIL = re.compile(r"[ \t]*\[SIG ([^\]\n]*)\]")
_SIG_SPLIT = re.compile(r"\s*,\s*|\s+and\s+", re.IGNORECASE)
_CVE = re.compile(r"\bCVE-\d{4}-\d{4,}\b")
# 'github.com/foo/bar: v1.2.3 → v1.2.4' (Changed), 'name: v1.2.3' (Added, Removed)
_DEP_LINE = re.compile(r"([^\s:]+):\s+([^\s→]+)(?:\s*(?:→|->)\s*(\S+))?\s*$")
# prose in the older drafts: 'etcd has been updated to v3.3.15', 'Update Go to 1.13.8'
_DEP_PROSE = re.compile(
    r"(?:the\s+)?(?P<c>.+?)\s+(?:(?:has|have)\s+been|was|were)\s+(?:updated|upgraded|bumped)"
    r"\s+to\s+(?P<v>v?\d[\w.+-]*\w)"
    r"|(?:update[sd]?|upgraded?|bump(?:ed)?)\s+(?:the\s+)?(?P<c2>.+?)\s+"
    r"(?:version\s+)?to\s+(?:version\s+)?(?P<v2>v?\d[\w.+-]*\w)",
    re.IGNORECASE,
)
# Characters that make inline.plain_text do more than drop code ticks and tidy spaces.
_MARKUP = ("[", "<", "*", "_", "\\", "&")
_CODE = re.compile(r"`+([^`]*)`+")  # as in inline.plain_text
_SPACES = re.compile(r"[ \t]+")


@dataclass(frozen=True, slots=True)
class Attribution:
    """Where a note's attribution sits and what it says."""

    start: int
    end: int  # after the '[SIG ...]' tail when there is one
    pr: int | None  # None when the link points to another repository
    author: str | None
    sigs: tuple[str, ...]
    links: tuple[str, ...]


def last_attribution(markdown: str) -> Attribution | None:
    """The note's own attribution: the last one (sub-bullets may follow it, nothing else)."""
    found = list(ATTRIBUTION.finditer(markdown))
    if not found:
        return None
    m = found[-1]
    end = m.end()
    sigs: tuple[str, ...] = ()
    tail = _SIG_TAIL.match(markdown, end)
    if tail is not None:
        sigs, end = normalise_sigs(tail.group(1)), tail.end()
    elif m["sigs"]:
        sigs = normalise_sigs(m["sigs"])
    return Attribution(
        start=m.start(),
        end=end,
        pr=_pr_number(m),
        author=m["login"] or m["who"] or m["plain_who"],
        sigs=sigs,
        links=tuple(_LINK_TARGET.findall(m[0])),
    )


def attribution_count(markdown: str) -> int:
    return len(ATTRIBUTION.findall(markdown))


def _pr_number(m: re.Match[str]) -> int | None:
    if m["plain_pr"]:
        return int(m["plain_pr"])
    url = m["url"]
    pull = PULL.search(url)
    if pull is not None:
        # The URL wins over the link text: one note says '[#8838](.../pull/88381)'.
        return int(pull.group(1))
    return None if url.startswith("http") else int(m["pr"])


def normalise_sigs(listed: str) -> tuple[str, ...]:
    """'API Machinery, Apps, and Testing' -> ('api-machinery', 'apps', 'testing').

    The spelling is the labelled notes' (relnotes.k8s.io): lower case, spaces to hyphens.
    """
    found: list[str] = []
    for part in _SIG_SPLIT.split(listed):
        words = part.strip().lower().split()
        if words[:1] == ["and"]:  # the Oxford comma: ', and Testing'
            words = words[1:]
        if "sig" in words:  # 'API SIG API Machinery': the name is what follows the last 'SIG'
            words = words[len(words) - words[::-1].index("sig") :]
        name = "-".join(words)
        if name and name not in found:
            found.append(name)
    return tuple(found)


def note_links(*parts: str) -> tuple[str, ...]:
    """inline.links over the parts in order, skipping the regexes for parts without a link.

    Link scanning was most of the parse time, and most note text holds no link once the
    attribution (whose links Attribution.links already has) is cut out.
    """
    found: list[str] = []
    for part in parts:
        if "](" in part or "http" in part or "<" in part:
            found.extend(links(part))
    return tuple(dict.fromkeys(found))


def note_text(markdown: str) -> str:
    """inline.plain_text, with a fast path (same result) for text with code ticks at most.

    Most notes have no links left once the attribution is cut, and no emphasis; running the
    eight substitutions of inline.plain_text on each of them cost a third of the parse time.
    """
    if any(c in markdown for c in _MARKUP):
        return plain_text(markdown)
    if "`" in markdown:
        markdown = _CODE.sub(lambda m: m.group(1), markdown)
    lines = (line.strip() for line in _SPACES.sub(" ", markdown).split("\n"))
    return "\n".join(line for line in lines if line)


def cve_facts(text: str) -> tuple[Fact, ...]:
    return tuple(CveFact(cve) for cve in dict.fromkeys(_CVE.findall(text)))


def dependency_facts(text: str, change: str | None) -> tuple[Fact, ...]:
    """The component update one dependency line states; `change` is its Added/Changed/... list."""
    first = text.split("\n", 1)[0].strip()
    m = _DEP_LINE.fullmatch(first)
    if m is not None:
        component, a, b = m.group(1), m.group(2), m.group(3)
        if b is not None:
            return (ComponentUpdateFact(component, to_version=b, from_version=a),)
        if change == "removed":
            return (ComponentUpdateFact(component, to_version=None, from_version=a),)
        return (ComponentUpdateFact(component, to_version=a),)
    if change == "unchanged":
        return ()
    prose = _DEP_PROSE.search(first)
    if prose is None:
        return ()
    component = (prose.group("c") or prose.group("c2")).strip()
    version = prose.group("v") or prose.group("v2")
    return (ComponentUpdateFact(component, to_version=version),)
