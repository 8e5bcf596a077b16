"""A replay of real AKS CHANGELOG history: after every step the archive equals a fresh ingest.

../shared/corpus/aks/revisions holds 22 real revisions taken around the days AKS renamed or
withdrew a release heading. Its PROVENANCE.md says, for each revision, which headings went and
came against the one before: those rows are the expected renames and withdrawals. The replay
ingests the revisions in order, then shuffled (fixed seed), then edited copies (releases
removed and brought back, edits reverted to an older text): 200 steps on SQLite, a shorter run
on PostgreSQL. Fresh-ingest snapshots are memoised per document sha256.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from aksnews.config import Settings
from aksnews.model.records import IngestReport
from aksnews.sources.pipeline import ingest_file
from aksnews.store.handle import Archive

from archive_mirror import differences, fresh_snapshot, snapshot
from corpus import corpus_path

SETTINGS = Settings()
# The revisions the edited copies are made from (0-based): the second of eight real pairs, so
# a copy with an edit reverted goes back to the text of the commit before. A fixed few keep the
# number of distinct documents, and so of fresh ingests, small.
EDITED_FROM = (1, 3, 7, 9, 11, 15, 17, 21)
_ROW = re.compile(
    r"^\| (\d\d-[^|]+\.md) \| ([0-9a-f]{40}) \| (\d+) \| ([0-9a-f]{64}) \| (\d+) \|(.*)\|$"
)
_GONE = re.compile(r"'Release ([\d-]+)' gone")
_NEW = re.compile(r"'Release ([\d-]+)' new")


@dataclass(frozen=True)
class Revision:
    path: Path
    gone: tuple[str, ...]  # release keys PROVENANCE says went against the revision before
    came: tuple[str, ...]

    @property
    def text(self) -> str:
        return self.path.read_text("utf-8")


def revisions() -> list[Revision]:
    provenance = corpus_path("aks/revisions/PROVENANCE.md")
    found = []
    for line in provenance.read_text("utf-8").splitlines():
        row = _ROW.match(line)
        if not row:
            continue
        path = provenance.parent / row[1]
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == row[4] and len(data) == int(row[3]), path
        found.append(
            Revision(
                path,
                tuple(f"aks:{d}" for d in _GONE.findall(row[6])),
                tuple(f"aks:{d}" for d in _NEW.findall(row[6])),
            )
        )
    assert len(found) == 22
    return found


def _parts(text: str) -> list[str]:
    """The text cut before each '## ' line (parts join back to the exact text)."""
    return re.split(r"(?m)^(?=## )", text)


def _release_parts(parts: list[str]) -> list[int]:
    return [i for i, part in enumerate(parts) if part.startswith("## Release")]


def removed(text: str, seed: int) -> tuple[str, set[str]]:
    """`text` without one or two of its releases (never the last one); their keys."""
    parts = _parts(text)
    candidates = _release_parts(parts)[:-1]
    rng = random.Random(seed)
    drop = set(rng.sample(candidates, rng.choice([1, 2])))
    keys = {_key(parts[i]) for i in drop}
    return "".join(p for i, p in enumerate(parts) if i not in drop), keys


def reverted(text: str, older: str, seed: int) -> str:
    """`text` with up to three of its edited releases back at their text in `older`."""
    parts = _parts(text)
    before = {_key(p): p for p in (_parts(older)[i] for i in _release_parts(_parts(older)))}
    edited = [
        i
        for i in _release_parts(parts)
        if _key(parts[i]) in before and before[_key(parts[i])].rstrip("\n") != parts[i].rstrip("\n")
    ]
    rng = random.Random(seed)
    for i in rng.sample(edited, min(3, len(edited))):
        # Keep the separator the section had, so only its own text changes.
        tail = parts[i][len(parts[i].rstrip("\n")) :]
        parts[i] = before[_key(parts[i])].rstrip("\n") + tail
    return "".join(parts)


def _key(part: str) -> str:
    match = re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", part.split("\n", 1)[0])
    assert match, part[:80]
    return f"aks:{int(match[1]):04d}-{int(match[2]):02d}-{int(match[3]):02d}"


@dataclass(frozen=True)
class Step:
    label: str
    text: str
    renames: tuple[tuple[str, str], ...] | None = None  # expected renames, when known
    withdrawn: frozenset[str] | None = None  # expected withdrawals, when known
    restored: frozenset[str] | None = None


def steps(count: int) -> Iterator[Step]:
    revs = revisions()
    for n, rev in enumerate(revs):  # in order: PROVENANCE's renames and withdrawals
        if n and rev.gone and rev.came:
            yield Step(rev.path.name, rev.text, renames=tuple(zip(rev.gone, rev.came, strict=True)))
        elif n and rev.gone:
            yield Step(rev.path.name, rev.text, renames=(), withdrawn=frozenset(rev.gone))
        else:
            yield Step(rev.path.name, rev.text)
    shuffled = list(revs)
    random.Random(11).shuffle(shuffled)
    for rev in shuffled:
        yield Step(f"shuffled {rev.path.name}", rev.text)
    rng = random.Random(2026)
    done = 2 * len(revs)
    while done < count:
        n = rng.choice(EDITED_FROM)
        original = revs[n].text
        text, gone = removed(original, seed=n)
        group = [
            Step(f"{revs[n].path.name}", original),
            Step(f"{revs[n].path.name} less {sorted(gone)}", text, withdrawn=frozenset(gone)),
            Step(f"{revs[n].path.name} again", original, restored=frozenset(gone)),
            Step(f"{revs[n].path.name} edits reverted", reverted(original, revs[n - 1].text, n)),
        ]
        yield from group[: count - done]
        done += len(group)


def _check(engine: Engine, step: Step, report: IngestReport) -> None:
    diff = differences(snapshot(engine), fresh_snapshot(step.text))
    assert diff == [], (step.label, diff)
    if report.unchanged:
        return
    if step.renames is not None:
        got = tuple((r.old_key, r.new_key) for r in report.renamed_releases)
        assert got == step.renames, step.label
    if step.withdrawn is not None:
        assert set(report.withdrawn_releases) == step.withdrawn, step.label
    if step.restored is not None:
        assert set(report.restored_releases) == step.restored, step.label


def _replay(engine: Engine, tmp_path: Path, count: int) -> int:
    done = 0
    for step in itertools.islice(steps(count), count):
        path = tmp_path / "CHANGELOG.md"
        path.write_text(step.text, encoding="utf-8")
        report = ingest_file(Archive(engine), SETTINGS, path, source="aks", accept_shrink=True)
        _check(engine, step, report)
        done += 1
    return done


def test_the_edited_copies_differ_from_their_originals() -> None:
    revs = revisions()
    text, gone = removed(revs[5].text, seed=5)
    parts = _parts(text)
    left = {_key(parts[i]) for i in _release_parts(parts)}
    assert gone and not gone & left and len(left) + len(gone) == revs[5].text.count("\n## Release")
    assert reverted(revs[10].text, revs[9].text, 10) != revs[10].text  # 11 edits text (PROV.)


@pytest.mark.slow
def test_replay_of_real_history(engine: Engine, tmp_path: Path) -> None:
    """200 steps on SQLite; on PostgreSQL the in-order revisions and a few shuffled ones."""
    count = 200 if engine.dialect.name == "sqlite" else 30
    assert _replay(engine, tmp_path, count) == count
