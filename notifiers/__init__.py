"""Notifiers: render a digest or alert into a payload (pure), then post it (I/O)."""
