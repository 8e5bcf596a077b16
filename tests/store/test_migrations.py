"""Migrations: applied on first use, current revision equals alembic's head, idempotent."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from aksnews.store.engine import current_revision, ensure_schema
from aksnews.store.schema import SCHEMA_REVISION, Base


def test_schema_revision_is_alembic_head() -> None:
    config = Config()
    config.set_main_option("script_location", "aksnews:alembic")
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


def test_first_use_migrates_and_second_is_a_no_op(engine: Engine) -> None:
    assert current_revision(engine) == SCHEMA_REVISION
    ensure_schema(engine)  # nothing to do, must not fail
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_orm_columns_match_migrated_tables(engine: Engine) -> None:
    inspector = inspect(engine)
    for name, table in Base.metadata.tables.items():
        migrated = {c["name"] for c in inspector.get_columns(name)}
        assert {c.name for c in table.columns} <= migrated, name


def test_a_file_at_0011_gets_the_entry_text_index_on_first_use(db_url: str) -> None:
    """Migration 0012 through the normal path: SQLite gets the index, PostgreSQL nothing."""
    from alembic.config import Config

    from aksnews.store.engine import migrations_location, open_engine
    from alembic import command

    old = open_engine(db_url, migrate=False)
    config = Config()
    config.set_main_option("script_location", migrations_location())
    with old.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0011")
    assert current_revision(old) == "0011"
    old.dispose()
    engine = open_engine(db_url)  # first use by this code: the pending migration runs
    assert current_revision(engine) == SCHEMA_REVISION == "0012"
    indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("entry")}
    if engine.dialect.name == "sqlite":
        assert indexes["ix_entry_text"] == ["text"]
    else:
        assert "ix_entry_text" not in indexes
    engine.dispose()
