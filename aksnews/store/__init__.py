"""The archive: the only place with SQL (SQLAlchemy models and Core tables, migrations on first
use, writes per document, search).

Nothing outside this package sees an Engine or an ORM row: callers get the typed handle of
handle.py and the frozen records of records.py. The package imports only the bottom layer of
aksnews (model, errors, config, versions, links, inventory values and codecs).
"""
