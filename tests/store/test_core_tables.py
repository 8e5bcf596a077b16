"""The Core tables of the read paths describe the ORM schema's tables column for column."""

from __future__ import annotations

import pytest

from aksnews.store import schema, tables


@pytest.mark.parametrize("core", list(tables.metadata.tables.values()), ids=lambda t: t.name)
def test_core_table_matches_the_orm_schema(core: object) -> None:
    from sqlalchemy import Table

    assert isinstance(core, Table)
    mapped = schema.Base.metadata.tables[core.name]
    assert [c.name for c in core.columns] == [c.name for c in mapped.columns]
    for column in core.columns:
        other = mapped.columns[column.name]
        assert repr(column.type) == repr(other.type), column.name
        assert column.nullable == other.nullable, column.name
        assert column.primary_key == other.primary_key, column.name
        assert {f.target_fullname for f in column.foreign_keys} <= {
            f.target_fullname for f in other.foreign_keys
        }, column.name
