"""Retirements in AKS CHANGELOG entries: what stops being supported, and when.

A retirement is a trigger from a small lexicon, in any tense or noun form ('will be retired',
'retirement', 'no longer support(s)/provide/create new node images for', 'is now unsupported',
'will be removed', 'removes the deprecated', 'has been deprecated', 'reach end of life',
'should migrate ... before'), a subject, and the dates stated anywhere in its sentence or, when
the sentence has none, in its entry ('Starting on Jan 10, 2025 you will no longer be able to
...'). A retirement without a date is kept without one: the matcher still needs it.

The subject is a recognised thing, looked for on the side of the trigger that the grammar puts
it ('X will be retired' / 'no longer supports X'): an OS release, a Windows version, an Istio
revision, a command-line flag, a property or label key, a linked name ('[Teleport (preview)]'),
else the capitalised name next to the trigger. Kubernetes versions are kubernetes-version facts,
never retirements. Mentions of one thing in one entry ('[Ubuntu 18.04] is no longer supported
... for Ubuntu 18.04 nodes') are one retirement: a support end and a removal are two dates of
it (`date`, `removal_date`), not two retirements.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from aksnews.model.releases import RetirementFact
from aksnews.parsers.aks_prose import date_near, find_dates
from aksnews.parsers.aks_text import spans

# --- triggers ------------------------------------------------------------------------------------

_ADVERB = r"(?:(?:officially|completely|now|also|fully|soon|then|eventually) )?"
# The subject comes before these: 'X will be retired', 'X is no longer supported'.
_BEFORE = (
    rf"(?:will|shall) (?:be |get )?{_ADVERB}retired|(?:has|have) been {_ADVERB}retired|"
    rf"(?:is|are|was|were) (?:being )?{_ADVERB}retired|(?<!\[)retired on|"
    rf"(?:is|are|was|were|will|has|have) (?:been |be )?{_ADVERB}"
    rf"(?:no longer (?:be )?(?:supported|used|available)|not (?:be )?supported)|"
    r"won't be supported|will not be supported|no longer be supported|"
    rf"(?:is|are|has been|have been|was|were) {_ADVERB}deprecated|"
    rf"(?:is|are|will be) {_ADVERB}unsupported|"
    rf"(?:will|shall) (?:be )?{_ADVERB}(?:removed|deleted)|(?:has|have) been {_ADVERB}removed|"
    rf"(?:is|are|was|were) {_ADVERB}removed|"
    r"(?:will )?reach(?:es|ed)? end[- ]of[- ]life|go(?:es)? end[- ]of[- ]life|"
    r"(?:is|are) supported (?:through|until)|should migrate"
)
# The subject comes after these: 'no longer support X', 'retire X', 'removal of X'.
_AFTER = (
    r"no longer supports?(?: or provide security updates)?(?: for)?|"
    r"no longer (?:provides?|produces?) (?:security updates|updates|images)? ?(?:for)?|"
    r"no longer create new node images for|no longer allow new cluster creation with|"
    r"no new clusters can be created with|remove all existing|"
    r"(?:has |have )?removed|removes|removal of|"
    r"retir(?:e|es|ing)(?: support for)?|retirement of|\[?retirement\]?|"
    r"deprecat(?:e|es|ing)|deprecation of|end of (?:support|life|maintenance) (?:for|of)|"
    r"stop(?:s|ped)? supporting"
)
# No look-behind in front (the engine can then skip ahead); `triggers` checks the word start.
TRIGGER = re.compile(rf"(?:(?P<before>{_BEFORE})|(?P<after>{_AFTER}))(?![\w-])")


# Every trigger holds one of these words, at most 30 characters after its start and 60 before
# its end: the trigger regex runs only in windows around them, not at every position.
_ANCHORS = (
    "retir",
    "no longer",
    "not be supported",
    "not supported",
    "won't be supported",
    "deprecat",
    "unsupported",
    "remov",
    "delet",
    "end of",
    "end-of",
    "supported through",
    "supported until",
    "should migrate",
    "no new clusters",
    "supporting",
)


def _anchor_positions(low: str) -> list[int]:
    found: set[int] = set()
    for anchor in _ANCHORS:
        at = low.find(anchor)
        while at >= 0:
            found.add(at)
            at = low.find(anchor, at + 1)
    return sorted(found)


def triggers(low: str) -> Iterator[re.Match[str]]:
    """The retirement triggers of a lower-cased sentence that start a word, left to right."""
    done = 0
    for at in _anchor_positions(low):
        if at < done:
            continue
        m = TRIGGER.search(low, max(done, at - 30), min(len(low), at + 80))
        if m is None or m.start() > at:
            continue
        done = m.end()
        start = m.start()
        if not start or not (low[start - 1].isalnum() or low[start - 1] in "-["):
            yield m


# A quick test before the regex: every trigger holds one of these.
_HINT = re.compile(
    "retir|no longer|deprecat|unsupported|remov|delet|end of life|end-of-life|not be supported|"
    "won't be supported|supported until|supported through|should migrate|no new clusters|"
    "end of maintenance|stop supporting|end of support"
)


def has_trigger_word(low: str) -> bool:
    """A cheap test before the trigger regex: every trigger holds one of these words. Plain
    substring tests: an alternation of literals is slower in Python's regex engine."""
    return (
        "retir" in low
        or "no longer" in low
        or "deprecat" in low
        or "remov" in low
        or "delet" in low
        or "unsupported" in low
        or "be supported" in low
        or "end of life" in low
        or "end of support" in low
        or "end of maintenance" in low
        or "end-of-life" in low
        or "supported until" in low
        or "supported through" in low
        or "should migrate" in low
        or "no new clusters" in low
        or "stop supporting" in low
    )


# --- recognised things ----------------------------------------------------------------------------

_THINGS = re.compile(
    r"(?P<os>Ubuntu \d\d\.\d\d|Azure ?Linux (?:v?\d(?:\.\d)?)|CBL-Mariner|Mariner(?: \d\.\d)?|"
    r"Windows(?: Server)? (?:2019|2022|2025|23H2))"
    r"|(?P<rev>asm-\d+-\d+)"
    r"|(?P<flag>--[a-z][\w-]+)"
    r"|(?P<prop>(?<![\w.])[a-z]+[A-Z]\w*|[A-Z][a-z]+(?:[A-Z][a-z]+){2,})"
    r"(?P<noun> (?:field|property|"
    r"parameter|tag|label|annotation|flag|API))?"
    r"|(?P<key>[a-z0-9.-]+\.[a-z]{2,}/[\w.-]+) (?:label|annotation)"
)
_AZURE_LINUX = re.compile(r"^Azure ?Linux ")
_KUBE_SUBJECT = re.compile(r"(?:(?:aks|kubernetes|k8s)\s+)*(?:versions?\s+)?v?1\.\d+", re.I)
_KUBE_IN_SUBJECT = re.compile(r"(?<![\d.])1\.\d{1,2}\b")


# Linked names looked for in one entry: a hostile entry may hold thousands of links.
_MAX_LINKS = 64


@dataclass(frozen=True, slots=True)
class Thing:
    start: int
    end: int
    name: str


def things(sentence: str, link_texts: Sequence[str]) -> list[Thing]:
    """Recognised things in a sentence, in order: linked names first among equals."""
    out: list[Thing] = []
    linked: list[Thing] = []
    for text in dict.fromkeys(link_texts[:_MAX_LINKS]):
        at = sentence.find(text)
        if at >= 0 and 2 < len(text) <= 60 and not TRIGGER.fullmatch(text.lower()):
            linked.append(Thing(at, at + len(text), text))
    for m in _THINGS.finditer(sentence):
        if m.group("rev"):
            name = f"Istio {m.group('rev')}"
        elif m.group("key"):
            name = m.group(0)
        elif m.group("prop") and not m.group("noun") and not m.group("prop")[0].islower():
            continue  # 'TigeraOperator' alone is no retirement subject
        elif m.group("os"):
            name = _AZURE_LINUX.sub("Azure Linux ", m.group(0))  # 'AzureLinux 2.0' too
        else:
            name = m.group(0)
        out.append(Thing(m.start(), m.end(), name))
    # A link names the thing unless it holds a recognised one: '[Ubuntu 18.04 VHDs]' is about
    # Ubuntu 18.04.
    if linked:
        starts = sorted(o.start for o in out)
        for t in linked:
            i = bisect_left(starts, t.start)
            inner = i < len(starts) and starts[i] < t.end  # a recognised thing starts inside
            if not inner:
                out.append(t)
    out.sort(key=lambda t: (t.start, -t.end))
    return out


# --- fallback names -------------------------------------------------------------------------------

_AUX = frozenset(
    [
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
        "can",
        "could",
        "may",
        "would",
        "also",
        "now",
        "officially",
        "and",
        "or",
        "deprecated",
        "retired",
        "removed",
    ]
)
_NOUN_TAIL = frozenset(
    [
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
    ]
)
_CONNECTORS = frozenset({"to", "of", "for", "and"})
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "these",
        "that",
        "those",
        "some",
        "any",
        "all",
        "your",
        "existing",
        "on",
        "starting",
        "as",
        "after",
        "kindly",
    ]
)
_DETERMINERS = frozenset(
    ["this", "these", "that", "those", "some", "any", "all", "your", "existing", "it", "its"]
)
_ACTIVE_SUBJECTS = frozenset({"we", "aks", "microsoft", "azure"})
_SCOPE_TAIL = re.compile(r"\s+(?:on|in|for|with)\s+(?:AKS|Azure Kubernetes Service)\s*$", re.I)
_PHRASE_END = re.compile(r"[.,;:(]|\s(?:to|which|that|in|on|at|from|when|with|and is)\s")


def _is_name_word(word: str) -> bool:
    bare = word.strip(",.:;\"'")
    if not bare or bare.lower() in _STOP:
        return False
    return (
        bare[0].isupper()
        or bare[0].isdigit()
        or bare[0] == "("
        or bare.startswith("--")
        or bare.lower() in _NOUN_TAIL
    )


def _trailing_name(span: str, *, lowercase: bool = False) -> str:
    """The name at the end of `span`: 'On 30 September 2025, the Basic Load Balancer' ->
    'Basic Load Balancer'; 'The AJP protocol' -> 'AJP protocol'; 'Starting Kubernetes v1.25 two
    in-tree driver persistent volumes types kubernetes.io/azure-disk, kubernetes.io/azure-file'
    -> 'two in-tree driver persistent volumes' (with `lowercase`: an ended support)."""
    span = _SCOPE_LEAD.sub("", _SCOPE_TAIL.sub("", span))
    words = span.split()
    while words and words[-1].lower() in _AUX:
        words.pop()  # 'X will be' -> 'X'
    while words and _KEY_WORD.fullmatch(words[-1].rstrip(",")):
        words.pop()  # a list of keys that spells the thing out: 'types a.io/b, a.io/c'
        if words and words[-1].lower() in ("type", "types", "such as", ":"):
            words.pop()
    if not words or words[-1].lower() in _ACTIVE_SUBJECTS:
        return ""
    picked: list[str] = []
    for word in reversed(words):
        name_word = _is_name_word(word) and not word.endswith(",")
        connector = word.lower() in _CONNECTORS and picked and picked[-1][:1].isupper()
        if not (name_word or connector):
            break
        picked.append(word)
    while picked and picked[-1].lower() in _CONNECTORS | _NOUN_TAIL:
        picked.pop()  # a name starts with a name word, not 'and' or 'node'
    if any(w[:1].isupper() for w in picked):
        return " ".join(reversed(picked)).strip(",.:; ")
    # No capitalised tail ('The AJP protocol', 'Two in-tree driver persistent volumes'): the
    # clause itself, when it is short and names something rather than pointing back at it.
    clause = " ".join(words).rsplit(",", 1)[-1].split()
    for i in range(len(clause) - 1, -1, -1):
        if clause[i].lower() in ("where", "when", "which", "that", "if", "whose"):
            del clause[: i + 1]  # 'Fixed a bug where the cache (was removed)': 'the cache'
            break
    while clause and clause[0].lower() in _LEADING_WORDS | {"the", "a", "an"}:
        clause.pop(0)
    if not clause or len(clause) > 6 or clause[0].lower() in _DETERMINERS:
        return ""
    if not lowercase and not any(any(c.isupper() for c in w) for w in clause):
        return ""
    return " ".join(clause).strip(",.:; ")


def _leading_name(span: str, *, lowercase: bool = False) -> str:
    """The name at the start of `span`: 'Azure Linux 2.0. Migrate ...' -> 'Azure Linux 2.0';
    'the validation for constraint template.' -> 'validation for constraint template'."""
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
    name = " ".join(picked).strip(",.:; ")
    if name:
        return name
    # 'the validation for constraint template', 'the custom "high-priority" ... Priority Classes'
    if not span.lstrip().lower().startswith("the "):
        return ""
    rest = span.lstrip()[4:]
    end = _PHRASE_END.search(rest)
    phrase = rest[: end.start()] if end else rest
    words = phrase.split()
    if not words or len(words) > 7 or words[0].lower() in _DETERMINERS:
        return ""
    if not lowercase and not any(any(c.isupper() for c in w) for w in words):
        return ""  # 'removes the post-upgrade annotation': only an ended support may be unnamed
    return phrase.strip(" \"'")


# --- retirements ---------------------------------------------------------------------------------


_VERSION_SCOPE = re.compile(
    r"\s+(?:on|in|with|for) (?:aks |kubernetes |k8s )?(?:versions? )?v?1\.\d"
)
_KEY_WORD = re.compile(r"[a-z0-9.-]+\.[a-z]{2,}/[\w.-]+|:")
_SCOPE_LEAD = re.compile(
    r"^\s*(?:starting|from|since|beginning)(?: with| in| on| from)? (?:aks |kubernetes |k8s )?"
    r"(?:versions? )?v?1\.\d+(?:\.\d+)?\+?,?\s*",
    re.I,
)
_FIX_WORDS = ("fixed ", "fixes ", "fix ", "resolved ", "bug fix", "fixed:")
_LEADING_WORDS = frozenset(
    ["after", "before", "once", "when", "if", "since", "starting", "from", "until"]
)


def _subject(sentence: str, start: int, end: int, trigger: str, found: list[Thing]) -> str:
    """What the trigger at sentence[start:end] is about, or '' when it is no retirement."""
    after = trigger == "after"
    if after:
        rest = sentence[end:].lstrip()
        if _KUBE_SUBJECT.match(rest):
            return ""  # 'AKS will deprecate Kubernetes version 1.23': a kubernetes-version fact
        i = bisect_left(found, end, key=lambda t: t.start)
        if i < len(found) and found[i].start - end <= 20:
            return found[i].name
        low = sentence[start:end].lower()
        return _leading_name(sentence[end:], lowercase="support" in low)
    if "not" in sentence[start:end].lower() and _VERSION_SCOPE.match(sentence.lower(), end):
        return ""  # 'will not be supported on 1.26 GA at launch': compatibility, not retirement
    clause_start = max(sentence.rfind(";", 0, start), sentence.rfind(". ", 0, start)) + 1
    i = bisect_left(found, start, key=lambda t: t.start)
    for thing in reversed(found[max(0, i - 8) : i]):  # the nearest ones that end before it
        if thing.end <= start and thing.start >= clause_start:
            return thing.name
        if thing.start < clause_start:
            break
    ended = any(w in sentence[start:end].lower() for w in ("support", "deprecated"))
    return _trailing_name(sentence[:start], lowercase=ended)


def _is_kubernetes(subject: str) -> bool:
    return bool(_KUBE_SUBJECT.match(subject) or _KUBE_IN_SUBJECT.search(subject))


def _key(subject: str) -> str:
    """Mentions of one thing in one entry share a key: 'Teleport (preview)' and 'Teleport API';
    'Docker container runtime' and 'docker container runtime'."""
    words = re.findall(r"[a-z0-9.]+", subject.lower())
    if not words:
        return ""
    numbers = tuple(w for w in words if w[0].isdigit())
    head = words[:2] if words[0] in ("azure", "aks", "windows", "microsoft", "istio") else words[:1]
    return " ".join(head) + "|" + " ".join(numbers)


def retirement_facts(text: str, link_texts: Sequence[str] = ()) -> list[RetirementFact]:
    """Every retirement of one entry's normalised plain text, with its dates."""
    low = text.lower()
    if not has_trigger_word(low):
        return []
    entry_dates: list[tuple[int, dt.date]] | None = None  # found when a sentence has none
    found: dict[str, tuple[str, list[dt.date]]] = {}  # key -> (name, [earliest, latest])
    for s_start, s_end in spans(text):
        sentence = text[s_start:s_end]
        sentence_low = low[s_start:s_end]
        if not has_trigger_word(sentence_low):
            continue
        if sentence_low.lstrip("-* ").startswith(_FIX_WORDS):
            continue  # a bug fix that removes something retires nothing
        recognised: list[Thing] | None = None
        for m in triggers(sentence_low):
            if recognised is None:
                recognised = things(sentence, link_texts)
            side = "after" if m.group("after") is not None else "before"
            subject = _subject(sentence, m.start(), m.end(), side, recognised)
            if not subject or len(subject) > 80 or _is_kubernetes(subject):
                continue
            dates = find_dates(sentence)
            # The sentence's own date, else one stated elsewhere in the entry.
            if not dates and entry_dates is None:
                entry_dates = find_dates(text)
            when = date_near(dates or entry_dates or [], m.end() if dates else s_start + m.end())
            key = _key(subject)
            name, days = found.setdefault(key, (subject, []))
            if when is not None:
                if not days:
                    days.extend((when, when))
                else:
                    days[0], days[1] = min(days[0], when), max(days[1], when)
    facts: list[RetirementFact] = []
    for name, days in found.values():
        first, last = (days[0], days[1]) if days else (None, None)
        facts.append(
            RetirementFact(
                subject_text=name,
                date=first,
                removal_date=last if last != first else None,
            )
        )
    return facts
