"""The upstream walk over mirrors with gaps: a file:// mirror holding only some CHANGELOGs.

The mirror is a temporary folder with the corpus CHANGELOG-1.22.md and CHANGELOG-1.32.md
(copied at test time, never into the repository); an HTTP mirror is a local server.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from aksnews.commands import run
from aksnews.config import setting_names
from aksnews.sources.pipeline import MinorPlan, parse_minors

from corpus import corpus_path

MINORS = ("1.22", "1.32")


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    folder = tmp_path / "mirror" / "CHANGELOG"
    folder.mkdir(parents=True)
    for minor in MINORS:
        name = f"CHANGELOG-{minor}.md"
        shutil.copy(corpus_path(f"kubernetes/changelog/{name}"), folder / name)
    (folder / "README.md").write_text("not a changelog\n")
    for name in setting_names():
        monkeypatch.delenv(f"AKSNEWS_{name.upper()}", raising=False)
    monkeypatch.delenv("AKSNEWS_CONFIG", raising=False)
    monkeypatch.setenv("AKSNEWS_DATABASE_URL", f"sqlite:///{tmp_path / 'walk.db'}")
    template = folder.as_uri() + "/CHANGELOG-{minor}.md"
    monkeypatch.setenv("AKSNEWS_KUBERNETES_URL", template)
    return template


def _fetch(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], list[str]]:
    capsys.readouterr()
    code = run(["fetch", "--source", "kubernetes"])
    out, err = capsys.readouterr()
    fetched = re.findall(r"CHANGELOG-(1\.\d+)\.md: \d+ release sections", out)
    missing = re.findall(r"warning: CHANGELOG-(1\.\d+)\.md not found at file://", err)
    return code, fetched, missing


def _span(first: int, last: int) -> list[str]:
    return [f"1.{n}" for n in range(first, last + 1)]


def test_the_walk_starts_at_the_oldest_minor_the_mirror_has(
    mirror: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, fetched, missing = _fetch(capsys)
    assert code == 0
    assert fetched == list(MINORS)
    assert missing == _span(23, 31)  # the gap is reported; 1.33 is the quiet probe
    code, _, missing = _fetch(capsys)  # again: nothing changed, the same gaps, no error
    assert code == 0 and missing == _span(23, 31)


def test_a_list_of_minors(
    mirror: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AKSNEWS_KUBERNETES_MINORS", "1.22,1.32")
    code, fetched, missing = _fetch(capsys)
    assert (code, fetched, missing) == (0, list(MINORS), [])


def test_a_closed_range_with_gaps_is_not_fatal(
    mirror: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AKSNEWS_KUBERNETES_MINORS", "1.30-1.32")
    code, fetched, missing = _fetch(capsys)
    assert (code, fetched, missing) == (0, ["1.32"], ["1.30", "1.31"])


def test_an_open_range_reports_the_gap_then_probes(
    mirror: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AKSNEWS_KUBERNETES_MINORS", "1.28-")
    code, fetched, missing = _fetch(capsys)
    assert (code, fetched, missing) == (0, ["1.32"], _span(28, 31))


def test_an_http_mirror_without_the_first_minor_says_so(
    httpserver: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in setting_names():
        monkeypatch.delenv(f"AKSNEWS_{name.upper()}", raising=False)
    monkeypatch.setenv("AKSNEWS_DATABASE_URL", f"sqlite:///{tmp_path / 'http.db'}")
    data = corpus_path("kubernetes/changelog/CHANGELOG-1.32.md").read_bytes()
    httpserver.expect_request("/CHANGELOG-1.32.md").respond_with_data(data)
    httpserver.no_handler_status_code = 404
    monkeypatch.setenv("AKSNEWS_KUBERNETES_URL", httpserver.url_for("/") + "CHANGELOG-{minor}.md")
    monkeypatch.setenv("AKSNEWS_FETCH_RETRIES", "0")
    # The AKS calendar tells which minors exist, so the walk goes on past the missing ones.
    calendar = str(corpus_path("docs/aks-supported-kubernetes-versions.md"))
    assert run(["ingest", calendar, "--source", "aks-calendar"]) == 0
    capsys.readouterr()
    code = run(["fetch", "--source", "kubernetes"])
    out, err = capsys.readouterr()
    assert code == 0 and "CHANGELOG-1.32.md: " in out
    reported = re.findall(r"CHANGELOG-(1\.\d+)\.md not found at http://", err)
    requested = [entry[0].path for entry in httpserver.log]
    assert requested[-2:] == ["/CHANGELOG-1.32.md", "/CHANGELOG-1.33.md"]
    assert reported == [p[len("/CHANGELOG-") : -3] for p in requested[:-2]]
    assert reported and "1.33" not in reported


@pytest.mark.parametrize(
    ("text", "plan"),
    [
        ("1.22,1.32", MinorPlan(("1.22", "1.32"))),
        ("1.28-", MinorPlan((), "1.28")),
        ("1.22-1.24, 1.30-", MinorPlan(("1.22", "1.23", "1.24"), "1.30")),
        ("1.30", MinorPlan(("1.30",))),
    ],
)
def test_minor_lists_and_ranges(text: str, plan: MinorPlan) -> None:
    assert parse_minors(text) == plan
