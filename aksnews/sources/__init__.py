"""Getting documents in: the source registry, fetching over HTTP(S) or file:// mirrors,
reading local files, and the ingest pipeline (fetch, parse what changed, store)."""
