"""Views derived from archived facts: the API knowledge base and its advice, the reconciled
version lifecycle, release ordering, upstream diffs, node VM sizes."""
