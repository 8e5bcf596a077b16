"""Alembic migrations, shipped inside the package and applied on first use."""
