"""What the parser could not read, and what breaks: two judgements on one AKS entry.

Unread statements: a sentence that names a Kubernetes version as news, a component version
after a verb of change, a node image version, a retirement trigger or a deadline, in an entry
that yields no fact of that kind, is recorded with what was expected. Nothing the parser cannot
read disappears silently: it is listed (`aksnews facts --unread`), marked on the release page
and shown in digests, so that a person reads it.

Breaking: an entry says that something stops working, is blocked or rejected, or needs action
before a date.

Both are pure functions of the entry's normalised plain text and its facts; each test is a
regex that starts from a literal word, so the cost stays linear in the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence

from aksnews.model import (
    Expectation,
    Fact,
    FactType,
    KubernetesVersionFact,
    RetirementFact,
    UnreadStatement,
)
from aksnews.parsers.aks_components import has_change_verb, verb_at
from aksnews.parsers.aks_prose import find_dates
from aksnews.parsers.aks_retirements import TRIGGER, has_trigger_word
from aksnews.parsers.aks_text import spans, version_at

# A Kubernetes version named as the subject: 'Kubernetes 1.33', 'AKS version 1.34', 'K8s
# v1.30.2', '1.28.102-akslts', '1.27 LTS'.
_KUBE_NAMED = re.compile(
    r"(?:kubernetes|k8s|aks)(?: (?:lts|version|versions|patch|minor|community|standard|is|the))*"
    r" v?1\.\d{1,2}(?:\.\d{1,3})?(?![\d.]\d)"
    r"|1\.\d{1,2}\.\d{3}-akslts|(?<![\d.])1\.\d{1,2} (?:lts|community) version"
)
# Words just before a version that make it a scope ('on AKS 1.33', 'upgrade to 1.32').
_SCOPE_BEFORE = re.compile(
    r"(?:\b(?:on|in|for|with|to|from|since|starting|above|below|than|until|after|before|"
    r"prior|supports?|running|upgrad\w*|using|clusters?)\b[ ,]*(?:the )?(?:aks |kubernetes |k8s )?"
    r"(?:versions? )?$)|[<>=+]\s*$"
)
_LIFECYCLE = re.compile(
    r"(?<![\w-])(?:preview|generally available|general availability|ga(?![a-z])|available|"
    r"(?<!api )deprecat|"
    r"end[- ]of[- ]life|(?<![a-z])eol(?![a-z])|out of (?:\w+ )?support|end of (?:\w+ )?support|"
    r"retir|lts-only|released|no longer supported)"
)
# A lemma after these is no news about the version: 'After GA of kubernetes v1.19'.
_NOT_NEWS = re.compile(r"(?:upcoming|after|before|advance of|until|if|whether)(?: the)? $")
_IMAGE_VERSION = re.compile(
    r"(?<![\d.])(?:\d{6}\.\d{2}\.\d+|\d{5}\.\d{3,5}\.\d{6}|20\d\d\.\d\d\.\d\d)(?![\d])"
)
_TO = re.compile(r" to (?:the |version |versions |patch |release )*")
_KUBE_MINOR_ONLY = re.compile(r"v?1\.\d{1,2}$")
# The words of _ACTION without their word boundaries: a quick test for a whole entry.
_ACTION_WORD = re.compile(
    "must|require|before|no later than|deadline|by the|will fail|will be blocked|"
    "will be rejected|migrate|upgrade|switch"
)
_ACTION = re.compile(
    r"(?<![a-z])(?:must|required|requires|before|no later than|deadline|by the|will fail|"
    r"will be blocked|will be rejected|migrate|upgrade|switch)(?![a-z])"
)

# --- breaking ------------------------------------------------------------------------------------

# Each test runs only when its literal word is in the text: one big alternation would be tried
# at every position of every entry.
_BREAKING: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("working", re.compile(r"stops? working")),
    (" work", re.compile(r"will (?:no longer|not) work")),
    ("fail", re.compile(r"(?:will|would|may|might) fail|scaling operations will fail")),
    ("break", re.compile(r"(?:will|would|may|might) break|breaking change|breakage")),
    (
        "block",
        re.compile(
            r"(?:will be|is|are|was|were|be|being|get|gets) blocked|"
            r"block(?:s|ing)? (?:the )?(?:creation|upgrades?|new|operations)"
        ),
    ),
    (
        "reject",
        re.compile(
            r"(?:will be|is|are|was|were|be|being|get|gets) rejected|"
            r"rejects?(?: any| invalid| requests)"
        ),
    ),
    ("denied", re.compile(r"(?:will be|is|are|be|being|get|gets) denied")),
    ("refused", re.compile(r"(?:will be|is|are|be|being|get|gets) refused")),
    (
        "no longer",
        re.compile(
            r"(?:can|will) no longer (?:be able to |be )?(?:use|used|create|created|scale|upgrade)|"
            r"no longer be able to"
        ),
    ),
    ("cannot", re.compile(r"cannot be (?:created|used|upgraded|scaled)")),
    ("action required", re.compile(r"action required")),
)
_NEEDS_ACTION = re.compile(
    r"(?<![a-z])(?:must|should|need to|needs to|required to|kindly|please|recommend)(?![a-z])"
)
_BY_DATE = re.compile(r"(?<![a-z])(?:before|by|until|no later than|prior to)(?![a-z])")


_ACTION_HINTS = ("must", "should", "need", "required", "kindly", "please", "recommend")


def is_breaking(low: str) -> bool:
    """Whether the (lower-cased, normalised) text says that something stops working, is blocked
    or rejected, or needs action before a date."""
    if any(hint in low and pattern.search(low) for hint, pattern in _BREAKING):
        return True
    if "20" not in low or not any(h in low for h in _ACTION_HINTS):
        return False
    if not _NEEDS_ACTION.search(low) or not _BY_DATE.search(low):
        return False
    return any(_BY_DATE.search(low, max(0, at - 24), at) for at, _ in find_dates(low))


# --- unread statements ---------------------------------------------------------------------------


def _names_kubernetes(low: str) -> bool:
    """A Kubernetes version named as a subject, with a lifecycle lemma within 60 characters
    that is not an aside ('After GA of', 'if ... is available')."""
    lemmas = [
        m.start()
        for m in _LIFECYCLE.finditer(low)
        if not _NOT_NEWS.search(low, max(0, m.start() - 16), m.start())
    ]
    if not lemmas or " if " in low or " whether " in low:
        return False
    for m in _KUBE_NAMED.finditer(low):
        if _SCOPE_BEFORE.search(low, max(0, m.start() - 40), m.start()):
            continue
        i = bisect_left(lemmas, m.start() - 60)
        if i < len(lemmas) and lemmas[i] <= m.start() + 60:
            return True
    return False


def _names_component_version(text: str, low: str) -> bool:
    if not has_change_verb(low):
        return False
    pos = 0
    while (verb := verb_at(low, pos, len(low))) is not None:
        pos = verb.end()
        to = _TO.search(low, verb.end(), verb.end() + 90)
        if to is None:
            continue
        token = version_at(text, to.end(), after_version_word="version" in to.group(0))
        if token is None or _KUBE_MINOR_ONLY.match(token.text):
            continue
        if low[token.end : token.end + 1] == "+":
            continue
        return True
    return False


def _names_image(low: str) -> bool:
    if "image" not in low and "vhd" not in low:
        return False
    return _IMAGE_VERSION.search(low) is not None


# Retirement triggers that end support (a removal in a bug fix is no retirement to read).
_ENDS_SUPPORT = re.compile(
    r"retir|no longer (?:be )?support|deprecated|end[- ]of[- ]life|unsupported"
)
_API_DATE = re.compile(r"(?:api|version|versions|release of)[\s:]*(?:v)?$")


def _deadlines(sentence: str) -> bool:
    """Whether the sentence states a date that is not an API version ('2023-06-01 API')."""
    low = sentence.lower()
    for at, _ in find_dates(sentence):
        if _API_DATE.search(low, max(0, at - 16), at):
            continue
        tail = low[at : at + 30]
        if "-preview" in tail or re.match(r"\S+ (?:api|and \S+ apis?)", tail):
            continue
        return True
    return False


def _dated(facts: Sequence[Fact]) -> bool:
    return any(
        isinstance(f, (KubernetesVersionFact, RetirementFact)) and f.date is not None for f in facts
    )


def unread_statements(text: str, facts: Sequence[Fact]) -> tuple[UnreadStatement, ...]:
    """The sentences of one entry (normalised plain text) whose news no fact holds."""
    have = {f.type for f in facts}
    low = text.lower()
    out: list[UnreadStatement] = []
    seen: set[UnreadStatement] = set()

    def note(expected: Expectation, sentence: str) -> None:
        statement = UnreadStatement(expected, sentence.strip())
        if statement not in seen:
            seen.add(statement)
            out.append(statement)

    dated = _dated(facts)
    retirement_hint = has_trigger_word(low)
    kube = "1." in low and FactType.KUBERNETES_VERSION not in have
    images = FactType.NODE_IMAGE not in have and ("image" in low or "vhd" in low)
    deadline = not dated and "20" in low and _ACTION_WORD.search(low) is not None
    component = (
        " to " in low
        and FactType.COMPONENT_UPDATE not in have
        and FactType.NODE_IMAGE not in have
        and has_change_verb(low)
    )
    if not (kube or images or deadline or component or retirement_hint):
        return ()  # most entries: nothing that could have been missed
    for start, end in spans(text):
        sentence, s_low = text[start:end], low[start:end]
        if kube and "1." in s_low and _names_kubernetes(s_low):
            note(Expectation.KUBERNETES_VERSION, sentence)
        if component and " to " in s_low and _names_component_version(sentence, s_low):
            note(Expectation.COMPONENT_UPDATE, sentence)
        if images and _names_image(s_low):
            note(Expectation.NODE_IMAGE, sentence)
        if (
            retirement_hint
            and FactType.RETIREMENT not in have
            and FactType.KUBERNETES_VERSION not in have
            and TRIGGER.search(s_low)
            and _ENDS_SUPPORT.search(s_low)
        ):
            note(Expectation.RETIREMENT, sentence)
        if deadline and "20" in s_low and _deadlines(sentence) and _ACTION.search(s_low):
            note(Expectation.DEADLINE, sentence)
    return tuple(out)
