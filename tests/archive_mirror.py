"""Comparing an archive with a fresh ingest of one document, as the store lists them.

Generic on purpose: releases, entries and facts are compared field by field through
dataclasses, leaving out only what differs between two databases by construction (row ids) or
records history (revision counters), so fields added to the records later are compared too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from aksnews.config import Settings
from aksnews.pipeline import ingest_file
from aksnews.store.engine import open_engine
from aksnews.store.queries import get_releases, list_facts, list_releases

# Row ids and history counters: the only fields a mirror and a fresh ingest may differ in.
_IGNORED = frozenset({"id", "entry_id", "revision", "revisions"})


_SCALARS = (str, int, float, bool, type(None))
_FIELDS: dict[type, tuple[str, ...]] = {}


def _plain(value: Any) -> Any:
    """Nested dicts and lists of a record's fields (row ids and counters left out)."""
    cls = type(value)
    if cls in _SCALARS:
        return value
    names = _FIELDS.get(cls)
    if names is None and dataclasses.is_dataclass(cls):
        names = _FIELDS[cls] = tuple(
            f.name for f in dataclasses.fields(cls) if f.name not in _IGNORED
        )
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if cls in (tuple, list):
        return [_plain(v) for v in value]
    return value


def snapshot(engine: Engine, source: str = "aks") -> dict[str, Any]:
    """The current releases (with entries and their facts) and the fact listing of `source`."""
    summaries = list_releases(engine, source=source)
    details = get_releases(engine, [s.key for s in summaries])
    facts = [_plain(f) for f in list_facts(engine, source=source)]
    return {
        "releases": {d.summary.key: _plain(d) for d in details},
        "facts": sorted(facts, key=repr),
    }


_FRESH: dict[str, dict[str, Any]] = {}


def fresh_snapshot(text: str, source: str = "aks") -> dict[str, Any]:
    """The snapshot a new SQLite archive gives after ingesting `text`, memoised per sha256."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if sha not in _FRESH:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "document.md"
            path.write_text(text, encoding="utf-8")
            engine = open_engine(f"sqlite:///{Path(tmp) / 'fresh.db'}")
            try:
                ingest_file(engine, Settings(), path, source=source)
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
            fields = [k for k in e[key] if a[key].get(k) != e[key][k]]
            out.append(f"{key} differs in {fields}")
    if not out and actual["facts"] != expected["facts"]:
        out.append("the fact listings differ")
    return out[:10]
