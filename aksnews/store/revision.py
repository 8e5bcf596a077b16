"""The schema revision this code expects, kept apart so that checking it imports no ORM."""

# The newest migration: the store compares the database with it to decide, without importing
# alembic, whether migrations must run (tests check it equals alembic's head).
SCHEMA_REVISION = "0012"
