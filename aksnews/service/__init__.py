"""The orchestrator: one service cycle over the stages, and `aksnews serve` running it on
time."""
