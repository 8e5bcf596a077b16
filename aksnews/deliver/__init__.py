"""What reaches a team: the weekly digest, the alert selection, and the outbox that writes
every message first and then delivers it."""
