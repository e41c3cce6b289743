"""Rule tools: references between provisions, checks, discipline links, cases."""
