"""Accuracy of the AKS CHANGELOG parser on releases labelled by reading (tests/aks_accuracy.py).

Recall and precision are printed per fact type (pytest -s shows them) and each must reach 97%
and 98%. The last six releases of 2025 were labelled before the parser was changed for them and
are reported on their own: they are the closest the corpus has to releases nobody has seen.
"""

from __future__ import annotations

from functools import cache

import pytest
from aks_accuracy import (
    LAST_SIX_2025,
    MIN_PRECISION,
    MIN_RECALL,
    TYPES,
    Score,
    load_labels,
    score,
    table,
)

from aksnews.model.releases import ParseResult
from aksnews.parsers.aks_changelog import AksChangelogParser
from aksnews.parsers.base import parse_document

from corpus import corpus_text


@cache
def _parsed() -> ParseResult:
    return parse_document(AksChangelogParser(), corpus_text("aks/CHANGELOG.md"), "CHANGELOG.md")


@cache
def _scores(which: str) -> dict[str, Score]:
    labels = load_labels()
    names = sorted(labels) if which == "all" else LAST_SIX_2025
    return score(_parsed().releases, labels, names)


def test_the_labelled_set_spans_the_years() -> None:
    labels = load_labels()
    years = {name[:4] for name in labels}
    assert len(labels) >= 24
    assert {"2019", "2020", "2021", "2022", "2023", "2024", "2025"} <= years
    assert sum(name.startswith("2025") for name in labels) >= 8
    assert set(LAST_SIX_2025) <= set(labels)
    # The six are the newest releases of the document.
    newest = sorted((r.version for r in _parsed().releases), reverse=True)[:6]
    assert sorted(newest) == sorted(LAST_SIX_2025)


@pytest.mark.parametrize("which", ["all", "last-6-of-2025"])
@pytest.mark.parametrize("fact_type", TYPES)
def test_recall_and_precision(which: str, fact_type: str) -> None:
    scores = _scores(which)
    print("\n" + table(scores, which))
    s = scores[fact_type]
    misses = "\n".join(s.misses[:20])
    wrong = "\n".join(s.wrong[:20])
    assert s.recall >= MIN_RECALL, f"{fact_type} recall {s.recall:.1%}; missed:\n{misses}"
    assert s.precision >= MIN_PRECISION, f"{fact_type} precision {s.precision:.1%}:\n{wrong}"
