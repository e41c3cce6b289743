"""corpus/ is the shared corpus copied verbatim, and its README catalogue matches the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.corpus.catalog import render
from indexer.corpus.load import bundled_corpus_dir, load_corpus

ROOT = Path(__file__).resolve().parent.parent
SHARED_RAW = ROOT.parent / "shared" / "corpus" / "raw"


def test_catalogue_is_up_to_date():
    expected = render(load_corpus(bundled_corpus_dir()))
    assert (bundled_corpus_dir() / "README.md").read_text(encoding="utf-8") == expected, (
        "corpus/README.md is stale: run `python -m indexer.corpus.catalog > corpus/README.md`"
    )


def test_catalogue_names_every_document_and_marks_partial_ones():
    text = (bundled_corpus_dir() / "README.md").read_text(encoding="utf-8")
    docs = load_corpus(bundled_corpus_dir())
    assert len(docs) == 19
    for d in docs:
        line = next(ln for ln in text.splitlines() if f"`{Path(d.path).name}`" in ln)
        assert ("chưa đầy đủ" in line) == d.is_partial
    assert "Đã được thay thế bởi 296-QĐ/TW" in text  # QĐ 22 (2021) was replaced by QĐ 296 (2025)


@pytest.mark.skipif(not SHARED_RAW.is_dir(), reason="../shared is not beside this checkout")
def test_corpus_is_a_verbatim_copy_of_shared():
    shared = sorted(p.name for p in SHARED_RAW.glob("*.md"))
    ours = sorted(p.name for p in bundled_corpus_dir().glob("*.md") if p.name != "README.md")
    assert ours == shared
    for name in shared:
        assert (bundled_corpus_dir() / name).read_bytes() == (SHARED_RAW / name).read_bytes(), name
