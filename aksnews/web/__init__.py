"""The web archive: pages, JSON API and feeds over the store (read-only)."""
