"""Recall and precision of the AKS CHANGELOG parser against the hand-written labels.

The labels (tests/data/labels/aks/RELEASE.yaml) were written by reading the releases in the
corpus CHANGELOG.md, never from parser output. A parsed fact and a labelled one are the same
when they agree on what a platform engineer acts on:

- kubernetes-version: version and event; the date too when the label states one;
- node-image: version and OS;
- component-update: target version, a component name that names the same thing (one name's
  words contain the other's, numbers equal), and the scope or source version when labelled;
- cve: the id;
- retirement: the subject (the same word test) and a date among the labelled ones (no date when
  the label has none). One labelled retirement is matched by at most one parsed fact: a support
  end and a removal are two dates of one retirement, not two retirements.

Run as a script to print the table: `.venv/bin/python tests/aks_accuracy.py`.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aksnews.model.releases import (
    ComponentUpdateFact,
    CveFact,
    Fact,
    KubernetesVersionFact,
    NodeImageFact,
    Release,
    RetirementFact,
)

LABELS = Path(__file__).resolve().parent / "data" / "labels" / "aks"
TYPES = ("kubernetes-version", "node-image", "component-update", "cve", "retirement")
# Releases of 2025 that were labelled before the parser was changed for them.
LAST_SIX_2025 = ("2025-10-12", "2025-09-21", "2025-08-29", "2025-08-08", "2025-07-20", "2025-06-17")
MIN_RECALL = 0.97
MIN_PRECISION = 0.98

_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)*")
_IGNORED_WORDS = frozenset({"the", "aks", "on", "for", "of", "has", "been", "version", "versions"})


def load_labels() -> dict[str, dict[str, list[Any]]]:
    out: dict[str, dict[str, list[Any]]] = {}
    for path in sorted(LABELS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        release = str(data["release"])
        if release != path.stem:
            raise ValueError(f"{path}: release {release!r} does not match the file name")
        missing = [t for t in TYPES if t not in data]
        if missing:
            raise ValueError(f"{path}: missing {', '.join(missing)}")
        out[release] = {t: list(data[t] or []) for t in TYPES}
    return out


def _version(value: object) -> str:
    return str(value).strip().lower().lstrip("v.")


def _words(name: str) -> set[str]:
    low = name.lower().replace("add-on", "addon").replace("add on", "addon")
    return {w for w in _WORD.findall(low) if w not in _IGNORED_WORDS}


def same_name(label: str, parsed: str) -> bool:
    """Whether two names name the same thing: the words of one hold the other's, the numbers
    ('18.04', '2.0', 'asm-1-25') agree, and at least half the label's words are there or both
    start with the same word."""
    a, b = _words(label), _words(parsed)
    if not a or not b:
        return False
    numbers_a = {w for w in a if w[0].isdigit()}
    numbers_b = {w for w in b if w[0].isdigit()}
    if numbers_a != numbers_b:
        return False
    if not (a <= b or b <= a):
        return False
    # Half the label's words, or the same head word ('Docker' for 'Docker container runtime').
    first = lambda name: next(iter(_WORD.findall(name.lower())), "")  # noqa: E731
    return len(a & b) * 2 >= len(a) or first(label) == first(parsed)


def _scope_minors(scope: str | None) -> set[str]:
    if not scope:
        return set()
    return {m.group(0) for m in re.finditer(r"1\.\d{1,2}\+?", scope)}


def _label_scope(value: Iterable[object]) -> set[str]:
    return {str(v) for v in value}


def _date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def matches(fact_type: str, label: dict[str, Any], fact: Fact) -> bool:
    if fact_type == "kubernetes-version":
        assert isinstance(fact, KubernetesVersionFact)
        if str(label["version"]) != fact.version or label["event"] != fact.event.value:
            return False
        return "date" not in label or _date(label["date"]) == fact.date
    if fact_type == "node-image":
        assert isinstance(fact, NodeImageFact)
        return (
            _version(label["version"]) == _version(fact.version)
            and str(label["os"]).lower() == fact.os.lower()
        )
    if fact_type == "component-update":
        assert isinstance(fact, ComponentUpdateFact)
        if fact.to_version is None or _version(label["to"]) != _version(fact.to_version):
            return False
        if "from" in label and (
            fact.from_version is None or _version(label["from"]) != _version(fact.from_version)
        ):
            return False
        if "scope" in label and _label_scope(label["scope"]) != _scope_minors(fact.scope):
            return False
        return same_name(str(label["component"]), fact.component)
    if fact_type == "cve":
        assert isinstance(fact, CveFact)
        return str(label).upper() == fact.id.upper()
    assert isinstance(fact, RetirementFact)
    dates = [_date(d) for d in label.get("dates") or []]
    stated = [d for d in (fact.date, getattr(fact, "removal_date", None)) if d is not None]
    if dates:
        if not stated or any(d not in dates for d in stated):
            return False
    elif stated:
        return False
    return same_name(str(label["subject"]), fact.subject_text)


_CLASSES: dict[str, type] = {
    "kubernetes-version": KubernetesVersionFact,
    "node-image": NodeImageFact,
    "component-update": ComponentUpdateFact,
    "cve": CveFact,
    "retirement": RetirementFact,
}


@dataclass
class Score:
    labelled: int = 0
    parsed: int = 0
    found: int = 0  # labels matched by a parsed fact
    correct: int = 0  # parsed facts that match a label
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.parsed if self.parsed else 1.0


def facts_of(release: Release, fact_type: str) -> list[Fact]:
    cls = _CLASSES[fact_type]
    out: list[Fact] = []
    for entry in release.entries:
        for fact in entry.facts:
            if isinstance(fact, cls) and fact not in out:
                out.append(fact)
    return out


def score(
    releases: Sequence[Release], labels: dict[str, dict[str, list[Any]]], only: Iterable[str]
) -> dict[str, Score]:
    by_version = {r.version: r for r in releases}
    scores = {t: Score() for t in TYPES}
    for name in only:
        release = by_version[name]
        for fact_type in TYPES:
            s = scores[fact_type]
            wanted = labels[name][fact_type]
            parsed = facts_of(release, fact_type)
            s.labelled += len(wanted)
            s.parsed += len(parsed)
            used: set[int] = set()
            for label in wanted:
                hit = next(
                    (
                        i
                        for i, f in enumerate(parsed)
                        if i not in used and matches(fact_type, label, f)
                    ),
                    None,
                )
                if hit is None:
                    s.misses.append(f"{name}: {label}")
                else:
                    used.add(hit)
            s.found += len(used)
            s.correct += len(used)
            s.wrong.extend(f"{name}: {parsed[i]}" for i in range(len(parsed)) if i not in used)
    return scores


def table(scores: dict[str, Score], title: str) -> str:
    lines = [title, f"{'type':20} {'labels':>6} {'parsed':>6} {'recall':>7} {'precision':>9}"]
    for fact_type, s in scores.items():
        lines.append(
            f"{fact_type:20} {s.labelled:6} {s.parsed:6} {s.recall:7.1%} {s.precision:9.1%}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from aksnews.parsers.aks_changelog import AksChangelogParser
    from aksnews.parsers.base import parse_document

    from corpus import corpus_text

    result = parse_document(AksChangelogParser(), corpus_text("aks/CHANGELOG.md"), "CHANGELOG.md")
    labels = load_labels()
    verbose = "-v" in argv
    for title, names in (
        (f"all {len(labels)} labelled releases", sorted(labels)),
        ("the last 6 releases of 2025", LAST_SIX_2025),
    ):
        scores = score(result.releases, labels, names)
        print(table(scores, title))
        if verbose:
            for fact_type, s in scores.items():
                for miss in s.misses:
                    print(f"  MISS {fact_type} {miss}")
                for wrong in s.wrong:
                    print(f"  EXTRA {fact_type} {wrong}")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
