"""The corpus: front matter, parsing into Điều/khoản/điểm units, the data model, citations, catalog, filters."""
