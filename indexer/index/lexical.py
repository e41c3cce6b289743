"""BM25 over normalised tokens, one index per token view of the same units.

Two views: segmented words with diacritics (for accented queries) and diacritics-free syllables with bigrams
(for queries typed without accents, where word segmentation is unreliable).

bm25s builds and saves the index: its "lucene" method stores each (token, unit) BM25 weight in a sparse
token × unit matrix (CSC arrays), so a query's scores are the sum of its tokens' columns. Answering reads those
saved arrays memory-mapped and sums them here, without importing bm25s (and through it scipy.sparse: 0.15 s of a
serving process's start, before its first answer).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

logging.getLogger("bm25s").setLevel(logging.WARNING)  # its debug lines would interleave with our progress bars

# bm25s's file names in a saved index folder (BM25.save / BM25.load)
PARAMS_FILE = "params.index.json"
VOCAB_FILE = "vocab.index.json"
ARRAY_FILES = {"data": "data.csc.index.npy", "indices": "indices.csc.index.npy", "indptr": "indptr.csc.index.npy"}


class LexicalIndex:
    """BM25 weights of every (token, unit) pair; scores all units so fusion and filters stay exact."""

    def __init__(self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray,
                 size: int, retriever: object | None = None) -> None:
        self.vocab = vocab
        self.data = data
        self.indices = indices
        self.indptr = indptr
        self.size = size
        self._retriever = retriever  # the bm25s model of a fresh build, which `save` writes

    @classmethod
    def build(cls, token_lists: list[list[str]], k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
        # bm25s needs at least one token per document; an empty unit gets a placeholder that no query has.
        docs = [toks if toks else ["\u2400"] for toks in token_lists]
        retriever.index(docs, show_progress=False)
        s = retriever.scores
        return cls(dict(retriever.vocab_dict), s["data"], s["indices"], s["indptr"], len(docs), retriever)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every unit: a token repeated in the query counts again, as bm25s's get_scores does."""
        out = np.zeros(self.size, dtype=np.float32)
        for token in query_tokens:
            t = self.vocab.get(token)
            if t is None or t + 1 >= len(self.indptr):  # unknown, or the empty token (no column)
                continue
            start, end = int(self.indptr[t]), int(self.indptr[t + 1])
            out[self.indices[start:end]] += self.data[start:end]  # a column holds each unit at most once
        return out

    def save(self, directory: Path) -> None:
        if self._retriever is None:
            raise ValueError("only a freshly built lexical index is saved; a loaded one is already on disk")
        self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        """The arrays are memory-mapped (read-only, shared between processes); the vocabulary is read. A folder
        whose parts do not fit together (truncated, edited) raises ValueError."""
        params = json.loads((directory / PARAMS_FILE).read_text(encoding="utf-8"))
        vocab = json.loads((directory / VOCAB_FILE).read_text(encoding="utf-8"))
        arrays = {k: np.load(directory / name, mmap_mode="r", allow_pickle=False) for k, name in ARRAY_FILES.items()}
        data, indices, indptr = arrays["data"], arrays["indices"], arrays["indptr"]
        if not isinstance(vocab, dict) or not isinstance(params, dict):
            raise ValueError(f"{directory.name}: vocabulary or parameters are not JSON objects")
        if params.get("method") != "lucene" or params.get("num_docs") != size:
            raise ValueError(f"{directory.name}: a BM25 index of {params.get('num_docs')} units "
                             f"({params.get('method')}), expected {size} (lucene)")
        # bm25s lists the empty token in its vocabulary without a column of its own: one column fewer is normal
        if len(indptr) not in (len(vocab), len(vocab) + 1) or len(data) != len(indices) or (
                len(indptr) and indptr[-1] != len(data)):
            raise ValueError(f"{directory.name}: the score arrays do not fit the vocabulary")
        return cls(vocab, data, indices, indptr, size)
