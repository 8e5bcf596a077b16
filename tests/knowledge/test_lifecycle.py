"""The one version truth: the reconciled lifecycle of every minor, on the real documents, and
`calendar`, `check` and `plan` agreeing with it on five dates. Both backends.

Expected dates are taken from the documents by this test: the calendar table is split into
cells here, the schedule is read with PyYAML, and CHANGELOG announcements are found by a
pattern written by reading the document (`_first`: the earliest release whose text matches;
`_stated`: the date written in the latest release that matches), never from the parser.
"""

from __future__ import annotations

import calendar as months
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from aksnews.commands import run
from aksnews.knowledge.lifecycle import (
    DatedVersionFact,
    Milestone,
    MinorLifecycle,
    ScheduleFact,
    build_calendar,
)
from aksnews.model.releases import (
    KubernetesVersionFact,
    UpstreamLifecycleFact,
    UpstreamReleaseFact,
    VersionEvent,
    VersionLifecycleFact,
)

from conftest import BACKENDS, database
from corpus import corpus_path, corpus_text

TODAY = dt.date(2025, 10, 27)  # the day of the newest corpus CHANGELOG
CHANGELOG = "aks/CHANGELOG.md"
CALENDAR = "docs/aks-supported-kubernetes-versions.md"
SCHEDULE = "kubernetes/schedule/schedule.yaml"
MINORS = [f"1.{n}" for n in range(24, 35)]
DATES = ["2024-03-01", "2024-10-01", "2025-04-01", "2025-10-20", "2026-12-01"]


# --- reading the documents ---------------------------------------------------------------------


@cache
def _releases() -> list[tuple[dt.date, str]]:
    """(date, section text) of every AKS release, oldest first."""
    parts = re.split(r"(?m)^## Release(?: Notes)? (\d{4}-\d{2}-\d{2})", corpus_text(CHANGELOG))
    found = [
        (dt.date.fromisoformat(d), body) for d, body in zip(parts[1::2], parts[2::2], strict=True)
    ]
    return sorted(found, key=lambda item: item[0])


def _first(pattern: str) -> dt.date:
    return next(day for day, body in _releases() if re.search(pattern, body))


def _parse_when(text: str) -> dt.date:
    text = text.replace(",", "")
    for shape in ("%B %d %Y", "%b %d %Y"):
        try:
            return dt.datetime.strptime(text, shape).date()
        except ValueError:
            pass
    month = dt.datetime.strptime(text, "%B %Y").date()  # 'end of July 2023': its last day
    return month.replace(day=months.monthrange(month.year, month.month)[1])


def _stated(pattern: str) -> dt.date:
    """The date the latest matching release states (group 'when')."""
    found = [m for _, body in _releases() if (m := re.search(pattern, body))]
    return _parse_when(found[-1]["when"])


@cache
def _calendar_tables() -> dict[str, dict[str, dict[str, str]]]:
    """'regular' and 'lts' tables: minor -> column name -> cell text."""
    tables: dict[str, dict[str, dict[str, str]]] = {}
    header: list[str] | None = None
    for line in corpus_text(CALENDAR).split("\n"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and cells[0] == "K8s version":
            header = cells
            name = "lts" if "LTS End of life" in cells else "regular"
            tables[name] = {}
        elif header is not None and line.lstrip().startswith("|"):
            if cells[0].startswith("1."):
                tables[name][cells[0]] = dict(zip(header, cells, strict=True))
        else:
            header = None
    return tables


def _cell(minor: str, column: str, table: str = "regular") -> dt.date:
    """A month cell ('Nov 2023') as the first day of its month."""
    return dt.datetime.strptime(_calendar_tables()[table][minor][column], "%b %Y").date()


def _refined(month: dt.date, exact: dt.date) -> dt.date:
    """A month-only calendar date refined by an exact date: they must agree on the month."""
    assert (month.year, month.month) == (exact.year, exact.month), (month, exact)
    return exact


@cache
def _schedule() -> dict[str, Any]:
    return {str(m["release"]): m for m in yaml.safe_load(corpus_text(SCHEDULE))["schedules"]}


def _dot_zero(minor: str) -> dt.date:
    patch = next(p for p in _schedule()[minor]["previousPatches"] if p["release"] == f"{minor}.0")
    return dt.date.fromisoformat(str(patch["targetDate"]))


def _ga_from_first_patch(minor: str) -> dt.date:
    """No GA line: the first release announcing a community patch after the last preview."""
    preview = max(
        day
        for day, body in _releases()
        if re.search(rf"{re.escape(minor)}\b[^\n]{{0,80}}(?i:preview)", body)
    )
    # Announced as available ('... are now available'), not merely named ('include a fix').
    patch = rf"(?i:patch versions?)[^\n]{{0,20}}`?{re.escape(minor)}\.\d+`?[^\n]*now available"
    return next(day for day, body in _releases() if day > preview and re.search(patch, body))


def _expected() -> dict[str, dict[str, dt.date]]:
    """Every minor's milestones as the documents and the precedence rules give them."""
    e: dict[str, dict[str, dt.date]] = {}
    for minor in ("1.24", "1.25", "1.26", "1.27"):
        e[minor] = {"upstream-release": _dot_zero(minor)}
        m = _schedule()[minor]
        e[minor]["upstream-end-of-life"] = dt.date.fromisoformat(str(m["endOfLifeDate"]))
        e[minor]["upstream-maintenance"] = dt.date.fromisoformat(str(m["maintenanceModeStartDate"]))
    e["1.24"] |= {
        "aks-preview": _first(r"Preview of Kubernetes 1\.24\b"),
        "aks-ga": _first(r"GA of Kubernetes 1\.24\b"),
        "end-of-support": _stated(
            r"Kubernetes 1\.24 is being deprecated end of (?P<when>\w+ \d{4})"
        ),
    }
    e["1.25"] |= {
        "aks-preview": _first(r"Kubernetes 1\.25 is in preview"),
        "aks-ga": _first(r"Kubernetes 1\.25 is now Generally available"),
        # 'at the end of January 2024' was restated as 'on January 14, 2024': the later wins.
        "end-of-support": _stated(
            r"Kubernetes 1\.25 (?:is being|was) deprecated (?:on |at the end of )"
            r"(?P<when>[\w ,]+\d{4})"
        ),
    }
    e["1.26"] |= {
        "aks-preview": _first(r"Kubernetes 1\.26\.0 is now Public Preview"),
        "aks-ga": _first(r"version 1\.26\]\([^)]*\) is now Generally Available"),
        "end-of-support": max(
            day for day, body in _releases() if "Kubernetes version 1.26 is now removed" in body
        ),
    }
    e["1.27"] |= {
        "aks-preview": _first(r"version 1\.27\]\([^)]*\) is now Public Preview"),
        "aks-ga": _first(r"version 1\.27\]\([^)]*\) is now Generally Available"),
        "end-of-support": _cell("1.27", "End of life", "lts"),
        "lts-end": _cell("1.27", "LTS End of life", "lts"),
    }
    for minor in ("1.28", "1.29", "1.30", "1.31", "1.32"):
        e[minor] = {"upstream-release": _cell(minor, "Upstream release")}
    e["1.28"] |= {
        "aks-preview": _refined(
            _cell("1.28", "AKS preview"),
            _first(r"AKS 1\.28 \[version\][^\n]* available in preview"),
        ),
        "aks-ga": _refined(_cell("1.28", "AKS GA"), _first(r"Kubernetes 1\.28 is \[GA\]")),
        "end-of-support": _refined(
            _cell("1.28", "End of life"),
            _stated(r"version 1\.28 was deprecated on (?P<when>\w+ \d+, \d{4})"),
        ),
    }
    e["1.29"] |= {
        "aks-preview": _refined(
            _cell("1.29", "AKS preview"), _first(r"AKS 1\.29\.0 is in preview")
        ),
        "aks-ga": _refined(_cell("1.29", "AKS GA"), _first(r"Kubernetes 1\.29 is \[GA\]")),
        # The CHANGELOG later says 'end of April, 2025': the calendar's date beats it.
        "end-of-support": _cell("1.29", "End of life"),
    }
    e["1.30"] |= {
        "aks-preview": _refined(
            _cell("1.30", "AKS preview"),
            _first(r"AKS version \[1\.30\][^\n]* available in preview"),
        ),
        "aks-ga": _refined(_cell("1.30", "AKS GA"), _first(r"AKS version 1\.30 is now GA")),
        "end-of-support": _cell("1.30", "End of life"),
        "lts-end": _cell("1.30", "LTS End of life", "lts"),
    }
    e["1.31"] |= {
        "aks-preview": _refined(
            _cell("1.31", "AKS preview"),
            _first(r"AKS version \[`1\.31`\][^\n]* available in preview"),
        ),
        # Announced GA in October, the calendar says November: the calendar wins.
        "aks-ga": _cell("1.31", "AKS GA"),
        "end-of-support": _refined(
            _cell("1.31", "End of life"),
            _stated(r"`1\.31` standard support will be deprecated by (?P<when>\w+ \d+, \d{4})"),
        ),
    }
    e["1.32"] |= {
        "aks-preview": _cell("1.32", "AKS preview"),
        "aks-ga": _refined(
            _cell("1.32", "AKS GA"), _first(r"Kubernetes \[1\.32\][^\n]* now Generally Available")
        ),
        "end-of-support": _cell("1.32", "End of life"),
    }
    e["1.33"] = {
        "aks-preview": _first(r"Kubernetes 1\.33\][^\n]* now available for Preview"),
        # No 'now GA' line; the CHANGELOG states the community release ahead ('going to be
        # released before end of June 2025'), and a stated date beats the first-patch inference.
        "aks-ga": _stated(
            r"1\.33 community version is going to be released before end of (?P<when>\w+ \d{4})"
        ),
    }
    assert e["1.33"]["aks-ga"] < _ga_from_first_patch("1.33")
    e["1.34"] = {"aks-preview": _first(r"`1\.34` is now available in preview")}
    # Platform support ends when the fourth newer minor goes GA ('Until 1.33 GA').
    for minor in ("1.28", "1.29"):
        until = _calendar_tables()["regular"][minor]["Platform support"]
        later = re.fullmatch(r"Until (1\.\d+) GA", until)
        assert later is not None and later[1] == f"1.{int(minor[2:]) + 4}"
        e[minor]["platform-support-end"] = e[later[1]]["aks-ga"]
    return e


# --- the archive -------------------------------------------------------------------------------


def _inventory(folder: Path) -> Path:
    clusters = "\n".join(
        f"  - name: c{m.replace('.', '')}\n    teams: [platform]\n"
        f"    currentKubernetesVersion: {m}.2\n    supportPlan: KubernetesOfficial\n"
        f"    upgradeChannel: none"
        for m in MINORS
    )
    path = folder / "inventory.yaml"
    path.write_text(f"teams:\n  - name: platform\nclusters:\n{clusters}\n", encoding="utf-8")
    return path


def _cli(url: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = run(["--db", url, *args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module", params=BACKENDS)
def archive(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("lifecycle")
    with database(request.param, request, folder) as url:
        for rel, source in (
            (CHANGELOG, "aks"),
            (CALENDAR, "aks-calendar"),
            (SCHEDULE, "kubernetes-schedule"),
        ):
            code, _, err = _cli(url, "ingest", str(corpus_path(rel)), "--source", source)
            assert code == 0, err
        code, _, err = _cli(url, "inventory", "load", str(_inventory(folder)))
        assert code == 0, err
        yield url


def _calendar(url: str, day: str) -> dict[str, dict[str, Any]]:
    code, out, err = _cli(url, "calendar", "--today", day, "--json")
    assert code == 0, err
    return {r["minor"]: r for r in json.loads(out)}


def test_every_minor_from_124_to_134_against_the_documents(archive: str) -> None:
    rows = _calendar(archive, TODAY.isoformat())
    expected = _expected()
    assert sorted(expected, key=lambda m: int(m[2:])) == MINORS
    for minor in MINORS:
        got = {d["milestone"]: dt.date.fromisoformat(d["date"]) for d in rows[minor]["dates"]}
        for milestone, day in expected[minor].items():
            assert got.get(milestone) == day, (minor, milestone, got.get(milestone), day)
    # How each date is known is kept with it.
    bases = {d["milestone"]: d for d in rows["1.33"]["dates"]}
    assert bases["aks-ga"]["basis"] == "stated"
    said = _first(r"1\.33 community version is going to be released before end of")
    assert bases["aks-ga"]["source"] == f"aks:{said}"
    refined = {d["milestone"]: d for d in rows["1.28"]["dates"]}["end-of-support"]
    assert refined["basis"] == "stated" and refined["refines"]["basis"] == "calendar"
    assert refined["refines"]["month_only"] is True


def test_conflicts_are_kept_and_shown(archive: str) -> None:
    code, out, _ = _cli(archive, "calendar", "--today", TODAY.isoformat(), "--conflicts", "--json")
    assert code == 0
    found = {(c["minor"], c["milestone"]): c for c in json.loads(out)}
    # The calendar's 1.29 end beats the CHANGELOG's later 'end of April, 2025'.
    eos_129 = found[("1.29", "end-of-support")]
    assert eos_129["chosen"]["basis"] == "calendar"
    assert any(
        o["basis"] == "stated" and o["date"].startswith("2025-04") for o in eos_129["others"]
    )
    # 1.31's GA announcement came a month before the calendar's GA month.
    ga_131 = found[("1.31", "aks-ga")]
    announced = _first(r"AKS version \[`1\.31`\][^\n]* now generally available")
    assert [o["date"] for o in ga_131["others"]] == [announced.isoformat()]
    # 1.25's first statement ('end of January 2024') lost to the later one.
    others = {o["date"] for o in found[("1.25", "end-of-support")]["others"]}
    assert "2024-01-31" in others
    code, table, err = _cli(archive, "calendar", "--today", TODAY.isoformat())
    assert re.search(r"(?m)^1\.29\*", table) and "aksnews calendar --conflicts" in err
    code, text, _ = _cli(archive, "calendar", "--today", TODAY.isoformat(), "--conflicts")
    assert "1.29 end-of-support: chose Mar 2025 (calendar:" in text
    # The upgrade plan shows the same note for the minors it crosses.
    code, report, _ = _cli(
        archive, "plan", "--cluster", "c128", "--to", "1.30", "--today", TODAY.isoformat()
    )
    assert code == 0 and "Where the sources disagree" in report
    assert "1.29 end-of-support: chose Mar 2025 (calendar:" in report


def _supported_in(why: str) -> list[str]:
    found = re.search(r"Supported minors on \S+: (\d+\.\d+(?:, \d+\.\d+)*)\.", why)
    return found[1].split(", ") if found else []


@pytest.mark.parametrize("day", DATES)
def test_calendar_check_and_plan_agree(archive: str, day: str) -> None:
    rows = _calendar(archive, day)
    when = dt.date.fromisoformat(day)
    code, out, err = _cli(
        archive, "check", "--today", day, "--format", "json", "--fail-on", "never"
    )
    assert code == 0, err
    findings = json.loads(out)
    code, out, err = _cli(
        archive, "plan", "--cluster", "c124", "--to", "1.34", "--today", day, "--format", "json"
    )
    assert code == 0, err
    plan = {m["minor"]: m for m in json.loads(out)["lifecycle"]}
    supported = sorted((m for m, r in rows.items() if r["supported"]), key=lambda m: int(m[2:]))
    ga = [m for m, r in rows.items() if r["aks_ga"] and r["aks_ga"] <= day]
    newest_ga = max(ga, key=lambda m: int(m[2:]))
    for minor in MINORS:
        cluster = f"c{minor.replace('.', '')}"
        if minor not in rows:  # nothing said about it yet on that day
            assert minor not in plan
            assert not [
                f for f in findings if f["cluster"] == cluster and f["rule"] == "end-of-support"
            ]
            continue
        row = rows[minor]
        assert {k: plan[minor][k] for k in ("aks_ga", "end_of_support", "lts_end", "support")} == {
            k: row[k] for k in ("aks_ga", "end_of_support", "lts_end", "support")
        }, (day, minor)
        mine = [f for f in findings if f["cluster"] == cluster]
        eos = [f for f in mine if f["rule"] == "end-of-support"]
        end = row["end_of_support"]
        due = end is not None and (dt.date.fromisoformat(end) - when).days <= 60
        assert len(eos) == (1 if due else 0), (day, minor, end, eos)
        if eos:
            assert eos[0]["deadline"] == end
            assert _supported_in(eos[0]["why"]) == supported, (day, minor)
            lts_way_out = row["lts"] and (row["lts_end"] is None or row["lts_end"] > day)
            assert ("AKSLongTermSupport plan" in eos[0]["action"]) == lts_way_out, (day, minor)
        minor_updates = [f for f in mine if f["subject"].startswith("minor ")]
        if int(newest_ga[2:]) > int(minor[2:]):
            assert [f["subject"] for f in minor_updates] == [f"minor {newest_ga}"], (day, minor)
        else:
            assert minor_updates == [], (day, minor)
    # What the issue reported: on 2025-10-20 1.33 is GA everywhere, and 1.15 is not 'preview'.
    if day == "2025-10-20":
        assert rows["1.33"]["support"] == "supported"
        assert rows["1.15"]["support"] == "end-of-life" and rows["1.8"]["support"] == "end-of-life"


# --- the precedence rules on hand-written claims ------------------------------------------------


def _said(version: str, event: str, day: str, stated: str | None = None) -> DatedVersionFact:
    fact = KubernetesVersionFact(
        version, VersionEvent(event), dt.date.fromisoformat(stated) if stated else None
    )
    return DatedVersionFact(fact, f"aks:{day}", dt.date.fromisoformat(day))


def _rows(
    versions: list[DatedVersionFact],
    calendar: list[VersionLifecycleFact] = (),  # type: ignore[assignment]
    schedule: list[ScheduleFact] = (),  # type: ignore[assignment]
    today: str = "2040-01-01",
) -> dict[str, MinorLifecycle]:
    rows = build_calendar(
        [(f, "aks-calendar:aks-kubernetes-release-calendar") for f in calendar],
        versions,
        dt.date.fromisoformat(today),
        schedule=schedule,
    )
    return {r.minor: r for r in rows}


def _at(row: MinorLifecycle, milestone: Milestone) -> tuple[str, str]:
    resolved = row.resolved(milestone)
    assert resolved is not None
    return resolved.date.isoformat(), resolved.basis.value


def test_calendar_beats_a_changelog_date_of_another_month() -> None:
    month = VersionLifecycleFact(
        "1.40", end_of_life=dt.date(2031, 3, 1), month_only=("end_of_life",)
    )
    row = _rows([_said("1.40", "end-of-support", "2031-02-10", "2031-04-30")], [month])["1.40"]
    assert _at(row, Milestone.END_OF_SUPPORT) == ("2031-03-01", "calendar")
    (conflict,) = row.conflicts
    assert [c.date.isoformat() for c in conflict.others] == ["2031-04-30"]


def test_an_exact_date_of_the_same_month_refines_the_calendar() -> None:
    month = VersionLifecycleFact(
        "1.40", aks_ga=dt.date(2031, 3, 1), end_of_life=dt.date(2032, 3, 1),
        month_only=("aks_ga", "end_of_life"),
    )  # fmt: skip
    said = [
        _said("1.40", "ga", "2031-03-17"),
        _said("1.40", "deprecated", "2032-01-05", "2032-03-20"),
        _said("1.40", "end-of-support", "2032-03-09"),  # an announcement: no end refinement
    ]
    row = _rows(said, [month])["1.40"]
    assert _at(row, Milestone.AKS_GA) == ("2031-03-17", "announced")
    assert _at(row, Milestone.END_OF_SUPPORT) == ("2032-03-20", "stated")
    assert row.conflicts == ()
    # An exact calendar day is not refined.
    exact = VersionLifecycleFact("1.40", aks_ga=dt.date(2031, 3, 1), month_only=())
    assert _at(_rows(said[:1], [exact])["1.40"], Milestone.AKS_GA) == ("2031-03-01", "calendar")


def test_the_later_statement_wins_and_the_earlier_is_a_conflict() -> None:
    said = [
        _said("1.40", "deprecated", "2031-10-01", "2032-01-31"),
        _said("1.40", "deprecated", "2031-11-05", "2032-01-14"),
        _said("1.40", "end-of-support", "2031-12-01"),  # no date: weaker than a stated one
    ]
    row = _rows(said)["1.40"]
    assert _at(row, Milestone.END_OF_SUPPORT) == ("2032-01-14", "stated")
    assert {c.date.isoformat() for c in row.conflicts[0].others} == {"2032-01-31", "2031-12-01"}


def test_announcements_beat_inferences_and_what_is_not_said_yet_is_unknown() -> None:
    said = [
        _said("1.40", "preview", "2031-02-01"),
        _said("1.40.3", "patch-available", "2031-03-01"),  # after the last preview: GA
        _said("1.40", "ga", "2031-04-01"),  # announced later: beats the inference
    ]
    assert _at(_rows(said)["1.40"], Milestone.AKS_GA) == ("2031-04-01", "announced")
    early = _rows(said, today="2031-03-15")["1.40"]
    assert _at(early, Milestone.AKS_GA) == ("2031-03-01", "inferred")
    assert early.support.value == "supported"
    assert "1.40" not in _rows(said, today="2031-01-01")


def test_lts_only_ends_standard_support_and_a_later_end_is_the_lts_end() -> None:
    said = [
        _said("1.40", "ga", "2031-01-01"),
        _said("1.40", "lts-only", "2032-01-10"),
        _said("1.40", "end-of-support", "2033-01-20"),
    ]
    row = _rows(said, today="2032-06-01")["1.40"]
    assert row.lts and row.support.value == "lts-only"
    assert _at(row, Milestone.END_OF_SUPPORT) == ("2032-01-10", "announced")
    assert row.resolved(Milestone.LTS_END) is None  # not said yet on 2032-06-01
    later = _rows(said, today="2033-06-01")["1.40"]
    assert _at(later, Milestone.LTS_END) == ("2033-01-20", "announced")
    assert later.support.value == "end-of-life"


def test_schedule_patch_date_beats_the_minors_release_date() -> None:
    schedule = [
        ScheduleFact(UpstreamLifecycleFact("1.40", dt.date(2032, 4, 11)), "sched:v1.40"),
        ScheduleFact(UpstreamReleaseFact("v1.40.0", dt.date(2031, 4, 11)), "sched:v1.40.0"),
        ScheduleFact(UpstreamReleaseFact("v1.40.1", dt.date(2031, 5, 1), planned=True), "x"),
    ]  # fmt: skip
    row = _rows([], schedule=schedule)["1.40"]
    assert _at(row, Milestone.UPSTREAM_RELEASE) == ("2031-04-11", "schedule")
    assert [c.date.isoformat() for c in row.conflicts[0].others] == ["2032-04-11"]


def test_n2_rule_fills_an_end_nobody_stated() -> None:
    said = [_said(f"1.{n}", "ga", f"2031-0{n - 39}-01") for n in range(40, 45)]
    rows = _rows(said, today="2031-06-01")
    assert _at(rows["1.40"], Milestone.END_OF_SUPPORT) == ("2031-04-01", "inferred")
    assert _at(rows["1.40"], Milestone.PLATFORM_SUPPORT_END) == ("2031-05-01", "inferred")
    assert [m for m, r in rows.items() if r.supported] == ["1.44", "1.43", "1.42"]
