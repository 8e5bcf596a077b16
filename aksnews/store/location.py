"""Where the archive is: its database URL, resolved without importing SQLAlchemy."""

from __future__ import annotations

import os
from pathlib import Path


def default_database_url() -> str:
    """SQLite under the XDG data dir: ~/.local/share/aksnews/aksnews.db unless XDG_DATA_HOME."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return f"sqlite:///{Path(base) / 'aksnews' / 'aksnews.db'}"


def normalise_url(url: str | None) -> str:
    """Accept plain postgresql:// URLs and a bare SQLite path; use psycopg 3 for PostgreSQL."""
    url = url or default_database_url()
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def sqlite_path(url: str) -> Path | None:
    """The file of a plain `sqlite:///path` URL; None for anything else (in-memory, another
    driver, query options, escapes), which SQLAlchemy's URL rules then interpret."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    path = url[len(prefix) :]
    if not path or path == ":memory:" or any(c in path for c in "?%#"):
        return None
    return Path(path).resolve()
