"""Errors a user can act on. The CLI prints them as one line and exits non-zero."""

from __future__ import annotations


class AksnewsError(Exception):
    """Base of every error that is the input's or the environment's fault, not a bug."""

    exit_code = 1


class ConfigError(AksnewsError):
    """A setting or the config file is wrong."""


class InputError(AksnewsError):
    """A file given to aksnews cannot be read as the document it should be."""


class DuplicateKey(AksnewsError):
    """A write met a unique key another process wrote first: nothing of it was written (the
    archive handle's transactions raise it; callers treat it as a duplicate avoided)."""


class StoreError(AksnewsError):
    """The database cannot be opened or used; the message names the URL (password hidden)."""
