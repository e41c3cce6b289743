"""Dense vectors in faiss: exact inner product (flat) by default, HNSW for very large collections."""

from __future__ import annotations

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
