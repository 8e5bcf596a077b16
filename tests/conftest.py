"""Shared fixtures. The corpus is reached only through tests/corpus.py."""
