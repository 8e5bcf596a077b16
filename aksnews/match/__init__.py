"""The matcher: archive knowledge + inventory + a day -> findings, one module per family of
rules, plus how findings moved and whether an entry concerns a team."""
