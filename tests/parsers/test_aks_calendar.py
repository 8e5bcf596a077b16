"""The AKS release calendar parser, on the real page and on small hand-written tables."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from aksnews.model.releases import EntryKind, Source, VersionLifecycleFact
from aksnews.parsers.aks_calendar import (
    CALENDAR,
    LTS_CALENDAR,
    AksCalendarParser,
    parse_calendar_date,
)
from aksnews.parsers.base import DocumentRejected, get_parser, parse_document

from corpus import corpus_path, corpus_text

PAGE = "docs/aks-supported-kubernetes-versions.md"
EOL = "docs/endoflife-azure-kubernetes-service.md"


def _parse(text: str | None = None, path: str = PAGE):
    if text is None:
        return parse_document(AksCalendarParser(), corpus_text(PAGE), str(corpus_path(PAGE)))
    return parse_document(AksCalendarParser(), text, path)


def _facts(result, version: str) -> dict[str, VersionLifecycleFact]:
    release = next(r for r in result.releases if r.version == version)
    return {f.minor: f for e in release.entries for f in e.facts}


def _table_rows(text: str) -> dict[str, int]:
    """Rows per calendar table, counted from the page: the '|' lines under a 'K8s version'
    header, minus the header and its '|---|' line; keyed 'lts' when the header names LTS."""
    counts: dict[str, int] = {}
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if re.match(r"\|\s*K8s version\s*\|", line):
            rows = 0
            for row in lines[n + 2 :]:
                if not row.startswith("|"):
                    break
                rows += 1
            counts["lts" if "LTS" in line else "regular"] = rows
    return counts


def test_both_tables_with_their_row_counts() -> None:
    result = _parse()
    counts = _table_rows(corpus_text(PAGE))
    assert [r.version for r in result.releases] == [CALENDAR, LTS_CALENDAR]
    regular, lts = result.releases
    assert len(regular.entries) == counts["regular"]
    assert len(lts.entries) == counts["lts"]
    assert result.warnings == ()
    assert regular.key == "aks-calendar:aks-kubernetes-release-calendar"
    assert regular.source is Source.AKS_CALENDAR
    assert regular.title == "AKS Kubernetes release calendar"
    assert regular.anchor == "aks-kubernetes-release-calendar"
    assert lts.title == "LTS Versions" and lts.anchor == ""
    lines = corpus_text(PAGE).split("\n")
    assert lines[regular.line - 1] == "## AKS Kubernetes release calendar"
    assert lines[lts.line - 1] == "LTS Versions"
    for release in result.releases:
        for entry in release.entries:
            assert entry.kind is EntryKind.VERSION_LIFECYCLE
            assert lines[entry.line - 1] == entry.markdown
            assert entry.section == release.title


def test_rows_by_value() -> None:
    result = _parse()
    regular = _facts(result, CALENDAR)
    assert list(regular) == ["1.28", "1.29", "1.30", "1.31", "1.32"]
    assert regular["1.28"] == VersionLifecycleFact(
        minor="1.28",
        upstream_release=dt.date(2023, 8, 1),
        aks_preview=dt.date(2023, 9, 1),
        aks_ga=dt.date(2023, 11, 1),
        end_of_life=dt.date(2025, 1, 1),
        platform_support_end=None,
        lts_end=None,
        month_only=("upstream_release", "aks_preview", "aks_ga", "end_of_life"),
    )
    assert regular["1.32"].aks_ga == dt.date(2025, 4, 1)
    assert regular["1.32"].end_of_life == dt.date(2026, 3, 1)
    lts = _facts(result, LTS_CALENDAR)
    assert list(lts) == ["1.27", "1.30"]
    assert lts["1.30"].end_of_life == dt.date(2025, 7, 1)
    assert lts["1.30"].lts_end == dt.date(2026, 7, 1)
    assert lts["1.30"].platform_support_end is None


def test_until_cells_stay_in_the_entry_text() -> None:
    release = _parse().releases[0]
    entry = next(e for e in release.entries if e.facts[0].minor == "1.29")
    assert entry.facts[0].platform_support_end is None
    assert entry.text.endswith("Platform support Until 1.33 GA")
    assert entry.text.startswith("1.29: Upstream release Dec 2023; AKS preview Feb 2024;")


def test_end_of_life_agrees_with_endoflife_date() -> None:
    """endoflife.date keeps its own AKS table (YAML front matter, last day of the month). Where
    both list a minor, the end-of-life month agrees: regular EOL with 'eol', and for LTS minors
    the LTS end with 'eol' and the regular EOL with 'lts' (the date LTS takes over). The GA
    dates do not all agree: endoflife.date records the real GA day (see the report)."""
    eol_text = corpus_text(EOL)
    cycles = re.findall(
        r'-\s+releaseCycle: "(1\.\d+)"\n\s+releaseDate: (\S+)\n(?:\s+lts: (\S+)\n)?\s+eol: (\S+)',
        eol_text,
    )
    assert len(cycles) == len(re.findall(r"releaseCycle:", eol_text))
    result = _parse()
    regular, lts = _facts(result, CALENDAR), _facts(result, LTS_CALENDAR)

    def month(value: str | dt.date | None) -> str:
        return str(value)[:7]

    compared = 0
    for minor, _released, lts_start, eol in cycles:
        if minor in lts:
            assert month(lts[minor].lts_end) == month(eol)
            assert month(lts[minor].end_of_life) == month(lts_start)
            compared += 1
        elif minor in regular:
            assert month(regular[minor].end_of_life) == month(eol)
            compared += 1
    assert compared == len((set(regular) | set(lts)) & {c[0] for c in cycles})
    assert compared >= 5


def test_registry_and_rejection() -> None:
    assert isinstance(get_parser("aks-calendar"), AksCalendarParser)
    with pytest.raises(DocumentRejected):
        AksCalendarParser().check("<html><body>error</body></html>", "x.md")
    with pytest.raises(DocumentRejected):
        AksCalendarParser().check("# Supported versions\n\nNo table here.\n", "x.md")


# --- small hand-written tables -----------------------------------------------------------------

_TABLE = (
    "## AKS Kubernetes release calendar\n\nSome text.\n\n"
    "| K8s version | Upstream release | AKS preview | AKS GA | End of life | Platform support |\n"
    "|---|---|---|---|---|---|\n"
    "{row}\n"
)

ROWS = [
    pytest.param(
        "| 1.40 | Aug 2030 | Sep 2030 | Nov 2030 | Jan 2032 | Until 1.44 GA |",
        VersionLifecycleFact(
            "1.40",
            dt.date(2030, 8, 1),
            dt.date(2030, 9, 1),
            dt.date(2030, 11, 1),
            dt.date(2032, 1, 1),
            month_only=("upstream_release", "aks_preview", "aks_ga", "end_of_life"),
        ),
        [],
        id="months",
    ),
    pytest.param(
        "| [1.41](https://example.org/141) | Dec 2030* | Feb 2031<sup>1</sup> | "
        "**Mar 2031** | Mar 2032 [2] | N/A |",
        VersionLifecycleFact(
            "1.41",
            dt.date(2030, 12, 1),
            dt.date(2031, 2, 1),
            dt.date(2031, 3, 1),
            dt.date(2032, 3, 1),
            month_only=("upstream_release", "aks_preview", "aks_ga", "end_of_life"),
        ),
        [],
        id="links-footnotes-emphasis",
    ),
    pytest.param(
        "| 1.42 | April 2031 | Jun 15, 2031 | 2031-07-20 | 20 Jul 2032 | Jul 2033 |",
        VersionLifecycleFact(
            "1.42",
            dt.date(2031, 4, 1),
            dt.date(2031, 6, 15),
            dt.date(2031, 7, 20),
            dt.date(2032, 7, 20),
            dt.date(2033, 7, 1),
            month_only=("upstream_release", "platform_support_end"),
        ),
        [],
        id="full-dates",
    ),
    pytest.param(
        "| 1.43 | Aug 2031 | Soon | Nov 2031 | Feb 30, 2032 | Until 1.47 GA |",
        VersionLifecycleFact(
            "1.43",
            dt.date(2031, 8, 1),
            None,
            dt.date(2031, 11, 1),
            None,
            month_only=("upstream_release", "aks_ga"),
        ),
        ["aks preview 'Soon'", "end of life 'Feb 30, 2032'"],
        id="unparseable-cells-warn",
    ),
]


@pytest.mark.parametrize(("row", "fact", "warnings"), ROWS)
def test_rows(row: str, fact: VersionLifecycleFact, warnings: list[str]) -> None:
    text = _TABLE.format(row=row)
    result = _parse(text, "table.md")
    (release,) = result.releases
    (entry,) = release.entries
    assert entry.facts == (fact,)
    assert entry.markdown == row and text.split("\n")[entry.line - 1] == row
    assert [w.line for w in result.warnings] == [entry.line] * len(warnings)
    for warning, expected in zip(result.warnings, warnings, strict=True):
        assert warning.path == "table.md" and expected in warning.message


def test_row_without_a_version_is_skipped_with_a_warning() -> None:
    text = _TABLE.format(row="| TBD | Aug 2031 | Sep 2031 | Nov 2031 | Jan 2033 | N/A |")
    result = _parse(text, "table.md")
    assert result.releases[0].entries == ()
    assert [w.line for w in result.warnings] == [7]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Jan 2025", (dt.date(2025, 1, 1), True)),
        ("Sept 2025", (dt.date(2025, 9, 1), True)),
        ("Until 1.33 GA", (None, True)),
        ("", (None, True)),
        ("TBD", (None, True)),
        ("Q3 2025", (None, False)),
        ("Smarch 2025", (None, False)),
    ],
)
def test_parse_calendar_date(cell: str, expected: tuple[dt.date | None, bool]) -> None:
    assert parse_calendar_date(cell) == expected
