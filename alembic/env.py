"""Alembic environment: aksnews runs migrations itself, on a connection it hands over.

The store calls alembic.command.upgrade with the open connection in config.attributes, so this
file never builds an engine from an ini file and works the same inside the installed package.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
