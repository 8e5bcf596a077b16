"""Parsers: pure functions from a document's text to releases, entries and typed facts."""
