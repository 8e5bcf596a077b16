"""A new SQLite file created in one script (aksnews.store.fresh) equals one the migrations build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

from aksnews.store import fresh, sqlite_schema
from aksnews.store.engine import current_revision, open_engine, upgrade
from aksnews.store.revision import SCHEMA_REVISION


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("fresh")
    migrated = open_engine(f"sqlite:///{folder / 'migrated.db'}", migrate=False)
    upgrade(migrated)  # the migrations, step by step
    created = open_engine(f"sqlite:///{folder / 'created.db'}")  # first use: the script
    yield migrated, created
    migrated.dispose()
    created.dispose()


def _master(engine: Engine) -> list[tuple[str, str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master")).all()
    return sorted((r.type, r.name, r.tbl_name, r.sql) for r in rows)


def _described(engine: Engine) -> dict[str, Any]:
    found = inspect(engine)
    return {
        table: (
            [
                (c["name"], str(c["type"]), c["nullable"], c["default"])
                for c in found.get_columns(table)
            ],
            sorted(
                (i["name"], tuple(i["column_names"]), i["unique"]) for i in found.get_indexes(table)
            ),
            sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], str(f["options"]))
                for f in found.get_foreign_keys(table)
            ),
            found.get_pk_constraint(table)["constrained_columns"],
            sorted(tuple(u["column_names"]) for u in found.get_unique_constraints(table)),
        )
        for table in found.get_table_names()
    }


def test_the_script_is_at_the_migration_head() -> None:
    assert sqlite_schema.REVISION == SCHEMA_REVISION, (
        "regenerate: python -m aksnews.store.fresh > aksnews/store/sqlite_schema.py"
    )


def test_a_created_file_is_stamped_with_the_head(both: tuple[Engine, Engine]) -> None:
    migrated, created = both
    assert current_revision(created) == current_revision(migrated) == SCHEMA_REVISION


def test_sqlite_master_is_the_same(both: tuple[Engine, Engine]) -> None:
    migrated, created = both
    master = _master(migrated)
    kinds = {row[0] for row in master}
    assert {"table", "index", "trigger"} <= kinds  # FTS table, its triggers, the indexes
    assert any(row[1] == "entry_fts" for row in master)
    assert _master(created) == master


def test_the_inspector_sees_the_same_tables(both: tuple[Engine, Engine]) -> None:
    migrated, created = both
    assert _described(created) == _described(migrated)


def test_the_fts_index_works_the_same(both: tuple[Engine, Engine]) -> None:
    migrated, created = both
    for engine in (migrated, created):
        with engine.connect() as conn:
            config = conn.execute(text("SELECT k, v FROM entry_fts_config ORDER BY k")).all()
        assert config == [("version", 4)]


def test_the_script_is_what_the_migrations_leave(both: tuple[Engine, Engine]) -> None:
    migrated, _ = both
    with migrated.connect() as conn:
        statements = fresh.schema_statements(conn)
    # The same statements (migrations create a table's indexes in no fixed order).
    assert sorted(statements) == sorted(sqlite_schema.STATEMENTS), (
        "regenerate: python -m aksnews.store.fresh > aksnews/store/sqlite_schema.py"
    )


def test_a_file_with_other_tables_still_migrates(tmp_path: Path) -> None:
    """Only an empty file gets the script; anything else goes through the migrations' checks."""
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = open_engine(url, migrate=False)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    engine = open_engine(url)
    try:
        assert current_revision(engine) == SCHEMA_REVISION
        assert "notes" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
