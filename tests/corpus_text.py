"""Body text of the bundled corpus for tests that need raw prose (front matter and provenance lines removed)."""

from __future__ import annotations

from indexer.corpus import bundled_corpus_dir, list_corpus_files
from indexer.frontmatter import split_front_matter


def corpus_body_lines() -> list[list[str]]:
    """Per document (sorted by file name), its body lines without <!-- source --> comment lines."""
    files, _ = list_corpus_files(bundled_corpus_dir())
    out = []
    for path in sorted(files):
        text = path.read_text(encoding="utf-8")
        _, start = split_front_matter(text, path)
        out.append([ln for ln in text[start:].splitlines() if not ln.strip().startswith("<!--")])
    return out
