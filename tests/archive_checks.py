"""Checks of an archive made independently of the parser: shared by the store and service tests."""

from __future__ import annotations

import re

from sqlalchemy import Engine

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def sections(text: str) -> dict[str, str]:
    """Release date -> raw section text, cut independently of the parser (on '## ' lines)."""
    out: dict[str, str] = {}
    parts = re.split(r"^(?=## )", text, flags=re.MULTILINE)
    for part in parts:
        heading = part.split("\n", 1)[0]
        match = _DATE.search(heading) if heading.startswith("## Release") else None
        if match:
            y, m, d = (int(g) for g in match.groups())
            out[f"aks:{y:04d}-{m:02d}-{d:02d}"] = part.rstrip("\n")
    return out


def check_search_index(engine: Engine) -> None:
    """SQLite: FTS5 compares its index with the entry table (raises when they differ)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO entry_fts(entry_fts, rank) VALUES('integrity-check', 1)")
        indexed = conn.exec_driver_sql("SELECT count(*) FROM entry_fts").scalar_one()
        rows = conn.exec_driver_sql("SELECT count(*) FROM entry").scalar_one()
    assert indexed == rows
