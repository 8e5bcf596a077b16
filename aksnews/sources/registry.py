"""The document sources aksnews knows, and the order a poll fetches them in.

A module of its own (no imports) so the CLI and the cycle share one list without the CLI paying
for the store's imports.
"""

from __future__ import annotations

SOURCES = ("aks", "kubernetes", "deprecation-guide", "aks-calendar", "kubernetes-schedule")
# The calendar comes before upstream notes: it decides which upstream minors are fetched.
FETCH_ORDER = ("aks", "aks-calendar", "kubernetes-schedule", "deprecation-guide", "kubernetes")
