"""The archive: SQLAlchemy models, migrations on first use, writes per document, search.

Nothing outside this package sees an ORM row: callers get the frozen records of records.py.
"""
