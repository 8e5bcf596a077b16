"""Comparing an archive with a fresh ingest of one document, as the store lists them.

Generic on purpose: releases, entries and facts are compared field by field through
dataclasses, leaving out only what differs between two databases by construction (row ids) or
records history (revision counters), so fields added to the records later are compared too.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import operator
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from aksnews.config import Settings
from aksnews.model.records import ReleaseDetail
from aksnews.sources.pipeline import ingest_file
from aksnews.store.engine import open_engine
from aksnews.store.handle import Archive
from aksnews.store.queries import get_releases, list_releases

# Row ids and history counters: the only fields a mirror and a fresh ingest may differ in.
_IGNORED = frozenset({"id", "entry_id", "revision", "revisions"})


_LEAVES: set[type] = {str, int, float, bool, type(None)}
_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    """A record as nested tuples of its fields, row ids and counters left out (tuples are much
    cheaper to build and compare than dicts; field_names() gives the names back)."""
    cls = type(value)
    if cls in _LEAVES:
        return value
    getter = _GETTERS.get(cls)
    if getter is None:
        if cls in (tuple, list):
            return tuple(_plain(v) for v in value)
        if not dataclasses.is_dataclass(cls):
            _LEAVES.add(cls)  # dates, enums: compared as they are
            return value
        names = tuple(f.name for f in dataclasses.fields(cls) if f.name not in _IGNORED)
        _NAMES[cls] = names
        getter = _GETTERS[cls] = _getter(names)
    return tuple(v if type(v) in _LEAVES else _plain(v) for v in getter(value))


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if not names:
        return lambda _value: ()
    many = operator.attrgetter(*names)
    return many if len(names) > 1 else lambda value: (many(value),)


def field_names(cls: type) -> tuple[str, ...]:
    return _NAMES.get(cls, ())


def snapshot(engine: Engine, source: str = "aks") -> dict[str, Any]:
    """The current releases (with entries and their facts) and the fact listing of `source`."""
    summaries = list_releases(engine, source=source)
    details = get_releases(engine, [s.key for s in summaries])
    facts = [_plain(f) for f in Archive(engine).list_facts(source=source)]
    return {
        "releases": {d.summary.key: _plain(d) for d in details},
        "release_fields": field_names(ReleaseDetail),
        "facts": collections.Counter(facts),  # row order follows row ids: compare as a bag
    }


_FRESH: dict[str, dict[str, Any]] = {}
_TEMPLATE: list[Path] = []  # an empty migrated database, copied for each fresh ingest


def _empty_database(folder: Path) -> str:
    if not _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="aksnews-template-")) / "empty.db"
        open_engine(f"sqlite:///{template}").dispose()  # migrates; dispose checkpoints the WAL
        _TEMPLATE.append(template)
    target = folder / "fresh.db"
    shutil.copy(_TEMPLATE[0], target)
    return f"sqlite:///{target}"


def fresh_snapshot(text: str, source: str = "aks") -> dict[str, Any]:
    """The snapshot a new SQLite archive gives after ingesting `text`, memoised per sha256."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if sha not in _FRESH:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "document.md"
            path.write_text(text, encoding="utf-8")
            engine = open_engine(_empty_database(Path(tmp)))
            try:
                ingest_file(Archive(engine), Settings(), path, source=source)
                _FRESH[sha] = snapshot(engine, source)
            finally:
                engine.dispose()
    return _FRESH[sha]


def differences(actual: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """What differs, briefly (a full diff of two archives would be unreadable)."""
    out: list[str] = []
    a, e = actual["releases"], expected["releases"]
    if set(a) != set(e):
        out.append(f"only in the archive: {sorted(set(a) - set(e))[:5]}")
        out.append(f"only in the fresh ingest: {sorted(set(e) - set(a))[:5]}")
    for key in sorted(set(a) & set(e)):
        if a[key] != e[key]:
            names = expected["release_fields"]
            fields = [n for n, x, y in zip(names, a[key], e[key], strict=True) if x != y]
            out.append(f"{key} differs in {fields}")
    if not out and actual["facts"] != expected["facts"]:
        out.append("the fact listings differ")
    return out[:10]
