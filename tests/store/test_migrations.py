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
