"""Dense vectors in faiss: exact inner product (flat) by default, HNSW for very large collections."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

HNSW_THRESHOLD = 200_000  # below this a flat scan of 384-d vectors stays within the latency budget (see bench)


class DenseIndex:
    """Cosine similarity over L2-normalised embeddings; returns scores for the best `n` units."""

    def __init__(self, index: faiss.Index):
        self.index = index

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "auto") -> DenseIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        if kind == "auto":
            kind = "hnsw" if len(vectors) >= HNSW_THRESHOLD else "flat"
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = 80
            index.hnsw.efSearch = 128
        elif kind == "flat":
            index = faiss.IndexFlatIP(dim)
        else:
            raise ValueError(f"unknown faiss index kind: {kind}")
        if len(vectors):
            index.add(vectors)
        return cls(index)

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-n (unit positions, scores), best first; positions of -1 (HNSW shortfall) are dropped."""
        n = min(n, self.size)
        if n <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), n)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        """Read an index with its vectors memory-mapped (they are only read): processes serving the same version
        share one copy in the page cache, and the memory is the kernel's to reclaim. Plain read as a fallback."""
        flag = getattr(faiss, "IO_FLAG_MMAP_IFC", None)
        if flag is not None:
            try:
                return cls(faiss.read_index(str(path), flag))
            except RuntimeError:  # an index type this faiss cannot map
                pass
        return cls(faiss.read_index(str(path)))


def matvec(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """matrix @ vector without BLAS: after the ONNX encoder has run, waking OpenBLAS's threads costs ~3 ms on 2
    cores, the product of a few thousand rows ~0.2 ms (measured; einsum without `optimize` is a plain C loop)."""
    return np.einsum("ij,j->i", np.asarray(matrix), vector)


@dataclass
class QuestionVectors:
    """The questions units answer (indexer.corpus.questions), one vector each, rows grouped by unit in order."""

    vectors: np.ndarray  # (questions, dim), unit vectors
    units: np.ndarray  # (questions,) the unit of each row, ascending
    owners: np.ndarray = field(init=False)  # units that have questions, ascending
    starts: np.ndarray = field(init=False)  # first row of each owner

    def __post_init__(self) -> None:
        self.owners, self.starts = np.unique(self.units, return_index=True)

    @property
    def size(self) -> int:
        return len(self.units)

    def best(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(units that have questions, the best cosine between the query and one of each unit's questions)."""
        if not self.size:
            return self.owners, np.zeros(0, dtype=np.float32)
        return self.owners, np.maximum.reduceat(matvec(self.vectors, query), self.starts)

    @classmethod
    def load(cls, vectors: Path, units: np.ndarray | None, n_units: int) -> QuestionVectors:
        """The vectors file (memory-mapped) with its rows' units, read by the caller (None: an index built before
        questions existed, which has neither file). A mismatch raises ValueError: the searcher reports a damaged
        index."""
        if units is None and not vectors.exists():
            return cls(np.zeros((0, 1), dtype=np.float32), np.zeros(0, dtype=np.int32))
        if units is None:
            raise ValueError("question_units.npy is missing")
        vecs = np.load(vectors, mmap_mode="r")
        if vecs.ndim != 2 or units.ndim != 1 or len(vecs) != len(units):
            raise ValueError(f"{len(vecs)} rows for {len(units)} question units")
        if len(units) and (units.min() < 0 or units.max() >= n_units or np.any(np.diff(units) < 0)):
            raise ValueError("question units out of range or out of order")
        return cls(vecs, units)
