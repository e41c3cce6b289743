"""BM25 over normalised tokens (bm25s), one index per token view of the same units.

Two views: segmented words with diacritics (for accented queries) and diacritics-free syllables with bigrams
(for queries typed without accents, where word segmentation is unreliable).
"""

from __future__ import annotations

import logging
from pathlib import Path

import bm25s
import numpy as np

logging.getLogger("bm25s").setLevel(logging.WARNING)  # its debug lines would interleave with our progress bars


class LexicalIndex:
    """A bm25s retriever over pre-tokenised units; scores all units so fusion and filters stay exact."""

    def __init__(self, retriever: bm25s.BM25, size: int):
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, token_lists: list[list[str]], k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
        # bm25s needs at least one token per document; an empty unit gets a placeholder that no query has.
        docs = [toks if toks else ["\u2400"] for toks in token_lists]
        retriever.index(docs, show_progress=False)
        return cls(retriever, len(docs))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        if not query_tokens:
            return np.zeros(self.size, dtype=np.float32)
        vocab = self.retriever.vocab_dict
        known = [t for t in query_tokens if t in vocab]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(known), dtype=np.float32)

    def save(self, directory: Path) -> None:
        self.retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        """The score matrix is memory-mapped (read-only, shared between processes); the vocabulary is read."""
        retriever = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0, mmap=True)
        return cls(retriever, size)
