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
from functools import lru_cache

from aksnews.model.releases import (
    Expectation,
    Fact,
    FactType,
    KubernetesVersionFact,
    RetirementFact,
    UnreadStatement,
)
from aksnews.parsers.aks_components import has_change_verb, verb_at
from aksnews.parsers.aks_prose import find_dates
from aksnews.parsers.aks_retirements import has_trigger_word, triggers
from aksnews.parsers.aks_text import spans, version_at

# A Kubernetes version named as the subject: 'Kubernetes 1.33', 'AKS version 1.34', 'K8s
# v1.30.2', '1.28.102-akslts', '1.27 LTS'.
_KUBE_NAMED = re.compile(
    r"(?:kubernetes|k8s|aks)(?: (?:lts|version|versions|patch|minor|community|standard|is|the))*"
    r" v?1\.\d{1,2}(?:\.\d{1,3})?(?![\d.]\d)"
    r"|1\.\d{1,2}\.\d{3}-akslts|1\.\d{1,2} (?:lts|community) version"
)
# Words just before a version that make it a scope ('on AKS 1.33', 'upgrade to 1.32').
_SCOPE_BEFORE = re.compile(
    r"(?:\b(?:on|in|for|with|to|from|since|starting|above|below|than|until|after|before|"
    r"prior|supports?|running|upgrad\w*|using|clusters?)\b[ ,]*(?:the )?(?:aks |kubernetes |k8s )?"
    r"(?:versions? )?$)|[<>=+]\s*$"
)
# Plain letters first (no look-behind) so the engine can skip ahead; `_lemmas` checks starts.
_LIFECYCLE = re.compile(
    r"preview|generally available|general availability|ga(?![a-z])|available|deprecat|"
    r"end[- ]of[- ]life|eol(?![a-z])|out of (?:\w+ )?support|end of (?:\w+ )?support|"
    r"retir|lts-only|released|no longer supported"
)
# A lemma after these is no news about the version: 'After GA of kubernetes v1.19'.
_NOT_NEWS = re.compile(r"(?:upcoming|after|before|advance of|until|if|whether)(?: the)? $")
_IMAGE_VERSION = re.compile(
    r"(?<![\d.])(?:\d{6}\.\d{2}\.\d+|\d{5}\.\d{3,5}\.\d{6}|20\d\d\.\d\d\.\d\d)(?![\d])"
)
_TO = re.compile(r" to (?:the |version |versions |patch |release )*")
_KUBE_MINOR_ONLY = re.compile(r"v?1\.\d{1,2}$")


def _has_lifecycle_word(low: str) -> bool:
    """The lemmas of _LIFECYCLE as plain substring tests: a quick test for a whole entry."""
    return (
        "preview" in low
        or "available" in low
        or "ga" in low
        or "deprecat" in low
        or "end" in low
        or "eol" in low
        or "out of" in low
        or "retir" in low
        or "lts-only" in low
        or "released" in low
        or "no longer" in low
    )


def _has_action_word(low: str) -> bool:
    """The words of _ACTION as plain substring tests: a quick test for a whole entry."""
    return (
        "must" in low
        or "require" in low
        or "before" in low
        or "no later than" in low
        or "deadline" in low
        or "by the" in low
        or "will fail" in low
        or "will be blocked" in low
        or "will be rejected" in low
        or "migrate" in low
        or "upgrade" in low
        or "switch" in low
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
    for hint, pattern in _BREAKING:
        if hint in low and pattern.search(low):
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
    if " if " in low or " whether " in low:
        return False
    named = [
        m.start()
        for m in _KUBE_NAMED.finditer(low)
        if not (m.start() and low[m.start() - 1] in "0123456789.")
        and not _SCOPE_BEFORE.search(low, max(0, m.start() - 40), m.start())
    ]
    if not named:
        return False
    lemmas = [
        m.start()
        for m in _LIFECYCLE.finditer(low)
        if not (m.start() and (low[m.start() - 1].isalnum() or low[m.start() - 1] == "-"))
        and not low.endswith("api ", 0, m.start())
        and not _NOT_NEWS.search(low, max(0, m.start() - 16), m.start())
    ]
    for start in named:
        i = bisect_left(lemmas, start - 60)
        if i < len(lemmas) and lemmas[i] <= start + 60:
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
_DIGIT = re.compile(r"\d")
_API_TAIL = re.compile(r"\S+ (?:api|and \S+ apis?)")
_API_DATE = re.compile(r"(?:api|version|versions|release of)[\s:]*(?:v)?$")


def _calendar_dates(text: str, low: str) -> list[int]:
    """Positions of the stated dates that are not API versions ('2023-06-01 API')."""
    out: list[int] = []
    for at, _ in find_dates(text):
        if _API_DATE.search(low, max(0, at - 16), at):
            continue
        tail = low[at : at + 30]
        if "-preview" in tail or _API_TAIL.match(tail):
            continue
        out.append(at)
    return out


def _dated(facts: Sequence[Fact]) -> bool:
    return any(
        isinstance(f, (KubernetesVersionFact, RetirementFact)) and f.date is not None for f in facts
    )


@lru_cache(maxsize=4096)
def _sentence_expectations(
    sentence: str, kube: bool, component: bool, images: bool, retire: bool, deadline: bool
) -> tuple[Expectation, ...]:
    """What one sentence names that the entry's facts do not hold (the flags say which kinds
    the entry lacks). Memoised: weekly releases repeat sentences."""
    s_low = sentence.lower()
    out: list[Expectation] = []
    if kube and "1." in s_low and _names_kubernetes(s_low):
        out.append(Expectation.KUBERNETES_VERSION)
    if component and " to " in s_low and _names_component_version(sentence, s_low):
        out.append(Expectation.COMPONENT_UPDATE)
    if images and _names_image(s_low):
        out.append(Expectation.NODE_IMAGE)
    if (
        retire
        and has_trigger_word(s_low)
        and next(triggers(s_low), None) is not None
        and _ENDS_SUPPORT.search(s_low)
    ):
        out.append(Expectation.RETIREMENT)
    if deadline and "20" in s_low and _ACTION.search(s_low) and _calendar_dates(sentence, s_low):
        out.append(Expectation.DEADLINE)
    return tuple(out)


def clear_memo() -> None:
    _sentence_expectations.cache_clear()


def unread_statements(text: str, facts: Sequence[Fact]) -> tuple[UnreadStatement, ...]:
    """The sentences of one entry (normalised plain text) whose news no fact holds."""
    low = text.lower()
    retirement_hint = has_trigger_word(low)
    if not retirement_hint and _DIGIT.search(low) is None:
        return ()  # no version, image, date or trigger: nothing could have been missed
    have = {f.type for f in facts}
    out: list[UnreadStatement] = []
    seen: set[UnreadStatement] = set()

    def note(expected: Expectation, sentence: str) -> None:
        statement = UnreadStatement(expected, sentence.strip())
        if statement not in seen:
            seen.add(statement)
            out.append(statement)

    dated = _dated(facts)
    kube = (
        "1." in low
        and FactType.KUBERNETES_VERSION not in have
        and ("kubernetes" in low or "k8s" in low or "aks" in low or "lts" in low)
        and _has_lifecycle_word(low)
    )
    images = FactType.NODE_IMAGE not in have and ("image" in low or "vhd" in low)
    deadline = not dated and "20" in low and _has_action_word(low)
    component = (
        " to " in low
        and FactType.COMPONENT_UPDATE not in have
        and FactType.NODE_IMAGE not in have
        and has_change_verb(low)
    )
    if not (kube or images or deadline or component or retirement_hint):
        return ()  # most entries: nothing that could have been missed
    retire = (
        retirement_hint
        and FactType.RETIREMENT not in have
        and FactType.KUBERNETES_VERSION not in have
    )
    for start, end in spans(text):
        sentence = text[start:end]
        for expected in _sentence_expectations(sentence, kube, component, images, retire, deadline):
            note(expected, sentence)
    return tuple(out)
